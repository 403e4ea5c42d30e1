/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the bench runner: the plan (cells), target supervision, fio reference, plots. */
#ifndef IOPATH_HARNESS_BENCH_INTERNAL_H
#define IOPATH_HARNESS_BENCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "iopath/job.h"
#include "iopath/result.h"

enum bench_tool { BENCH_TOOL_IOPATH, BENCH_TOOL_FIO };

/** One cell of the plan. */
struct bench_cell {
	char name[128];         /* file name stem: local-null-randread-4k-qd1-j1 */
	char transport[32];     /* "local", "nvmf-tcp", ...; "fio-null" for tool=fio */
	char backend[128];      /* backend spec */
	char section[64];
	enum bench_tool tool;
	struct iop_job job;
	const char *skip;       /* non-NULL: why it does not run (points at a static or the
	                           transport's reason) */
	bool ran;               /* a result file was written */
	bool starved;           /* ran, but no I/O completed in the window */
	char error[256];        /* set when it ran and failed */
	/* for plots and the comparison, copied from the result */
	double iops, bw, p50_us, p99_us, p999_us, cpu_ini, cpu_tgt;
};

/** A running target process. */
struct bench_target {
	pid_t pid;
	char uri[512];
	char log_path[512];
};

/**
 * Start `iopath target URI --backend SPEC [--cpus CPUS]` as a child (pinned to cpus when given),
 * its stderr appended to log_path, and wait up to timeout_ms for its "ready" line.
 * \return 0, or a negative errno with why (the target's last log line when it exited) in err.
 */
int bench_target_start(struct bench_target *t, const char *uri, const char *backend,
		       const char *cpus, const char *log_path, unsigned int timeout_ms, char *err,
		       size_t errlen);
/** \return true while the target process is alive. */
bool bench_target_alive(struct bench_target *t);
/** SIGTERM, wait up to 5 s, then SIGKILL; reaps the child. Safe on a stopped target. */
void bench_target_stop(struct bench_target *t);
/** A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close). 0 on failure. */
int bench_free_port(void);

/** snprintf that truncates silently (paths and messages here are bounded on purpose).
 * \return what vsnprintf returns. */
int bench_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** \return true when an executable named prog is on PATH. */
bool bench_have_program(const char *prog);

/**
 * Run fio's null engine for c->job (rw, bs, iodepth, numjobs; runtime/ramp from the job) and
 * fill r like an engine result (histogram from fio's json+ clat bins). Raw fio JSON goes to
 * json_path. cpus: pin fio there (NULL: no pinning).
 * \return 0 or negative errno with the reason in r->error_msg.
 */
int bench_fio_run(const struct bench_cell *c, const char *cpus, const char *json_path,
		  struct iop_result *r);

/**
 * Parse fio --output-format=json+ text (anything before the first '{' is skipped) into r:
 * read/write ios, bytes and histograms (from clat_ns bins, summary restored from fio's min, max,
 * mean, stddev), runtime from total I/Os over IOPS, usr/sys cpu. Does not finalize.
 * \return 0 or -EINVAL (not fio JSON, no jobs[0].read/write).
 */
int bench_fio_parse(const char *text, struct iop_result *r);

/**
 * Write gnuplot data and script into run_dir and render PNGs into plots_dir: IOPS and p99
 * latency vs queue depth and bandwidth vs block size, one line per transport.
 * \return number of plots written (>= 0), or a negative errno (gnuplot missing: -ENOENT).
 */
int bench_plot(const struct bench_cell *cells, unsigned int n, const char *run_dir,
	       const char *plots_dir);

#endif
