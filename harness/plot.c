/* SPDX-License-Identifier: BSD-3-Clause */
/* Plots: gnuplot data, script and PNG + SVG images per workload from loaded result rows. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/plot_internal.h"
#include "iopath/util.h"

#define PLOT_MAX_SERIES 32
#define PLOT_MAX_X      64

/* One line of a plot: a transport in one run. */
struct plot_series {
	char transport[32];
	unsigned int run;
};

/* Rows of one group (same backend, rw, jobs and either bs (QD groups) or QD (BS groups)). */
struct plot_group {
	const struct plot_set *s;
	bool by_bs;
	char key[160];
	struct plot_series ser[PLOT_MAX_SERIES];
	unsigned int nser;
	uint64_t xs[PLOT_MAX_X];
	unsigned int nx;
};

static bool
plot_in_group(const struct plot_row *lead, const struct plot_row *r, bool by_bs)
{
	if (strcmp(lead->backend, r->backend) || strcmp(lead->rw, r->rw) || lead->jobs != r->jobs) {
		return false;
	}
	return by_bs ? lead->qd == r->qd : lead->bs == r->bs;
}

static uint64_t
plot_xval(const struct plot_row *r, bool by_bs)
{
	return by_bs ? r->bs : r->qd;
}

static int
plot_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
plot_group_build(struct plot_group *g, const struct plot_set *s, const struct plot_row *lead,
		 bool by_bs)
{
	char bs[32];

	memset(g, 0, sizeof(*g));
	g->s = s;
	g->by_bs = by_bs;
	if (by_bs) {
		snprintf(g->key, sizeof(g->key), "%s-%s-qd%u-j%u", lead->backend, lead->rw, lead->qd,
			 lead->jobs);
	} else {
		plot_group_key(lead, g->key, sizeof(g->key));
	}
	(void)bs;
	for (unsigned int i = 0; i < s->nrows; i++) {
		const struct plot_row *r = &s->rows[i];
		bool seen = false;

		if (!plot_in_group(lead, r, by_bs) || r->iops <= 0) {
			continue;
		}
		for (unsigned int j = 0; j < g->nx; j++) {
			seen |= g->xs[j] == plot_xval(r, by_bs);
		}
		if (!seen && g->nx < PLOT_MAX_X) {
			g->xs[g->nx++] = plot_xval(r, by_bs);
		}
		seen = false;
		for (unsigned int j = 0; j < g->nser; j++) {
			seen |= !strcmp(g->ser[j].transport, r->transport) && g->ser[j].run == r->run;
		}
		if (!seen && g->nser < PLOT_MAX_SERIES) {
			snprintf(g->ser[g->nser].transport, sizeof(g->ser[0].transport), "%s",
				 r->transport);
			g->ser[g->nser++].run = r->run;
		}
	}
	qsort(g->xs, g->nx, sizeof(g->xs[0]), plot_u64_cmp);
}

static const struct plot_row *
plot_find(const struct plot_group *g, const struct plot_row *lead, unsigned int si, uint64_t x)
{
	for (unsigned int i = 0; i < g->s->nrows; i++) {
		const struct plot_row *r = &g->s->rows[i];

		if (plot_in_group(lead, r, g->by_bs) && r->iops > 0 && r->run == g->ser[si].run &&
		    !strcmp(r->transport, g->ser[si].transport) && plot_xval(r, g->by_bs) == x) {
			return r;
		}
	}
	return NULL;
}

static void
plot_series_title(const struct plot_group *g, unsigned int si, char *buf, size_t len)
{
	if (g->s->nruns > 1) {
		snprintf(buf, len, "%s (%s)", g->ser[si].transport, g->s->runs[g->ser[si].run].id);
	} else {
		snprintf(buf, len, "%s", g->ser[si].transport);
	}
}

