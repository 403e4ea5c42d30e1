/* SPDX-License-Identifier: BSD-3-Clause */
/* One benchmark matrix cell's result: metrics, CPU, environment; JSON (iopath.result/1) and CSV. */
#ifndef IOPATH_RESULT_H
#define IOPATH_RESULT_H

/*
 * Concepts
 *
 * iop_engine_run() fills a struct iop_result for one cell (one endpoint x backend x job).
 * Raw measurements (ios, bytes, histograms, CPU seconds, runtime) are the source of truth;
 * iop_result_finalize() derives every rate, percentile and per-core figure from them.
 *
 * CPU is in "cores used" = CPU-seconds / wall-seconds of the measured window (ramp excluded).
 * Initiator = this process (for local: it includes the backend). The engine's job threads are
 * also measured alone (cpu_threads, getrusage RUSAGE_THREAD): cpu_ini minus cpu_threads is what
 * the rest of the process (initiator helper threads, the control thread) used. Target = the
 * target process,
 * measured from /proc/PID/stat by the caller (bench) and stored in cpu_tgt; target_measured says
 * whether it was. For local: there is no target: target_measured is false, target figures 0.
 *
 * JSON layout (schema "iopath.result/1"), all latency values in ns, rates per second:
 * {
 *   "schema": "iopath.result/1", "cell": "...",
 *   "endpoint": {"uri", "transport", "desc", "backend"},
 *   "job": {"name", "rw", "rwmixread", "bs", "iodepth", "numjobs", "size", "offset",
 *           "runtime_ns", "ramp_ns", "number_ios", "verify"},
 *   "runtime_ns", "ios", "bytes", "iops", "bw_bytes",
 *   "lat_ns": {"n","min","max","mean","stdev","percentile":{"50.0","90.0","99.0","99.9","99.99"},
 *              "bins":{"<bucket lo ns>": count, ...}},
 *   "read": {"ios","bytes","iops","bw_bytes","lat_ns":{...}}, "write": {...},
 *   "cpu": {"initiator_usr","initiator_sys","target_usr","target_sys","target_measured",
 *           "total", "threads_usr", "threads_sys"},
 *   "derived": {"iops_per_core","iops_per_core_target","bw_per_core","cores_per_gbps"},
 *   "errors", "verify_errors", "error_msg",
 *   "env": {"commit","kernel","cpu_model","nproc","pinning","mode","hostname","time"}
 * }
 * Reading checks every field's type; unknown extra fields are ignored (forward compatible);
 * cpu.threads_usr/sys (added later in /1) may be absent and then read as 0.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iopath/hist.h"

#define IOP_RESULT_SCHEMA "iopath.result/1"

/** Latency summary derived from a histogram (ns). */
struct iop_lat_stats {
	uint64_t n;
	uint64_t min, max;
	double mean, stdev;
	uint64_t p50, p90, p99, p999, p9999;
};

/** Per-direction (read or write) figures. */
struct iop_dir_result {
	uint64_t ios;
	uint64_t bytes;
	double iops;
	double bw;              /* bytes per second */
	struct iop_lat_stats lat;
	struct iop_hist hist;   /* raw completion latency, ramp excluded */
};

/** CPU usage in cores (CPU-seconds per wall second of the measured window). */
struct iop_cpu_usage {
	double usr;
	double sys;
};

struct iop_env {
	char commit[48];        /* git commit of the build ("unknown" when not built from git) */
	char kernel[128];       /* uname -r */
	char cpu_model[128];    /* /proc/cpuinfo "model name" */
	unsigned int nproc;     /* online CPUs */
	char pinning[64];       /* cpu list the job threads were pinned to, "" = not pinned */
	bool interrupt;         /* interrupt mode (false: busy polling) */
	char hostname[64];
	char time[32];          /* ISO-8601 UTC start time */
};

