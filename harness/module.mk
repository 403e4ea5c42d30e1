# harness/: CLI, engine, statistics, results, bench runner.
SRCS += harness/matrix.c
SRCS += harness/cmd.c harness/cmd_target.c
LIBS += -ljson-c
