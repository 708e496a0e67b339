# common/: what both programs use: logging.
noinst_LIBRARIES += common/libmintcommon.a
common_libmintcommon_a_SOURCES = common/log.c common/log.h
