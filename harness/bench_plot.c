/* SPDX-License-Identifier: BSD-3-Clause */
/* Bench runner: gnuplot data files, script and PNGs (IOPS / p99 vs QD, bandwidth vs block size). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/bench_internal.h"
#include "iopath/util.h"

/* Fixed colours so a transport looks the same in every plot and every run. */
static const struct {
	const char *transport;
	const char *color;
} g_plot_colors[] = {
	{"local", "#000000"},          {"nvmf-tcp", "#1f77b4"},  {"nvmf-rdma", "#ff7f0e"},
	{"vfio-user", "#2ca02c"},      {"vhost-user-blk", "#d62728"},
	{"vhost-user-scsi", "#9467bd"}, {"vduse", "#8c564b"},    {"fio-null", "#7f7f7f"},
};

enum plot_kind { PLOT_QD, PLOT_BS };

static const char *
plot_color(const char *t)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_plot_colors); i++) {
		if (!strcmp(g_plot_colors[i].transport, t)) {
			return g_plot_colors[i].color;
		}
	}
	return "#17becf";
}

static bool
plot_usable(const struct bench_cell *c)
{
	return c->ran && !c->error[0] && c->iops > 0;
}

/* Backend name without options ("null:size=1G" -> "null"). */
static void
plot_backend_name(const struct bench_cell *c, char *buf, size_t len)
{
	size_t n = strcspn(c->backend, ":");

	bench_fmt(buf, len, "%.*s", (int)IOP_MIN(n, len - 1), c->backend);
}

/* Same group: everything equal except the x axis (iodepth for QD plots, bs for BS plots). */
static bool
plot_same_group(const struct bench_cell *a, const struct bench_cell *b, enum plot_kind k)
{
	char ba[64], bb[64];

	plot_backend_name(a, ba, sizeof(ba));
	plot_backend_name(b, bb, sizeof(bb));
	if (a->job.rw != b->job.rw || a->job.numjobs != b->job.numjobs || strcmp(ba, bb)) {
		return false;
	}
	return k == PLOT_QD ? a->job.bs == b->job.bs : a->job.iodepth == b->job.iodepth;
}

static uint64_t
plot_x(const struct bench_cell *c, enum plot_kind k)
{
	return k == PLOT_QD ? c->job.iodepth : c->job.bs;
}

static int
plot_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Write one data file per transport of the group led by cells[lead] and append the plot
 * commands to gp. \return plots added (0 when the group has a single x value).
 */
