# eval/: mint-bench, the Mint paper's evaluation program (register work,
# memcpy, random disk reads, timed with the TSC), and its workloads as a
# library the tests link.
noinst_LIBRARIES += eval/libminteval.a
eval_libminteval_a_SOURCES = eval/chart.c eval/chart.h eval/report.c eval/report.h eval/tsc.c eval/tsc.h eval/workload.c eval/workload.h
bin_PROGRAMS += eval/mint-bench
eval_mint_bench_SOURCES = eval/mint-bench.c
eval_mint_bench_LDADD = eval/libminteval.a common/libmintcommon.a
dist_man1_MANS = doc/mint-bench.1