static int
plot_add_img(struct plot_set *s, const char *stem, const char *group, const char *title)
{
	struct plot_img *im = realloc(s->imgs, (s->nimgs + 1) * sizeof(*im));

	if (!im) {
		return -ENOMEM;
	}
	s->imgs = im;
	im = &s->imgs[s->nimgs++];
	snprintf(im->stem, sizeof(im->stem), "%s", stem);
	snprintf(im->group, sizeof(im->group), "%s", group);
	snprintf(im->title, sizeof(im->title), "%s", title);
	return 0;
}

/*
 * Data file per series: x, bar position, iops, MiB/s, p50, p99, p99.9 (µs), IOPS/core (ini+tgt,
 * tgt), cores per GB/s (ini+tgt, tgt).
 */
static int
plot_write_data(const struct plot_group *g, const struct plot_row *lead, const char *data_dir,
		char files[][512])
{
	for (unsigned int si = 0; si < g->nser; si++) {
		FILE *f;

		snprintf(files[si], 512, "%s/%s-%s-%s-%u.dat", data_dir, g->by_bs ? "bs" : "qd", g->key,
			 g->ser[si].transport, g->ser[si].run);
		f = fopen(files[si], "w");
		if (!f) {
			return -errno;
		}
		fprintf(f, "# x barpos iops MiBps p50_us p99_us p99.9_us iops_per_core "
			   "iops_per_core_tgt cores_per_gbps cores_per_gbps_tgt\n");
		for (unsigned int xi = 0; xi < g->nx; xi++) {
			const struct plot_row *r = plot_find(g, lead, si, g->xs[xi]);

			if (!r) {
				continue;
			}
			fprintf(f, "%llu %u %.1f %.3f %.4f %.4f %.4f %.1f %.1f %.4f %.4f\n",
				(unsigned long long)(g->by_bs ? g->xs[xi] / 1024 : g->xs[xi]),
				xi * (g->nser + 1) + si, r->iops, r->bw / 1048576.0, r->p50, r->p99,
				r->p999, r->ipc, r->ipc_tgt, r->cpg, r->cpg_tgt);
		}
		fclose(f);
	}
	return 0;
}

static void
plot_lines(FILE *gp, const struct plot_group *g, char files[][512], int col, int dt_of_run)
{
	char title[160];

	fprintf(gp, "plot ");
	for (unsigned int si = 0; si < g->nser; si++) {
		plot_series_title(g, si, title, sizeof(title));
		fprintf(gp, "%s'%s' using 1:%d with linespoints lw 2 pt %u dt %u lc rgb '%s' "
			    "title '%s'", si ? ", \\\n     " : "", files[si], col,
			7 - g->ser[si].run % 3 * 2, dt_of_run ? g->ser[si].run % 5 + 1 : 1,
			iop_plot_color(g->ser[si].transport), title);
	}
	fprintf(gp, "\n");
}

