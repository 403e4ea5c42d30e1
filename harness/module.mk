# harness/: CLI, engine, statistics, results, bench runner.
SRCS += harness/matrix.c harness/bench.c harness/bench_target.c harness/bench_fio.c harness/bench_plot.c
SRCS += harness/cmd.c harness/cmd_target.c
LIBS += -ljson-c
SRCS += harness/hist.c harness/prng.c harness/verify.c harness/cpuacct.c harness/job.c \
	harness/result.c harness/result_json.c harness/result_fio.c harness/engine.c harness/cmd_run.c \
	harness/cmd_result.c
LIBS += -lisal -lm
