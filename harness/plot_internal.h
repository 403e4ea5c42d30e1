/* SPDX-License-Identifier: BSD-3-Clause */
/* Plots and HTML report over bench result directories: loaded rows, rendered images. */
#ifndef IOPATH_HARNESS_PLOT_INTERNAL_H
#define IOPATH_HARNESS_PLOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iopath/result.h"

#define PLOT_MAX_RUNS 8
#define PLOT_SPEC_MAX 24

/** One result file, reduced to what plots and the report show. Latencies in µs. */
struct plot_row {
	unsigned int run;       /* index into plot_set.runs */
	char file[160];         /* file name inside the run dir */
	char cell[128];
	char transport[32];
	char backend[64];       /* backend name without options ("null") */
	char backend_spec[128];
	char rw[16];
	uint64_t bs;
	unsigned int qd, jobs;
	double iops, bw;        /* bw in bytes/s */
	double mean, p50, p90, p99, p999, p9999, max;
	double cpu_ini, cpu_tgt;
	bool target_measured;
	double ipc, ipc_tgt;    /* IOPS per core: initiator+target, target only */
	double cpg, cpg_tgt;    /* cores per GB/s (1e9 bytes/s): initiator+target, target only */
	uint64_t errors, verify_errors;
	char error_msg[128];
	/* latency percentile spectrum from the histogram: x = 1/(1-p), y = latency µs */
	unsigned int nspec;
	double spec_p[PLOT_SPEC_MAX], spec_us[PLOT_SPEC_MAX];
};

/** One image the renderer wrote (both .png and .svg). */
struct plot_img {
	char stem[200];         /* file name without extension, inside the output dir */
	char group[160];        /* workload key it belongs to (report section) */
	char title[200];
};

struct plot_run {
	char dir[512];
	char id[96];            /* basename of the dir (run id) */
	struct iop_env env;
	bool have_env;
};

struct plot_set {
	struct plot_run runs[PLOT_MAX_RUNS];
	unsigned int nruns;
	struct plot_row *rows;
	unsigned int nrows;
	struct plot_img *imgs;
	unsigned int nimgs;
};

/** Fixed colour of a transport ("#rrggbb"); the one table every plot uses. */
const char *iop_plot_color(const char *transport);

/**
 * Load every iopath.result/1 file (*.json) of each run dir (other JSON files such as
 * skipped.json and fio's raw output are ignored). A `latest` symlink is resolved for the id.
 * \return 0, or a negative errno with the reason in err (dir missing, no result in it).
 */
int plot_load(struct plot_set *s, const char *const *dirs, unsigned int n, char *err,
	      size_t errlen);

/** Free what plot_load and plot_render allocated. */
void plot_set_free(struct plot_set *s);

/** Workload key of a row for QD groups: "null-randread-4KiB-j1". */
void plot_group_key(const struct plot_row *r, char *buf, size_t len);

/**
 * Write gnuplot data + script into out_dir/plot-data and render PNG and SVG plots into out_dir
 * (gnuplot must be on PATH). Fills s->imgs.
 * \return number of plots (each in both formats) or a negative errno (err says why).
 */
int plot_render(struct plot_set *s, const char *out_dir, char *err, size_t errlen);

/**
 * Write out_dir/report.html: environment, per-workload metric tables, the plots of s->imgs,
 * skipped transports (each run's skipped.json), and the conformance table from the
 * iopath.conform/1 reports in conform_dir (NULL or missing: the page says so).
 * \return 0 or a negative errno.
 */
int report_write(const struct plot_set *s, const char *out_dir, const char *conform_dir,
		 char *err, size_t errlen);

/** Plot and report the run dirs into out_dir (what `iopath plot` and the bench runner call).
 * \return number of plots, or a negative errno (message in err). */
int iop_plot_runs(const char *const *dirs, unsigned int n, const char *out_dir,
		  const char *conform_dir, bool report, char *err, size_t errlen);

#endif
