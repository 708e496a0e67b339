# common/: what every part uses: error sentences, logging, CPU lists, number
# parsing, the clock, Unix sockets.
noinst_LIBRARIES += common/libmintcommon.a
common_libmintcommon_a_SOURCES = common/cause.h common/clock.h common/cpulist.c common/cpulist.h \
	common/log.c common/log.h common/notify.c common/notify.h common/parse.c common/paths.h \
	common/parse.h common/sock.c common/sock.h common/xml.c common/xml.h
# common/xml.c reads libvirt's XML: only what links it needs libxml2
common_libmintcommon_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML_CFLAGS)
