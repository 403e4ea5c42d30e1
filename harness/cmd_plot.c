/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath plot RUN [RUN...]`: plots (PNG + SVG) and report.html from bench result directories. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "harness/plot_internal.h"
#include "iopath/cmd.h"

int
iop_plot_runs(const char *const *dirs, unsigned int n, const char *out_dir,
	      const char *conform_dir, bool report, char *err, size_t errlen)
{
	struct plot_set s;
	int rc, nplots;

	rc = plot_load(&s, dirs, n, err, errlen);
	if (rc) {
		return rc;
	}
	nplots = plot_render(&s, out_dir, err, errlen);
	/* the report is still useful without plots (gnuplot missing): its tables stand alone */
	if (report && nplots >= 0) {
		rc = report_write(&s, out_dir, conform_dir, err, errlen);
	}
	plot_set_free(&s);
	return rc < 0 ? rc : nplots;
}

static void
plot_usage(FILE *f)
{
	fprintf(f, "usage: iopath plot [--out DIR] [--conform DIR] [--no-report] RUN [RUN...]\n"
		   "  RUN: a bench results directory (results/<run-id>, results/latest)\n"
		   "  Per workload (backend, rw, bs, jobs), PNG and SVG: IOPS and latency p50/p99/p99.9\n"
		   "  vs queue depth (one line per transport), IOPS per core and cores per GB/s bars\n"
		   "  (initiator+target and target only), latency percentile spectrum per QD, bandwidth\n"
		   "  vs block size. Several RUNs go into the same plots, labelled by run id (before /\n"
		   "  after). Writes DIR/report.html (environment, tables, plots, skipped, conformance).\n"
		   "  --out DIR       output directory (default plots)\n"
		   "  --conform DIR   iopath.conform/1 JSON reports for the report's conformance table\n"
		   "                  (CONFORM_REPORTS=DIR make conformance writes them)\n"
		   "  --no-report     plots only\n"
		   "  exit status: 0 ok, 1 failure, 2 usage\n");
}

static int
plot_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'}, {"conform", required_argument, NULL, 'c'},
		{"no-report", no_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = "plots", *conform = NULL;
	bool report = true;
	char err[512];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'c': conform = optarg; break;
		case 'n': report = false; break;
		case 'h': plot_usage(stdout); return 0;
		default: plot_usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "iopath plot: no RUN directory given (e.g. iopath plot results/latest)\n");
		return 2;
	}
	rc = iop_plot_runs((const char *const *)argv + optind, (unsigned int)(argc - optind), out,
			   conform, report, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "iopath plot: %s\n", err);
		return 1;
	}
	printf("plots: %d plots (PNG + SVG) in %s/\n", rc, out);
	if (report) {
		printf("report: %s/report.html\n", out);
	}
	return 0;
}

static const struct iop_cmd plot_cmd = {
	.name = "plot",
	.summary = "plots and HTML report from bench result dirs (iopath plot RUN [RUN...])",
	.main = plot_main,
};
IOP_CMD_REGISTER(plot_cmd)
