# console/: mint-console, one file per command.
noinst_LIBRARIES += console/libmintconsole.a
console_libmintconsole_a_SOURCES = console/cmd.c console/cmd.h \
	console/client.c console/client.h console/args.c console/args.h \
	console/output.c console/output.h console/exit.c console/exit.h console/complete.c \
	console/cmd-format.c console/cmd-machine.c console/cmd-metrics.c \
	console/cmd-bench.c console/cmd-config.c console/cmd-events.c console/cmd-guest.c console/cmd-move.c console/cmd-node.c console/cmd-nodes.c console/cmd-ping.c \
	console/cmd-resources.c console/cmd-status.c \
	console/cmd-top.c console/cmd-tunnel.c console/cmd-verbose.c \
	console/top.h console/top-columns.c console/top-keys.c console/top-model.c
console_libmintconsole_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) $(LIBVIRT_CFLAGS) -DBINDIR='"$(bindir)"' \
	-DPKGLIBEXECDIR='"$(pkglibexecdir)"'

bin_PROGRAMS += console/mint-console
console_mint_console_SOURCES = console/main.c console/top-view.c
console_mint_console_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) $(NCURSESW_CFLAGS)
console_mint_console_LDADD = console/libmintconsole.a view/libmintview.a machine/libmintmachine.a \
	eval/libminteval.a common/libmintcommon.a \
	$(PROTO_LIBS) $(SHM_LIBS) \
	$(NCURSESW_LIBS) $(LIBVIRT_LIBS) -lpthread -lm

# bash completion: the console answers, the script only asks it; bash-completion
# loads it by the command's name
EXTRA_DIST += console/mint-console.bash
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/console/mint-console.bash '$(DESTDIR)$(bashcompletiondir)/mint-console'
uninstall-local:
	rm -f '$(DESTDIR)$(bashcompletiondir)/mint-console'
