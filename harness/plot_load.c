/* SPDX-License-Identifier: BSD-3-Clause */
/* Plots: load the iopath.result/1 files of bench run directories into plot rows. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/plot_internal.h"
#include "iopath/util.h"

/* Fixed colours so a transport looks the same in every plot and every run: the one table. */
static const struct {
	const char *transport;
	const char *color;
} g_plot_colors[] = {
	{"local", "#000000"},          {"nvmf-tcp", "#1f77b4"},  {"nvmf-rdma", "#ff7f0e"},
	{"vfio-user", "#2ca02c"},      {"vhost-user-blk", "#d62728"},
	{"vhost-user-scsi", "#9467bd"}, {"vduse", "#8c564b"},    {"fio-null", "#7f7f7f"},
};

/* Bounded copy (truncates silently: names here are bounded on purpose). */
static void
plot_cpy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

const char *
iop_plot_color(const char *transport)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_plot_colors); i++) {
		if (!strcmp(g_plot_colors[i].transport, transport)) {
			return g_plot_colors[i].color;
		}
	}
	return "#17becf";
}

/* Order of transports in tables and legends: the colour table's order, unknown ones last. */
static unsigned int
plot_transport_rank(const char *t)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_plot_colors); i++) {
		if (!strcmp(g_plot_colors[i].transport, t)) {
			return (unsigned int)i;
		}
	}
	return 100;
}

void
plot_group_key(const struct plot_row *r, char *buf, size_t len)
{
	char bs[32];

	iop_fmt_size(r->bs, bs, sizeof(bs));
	snprintf(buf, len, "%s-%s-%s-j%u", r->backend, r->rw, bs, r->jobs);
}

static const double g_spec_pcts[] = {
	1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 99.9995, 99.9999,
};

static void
plot_row_fill(struct plot_row *w, const struct iop_result *r)
{
	size_t n = strcspn(r->backend, ":");
	double gbps = r->bw / 1e9;

	plot_cpy(w->cell, sizeof(w->cell), r->cell);
	plot_cpy(w->transport, sizeof(w->transport), r->transport);
	snprintf(w->backend, sizeof(w->backend), "%.*s", (int)IOP_MIN(n, sizeof(w->backend) - 1),
		 r->backend);
	if (!w->backend[0]) {
		plot_cpy(w->backend, sizeof(w->backend), "-");
	}
	plot_cpy(w->backend_spec, sizeof(w->backend_spec), r->backend);
	plot_cpy(w->rw, sizeof(w->rw), r->rw);
	w->bs = r->bs;
	w->qd = r->iodepth;
	w->jobs = r->numjobs;
	w->iops = r->iops;
	w->bw = r->bw;
	w->mean = r->lat.mean / 1000.0;
	w->p50 = r->lat.p50 / 1000.0;
	w->p90 = r->lat.p90 / 1000.0;
	w->p99 = r->lat.p99 / 1000.0;
	w->p999 = r->lat.p999 / 1000.0;
	w->p9999 = r->lat.p9999 / 1000.0;
	w->max = r->lat.max / 1000.0;
	w->cpu_ini = r->cpu_ini.usr + r->cpu_ini.sys;
	w->cpu_tgt = r->cpu_tgt.usr + r->cpu_tgt.sys;
	w->target_measured = r->target_measured;
	w->ipc = r->iops_per_core;
	w->ipc_tgt = r->iops_per_core_target;
	w->cpg = r->cores_per_gbps;
	w->cpg_tgt = r->target_measured && gbps > 0 ? w->cpu_tgt / gbps : 0;
	w->errors = r->errors;
	w->verify_errors = r->verify_errors;
	plot_cpy(w->error_msg, sizeof(w->error_msg), r->error_msg);
	w->nspec = 0;
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_spec_pcts) && w->nspec < PLOT_SPEC_MAX; i++) {
		double x = 1.0 / (1.0 - g_spec_pcts[i] / 100.0);

		/* a percentile means something only with enough samples behind it */
		if (r->hist.count == 0 || x > (double)r->hist.count) {
			break;
		}
		w->spec_p[w->nspec] = x;
		w->spec_us[w->nspec] = iop_hist_percentile(&r->hist, g_spec_pcts[i]) / 1000.0;
		w->nspec++;
	}
}

