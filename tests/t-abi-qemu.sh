#!/bin/sh
# test-abi with its 32-bit peer forced under qemu-i386 (qemu-user): the
# fallback for kernels that do not execute 32-bit programs, proved here too.
if ! command -v qemu-i386 >/dev/null 2>&1; then
	echo "1..0 # SKIP no qemu-i386 on PATH (Debian package: qemu-user)"
	exit 77
fi
MINT_TEST_ABI_QEMU=1 exec "${top_builddir:-.}/tests/test-abi"
