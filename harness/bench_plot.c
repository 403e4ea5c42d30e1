/* SPDX-License-Identifier: BSD-3-Clause */
/* Bench runner: plots and report.html of the finished run through `iopath plot` (harness/plot.c). */
#include <errno.h>
#include <stdio.h>
#include "harness/bench_internal.h"
#include "harness/plot_internal.h"

int
bench_plot(const struct bench_cell *cells, unsigned int n, const char *run_dir,
	   const char *plots_dir)
{
	const char *dirs[1] = {run_dir};
	char err[512], script[600];
	FILE *f;
	int rc;

	(void)cells;
	(void)n;
	if (!bench_have_program("gnuplot")) {
		return -ENOENT;
	}
	rc = iop_plot_runs(dirs, 1, plots_dir, NULL, true, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "iopath bench: plots: %s\n", err);
		return rc == -ENOENT ? -EIO : rc;
	}
	/* the run dir keeps a pointer to the script that redraws its plots */
	bench_fmt(script, sizeof(script), "%s/plots.gp", run_dir);
	f = fopen(script, "w");
	if (f) {
		fprintf(f, "# plots of this run: redraw with gnuplot %s/plots.gp, or iopath plot %s\n"
			   "load '%s/plots.gp'\n", plots_dir, run_dir, plots_dir);
		fclose(f);
	}
	return rc;
}
