# common/: what both programs use: logging, CPU lists.
noinst_LIBRARIES += common/libmintcommon.a
common_libmintcommon_a_SOURCES = common/cpulist.c common/cpulist.h common/log.c common/log.h
