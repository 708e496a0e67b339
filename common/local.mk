# common/: what every part uses: error sentences, logging, CPU lists.
noinst_LIBRARIES += common/libmintcommon.a
common_libmintcommon_a_SOURCES = common/cause.h common/cpulist.c common/cpulist.h common/log.c common/log.h
