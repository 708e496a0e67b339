# agent/: mint-agent, one per node. Domain code (no libev) goes in the library the tests link.
noinst_LIBRARIES += agent/libmintagent.a
agent_libmintagent_a_SOURCES = agent/sample.c agent/sample.h