/* \return plots added or negative errno. */
static int
plot_group_qd(struct plot_set *s, const struct plot_row *lead, const char *out,
	      const char *data_dir, FILE *gp)
{
	struct plot_group g;
	char files[PLOT_MAX_SERIES][512], stem[256], title[256], bs[32], ser[160];
	int n = 0, rc;

	plot_group_build(&g, s, lead, false);
	if (!g.nser || (rc = plot_write_data(&g, lead, data_dir, files)) < 0) {
		return g.nser ? rc : 0;
	}
	iop_fmt_size(lead->bs, bs, sizeof(bs));
	fprintf(gp, "set xlabel 'queue depth (I/Os in flight per job)'\nunset logscale\n"
		    "set logscale x 2\nset xtics auto\nset style data linespoints\n");
	if (g.nx >= 2) {
		snprintf(stem, sizeof(stem), "iops_vs_qd-%s", g.key);
		snprintf(title, sizeof(title), "IOPS vs queue depth: %s %s, %u job(s), backend %s",
			 lead->rw, bs, lead->jobs, lead->backend);
		fprintf(gp, "set output od.'/%s.'.ext\nset title \"%s\"\n"
			    "set ylabel 'IOPS (I/Os per second, log scale)'\nset yrange [*:*]\n"
			    "set logscale y 10\n", stem, title);
		plot_lines(gp, &g, files, 3, 1);
		fprintf(gp, "unset logscale y\n");
		if ((rc = plot_add_img(s, stem, g.key, title)) < 0) {
			return rc;
		}
		n++;
		snprintf(stem, sizeof(stem), "lat_vs_qd-%s", g.key);
		snprintf(title, sizeof(title), "latency p50 / p99 / p99.9 vs queue depth: %s %s, %u "
			 "job(s), backend %s", lead->rw, bs, lead->jobs, lead->backend);
		fprintf(gp, "set output od.'/%s.'.ext\nset title \"%s\"\n"
			    "set ylabel 'completion latency (µs, log scale)'\nset yrange [*:*]\n"
			    "set logscale y 10\nset format y '%%g'\nplot ", stem, title);
		for (unsigned int si = 0; si < g.nser; si++) {
			static const char *const pn[] = {"p50", "p99", "p99.9"};

			plot_series_title(&g, si, ser, sizeof(ser));
			for (int p = 0; p < 3; p++) {
				fprintf(gp, "%s'%s' using 1:%d with linespoints lw 2 dt %d pt %u "
					    "lc rgb '%s' title '%s %s'", si || p ? ", \\\n     " : "",
					files[si], 5 + p, p + 1, 7 - g.ser[si].run % 3 * 2,
					iop_plot_color(g.ser[si].transport), ser, pn[p]);
			}
		}
		fprintf(gp, "\nunset logscale y\nset format y '%%.1s%%c'\n");
		if ((rc = plot_add_img(s, stem, g.key, title)) < 0) {
			return rc;
		}
		n++;
	}
	/* bars: per QD a cluster of one bar per series; left initiator+target, right target only */
	static const struct {
		const char *name, *what, *ylabel;
		int col;
	} bars[] = {
		{"per_core", "IOPS per core", "IOPS per CPU core (I/Os per second per core)", 8},
		{"cores_per_gbps", "CPU cores per GB/s", "CPU cores per GB/s (1 GB/s = 1e9 bytes/s)",
		 10},
	};
	for (size_t b = 0; b < IOP_ARRAY_SIZE(bars); b++) {
		snprintf(stem, sizeof(stem), "%s-%s", bars[b].name, g.key);
		snprintf(title, sizeof(title), "%s: %s %s, %u job(s), backend %s", bars[b].what,
			 lead->rw, bs, lead->jobs, lead->backend);
		fprintf(gp, "set output od.'/%s.'.ext\nunset logscale\nset yrange [0:*]\n"
			    "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
			    "set xlabel 'queue depth (clusters), one bar per transport'\n"
			    "set ylabel \"%s\"\nset key below\nset xtics (", stem, bars[b].ylabel);
		for (unsigned int xi = 0; xi < g.nx; xi++) {
			fprintf(gp, "%s\"QD %llu\" %.1f", xi ? ", " : "", (unsigned long long)g.xs[xi],
				xi * (g.nser + 1) + (g.nser - 1) / 2.0);
		}
		fprintf(gp, ")\nset xrange [-1:%u]\nset multiplot layout 1,2 title \"%s\"\n",
			g.nx * (g.nser + 1) - 1, title);
		for (int half = 0; half < 2; half++) {
			fprintf(gp, "set title '%s'\nplot ",
				half ? "target process only" : "initiator + target");
			for (unsigned int si = 0; si < g.nser; si++) {
				plot_series_title(&g, si, ser, sizeof(ser));
				fprintf(gp, "%s'%s' using 2:%d with boxes lc rgb '%s' %s title '%s'",
					si ? ", \\\n     " : "", files[si], bars[b].col + half,
					iop_plot_color(g.ser[si].transport),
					g.ser[si].run ? "fs pattern 4" : "", ser);
			}
			fprintf(gp, "\n");
		}
		fprintf(gp, "unset multiplot\nset xrange [*:*]\nset xtics auto\n"
			    "set key outside right top\n");
		if ((rc = plot_add_img(s, stem, g.key, title)) < 0) {
			return rc;
		}
		n++;
	}
	/* latency percentile spectrum per QD, one line per series, from the histogram bins */
	for (unsigned int xi = 0; xi < g.nx; xi++) {
		char sfile[PLOT_MAX_SERIES][512];
		unsigned int ns = 0;

		snprintf(stem, sizeof(stem), "spectrum-%s-qd%llu", g.key,
			 (unsigned long long)g.xs[xi]);
		snprintf(title, sizeof(title), "latency percentile spectrum: %s %s QD %llu, %u job(s),"
			 " backend %s", lead->rw, bs, (unsigned long long)g.xs[xi], lead->jobs,
			 lead->backend);
		for (unsigned int si = 0; si < g.nser; si++) {
			const struct plot_row *r = plot_find(&g, lead, si, g.xs[xi]);
			FILE *f;

			sfile[si][0] = 0;
			if (!r || !r->nspec) {
				continue;
			}
			snprintf(sfile[si], 512, "%s/spec-%s-qd%llu-%s-%u.dat", data_dir, g.key,
				 (unsigned long long)g.xs[xi], g.ser[si].transport, g.ser[si].run);
			f = fopen(sfile[si], "w");
			if (!f) {
				return -errno;
			}
			fprintf(f, "# 1/(1-p) latency_us\n");
			for (unsigned int k = 0; k < r->nspec; k++) {
				fprintf(f, "%.6g %.4f\n", r->spec_p[k], r->spec_us[k]);
			}
			fclose(f);
			ns++;
		}
		if (!ns) {
			continue;
		}
		fprintf(gp, "set output od.'/%s.'.ext\nset title \"%s\"\nunset logscale\n"
			    "set logscale x 10\nset logscale y 10\nset yrange [*:*]\nset format y '%%g'\n"
			    "set xlabel 'percentile (%%, log scale of 1/(1-p))'\n"
			    "set ylabel 'completion latency (µs, log scale)'\n"
			    "set xtics (\"0\" 1, \"90\" 10, \"99\" 100, \"99.9\" 1000, \"99.99\" 10000, "
			    "\"99.999\" 100000, \"99.9999\" 1000000)\nplot ", stem, title);
		for (unsigned int si = 0, first = 1; si < g.nser; si++) {
			if (!sfile[si][0]) {
				continue;
			}
			plot_series_title(&g, si, ser, sizeof(ser));
			fprintf(gp, "%s'%s' using 1:2 with linespoints lw 2 pt %u dt %u lc rgb '%s' "
				    "title '%s'", first ? "" : ", \\\n     ", sfile[si],
				7 - g.ser[si].run % 3 * 2, g.ser[si].run % 5 + 1,
				iop_plot_color(g.ser[si].transport), ser);
			first = 0;
		}
		fprintf(gp, "\nunset logscale\nset xtics auto\nset format y '%%.1s%%c'\n");
		if ((rc = plot_add_img(s, stem, g.key, title)) < 0) {
			return rc;
		}
		n++;
	}
	return n;
}