struct iop_result {
	char cell[128];         /* cell id, e.g. "local-null-randread-4k-qd1-j1" (free form) */
	/* endpoint */
	char uri[256];
	char transport[32];     /* URI scheme */
	char desc[128];         /* initiator's description */
	char backend[256];      /* backend spec ("" when the target owns it and did not say) */
	/* job */
	char name[64];
	char rw[16];            /* read|write|randread|randwrite|rw|randrw */
	unsigned int rwmixread; /* percent */
	uint64_t bs;
	unsigned int iodepth;
	unsigned int numjobs;
	uint64_t size, offset;
	uint64_t runtime_req_ns, ramp_ns, number_ios;
	bool verify;
	/* measurements (raw) */
	uint64_t runtime_ns;    /* measured window, ramp excluded */
	uint64_t ios, bytes;    /* completed in the window, both directions */
	struct iop_dir_result read, write;
	struct iop_hist hist;   /* both directions merged */
	struct iop_cpu_usage cpu_ini;
	struct iop_cpu_usage cpu_tgt;
	bool target_measured;
	struct iop_cpu_usage cpu_threads; /* the engine's job threads alone (RUSAGE_THREAD, each
					   * over its own window), summed; part of cpu_ini */
	uint64_t errors;        /* I/Os completed with an error status or failed to submit */
	uint64_t verify_errors; /* blocks whose content did not verify */
	char error_msg[256];    /* first error seen, "" when none */
	/* derived by iop_result_finalize() */
	double iops, bw;
	struct iop_lat_stats lat;
	double cpu_total;       /* initiator + target cores */
	double iops_per_core;   /* iops / cpu_total */
	double iops_per_core_target; /* iops / target cores; 0 when not measured */
	double bw_per_core;     /* bytes/s per core */
	double cores_per_gbps;  /* cores per 1e9 bytes/s */
	struct iop_env env;
};

/** Zero everything and initialise the histograms (call before filling; allocate on the heap:
 * the struct holds three histograms, ~175 KiB). */
void iop_result_init(struct iop_result *r);

/** Fill iop_env of this machine (commit, kernel, cpu model, nproc, hostname, time); pinning and
 * interrupt are left as they are. */
void iop_result_env_fill(struct iop_env *env);

/** Compute iops, bw, latency stats of every direction and the derived per-core figures from the
 * raw measurements. Idempotent. */
void iop_result_finalize(struct iop_result *r);

/** Fill s from histogram h. */
void iop_lat_stats_from_hist(struct iop_lat_stats *s, const struct iop_hist *h);

/**
 * Serialise r to JSON text (schema iopath.result/1, pretty printed).
 * \return a malloc'd NUL-terminated string, or NULL on -ENOMEM.
 */
char *iop_result_to_json(const struct iop_result *r);

/** Write r as JSON to path (atomically: temp file + rename). \return 0 or negative errno. */
int iop_result_write_json(const struct iop_result *r, const char *path);

/**
 * Parse JSON text into r, checking the schema string and the type of every field.
 * err receives a message naming the first bad field.
 * \return 0, -EINVAL (malformed JSON, wrong schema, missing field or wrong type).
 */
int iop_result_from_json(const char *text, struct iop_result *r, char *err, size_t errlen);

/** Read a JSON file written by iop_result_write_json. \return 0, -ENOENT, -EINVAL (see above). */
int iop_result_read_json(const char *path, struct iop_result *r, char *err, size_t errlen);

/**
 * fio-compatible JSON ("fio --output-format=json" layout) for n results, one jobs[] entry each:
 * jobname, job options, read/write {io_bytes, bw_bytes, bw (KiB/s), iops, runtime (ms),
 * total_ios, clat_ns and lat_ns {min, max, mean, stddev, N, percentile{"99.000000"...}}},
 * usr_cpu/sys_cpu (percent of one CPU, initiator), so fio tooling can read iopath results.
 * \return a malloc'd string or NULL on -ENOMEM.
 */
char *iop_result_to_fio_json(const struct iop_result *const *rs, unsigned int n);
/** Write iop_result_to_fio_json to path. \return 0 or negative errno. */
int iop_result_write_fio_json(const struct iop_result *const *rs, unsigned int n,
			      const char *path);

/** The summary.csv header line (no newline); columns match iop_result_csv_row. */
const char *iop_result_csv_header(void);

/** Format r as one CSV row (no newline) into buf. \return length or -ENOSPC. */
int iop_result_csv_row(const struct iop_result *r, char *buf, size_t len);

/** Append one row to path, writing the header first when the file is new or empty.
 * \return 0 or negative errno. */
int iop_result_csv_append(const struct iop_result *r, const char *path);

#endif
