/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath bench`: a matrix over every transport this host supports; results and plots. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness/bench_internal.h"
#include "harness/matrix.h"
#include "iopath/cmd.h"
#include "iopath/engine.h"
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/target.h"
#include "iopath/util.h"

/*
 * Flow: load the matrix, expand it into cells, decide per transport whether it can run here
 * (build has initiator + target, host has the device), derive the per-cell runtime from the
 * budget, print the plan and the time estimate, then run group by group: one target process per
 * (transport, backend), pinned on the other core when there are two, every cell of the group
 * against it with the engine (which samples the target's CPU from /proc/PID/stat), then stop it.
 * fio's null engine runs last as the outside reference. Outputs: results/<run-id>/<cell>.json,
 * summary.csv, skipped.json, comparison.txt, and PNG plots in the plots directory.
 */

#define BENCH_CELL_OVERHEAD_S   0.25    /* engine start/stop per cell, for estimates */
#define BENCH_TARGET_OVERHEAD_S 1.0     /* target start/stop per group */
#define BENCH_READY_TIMEOUT_MS  15000

static volatile sig_atomic_t g_bench_stop;

struct bench_transport {
	const char *name;
	const char *uri;        /* template: %PORT% %DIR% %PID% %RDMA_ADDR% */
	const char *(*host_check)(char *buf, size_t len);
};

static const char *bench_check_rdma(char *buf, size_t len);
static const char *bench_check_vduse(char *buf, size_t len);
static const char *bench_check_qsd(char *buf, size_t len);

static const struct bench_transport g_bench_transports[] = {
	{"local", "local:", NULL},
	{"nvmf-tcp", "nvmf-tcp://127.0.0.1:%PORT%/nqn.2026-01.io.iopath:bench", NULL},
	{"nvmf-rdma", "nvmf-rdma://%RDMA_ADDR%:%PORT%/nqn.2026-01.io.iopath:bench",
	 bench_check_rdma},
	{"vfio-user", "vfio-user://%DIR%/nvme0", NULL},
	{"vhost-user-blk", "vhost-user-blk://%DIR%/vblk0.sock", NULL},
	{"vhost-user-scsi", "vhost-user-scsi://%DIR%/vscsi0.sock", NULL},
	{"vduse", "vduse://iopath-bench-%PID%", bench_check_vduse},
	/* reference peer for vhost-user-blk: targets/transport/vhost_user/qsd.c */
	{"qsd-vhost-user-blk", "qsd-vhost-user-blk://%DIR%/qsd0.sock", bench_check_qsd},
};

/* Availability of one transport named in the matrix. */
struct bench_avail {
	char name[32];
	char uri_tmpl[512];
	char reason[256];       /* "" = runnable */
	unsigned int cells, skipped;
};

struct bench {
	const char *matrix_path;
	const char *results;
	const char *plots;
	const char *only;       /* --transports */
	bool quick, dry_run;
	struct iop_matrix m;
	struct bench_cell *cells;
	unsigned int ncells;
	struct bench_avail avail[32];
	unsigned int navail;
	char run_id[64];
	char run_dir[PATH_MAX];
	char sock_dir[64];
	char rdma_addr[64];
	unsigned int nproc;
	const char *ini_cpus, *tgt_cpus;
	double est_total_s;
};

static void
bench_on_signal(int sig)
{
	g_bench_stop = 1;
}

static void
bench_usage(FILE *f)
{
	fprintf(f,
		"usage: iopath bench [--quick] [--matrix FILE] [--transports LIST]\n"
		"                    [--results DIR] [--plots DIR] [--dry-run]\n"
		"Runs a benchmark matrix on every transport this host supports (local:\n"
		"always; the others when the build has their initiator and target and the\n"
		"host has the device),\n"
		"one target process per transport pinned on the other core, and writes\n"
		"  DIR/<run-id>/<cell>.json (iopath.result/1), summary.csv, skipped.json,\n"
		"  comparison.txt (iopath local:+null against fio's null engine) and PNG plots.\n"
		"  --quick            use workloads/quick.matrix (about 1 minute)\n"
		"  --matrix FILE      matrix file (default workloads/default.matrix, about\n"
		"                     10 minutes); a bare name is looked up in workloads/\n"
		"  --transports LIST  only these transports (comma separated: local,nvmf-tcp)\n"
		"  --results DIR      results root (default results)\n"
		"  --plots DIR        where PNGs go (default plots)\n"
		"  --dry-run          print the plan and the time estimate, run nothing\n"
		"Matrix format: harness/matrix.h; transports: local nvmf-tcp nvmf-rdma vfio-user\n"
		"vhost-user-blk vhost-user-scsi vduse qsd-vhost-user-blk.\n");
}

static const char *
bench_check_rdma(char *buf, size_t len)
{
	DIR *d = opendir("/sys/class/infiniband");
	struct dirent *e;

	if (!d) {
		return "no RDMA device (/sys/class/infiniband absent; soft-RoCE needs rdma_rxe)";
	}
	buf[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.') {
			bench_fmt(buf, len, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
	return buf[0] ? NULL : "no RDMA device (/sys/class/infiniband is empty)";
}

static const char *
bench_check_vduse(char *buf, size_t len)
{
	if (access("/dev/vduse/control", R_OK | W_OK) != 0) {
		return "no /dev/vduse/control (vduse kernel module not loaded or not permitted)";
	}
	return NULL;
}

/* qemu-storage-daemon on PATH (the qsd target execs it). */
static const char *
bench_check_qsd(char *buf, size_t len)
{
	const char *path = getenv("PATH");

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		const char *c = strchr(p, ':');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		bench_fmt(buf, len, "%.*s/qemu-storage-daemon", (int)l, p);
		if (l && access(buf, X_OK) == 0) {
			return NULL;
		}
		if (!c) {
			break;
		}
		p = c + 1;
	}
	return "qemu-storage-daemon not installed (Debian: qemu-system-common)";
}

/* First IPv4 address of the netdev behind the first RDMA device ("" when none). */
static void
bench_rdma_addr(char *out, size_t len)
{
	/* The netdev: device/net/ of a hardware RDMA device, or the netdev of port 1's first GID
	 * (soft-RoCE: rxe has no device/net/). `ip addr` without -o: busybox's ip has no -o. */
	FILE *f = popen("{ for d in /sys/class/infiniband/*/device/net/*; do echo \"${d##*/}\"; done; "
			"cat /sys/class/infiniband/*/ports/1/gid_attrs/ndevs/0; } 2>/dev/null | "
			"while read -r n; do ip -4 addr show dev \"$n\" 2>/dev/null; done | "
			"awk '$1 == \"inet\" {print $2}' | cut -d/ -f1 | head -n1", "r");

	out[0] = '\0';
	if (f) {
		if (fgets(out, (int)len, f)) {
			out[strcspn(out, "\n")] = '\0';
		}
		pclose(f);
	}
}

static const struct bench_transport *
bench_transport_find(const char *name)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_bench_transports); i++) {
		if (!strcmp(g_bench_transports[i].name, name)) {
			return &g_bench_transports[i];
		}
	}
	return NULL;
}

/* Replace %PORT% %DIR% %PID% %RDMA_ADDR% in tmpl. */
static void
bench_uri_expand(const struct bench *b, const char *tmpl, int port, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = tmpl; *p && o + 1 < len;) {
		char val[96] = "";
		const char *key = NULL;

		if (!strncmp(p, "%PORT%", 6)) {
			key = "%PORT%";
			bench_fmt(val, sizeof(val), "%d", port);
		} else if (!strncmp(p, "%DIR%", 5)) {
			key = "%DIR%";
			bench_fmt(val, sizeof(val), "%s", b->sock_dir);
		} else if (!strncmp(p, "%PID%", 5)) {
			key = "%PID%";
			bench_fmt(val, sizeof(val), "%d", (int)getpid());
		} else if (!strncmp(p, "%RDMA_ADDR%", 11)) {
			key = "%RDMA_ADDR%";
			bench_fmt(val, sizeof(val), "%s",
				  b->rdma_addr[0] ? b->rdma_addr : "127.0.0.1");
		}
		if (key) {
			o += (size_t)bench_fmt(out + o, len - o, "%s", val);
			p += strlen(key);
		} else {
			out[o++] = *p++;
		}
		if (o >= len) {
			o = len - 1;
		}
	}
	out[o] = '\0';
}

static bool
bench_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == n && !strncmp(p, name, n)) {
			return true;
		}
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* Decide once per transport whether it can run here. */
static struct bench_avail *
bench_avail_get(struct bench *b, const char *name, char *err, size_t errlen)
{
	const struct bench_transport *bt = bench_transport_find(name);
	const struct iop_matrix_axis *ov;
	struct bench_avail *a;
	char key[64], sample[600], hbuf[256] = "";
	const char *why;

	for (unsigned int i = 0; i < b->navail; i++) {
		if (!strcmp(b->avail[i].name, name)) {
			return &b->avail[i];
		}
	}
	if (b->navail == IOP_ARRAY_SIZE(b->avail)) {
		bench_fmt(err, errlen, "too many transports");
		return NULL;
	}
	a = &b->avail[b->navail];
	memset(a, 0, sizeof(*a));
	bench_fmt(a->name, sizeof(a->name), "%s", name);
	bench_fmt(key, sizeof(key), "uri.%s", name);
	ov = iop_matrix_global(&b->m, key);
	if (ov) {
		bench_fmt(a->uri_tmpl, sizeof(a->uri_tmpl), "%s", ov->vals[0]);
	} else if (bt) {
		bench_fmt(a->uri_tmpl, sizeof(a->uri_tmpl), "%s", bt->uri);
	} else {
		bench_fmt(err, errlen,
			 "unknown transport '%s' (known: local nvmf-tcp nvmf-rdma vfio-user "
			 "vhost-user-blk vhost-user-scsi vduse qsd-vhost-user-blk; others need uri.%s = TEMPLATE in "
			 "[global])", name, name);
		return NULL;
	}
	b->navail++;
	if (b->only && !bench_in_list(b->only, name)) {
		bench_fmt(a->reason, sizeof(a->reason), "not selected (--transports %s)", b->only);
		return a;
	}
	bench_uri_expand(b, a->uri_tmpl, 4420, sample, sizeof(sample));
	if (!iop_initiator_find_uri(sample)) {
		bench_fmt(a->reason, sizeof(a->reason), "not in this build: no %s initiator", name);
		return a;
	}
	if (strcmp(name, "local") && !iop_target_find_uri(sample)) {
		bench_fmt(a->reason, sizeof(a->reason), "not in this build: no %s target", name);
		return a;
	}
	if (bt && bt->host_check && (why = bt->host_check(hbuf, sizeof(hbuf)))) {
		bench_fmt(a->reason, sizeof(a->reason), "%s", why);
		return a;
	}
	if (!strcmp(name, "nvmf-rdma")) {
		bench_rdma_addr(b->rdma_addr, sizeof(b->rdma_addr));
		if (!b->rdma_addr[0]) {
			bench_fmt(a->reason, sizeof(a->reason),
				 "RDMA device %s has no IPv4 address on its netdev", hbuf);
		}
	}
	return a;
}

/* Time options the bench interprets itself. */
struct bench_times {
	uint64_t min_runtime;
	uint64_t runtime;
	uint64_t ramp_time;
};

static const struct iop_option g_bench_time_opts[] = {
	{"min_runtime", NULL, IOP_OPT_TIME, offsetof(struct bench_times, min_runtime), "1s"},
	{"runtime", NULL, IOP_OPT_TIME, offsetof(struct bench_times, runtime), "5s"},
	{"ramp_time", NULL, IOP_OPT_TIME, offsetof(struct bench_times, ramp_time), "500ms"},
	{NULL},
};

static const struct iop_option g_bench_budget_opt[] = {
	{"budget", NULL, IOP_OPT_TIME, 0, "0"},
	{NULL},
};

/* Cell name: transport-backend-rw-bs-qdN-jN[-mixR]. */
static void
bench_cell_name(struct bench_cell *c)
{
	char bs[32], be[40];
	size_t n = strcspn(c->backend, ":");

	bench_fmt(be, sizeof(be), "%.*s", (int)IOP_MIN(n, sizeof(be) - 1), c->backend);
	iop_fmt_size(c->job.bs, bs, sizeof(bs));
	for (char *p = bs; *p; p++) {
		*p = *p == 'K' ? 'k' : *p == 'i' || *p == 'B' ? '\0' : *p;
		if (!*p) {
			break;
		}
	}
	/* fio rows: the transport name "fio-null" already names the engine */
	bench_fmt(c->name, sizeof(c->name), "%s%s%s-%s-%s-qd%llu-j%llu", c->transport,
		  c->tool == BENCH_TOOL_FIO ? "" : "-", c->tool == BENCH_TOOL_FIO ? "" : be,
		  iop_rw_name(c->job.rw), bs, (unsigned long long)c->job.iodepth,
		  (unsigned long long)c->job.numjobs);
	if (iop_rw_reads(c->job.rw) && iop_rw_writes(c->job.rw)) {
		size_t l = strlen(c->name);

		bench_fmt(c->name + l, sizeof(c->name) - l, "-mix%llu",
			 (unsigned long long)c->job.rwmixread);
	}
}

static bool
bench_is_bench_key(const char *k)
{
	return !strcmp(k, "transports") || !strcmp(k, "backend") || !strcmp(k, "tool") ||
	       !strcmp(k, "min_runtime");
}

/* Build one plan cell from a matrix cell. \return 0, 1 (duplicate, dropped) or -EINVAL. */
static int
bench_cell_build(struct bench *b, const struct iop_matrix_cell *mc, struct bench_cell *c,
		 struct bench_times *bt, char *err, size_t errlen)
{
	const char *tr = iop_matrix_cell_get(mc, "transports");
	const char *be = iop_matrix_cell_get(mc, "backend");
	const char *tool = iop_matrix_cell_get(mc, "tool");
	char e2[256];
	struct bench_avail *a;
	int rc;

	memset(c, 0, sizeof(*c));
	bench_fmt(c->section, sizeof(c->section), "%s", mc->section);
	bench_fmt(c->backend, sizeof(c->backend), "%s", be ? be : "null:size=1G");
	if (!tool || !strcmp(tool, "iopath")) {
		c->tool = BENCH_TOOL_IOPATH;
	} else if (!strcmp(tool, "fio")) {
		c->tool = BENCH_TOOL_FIO;
	} else {
		bench_fmt(err, errlen, "%s [%s]: tool=%s (expected iopath or fio)", b->m.fname,
			 mc->section, tool);
		return -EINVAL;
	}
	if (iop_job_init(&c->job)) {
		return -ENOMEM;
	}
	rc = iop_opts_defaults(g_bench_time_opts, bt);
	for (unsigned int i = 0; i < mc->n && !rc; i++) {
		const char *k = mc->keys[i], *v = mc->vals[i];

		if (bench_is_bench_key(k) && strcmp(k, "min_runtime")) {
			continue;
		}
		if (!strcmp(k, "min_runtime") || !strcmp(k, "runtime") || !strcmp(k, "ramp_time")) {
			rc = iop_opt_set(g_bench_time_opts, bt, k, v, e2, sizeof(e2));
		} else {
			rc = iop_job_set(&c->job, k, v, e2, sizeof(e2));
		}
		if (rc) {
			bench_fmt(err, errlen, "%s [%s]: %s", b->m.fname, mc->section, e2);
			goto out_free;
		}
	}
	c->job.ramp_ns = bt->ramp_time;
	c->job.runtime_ns = bt->runtime;
	c->job.time_based = true;
	if (!c->job.cpus && b->ini_cpus) {
		c->job.cpus = strdup(b->ini_cpus);
	}
	if (iop_job_validate(&c->job, e2, sizeof(e2))) {
		bench_fmt(err, errlen, "%s [%s]: %s", b->m.fname, mc->section, e2);
		goto out_free;
	}
	if (c->tool == BENCH_TOOL_FIO) {
		bench_fmt(c->transport, sizeof(c->transport), "fio-null");
		bench_fmt(c->backend, sizeof(c->backend), "null:fio");
		if (!bench_have_program("fio")) {
			c->skip = "fio is not installed";
		} else if (b->only && !bench_in_list(b->only, "local") &&
			   !bench_in_list(b->only, "fio")) {
			c->skip = "not selected (--transports)";
		}
	} else {
		bench_fmt(c->transport, sizeof(c->transport), "%s", tr ? tr : "local");
		a = bench_avail_get(b, c->transport, err, errlen);
		if (!a) {
			goto out_free;
		}
		a->cells++;
		if (a->reason[0]) {
			c->skip = a->reason;
			a->skipped++;
		}
	}
	bench_cell_name(c);
	for (unsigned int i = 0; i < b->ncells; i++) {
		if (!strcmp(b->cells[i].name, c->name)) {
			iop_job_free(&c->job);
			return 1;
		}
	}
	return 0;

out_free:
	iop_job_free(&c->job);
	return -EINVAL;
}

static int
bench_transport_rank(const char *t)
{
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_bench_transports); i++) {
		if (!strcmp(g_bench_transports[i].name, t)) {
			return (int)i;
		}
	}
	return !strcmp(t, "fio-null") ? 1000 : 100;
}

static struct bench_cell *g_sort_cells;

/* Group cells: iopath before fio, by transport, then backend, keeping matrix order inside. */
static int
bench_cmp(const void *pa, const void *pb)
{
	unsigned int a = *(const unsigned int *)pa, b = *(const unsigned int *)pb;
	const struct bench_cell *x = &g_sort_cells[a], *y = &g_sort_cells[b];
	int d = bench_transport_rank(x->transport) - bench_transport_rank(y->transport);

	if (d) {
		return d;
	}
	d = strcmp(x->transport, y->transport);
	if (d) {
		return d;
	}
	d = strcmp(x->backend, y->backend);
	if (d) {
		return d;
	}
	return a < b ? -1 : a > b;
}

static int
bench_plan(struct bench *b, char *err, size_t errlen)
{
	struct iop_matrix_cell *mcs = NULL;
	struct bench_times *times = NULL, bt;
	struct bench_cell *sorted;
	unsigned int *order;
	double budget_s = 0, slot, ngroups = 0;
	unsigned int nrun = 0;
	int n, rc = 0;

	n = iop_matrix_expand(&b->m, &mcs);
	if (n < 0) {
		bench_fmt(err, errlen, "%s: cannot expand: %s", b->m.fname, strerror(-n));
		return n;
	}
	b->cells = calloc((size_t)n + 1, sizeof(*b->cells));
	times = calloc((size_t)n + 1, sizeof(*times));
	if (!b->cells || !times) {
		free(mcs);
		free(times);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		rc = bench_cell_build(b, &mcs[i], &b->cells[b->ncells], &bt, err, errlen);
		if (rc < 0) {
			goto out;
		}
		if (rc == 0) {
			times[b->ncells++] = bt;
		}
	}
	rc = 0;
	/* budget -> runtime per cell */
	if (iop_matrix_global(&b->m, "budget")) {
		uint64_t v = 0;
		char e2[128];

		if (iop_opt_set(g_bench_budget_opt, &v, "budget",
				iop_matrix_global(&b->m, "budget")->vals[0], e2, sizeof(e2))) {
			bench_fmt(err, errlen, "%s: %s", b->m.fname, e2);
			rc = -EINVAL;
			goto out;
		}
		budget_s = (double)v / 1e9;
	}
	for (unsigned int i = 0; i < b->ncells; i++) {
		const struct bench_cell *c = &b->cells[i];

		if (c->skip) {
			continue;
		}
		nrun++;
		if (strcmp(c->transport, "local") && c->tool == BENCH_TOOL_IOPATH &&
		    (i == 0 || strcmp(b->cells[i - 1].transport, c->transport) ||
		     strcmp(b->cells[i - 1].backend, c->backend))) {
			ngroups++;
		}
	}
	slot = nrun ? (budget_s - ngroups * BENCH_TARGET_OVERHEAD_S) / nrun - BENCH_CELL_OVERHEAD_S
		    : 0;
	b->est_total_s = ngroups * BENCH_TARGET_OVERHEAD_S;
	for (unsigned int i = 0; i < b->ncells; i++) {
		struct bench_cell *c = &b->cells[i];

		if (budget_s > 0) {
			double rt = slot - (double)times[i].ramp_time / 1e9;
			double lo = (double)times[i].min_runtime / 1e9;
			double hi = (double)times[i].runtime / 1e9;

			rt = rt < lo ? lo : rt > hi ? hi : rt;
			c->job.runtime_ns = (uint64_t)(rt * 1e9);
		}
		if (!c->skip) {
			b->est_total_s += (double)(c->job.runtime_ns + c->job.ramp_ns) / 1e9 +
					  BENCH_CELL_OVERHEAD_S;
		}
	}
	/* stable grouping by transport and backend */
	order = calloc(b->ncells + 1, sizeof(*order));
	sorted = calloc(b->ncells + 1, sizeof(*sorted));
	if (!order || !sorted) {
		free(order);
		free(sorted);
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < b->ncells; i++) {
		order[i] = i;
	}
	g_sort_cells = b->cells;
	qsort(order, b->ncells, sizeof(*order), bench_cmp);
	for (unsigned int i = 0; i < b->ncells; i++) {
		sorted[i] = b->cells[order[i]];
	}
	free(b->cells);
	free(order);
	b->cells = sorted;
out:
	free(mcs);
	free(times);
	return rc;
}

static void
bench_fmt_dur(double s, char *buf, size_t len)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t >= 3600) {
		bench_fmt(buf, len, "%luh%02lum", t / 3600, t % 3600 / 60);
	} else {
		bench_fmt(buf, len, "%lum%02lus", t / 60, t % 60);
	}
}

static void
bench_print_plan(const struct bench *b)
{
	unsigned int nrun = 0, nskip = 0, nfio = 0;
	char est[32];
	bool first = true;

	for (unsigned int i = 0; i < b->ncells; i++) {
		if (b->cells[i].skip) {
			nskip++;
		} else {
			nrun++;
			nfio += b->cells[i].tool == BENCH_TOOL_FIO;
		}
	}
	printf("iopath bench: matrix %s -> %s\n", b->matrix_path,
	       b->dry_run ? "(dry run)" : b->run_dir);
	printf("  transports:");
	for (unsigned int i = 0; i < b->navail; i++) {
		if (!b->avail[i].reason[0]) {
			printf("%s %s", first ? "" : ",", b->avail[i].name);
			first = false;
		}
	}
	printf("%s\n", first ? " none" : "");
	for (unsigned int i = 0; i < b->navail; i++) {
		if (b->avail[i].reason[0]) {
			printf("  skipped:   %-16s %s (%u cells)\n", b->avail[i].name,
			       b->avail[i].reason, b->avail[i].cells);
		}
	}
	for (unsigned int i = 0; i < b->ncells; i++) {
		if (b->cells[i].tool == BENCH_TOOL_FIO && b->cells[i].skip) {
			printf("  skipped:   %-16s %s\n", b->cells[i].name, b->cells[i].skip);
		}
	}
	printf("  pinning:   %s\n", b->ini_cpus ? "initiator on cpu 0, target on cpu 1"
					       : "none (fewer than 2 cpus)");
	bench_fmt_dur(b->est_total_s, est, sizeof(est));
	if (nrun) {
		const struct bench_cell *c = NULL;

		for (unsigned int i = 0; i < b->ncells && !c; i++) {
			c = b->cells[i].skip ? NULL : &b->cells[i];
		}
		printf("  cells:     %u to run (%u fio reference), %u skipped; "
		       "%.1f s + %.1f s ramp per cell\n", nrun, nfio, nskip,
		       (double)c->job.runtime_ns / 1e9,
		       (double)c->job.ramp_ns / 1e9);
	} else {
		printf("  cells:     none to run, %u skipped\n", nskip);
	}
	printf("  estimated total time: %s\n", est);
	fflush(stdout);
}

/* Copy the figures plots and the comparison need from r into c. */
static void
bench_cell_take(struct bench_cell *c, const struct iop_result *r)
{
	c->iops = r->iops;
	c->bw = r->bw;
	c->p50_us = (double)r->lat.p50 / 1000.0;
	c->p99_us = (double)r->lat.p99 / 1000.0;
	c->p999_us = (double)r->lat.p999 / 1000.0;
	c->cpu_ini = r->cpu_ini.usr + r->cpu_ini.sys;
	c->cpu_tgt = r->target_measured ? r->cpu_tgt.usr + r->cpu_tgt.sys : 0.0;
}

static void
bench_fmt_iops(double v, char *buf, size_t len)
{
	if (v >= 1e6) {
		bench_fmt(buf, len, "%.2fM", v / 1e6);
	} else if (v >= 1e3) {
		bench_fmt(buf, len, "%.1fk", v / 1e3);
	} else {
		bench_fmt(buf, len, "%.0f", v);
	}
}

static void
bench_progress(const struct bench *b, const struct bench_cell *c, unsigned int idx,
	       unsigned int total, double elapsed, double left)
{
	char iops[32], el[32], lf[32];

	bench_fmt_dur(elapsed, el, sizeof(el));
	bench_fmt_dur(left, lf, sizeof(lf));
	if (c->error[0]) {
		printf("[%3u/%u] %-44s FAILED: %s  (%s, ~%s left)\n", idx, total, c->name, c->error,
		       el, lf);
	} else {
		bench_fmt_iops(c->iops, iops, sizeof(iops));
		printf("[%3u/%u] %-44s %8s IOPS %9.1f MiB/s  p99 %8.2f us  cpu ini %.2f tgt %.2f"
		       "  (%s, ~%s left)\n", idx, total, c->name, iops, c->bw / 1048576.0,
		       c->p99_us, c->cpu_ini, c->cpu_tgt, el, lf);
	}
	fflush(stdout);
}

/* In the cell's child process: run it and write its JSON. \return 0 or negative errno, with
 * the reason in err. */
static int
bench_cell_child(struct bench *b, struct bench_cell *c, const char *uri, pid_t tpid,
		 const char *json, char *err, size_t errlen)
{
	struct iop_result *r = malloc(sizeof(*r));
	char path[PATH_MAX];
	int rc;

	if (!r) {
		bench_fmt(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (c->tool == BENCH_TOOL_FIO) {
		bench_fmt(path, sizeof(path), "%s/%s.fio.json", b->run_dir, c->name);
		rc = bench_fio_run(c, b->ini_cpus, path, r);
	} else {
		struct iop_initiator_cfg icfg = {
			.uri = uri,
			.backend = !strcmp(c->transport, "local") ? c->backend : NULL,
		};
		struct iop_engine_ext ext = {.target_pid = tpid, .stop = &g_bench_stop};

		rc = iop_engine_run(&c->job, &icfg, &ext, r);
		if (!rc && !r->backend[0]) {
			bench_fmt(r->backend, sizeof(r->backend), "%s", c->backend);
		}
	}
	if (rc) {
		bench_fmt(err, errlen, "%s", r->error_msg[0] ? r->error_msg : strerror(-rc));
		free(r);
		return rc;
	}
	bench_fmt(r->cell, sizeof(r->cell), "%s", c->name);
	rc = iop_result_write_json(r, json);
	if (rc) {
		bench_fmt(err, errlen, "cannot write %s: %s", json, strerror(-rc));
	}
	free(r);
	return rc;
}

/*
 * Run one cell in a child process, so that a crash or a hang in a transport's initiator costs
 * that cell only (the child is killed after runtime + ramp + 30 s). The parent reads the JSON
 * back, appends the CSV row and keeps the figures for plots.
 */
static void
bench_run_cell(struct bench *b, struct bench_cell *c, const char *uri, pid_t tpid)
{
	uint64_t limit_ns = c->job.ramp_ns + c->job.runtime_ns + 30000000000ull;
	uint64_t deadline = iop_now_ns() + limit_ns;
	struct iop_result *r;
	char json[PATH_MAX], path[PATH_MAX], msg[256] = "", e2[256];
	size_t have = 0;
	int pfd[2], st = 0, rc;
	pid_t pid;

	bench_fmt(json, sizeof(json), "%s/%s.json", b->run_dir, c->name);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		bench_fmt(c->error, sizeof(c->error), "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		bench_fmt(c->error, sizeof(c->error), "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		char err[256] = "";

		close(pfd[0]);
		rc = bench_cell_child(b, c, uri, tpid, json, err, sizeof(err));
		if (rc && write(pfd[1], err, strlen(err)) < 0) {
			rc = -EIO;
		}
		_exit(rc ? 1 : 0);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int64_t left = (int64_t)(deadline - iop_now_ns());
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			bench_fmt(msg, sizeof(msg), "timed out after %.0f s, killed",
				  (double)limit_ns / 1e9);
			break;
		}
		if (poll(&p, 1, (int)IOP_MIN(left / 1000000 + 1, 1000)) <= 0) {
			continue;
		}
		n = read(pfd[0], msg + have, sizeof(msg) - 1 - have);
		if (n <= 0) {
			break;
		}
		have += (size_t)n;
		msg[have] = '\0';
	}
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st) && !msg[0]) {
		bench_fmt(msg, sizeof(msg), "initiator crashed: %s", strsignal(WTERMSIG(st)));
	}
	if (msg[0] || !WIFEXITED(st) || WEXITSTATUS(st)) {
		bench_fmt(c->error, sizeof(c->error), "%s", msg[0] ? msg : "failed");
		return;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		bench_fmt(c->error, sizeof(c->error), "out of memory");
		return;
	}
	rc = iop_result_read_json(json, r, e2, sizeof(e2));
	if (rc) {
		bench_fmt(c->error, sizeof(c->error), "cannot read back %s: %s", json, e2);
		free(r);
		return;
	}
	if (r->errors) {
		bench_fmt(c->error, sizeof(c->error), "%llu I/O errors: %s",
			  (unsigned long long)r->errors, r->error_msg);
	} else if (r->ios == 0 && !g_bench_stop) {
		c->starved = true;
		bench_fmt(c->error, sizeof(c->error),
			  "no I/O completed in the %.1f s window (starved of cpu, or stuck)",
			  (double)r->runtime_ns / 1e9);
	}
	bench_cell_take(c, r);
	c->ran = true;
	if (c->starved) {
		free(r); /* no CSV row: the bench retries it once */
		return;
	}
	bench_fmt(path, sizeof(path), "%s/summary.csv", b->run_dir);
	rc = iop_result_csv_append(r, path);
	if (rc) {
		bench_fmt(c->error, sizeof(c->error), "cannot write %s: %s", path, strerror(-rc));
	}
	free(r);
}

static int
bench_start_target(struct bench *b, const struct bench_cell *c, struct bench_target *t, char *uri,
		   size_t urilen, char *err, size_t errlen)
{
	struct bench_avail *a = bench_avail_get(b, c->transport, err, errlen);
	char log[PATH_MAX];
	int rc = -EINVAL;

	if (!a) {
		return -EINVAL;
	}
	bench_fmt(log, sizeof(log), "%s/target-%s.log", b->run_dir, c->transport);
	/* A port that was free a moment ago may be taken by now: try a few. */
	for (int attempt = 0; attempt < 3; attempt++) {
		bench_uri_expand(b, a->uri_tmpl, bench_free_port(), uri, urilen);
		rc = bench_target_start(t, uri, c->backend, b->tgt_cpus, log,
					BENCH_READY_TIMEOUT_MS, err, errlen);
		if (!rc || !strstr(a->uri_tmpl, "%PORT%")) {
			break;
		}
	}
	return rc;
}

static void
bench_run_all(struct bench *b)
{
	struct bench_target t = {0};
	bool need_target = false;
	char uri[600] = "", group_err[400] = "";
	unsigned int total = 0, idx = 0;
	double done_est = 0, t0 = (double)iop_now_ns() / 1e9;

	for (unsigned int i = 0; i < b->ncells; i++) {
		total += !b->cells[i].skip;
	}
	for (unsigned int i = 0; i < b->ncells && !g_bench_stop; i++) {
		struct bench_cell *c = &b->cells[i];
		bool new_group = i == 0 || strcmp(b->cells[i - 1].transport, c->transport) ||
				 strcmp(b->cells[i - 1].backend, c->backend);
		double elapsed, left;

		if (new_group) {
			bench_target_stop(&t);
			group_err[0] = '\0';
			need_target = c->tool == BENCH_TOOL_IOPATH && strcmp(c->transport, "local");
			bench_fmt(uri, sizeof(uri), "local:");
		}
		if (c->skip) {
			continue;
		}
		if (need_target && !group_err[0] && !bench_target_alive(&t)) {
			char err[400];

			if (!new_group) {
				IOP_WARN("bench: the %s target exited; restarting it (log: %s)\n",
					 c->transport, t.log_path);
			}
			if (bench_start_target(b, c, &t, uri, sizeof(uri), err, sizeof(err))) {
				bench_fmt(group_err, sizeof(group_err), "%s", err);
			}
		}
		if (group_err[0]) {
			bench_fmt(c->error, sizeof(c->error), "%s", group_err);
		} else {
			bench_run_cell(b, c, uri, need_target ? t.pid : 0);
			/* A cell starved of cpu on a shared machine is noise: retry it once. */
			if (c->starved && !g_bench_stop) {
				IOP_WARN("bench: %s: no I/O completed, running it again\n",
					 c->name);
				c->error[0] = '\0';
				c->starved = false;
				bench_run_cell(b, c, uri, need_target ? t.pid : 0);
			}
		}
		idx++;
		done_est += (double)(c->job.runtime_ns + c->job.ramp_ns) / 1e9 +
			    BENCH_CELL_OVERHEAD_S;
		elapsed = (double)iop_now_ns() / 1e9 - t0;
		left = b->est_total_s - done_est;
		if (done_est > 0 && elapsed > done_est) {
			left *= elapsed / done_est;
		}
		bench_progress(b, c, idx, total, elapsed, left > 0 ? left : 0);
	}
	bench_target_stop(&t);
}

/* skipped.json: transports that cannot run here, plus every cell that did not produce a result. */
static int
bench_write_skipped(const struct bench *b)
{
	struct json_object *root = json_object_new_object();
	struct json_object *trs = json_object_new_array(), *cells = json_object_new_array();
	char path[PATH_MAX];
	int rc;

	json_object_object_add(root, "schema", json_object_new_string("iopath.skipped/1"));
	json_object_object_add(root, "run", json_object_new_string(b->run_id));
	for (unsigned int i = 0; i < b->navail; i++) {
		const struct bench_avail *a = &b->avail[i];
		struct json_object *o;

		if (!a->reason[0]) {
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "transport", json_object_new_string(a->name));
		json_object_object_add(o, "reason", json_object_new_string(a->reason));
		json_object_object_add(o, "cells", json_object_new_int((int)a->cells));
		json_object_array_add(trs, o);
	}
	for (unsigned int i = 0; i < b->ncells; i++) {
		const struct bench_cell *c = &b->cells[i];
		struct json_object *o;
		const char *status, *reason;

		if (c->ran && !c->error[0]) {
			continue;
		}
		if (c->skip) {
			status = "skipped";
			reason = c->skip;
		} else if (c->error[0]) {
			status = "failed";
			reason = c->error;
		} else {
			status = "not run";
			reason = "interrupted";
		}
		o = json_object_new_object();
		json_object_object_add(o, "cell", json_object_new_string(c->name));
		json_object_object_add(o, "transport", json_object_new_string(c->transport));
		json_object_object_add(o, "status", json_object_new_string(status));
		json_object_object_add(o, "reason", json_object_new_string(reason));
		json_object_array_add(cells, o);
	}
	json_object_object_add(root, "transports", trs);
	json_object_object_add(root, "cells", cells);
	bench_fmt(path, sizeof(path), "%s/skipped.json", b->run_dir);
	rc = json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY) ? -EIO : 0;
	json_object_put(root);
	return rc;
}

/* local:+null against fio's null engine at the same rw/bs/qd/jobs. */
static void
bench_comparison(const struct bench *b)
{
	char path[PATH_MAX];
	FILE *f;
	bool any = false;

	bench_fmt(path, sizeof(path), "%s/comparison.txt", b->run_dir);
	f = fopen(path, "w");
	for (unsigned int i = 0; i < b->ncells; i++) {
		const struct bench_cell *fc = &b->cells[i], *lc = NULL;
		char a[32], x[32], line[300];

		if (fc->tool != BENCH_TOOL_FIO || !fc->ran || fc->error[0]) {
			continue;
		}
		for (unsigned int j = 0; j < b->ncells; j++) {
			const struct bench_cell *c = &b->cells[j];

			if (c->tool == BENCH_TOOL_IOPATH && c->ran && !c->error[0] &&
			    !strcmp(c->transport, "local") && !strncmp(c->backend, "null", 4) &&
			    c->job.rw == fc->job.rw && c->job.bs == fc->job.bs &&
			    c->job.iodepth == fc->job.iodepth &&
			    c->job.numjobs == fc->job.numjobs) {
				lc = c;
				break;
			}
		}
		if (!any) {
			printf("\niopath local:+null vs fio ioengine=null (same run, same cpu):\n");
			if (f) {
				fprintf(f, "# iopath local:+null vs fio ioengine=null, run %s\n",
					b->run_id);
			}
			any = true;
		}
		bench_fmt_iops(fc->iops, x, sizeof(x));
		if (lc) {
			char bs[32];

			bench_fmt_iops(lc->iops, a, sizeof(a));
			iop_fmt_size(fc->job.bs, bs, sizeof(bs));
			bench_fmt(line, sizeof(line),
				  "  %s %s QD%llu j%llu: iopath %s IOPS (%.2fM/core, p99 %.2f us), "
				  "fio %s IOPS (%.2fM/core, p99 %.2f us): iopath/fio = %.2f\n",
				  iop_rw_name(fc->job.rw), bs, (unsigned long long)fc->job.iodepth,
				  (unsigned long long)fc->job.numjobs, a,
				  lc->cpu_ini > 0 ? lc->iops / lc->cpu_ini / 1e6 : 0.0, lc->p99_us,
				  x,
				  fc->cpu_ini > 0 ? fc->iops / fc->cpu_ini / 1e6 : 0.0, fc->p99_us,
				  lc->iops / fc->iops);
		} else {
			bench_fmt(line, sizeof(line),
				  "  %s: fio %s IOPS; no matching local:+null cell\n", fc->name, x);
		}
		fputs(line, stdout);
		if (f) {
			fputs(line, f);
		}
	}
	if (f) {
		fclose(f);
		if (!any) {
			unlink(path);
		}
	}
}

/* Find the matrix: as given, else workloads/NAME[.matrix] here or next to the binary. */
static int
bench_find_matrix(const char *arg, char *out, size_t len)
{
	char exe[PATH_MAX], *slash;
	const char *dirs[3] = {".", NULL, NULL};
	ssize_t n;

	if (access(arg, R_OK) == 0) {
		bench_fmt(out, len, "%s", arg);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			strncat(exe, "/..", sizeof(exe) - strlen(exe) - 1);
			dirs[1] = exe;
		}
	}
	for (int i = 0; dirs[i]; i++) {
		bench_fmt(out, len, "%s/workloads/%s", dirs[i], arg);
		if (access(out, R_OK) == 0) {
			return 0;
		}
		bench_fmt(out, len, "%s/workloads/%s.matrix", dirs[i], arg);
		if (access(out, R_OK) == 0) {
			return 0;
		}
	}
	bench_fmt(out, len, "%s", arg);
	return -ENOENT;
}

static int
bench_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	bench_fmt(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
				return -errno;
			}
			*p = '/';
		}
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

static int
bench_make_run_dir(struct bench *b)
{
	time_t now = time(NULL);
	struct tm tm;
	char base[48], link[PATH_MAX];
	int rc;

	gmtime_r(&now, &tm);
	strftime(base, sizeof(base), "%Y%m%d-%H%M%S", &tm);
	rc = bench_mkdirs(b->results);
	if (rc) {
		return rc;
	}
	for (int i = 0; i < 100; i++) {
		bench_fmt(b->run_id, sizeof(b->run_id), "%s%s%s", base, b->quick ? "-quick" : "",
			 i ? "" : "");
		if (i) {
			size_t l = strlen(b->run_id);

			bench_fmt(b->run_id + l, sizeof(b->run_id) - l, "-%d", i + 1);
		}
		bench_fmt(b->run_dir, sizeof(b->run_dir), "%s/%s", b->results, b->run_id);
		if (mkdir(b->run_dir, 0755) == 0) {
			bench_fmt(link, sizeof(link), "%s/latest", b->results);
			unlink(link);
			if (symlink(b->run_id, link) < 0) {
				IOP_WARN("bench: cannot link %s: %s\n", link, strerror(errno));
			}
			return 0;
		}
		if (errno != EEXIST) {
			return -errno;
		}
	}
	return -EEXIST;
}

static void
bench_cleanup_sock_dir(struct bench *b)
{
	char cmd[160];

	if (b->sock_dir[0] && !strncmp(b->sock_dir, "/tmp/iopath-bench.", 18)) {
		bench_fmt(cmd, sizeof(cmd), "rm -rf '%s'", b->sock_dir);
		if (system(cmd) != 0) {
			IOP_WARN("bench: cannot remove %s\n", b->sock_dir);
		}
	}
}

static int
bench_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"quick", no_argument, NULL, 'q'}, {"matrix", required_argument, NULL, 'm'},
		{"transports", required_argument, NULL, 't'},
		{"results", required_argument, NULL, 'r'}, {"plots", required_argument, NULL, 'p'},
		{"dry-run", no_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sigaction sa = {.sa_handler = bench_on_signal};
	struct bench *b = calloc(1, sizeof(*b));
	const char *matrix_arg = NULL;
	char matrix_path[PATH_MAX], err[512] = "";
	unsigned int failed = 0, ok = 0;
	int c, rc, ret = 1;

	if (!b) {
		return 1;
	}
	b->results = "results";
	b->plots = "plots";
	optind = 1;
	while ((c = getopt_long(argc, argv, "qm:t:r:p:nh", lopts, NULL)) != -1) {
		switch (c) {
		case 'q': b->quick = true; break;
		case 'm': matrix_arg = optarg; break;
		case 't': b->only = optarg; break;
		case 'r': b->results = optarg; break;
		case 'p': b->plots = optarg; break;
		case 'n': b->dry_run = true; break;
		case 'h': bench_usage(stdout); free(b); return 0;
		default: bench_usage(stderr); free(b); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "iopath bench: unexpected argument '%s'\n", argv[optind]);
		bench_usage(stderr);
		free(b);
		return 2;
	}
	if (!matrix_arg) {
		matrix_arg = b->quick ? "quick.matrix" : "default.matrix";
	}
	if (bench_find_matrix(matrix_arg, matrix_path, sizeof(matrix_path))) {
		fprintf(stderr,
			"iopath bench: matrix '%s' not found (as a path or in workloads/)\n",
			matrix_arg);
		free(b);
		return 2;
	}
	b->matrix_path = matrix_path;
	b->nproc = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	if (b->nproc >= 2) {
		b->ini_cpus = "0";
		b->tgt_cpus = "1";
	}
	bench_fmt(b->sock_dir, sizeof(b->sock_dir), "/tmp/iopath-bench.XXXXXX");
	if (!b->dry_run && !mkdtemp(b->sock_dir)) {
		fprintf(stderr, "iopath bench: mkdtemp: %s\n", strerror(errno));
		free(b);
		return 1;
	}
	rc = iop_matrix_load(matrix_path, &b->m, err, sizeof(err));
	if (!rc) {
		rc = bench_plan(b, err, sizeof(err));
	}
	if (rc) {
		fprintf(stderr, "iopath bench: %s\n", err[0] ? err : strerror(-rc));
		ret = 2;
		goto out;
	}
	if (b->only) {
		/* every name in --transports must be known */
		for (const char *p = b->only; *p;) {
			size_t l = strcspn(p, ",");
			char name[64];

			bench_fmt(name, sizeof(name), "%.*s", (int)IOP_MIN(l, sizeof(name) - 1), p);
			bool known = !strcmp(name, "fio") || bench_transport_find(name);

			for (unsigned int i = 0; i < b->navail; i++) {
				known |= !strcmp(b->avail[i].name, name);
			}
			if (!known) {
				fprintf(stderr, "iopath bench: --transports: "
					"unknown transport '%s'\n", name);
				ret = 2;
				goto out;
			}
			p += l + (p[l] == ',');
		}
	}
	if (!b->dry_run) {
		rc = bench_make_run_dir(b);
		if (rc) {
			fprintf(stderr, "iopath bench: cannot create a run directory in %s: %s\n",
				b->results, strerror(-rc));
			goto out;
		}
	}
	bench_print_plan(b);
	if (b->dry_run) {
		ret = 0;
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	bench_run_all(b);
	if (bench_write_skipped(b)) {
		IOP_ERR("bench: cannot write %s/skipped.json\n", b->run_dir);
	}
	bench_comparison(b);
	rc = bench_plot(b->cells, b->ncells, b->run_dir, b->plots);
	if (rc == -ENOENT) {
		printf("plots: gnuplot is not installed (make deps installs gnuplot-nox)\n");
	} else if (rc < 0) {
		printf("plots: gnuplot failed (%s); see %s/gnuplot.log\n", strerror(-rc),
		       b->run_dir);
	} else {
		printf("plots: %d PNG files in %s/ (script %s/plots.gp)\n", rc, b->plots,
		       b->run_dir);
	}
	for (unsigned int i = 0; i < b->ncells; i++) {
		failed += !b->cells[i].skip && (b->cells[i].error[0] || !b->cells[i].ran);
		ok += b->cells[i].ran && !b->cells[i].error[0];
	}
	printf("results: %s/ (%u cells ok, %u failed or not run; summary.csv, skipped.json)\n",
	       b->run_dir, ok, failed);
	if (g_bench_stop) {
		printf("interrupted\n");
	}
	ret = failed || g_bench_stop ? 1 : 0;
out:
	bench_cleanup_sock_dir(b);
	for (unsigned int i = 0; i < b->ncells; i++) {
		iop_job_free(&b->cells[i].job);
	}
	free(b->cells);
	iop_matrix_free(&b->m);
	free(b);
	return ret;
}

static const struct iop_cmd bench_cmd = {
	.name = "bench",
	.summary = "run a benchmark matrix on every supported transport (results/, plots/)",
	.main = bench_main,
};
IOP_CMD_REGISTER(bench_cmd)