/* Bandwidth and IOPS vs block size for a (backend, rw, QD, jobs) group with several sizes. */
static int
plot_group_bs(struct plot_set *s, const struct plot_row *lead, const char *data_dir, FILE *gp)
{
	struct plot_group g;
	char files[PLOT_MAX_SERIES][512], stem[256], title[256], key[160];
	int rc;

	plot_group_build(&g, s, lead, true);
	if (g.nx < 2 || !g.nser) {
		return 0;
	}
	if ((rc = plot_write_data(&g, lead, data_dir, files)) < 0) {
		return rc;
	}
	snprintf(stem, sizeof(stem), "bw_vs_bs-%s", g.key);
	snprintf(title, sizeof(title), "bandwidth vs block size: %s QD %u, %u job(s), backend %s",
		 lead->rw, lead->qd, lead->jobs, lead->backend);
	fprintf(gp, "set output od.'/%s.'.ext\nset title \"%s\"\nunset logscale\n"
		    "set logscale x 2\nset xtics auto\nset yrange [0:*]\n"
		    "set xlabel 'block size (KiB)'\nset ylabel 'bandwidth (MiB/s)'\n", stem, title);
	plot_lines(gp, &g, files, 4, 1);
	plot_group_key(lead, key, sizeof(key));
	return plot_add_img(s, stem, key, title) < 0 ? -ENOMEM : 1;
}