static int
plot_group(const struct bench_cell *cells, unsigned int n, unsigned int lead, enum plot_kind k,
	   const char *data_dir, const char *plots_dir, FILE *gp)
{
	const struct bench_cell *L = &cells[lead];
	char tr[16][32], files[16][600], be[64], stem[200], bsbuf[32];
	unsigned int ntr = 0, nx = 0;
	uint64_t xs[256];
	int plots = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct bench_cell *c = &cells[i];
		bool seen = false;

		if (!plot_usable(c) || !plot_same_group(L, c, k)) {
			continue;
		}
		for (unsigned int j = 0; j < nx; j++) {
			seen |= xs[j] == plot_x(c, k);
		}
		if (!seen && nx < IOP_ARRAY_SIZE(xs)) {
			xs[nx++] = plot_x(c, k);
		}
		seen = false;
		for (unsigned int j = 0; j < ntr; j++) {
			seen |= !strcmp(tr[j], c->transport);
		}
		if (!seen && ntr < IOP_ARRAY_SIZE(tr)) {
			bench_fmt(tr[ntr++], sizeof(tr[0]), "%s", c->transport);
		}
	}
	if (nx < 2) {
		return 0;
	}
	qsort(xs, nx, sizeof(xs[0]), plot_cmp_u64);
	plot_backend_name(L, be, sizeof(be));
	iop_fmt_size(L->job.bs, bsbuf, sizeof(bsbuf));
	if (k == PLOT_QD) {
		bench_fmt(stem, sizeof(stem), "%s-%s-%s-j%llu", be, iop_rw_name(L->job.rw), bsbuf,
			 (unsigned long long)L->job.numjobs);
	} else {
		bench_fmt(stem, sizeof(stem), "%s-%s-qd%llu-j%llu", be, iop_rw_name(L->job.rw),
			 (unsigned long long)L->job.iodepth, (unsigned long long)L->job.numjobs);
	}
	for (unsigned int t = 0; t < ntr; t++) {
		FILE *f;

		bench_fmt(files[t], sizeof(files[t]), "%s/%s-%s-%s.dat", data_dir,
			 k == PLOT_QD ? "qd" : "bs", stem, tr[t]);
		f = fopen(files[t], "w");
		if (!f) {
			return -errno;
		}
		fprintf(f, "# %s: x iops bw_MiBps p50_us p99_us p99.9_us cpu_ini cpu_tgt\n", tr[t]);
		for (unsigned int xi = 0; xi < nx; xi++) {
			for (unsigned int i = 0; i < n; i++) {
				const struct bench_cell *c = &cells[i];

				if (!plot_usable(c) || !plot_same_group(L, c, k) ||
				    strcmp(c->transport, tr[t]) || plot_x(c, k) != xs[xi]) {
					continue;
				}
				fprintf(f, "%llu %.1f %.3f %.3f %.3f %.3f %.3f %.3f\n",
					(unsigned long long)(k == PLOT_QD ? xs[xi] : xs[xi] / 1024),
					c->iops, c->bw / 1048576.0, c->p50_us, c->p99_us,
					c->p999_us, c->cpu_ini, c->cpu_tgt);
				break;
			}
		}
		fclose(f);
	}
	/* column and axis per plot: 2 = IOPS, 5 = p99, 3 = bandwidth */
	static const struct {
		enum plot_kind k;
		const char *name, *ylabel, *what;
		int col;
	} specs[] = {
		{PLOT_QD, "iops_vs_qd", "IOPS (I/Os per second)", "IOPS", 2},
		{PLOT_QD, "p99_vs_qd", "p99 completion latency (µs)", "p99 latency", 5},
		{PLOT_BS, "bw_vs_bs", "bandwidth (MiB/s)", "bandwidth", 3},
		{PLOT_BS, "iops_vs_bs", "IOPS (I/Os per second)", "IOPS", 2},
	};
	for (size_t s = 0; s < IOP_ARRAY_SIZE(specs); s++) {
		if (specs[s].k != k) {
			continue;
		}
		fprintf(gp, "set output '%s/%s-%s.png'\n", plots_dir, specs[s].name, stem);
		if (k == PLOT_QD) {
			fprintf(gp,
				"set title \"%s vs queue depth: %s %s, %llu job(s), backend %s\"\n",
				specs[s].what, iop_rw_name(L->job.rw), bsbuf,
				(unsigned long long)L->job.numjobs, be);
			fprintf(gp, "set xlabel \"queue depth (I/Os in flight per job)\"\n");
		} else {
			fprintf(gp,
				"set title \"%s vs block size: %s QD %llu, %llu job(s), "
				"backend %s\"\n",
				specs[s].what, iop_rw_name(L->job.rw),
				(unsigned long long)L->job.iodepth,
				(unsigned long long)L->job.numjobs, be);
			fprintf(gp, "set xlabel \"block size (KiB)\"\n");
		}
		fprintf(gp, "set ylabel \"%s\"\n", specs[s].ylabel);
		/* latency spans decades (ns on local:, ms on a loaded transport): log scale */
		if (specs[s].col == 5) {
			fprintf(gp, "set logscale y 10\nset format y '%%g'\nset yrange [*:*]\n");
		} else {
			fprintf(gp,
				"unset logscale y\nset format y '%%.1s%%c'\nset yrange [0:*]\n");
		}
		fprintf(gp, "plot ");
		for (unsigned int t = 0; t < ntr; t++) {
			fprintf(gp,
				"%s'%s' using 1:%d with linespoints lw 2 pt 7 lc rgb '%s' "
				"title '%s'",
				t ? ", \\\n     " : "", files[t], specs[s].col, plot_color(tr[t]),
				tr[t]);
		}
		fprintf(gp, "\n");
		plots++;
	}
	return plots;
}

static int
plot_run_gnuplot(const char *script, const char *log)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		return -errno;
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		return -errno;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int
bench_plot(const struct bench_cell *cells, unsigned int n, const char *run_dir,
	   const char *plots_dir)
{
	char data_dir[600], script[600], log[600];
	bool *done = calloc(n ? n : 1, sizeof(*done));
	int total = 0, rc = 0;
	FILE *gp;

	if (!done) {
		return -ENOMEM;
	}
	if (!bench_have_program("gnuplot")) {
		free(done);
		return -ENOENT;
	}
	bench_fmt(data_dir, sizeof(data_dir), "%s/plot-data", run_dir);
	bench_fmt(script, sizeof(script), "%s/plots.gp", run_dir);
	bench_fmt(log, sizeof(log), "%s/gnuplot.log", run_dir);
	mkdir(data_dir, 0755);
	mkdir(plots_dir, 0755);
	gp = fopen(script, "w");
	if (!gp) {
		free(done);
		return -errno;
	}
	fprintf(gp, "# generated by iopath bench; rerun with: gnuplot %s\n"
		    "set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,10'\n"
		    "set grid\nset key outside right top\nset yrange [0:*]\n"
		    "set format y '%%.1s%%c'\n", script);
	for (int pass = 0; pass < 2 && rc >= 0; pass++) {
		enum plot_kind k = pass == 0 ? PLOT_QD : PLOT_BS;

		fprintf(gp, k == PLOT_QD ? "set logscale x 2\nset xtics 1,2,65536\n"
					 : "set logscale x 2\nset xtics 1,2,65536\n");
		memset(done, 0, n * sizeof(*done));
		for (unsigned int i = 0; i < n && rc >= 0; i++) {
			if (done[i] || !plot_usable(&cells[i])) {
				continue;
			}
			for (unsigned int j = i; j < n; j++) {
				if (plot_usable(&cells[j]) &&
				    plot_same_group(&cells[i], &cells[j], k)) {
					done[j] = true;
				}
			}
			rc = plot_group(cells, n, i, k, data_dir, plots_dir, gp);
			total += rc > 0 ? rc : 0;
		}
	}
	fclose(gp);
	free(done);
	if (rc < 0) {
		return rc;
	}
	if (total == 0) {
		return 0;
	}
	rc = plot_run_gnuplot(script, log);
	return rc < 0 ? rc : total;
}
