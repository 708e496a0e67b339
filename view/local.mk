# view/: what the region says of the whole machine, for any node to show: each
# node's status snapshot and the judgement of the live nodes (snapshot.c), the
# Prometheus text (metrics.c). The console and the agent link it.
noinst_LIBRARIES += view/libmintview.a
view_libmintview_a_SOURCES = view/snapshot.c view/snapshot.h view/metrics.c view/metrics.h
view_libmintview_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
