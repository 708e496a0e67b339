# kernel/: the module, built with kbuild against $(KDIR) when configure found kernel headers.
# The sources are copied to the build tree: kbuild wants them beside its output.
EXTRA_DIST += kernel/mint.c kernel/mint-uapi.h kernel/Kbuild kernel/Makefile.kbuild kernel/dkms.conf

if KERNEL_MODULE
all-local: kernel/mint.ko
kernel/mint.ko: $(srcdir)/kernel/mint.c $(srcdir)/kernel/mint-uapi.h $(srcdir)/kernel/Kbuild
	$(AM_V_GEN)$(MKDIR_P) kernel/kbuild && \
	cp $(srcdir)/kernel/mint.c $(srcdir)/kernel/mint-uapi.h $(srcdir)/kernel/Kbuild kernel/kbuild/ && \
	$(MAKE) -s -C $(KDIR) M=$(abs_builddir)/kernel/kbuild modules >kernel/kbuild/build.log 2>&1 || \
	{ cat kernel/kbuild/build.log; exit 1; }; \
	cp kernel/kbuild/mint.ko $@
endif
# (outside the conditional: automake wants .PHONY and clean rules unconditional)
clean-local: clean-kernel
clean-kernel:
	-rm -rf kernel/kbuild kernel/mint.ko
.PHONY: clean-kernel
