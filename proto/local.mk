# proto/: the schema of every message, and the one place that packs and checks them.
noinst_LIBRARIES += proto/libmintproto.a
proto_libmintproto_a_SOURCES = proto/wire.c proto/wire.h
nodist_proto_libmintproto_a_SOURCES = proto/mint.pb-c.c proto/mint.pb-c.h
proto_libmintproto_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
BUILT_SOURCES += proto/mint.pb-c.c proto/mint.pb-c.h
CLEANFILES += proto/mint.pb-c.c proto/mint.pb-c.h
EXTRA_DIST += proto/mint.proto
PROTO_LIBS = proto/libmintproto.a $(PROTOBUF_C_LIBS)

proto/mint.pb-c.c: proto/mint.proto
	$(AM_V_GEN)$(MKDIR_P) proto && \
	    $(PROTOC_C) --proto_path=$(top_srcdir) --c_out=$(top_builddir) $(top_srcdir)/proto/mint.proto
proto/mint.pb-c.h: proto/mint.pb-c.c
