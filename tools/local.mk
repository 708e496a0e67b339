# tools/: helpers around the programs: the ivshmem server QEMU's ivshmem-doorbell needs.
bin_PROGRAMS += tools/mint-ivshmem-server
tools_mint_ivshmem_server_SOURCES = tools/mint-ivshmem-server.c
tools_mint_ivshmem_server_LDADD = common/libmintcommon.a

# libvirt's QEMU hook for guests whose RAM every node maps (migration without
# copying it): a node's libvirtd runs it from /etc/libvirt/hooks/qemu.d/mint
pkglibexec_PROGRAMS = tools/mint-libvirt-hook
tools_mint_libvirt_hook_SOURCES = tools/mint-libvirt-hook.c
tools_mint_libvirt_hook_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML_CFLAGS)
tools_mint_libvirt_hook_LDADD = common/libmintcommon.a $(LIBXML_LIBS)

# the test starts tools/mint-ivshmem-server, so make check builds it first
check_PROGRAMS += tests/test-ivshmem-server
TESTS += tests/test-ivshmem-server

# the region device readable by group mint (tools/60-mint.rules); make install
# creates the group when run as root into the system itself (no DESTDIR, a
# system prefix: not distcheck's)
dist_udevrules_DATA = tools/60-mint.rules
install-data-hook:
	@if [ -z "$(DESTDIR)" ] && { [ "$(prefix)" = /usr ] || [ "$(prefix)" = /usr/local ]; } && \
	    [ "$$(id -u)" = 0 ] && command -v groupadd >/dev/null 2>&1 && \
	    ! getent group mint >/dev/null 2>&1; then \
		echo "groupadd --system mint"; groupadd --system mint || true; \
	fi

# its manual
dist_man8_MANS += doc/mint-ivshmem-server.8

# the systemd generator that orders mint-agent@.service after the region's
# device, where the configuration names one (dev:/dev/mintN)
systemdsystemgenerator_SCRIPTS = tools/mint-agent-generator
CLEANFILES += tools/mint-agent-generator
EXTRA_DIST += tools/mint-agent-generator.in
tools/mint-agent-generator: $(top_srcdir)/tools/mint-agent-generator.in
	$(AM_V_GEN)$(MKDIR_P) tools && $(SED) -e 's|@sysconfdir[@]|$(sysconfdir)|g' $< >$@ && \
	    chmod +x $@