static int
plot_gnuplot(const char *script, const char *log)
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
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		return -ENOENT;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int
plot_render(struct plot_set *s, const char *out, char *err, size_t errlen)
{
	char data_dir[600], body[700], script[700], log[700], key[160], prev[160] = "",
	     prevbs[200] = "";
	int total = 0, rc = 0;
	FILE *gp;

	snprintf(data_dir, sizeof(data_dir), "%s/plot-data", out);
	snprintf(body, sizeof(body), "%s/plots-body.gp", data_dir);
	snprintf(script, sizeof(script), "%s/plots.gp", out);
	snprintf(log, sizeof(log), "%s/gnuplot.log", data_dir);
	if ((mkdir(out, 0755) && errno != EEXIST) || (mkdir(data_dir, 0755) && errno != EEXIST)) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", data_dir, strerror(-rc));
		return rc;
	}
	gp = fopen(body, "w");
	if (!gp) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", body, strerror(-rc));
		return rc;
	}
	fprintf(gp, "# generated by iopath plot; loaded by %s once per format\n", script);
	/* rows are sorted by backend, rw, jobs, bs: a QD group is a run of equal keys */
	for (unsigned int i = 0; i < s->nrows && rc >= 0; i++) {
		plot_group_key(&s->rows[i], key, sizeof(key));
		if (!strcmp(key, prev)) {
			continue;
		}
		snprintf(prev, sizeof(prev), "%s", key);
		rc = plot_group_qd(s, &s->rows[i], out, data_dir, gp);
		total += rc > 0 ? rc : 0;
	}
	for (unsigned int i = 0; i < s->nrows && rc >= 0; i++) {
		const struct plot_row *r = &s->rows[i];
		bool done = false;

		snprintf(key, sizeof(key), "%s-%s-qd%u-j%u", r->backend, r->rw, r->qd, r->jobs);
		for (unsigned int j = 0; j < i; j++) {
			done |= plot_in_group(&s->rows[j], r, true);
		}
		if (done || !strcmp(key, prevbs)) {
			continue;
		}
		snprintf(prevbs, sizeof(prevbs), "%s", key);
		rc = plot_group_bs(s, r, data_dir, gp);
		total += rc > 0 ? rc : 0;
	}
	fclose(gp);
	if (rc < 0) {
		snprintf(err, errlen, "writing plot data: %s", strerror(-rc));
		return rc;
	}
	gp = fopen(script, "w");
	if (!gp) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", script, strerror(-rc));
		return rc;
	}
	fprintf(gp, "# generated by iopath plot; redraw with: gnuplot %s\n"
		    "od = '%s'\nset grid\nset key outside right top\nset format y '%%.1s%%c'\n"
		    "set terminal pngcairo size 1100,600 enhanced font 'DejaVu Sans,10'\n"
		    "ext = 'png'\nload '%s'\n"
		    "set terminal svg size 1100,600 enhanced font 'DejaVu Sans,10' "
		    "background '#ffffff'\next = 'svg'\nload '%s'\n", script, out, body, body);
	fclose(gp);
	if (total == 0) {
		return 0;
	}
	rc = plot_gnuplot(script, log);
	if (rc == -ENOENT) {
		snprintf(err, errlen, "gnuplot is not installed (make deps installs gnuplot-nox)");
	} else if (rc < 0) {
		snprintf(err, errlen, "gnuplot failed; see %s", log);
	}
	return rc < 0 ? rc : total;
}