static int
plot_row_cmp(const void *a, const void *b)
{
	const struct plot_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->backend, y->backend)) || (c = strcmp(x->rw, y->rw))) {
		return c;
	}
	if (x->jobs != y->jobs) {
		return x->jobs < y->jobs ? -1 : 1;
	}
	if (x->bs != y->bs) {
		return x->bs < y->bs ? -1 : 1;
	}
	if (plot_transport_rank(x->transport) != plot_transport_rank(y->transport)) {
		return plot_transport_rank(x->transport) < plot_transport_rank(y->transport) ? -1 : 1;
	}
	if ((c = strcmp(x->transport, y->transport))) {
		return c;
	}
	if (x->qd != y->qd) {
		return x->qd < y->qd ? -1 : 1;
	}
	return x->run < y->run ? -1 : x->run > y->run;
}

static bool
plot_is_result_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".json") && strcmp(name, "skipped.json") &&
	       !(n > 9 && !strcmp(name + n - 9, ".fio.json"));
}

/* Load one run dir. \return rows added or negative errno. */
static int
plot_load_dir(struct plot_set *s, unsigned int run, struct iop_result *r, char *err,
	      size_t errlen)
{
	struct plot_run *pr = &s->runs[run];
	struct dirent **ents = NULL;
	int nent, added = 0;

	nent = scandir(pr->dir, &ents, NULL, alphasort);
	if (nent < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", pr->dir, strerror(e));
		return -e;
	}
	for (int i = 0; i < nent; i++) {
		char path[1024], rerr[256];
		struct plot_row *rows;

		if (!plot_is_result_name(ents[i]->d_name)) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", pr->dir, ents[i]->d_name);
		if (iop_result_read_json(path, r, rerr, sizeof(rerr))) {
			continue; /* not a result file (another schema) */
		}
		rows = realloc(s->rows, (s->nrows + 1) * sizeof(*rows));
		if (!rows) {
			added = -ENOMEM;
			break;
		}
		s->rows = rows;
		memset(&rows[s->nrows], 0, sizeof(rows[0]));
		rows[s->nrows].run = run;
		plot_cpy(rows[s->nrows].file, sizeof(rows[0].file), ents[i]->d_name);
		plot_row_fill(&rows[s->nrows], r);
		if (!pr->have_env) {
			pr->env = r->env;
			pr->have_env = true;
		}
		s->nrows++;
		added++;
	}
	for (int i = 0; i < nent; i++) {
		free(ents[i]);
	}
	free(ents);
	if (added == 0) {
		snprintf(err, errlen, "%s: no iopath.result/1 file in it", pr->dir);
		return -ENOENT;
	}
	if (added < 0) {
		snprintf(err, errlen, "out of memory");
	}
	return added;
}

int
plot_load(struct plot_set *s, const char *const *dirs, unsigned int n, char *err, size_t errlen)
{
	struct iop_result *r;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (n == 0 || n > PLOT_MAX_RUNS) {
		snprintf(err, errlen, "give 1 to %d run directories", PLOT_MAX_RUNS);
		return -EINVAL;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n && rc >= 0; i++) {
		struct plot_run *pr = &s->runs[i];
		char real[PATH_MAX];
		const char *base;

		plot_cpy(pr->dir, sizeof(pr->dir), dirs[i]);
		base = realpath(dirs[i], real) ? real : dirs[i];
		base = strrchr(base, '/') ? strrchr(base, '/') + 1 : base;
		plot_cpy(pr->id, sizeof(pr->id), base);
		/* the same id twice (two copies of one run): make them distinguishable */
		for (unsigned int j = 0; j < i; j++) {
			if (!strcmp(s->runs[j].id, pr->id)) {
				snprintf(pr->id, sizeof(pr->id), "%.80s#%u", base, i + 1);
			}
		}
		s->nruns++;
		rc = plot_load_dir(s, i, r, err, errlen);
	}
	free(r);
	if (rc < 0) {
		plot_set_free(s);
		return rc;
	}
	qsort(s->rows, s->nrows, sizeof(s->rows[0]), plot_row_cmp);
	return 0;
}

void
plot_set_free(struct plot_set *s)
{
	free(s->rows);
	free(s->imgs);
	s->rows = NULL;
	s->imgs = NULL;
	s->nrows = s->nimgs = 0;
}
