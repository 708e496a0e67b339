# agent/: mint-agent, one per node. main.c is thin; everything else, the request handlers
# too, is in the library the tests link.
noinst_LIBRARIES += agent/libmintagent.a
agent_libmintagent_a_SOURCES = agent/guests.c agent/guests.h agent/sample.c agent/sample.h \
	agent/status.c agent/status.h agent/watch.c agent/watch.h agent/backend.h \
	agent/backend-sim.c agent/backend-sysfs.c agent/worker.c agent/worker.h \
	agent/guest-ops.c agent/guest-ops.h agent/guest-events.c agent/metrics-http.c agent/coremap.c agent/coremap.h agent/beat.c agent/beat.h \
	agent/agent.c agent/agent.h agent/handle-bench.c agent/bench-guest.c agent/options.c agent/options.h agent/service.c agent/ctl.c agent/peers.c \
	agent/handle.c agent/handle-ping.c agent/handle-status.c agent/handle-verbose.c \
	agent/move.c agent/lifecycle.c agent/tunnel.c agent/tunnel.h agent/handle-guest.c \
	agent/guest-pool.c
agent_libmintagent_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS) -DBINDIR='"$(bindir)"'

bin_PROGRAMS += agent/mint-agent
agent_mint_agent_SOURCES = agent/main.c
agent_mint_agent_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
# what a program or a test that links the agent's library needs
AGENT_LIBS = agent/libmintagent.a view/libmintview.a eval/libminteval.a common/libmintcommon.a $(PROTO_LIBS) $(SHM_LIBS) \
	$(LIBVIRT_LIBS) $(LIBXML_LIBS) $(LIBSYSTEMD_LIBS) $(EV_LIBS) -lpthread
agent_mint_agent_LDADD = $(AGENT_LIBS)

dist_man8_MANS = doc/mint-agent.8 doc/mint-console.8
systemdsystemunit_DATA = agent/mint-agent@.service
mintconfdir = $(sysconfdir)/mint
dist_mintconf_DATA = agent/agent.conf
CLEANFILES += agent/mint-agent@.service
EXTRA_DIST += agent/mint-agent@.service.in
agent/mint-agent@.service: $(top_srcdir)/agent/mint-agent@.service.in
	$(AM_V_GEN)$(MKDIR_P) agent && $(SED) -e 's|@bindir[@]|$(bindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' $< >$@
