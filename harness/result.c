/* SPDX-License-Identifier: BSD-3-Clause */
/* Result cell: init, derived figures, environment capture, summary.csv rows, human summary. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "iopath/engine.h"
#include "iopath/result.h"
#include "iopath/util.h"

void
iop_result_init(struct iop_result *r)
{
	memset(r, 0, sizeof(*r));
	iop_hist_init(&r->hist);
	iop_hist_init(&r->read.hist);
	iop_hist_init(&r->write.hist);
}

void
iop_lat_stats_from_hist(struct iop_lat_stats *s, const struct iop_hist *h)
{
	s->n = h->count;
	s->min = iop_hist_min(h);
	s->max = h->max;
	s->mean = iop_hist_mean(h);
	s->stdev = iop_hist_stdev(h);
	s->p50 = iop_hist_percentile(h, 50.0);
	s->p90 = iop_hist_percentile(h, 90.0);
	s->p99 = iop_hist_percentile(h, 99.0);
	s->p999 = iop_hist_percentile(h, 99.9);
	s->p9999 = iop_hist_percentile(h, 99.99);
}

static void
result_dir_finalize(struct iop_dir_result *d, double secs)
{
	d->iops = secs > 0 ? (double)d->ios / secs : 0.0;
	d->bw = secs > 0 ? (double)d->bytes / secs : 0.0;
	iop_lat_stats_from_hist(&d->lat, &d->hist);
}

void
iop_result_finalize(struct iop_result *r)
{
	double secs = (double)r->runtime_ns / 1e9, tgt;

	result_dir_finalize(&r->read, secs);
	result_dir_finalize(&r->write, secs);
	r->ios = r->read.ios + r->write.ios;
	r->bytes = r->read.bytes + r->write.bytes;
	r->iops = secs > 0 ? (double)r->ios / secs : 0.0;
	r->bw = secs > 0 ? (double)r->bytes / secs : 0.0;
	iop_hist_init(&r->hist);
	iop_hist_merge(&r->hist, &r->read.hist);
	iop_hist_merge(&r->hist, &r->write.hist);
	iop_lat_stats_from_hist(&r->lat, &r->hist);
	tgt = r->target_measured ? r->cpu_tgt.usr + r->cpu_tgt.sys : 0.0;
	r->cpu_total = r->cpu_ini.usr + r->cpu_ini.sys + tgt;
	r->iops_per_core = r->cpu_total > 0 ? r->iops / r->cpu_total : 0.0;
	r->iops_per_core_target = tgt > 0 ? r->iops / tgt : 0.0;
	r->bw_per_core = r->cpu_total > 0 ? r->bw / r->cpu_total : 0.0;
	r->cores_per_gbps = r->bw > 0 ? r->cpu_total / (r->bw / 1e9) : 0.0;
}

/* Copy with truncation (snprintf "%s" trips -Wformat-truncation on purpose-sized fields). */
static void
result_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len) {
		n = len - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
result_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f)) {
			buf[strcspn(buf, "\n")] = '\0';
		}
		fclose(f);
	}
}

static void
result_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f) {
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			c++;
			while (*c == ' ' || *c == '\t') {
				c++;
			}
			c[strcspn(c, "\n")] = '\0';
			result_copy(buf, len, c);
			break;
		}
	}
	fclose(f);
}

/* Commit of the tree the binary was built in: $IOPATH_COMMIT, else git next to the binary. */
static void
result_commit(char *buf, size_t len)
{
	const char *env = getenv("IOPATH_COMMIT");
	char exe[PATH_MAX], cmd[PATH_MAX + 96], *slash;
	ssize_t n;
	FILE *p;

	snprintf(buf, len, "unknown");
	if (env && *env) {
		result_copy(buf, len, env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		return;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash || strchr(exe, '\'')) {
		return;
	}
	*slash = '\0';
	snprintf(cmd, sizeof(cmd), "git -C '%s' describe --always --dirty --abbrev=12 2>/dev/null",
		 exe);
	p = popen(cmd, "r");
	if (!p) {
		return;
	}
	if (fgets(cmd, sizeof(cmd), p)) {
		cmd[strcspn(cmd, "\n")] = '\0';
		if (cmd[0]) {
			result_copy(buf, len, cmd);
		}
	}
	pclose(p);
}

void
iop_result_env_fill(struct iop_env *env)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	result_commit(env->commit, sizeof(env->commit));
	if (!uname(&u)) {
		result_copy(env->kernel, sizeof(env->kernel), u.release);
	} else {
		result_read_line("/proc/sys/kernel/osrelease", env->kernel, sizeof(env->kernel));
	}
	result_cpu_model(env->cpu_model, sizeof(env->cpu_model));
	env->nproc = n > 0 ? (unsigned int)n : 0;
	if (gethostname(env->hostname, sizeof(env->hostname))) {
		snprintf(env->hostname, sizeof(env->hostname), "unknown");
	}
	env->hostname[sizeof(env->hostname) - 1] = '\0';
	gmtime_r(&now, &tm);
	strftime(env->time, sizeof(env->time), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *
iop_result_csv_header(void)
{
	return "cell,transport,backend,rw,bs,iodepth,numjobs,runtime_s,iops,bw_bytes,"
	       "lat_mean_ns,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_p9999_ns,lat_max_ns,"
	       "cpu_ini_usr,cpu_ini_sys,cpu_tgt_usr,cpu_tgt_sys,iops_per_core,iops_per_core_target,"
	       "bw_per_core,cores_per_gbps,errors,verify_errors,mode,uri";
}

/* CSV for gnuplot: no quoting, so commas inside text fields become ';'. */
static const char *
result_csv_text(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++) {
		buf[i] = (s[i] == ',' || s[i] == '\n' || s[i] == '"') ? ';' : s[i];
	}
	buf[i] = '\0';
	return buf;
}

int
iop_result_csv_row(const struct iop_result *r, char *buf, size_t len)
{
	char cell[128], tr[32], be[256], uri[256];
	int n;

	n = snprintf(buf, len,
		     "%s,%s,%s,%s,%llu,%u,%u,%.3f,%.1f,%.1f,%.1f,%llu,%llu,%llu,%llu,%llu,%llu,"
		     "%.4f,%.4f,%.4f,%.4f,%.1f,%.1f,%.1f,%.4f,%llu,%llu,%s,%s",
		     result_csv_text(r->cell, cell, sizeof(cell)),
		     result_csv_text(r->transport, tr, sizeof(tr)),
		     result_csv_text(r->backend, be, sizeof(be)), r->rw, (unsigned long long)r->bs,
		     r->iodepth, r->numjobs, (double)r->runtime_ns / 1e9, r->iops, r->bw,
		     r->lat.mean, (unsigned long long)r->lat.p50, (unsigned long long)r->lat.p90,
		     (unsigned long long)r->lat.p99, (unsigned long long)r->lat.p999,
		     (unsigned long long)r->lat.p9999, (unsigned long long)r->lat.max,
		     r->cpu_ini.usr, r->cpu_ini.sys, r->cpu_tgt.usr, r->cpu_tgt.sys,
		     r->iops_per_core, r->iops_per_core_target, r->bw_per_core, r->cores_per_gbps,
		     (unsigned long long)r->errors, (unsigned long long)r->verify_errors,
		     r->env.interrupt ? "interrupt" : "poll",
		     result_csv_text(r->uri, uri, sizeof(uri)));
	if (n < 0 || (size_t)n >= len) {
		return -ENOSPC;
	}
	return n;
}

int
iop_result_csv_append(const struct iop_result *r, const char *path)
{
	char row[2048];
	struct stat st;
	bool fresh;
	FILE *f;
	int rc = iop_result_csv_row(r, row, sizeof(row));

	if (rc < 0) {
		return rc;
	}
	f = fopen(path, "a");
	if (!f) {
		return -errno;
	}
	fresh = fstat(fileno(f), &st) == 0 && st.st_size == 0;
	if (fresh) {
		fprintf(f, "%s\n", iop_result_csv_header());
	}
	fprintf(f, "%s\n", row);
	if (fclose(f)) {
		return -errno;
	}
	return 0;
}

/* 1234567 -> "1235k"; like fio's IOPS formatting. */
static const char *
result_fmt_num(double v, char *buf, size_t len)
{
	if (v >= 10e6) {
		snprintf(buf, len, "%.1fM", v / 1e6);
	} else if (v >= 1e6) {
		snprintf(buf, len, "%.2fM", v / 1e6);
	} else if (v >= 10e3) {
		snprintf(buf, len, "%.1fk", v / 1e3);
	} else {
		snprintf(buf, len, "%.0f", v);
	}
	return buf;
}

static const char *
result_fmt_bw(double v, char *buf, size_t len)
{
	if (v >= 1024.0 * 1024 * 1024) {
		snprintf(buf, len, "%.2fGiB/s", v / (1024.0 * 1024 * 1024));
	} else if (v >= 1024.0 * 1024) {
		snprintf(buf, len, "%.1fMiB/s", v / (1024.0 * 1024));
	} else {
		snprintf(buf, len, "%.1fKiB/s", v / 1024.0);
	}
	return buf;
}

static void
result_print_dir(FILE *f, const char *name, const struct iop_dir_result *d)
{
	char a[32], b[32];

	if (!d->ios) {
		return;
	}
	fprintf(f, "  %-5s: IOPS=%s, BW=%s (%.1fMB/s), ios=%llu\n", name,
		result_fmt_num(d->iops, a, sizeof(a)), result_fmt_bw(d->bw, b, sizeof(b)),
		d->bw / 1e6, (unsigned long long)d->ios);
	fprintf(f, "    lat (ns): min=%llu, max=%llu, mean=%.1f, stdev=%.1f\n",
		(unsigned long long)d->lat.min, (unsigned long long)d->lat.max, d->lat.mean,
		d->lat.stdev);
	fprintf(f, "    lat percentiles (ns): p50=%llu, p90=%llu, p99=%llu, p99.9=%llu, "
		"p99.99=%llu\n",
		(unsigned long long)d->lat.p50, (unsigned long long)d->lat.p90,
		(unsigned long long)d->lat.p99, (unsigned long long)d->lat.p999,
		(unsigned long long)d->lat.p9999);
}

void
iop_result_print(const struct iop_result *r, void *fp)
{
	FILE *f = fp;
	char bs[32], a[32], b[32];

	fprintf(f, "%s: %s%s%s rw=%s bs=%s iodepth=%u numjobs=%u%s (%s)\n", r->name, r->uri,
		r->backend[0] ? " backend=" : "", r->backend, r->rw,
		iop_fmt_size(r->bs, bs, sizeof(bs)), r->iodepth, r->numjobs,
		r->verify ? " verify=1" : "", r->env.interrupt ? "interrupt" : "polling");
	fprintf(f, "  total: IOPS=%s, BW=%s, %llu ios in %.3fs\n",
		result_fmt_num(r->iops, a, sizeof(a)), result_fmt_bw(r->bw, b, sizeof(b)),
		(unsigned long long)r->ios, (double)r->runtime_ns / 1e9);
	result_print_dir(f, "read", &r->read);
	result_print_dir(f, "write", &r->write);
	fprintf(f, "  cpu (cores): initiator usr=%.2f sys=%.2f (job threads %.2f/%.2f)",
		r->cpu_ini.usr, r->cpu_ini.sys, r->cpu_threads.usr, r->cpu_threads.sys);
	if (r->target_measured) {
		fprintf(f, ", target usr=%.2f sys=%.2f", r->cpu_tgt.usr, r->cpu_tgt.sys);
	} else {
		fprintf(f, ", target not measured");
	}
	fprintf(f, "\n  IOPS/core=%s", result_fmt_num(r->iops_per_core, a, sizeof(a)));
	if (r->target_measured) {
		fprintf(f, " (target only %s)",
			result_fmt_num(r->iops_per_core_target, a, sizeof(a)));
	}
	fprintf(f, ", BW/core=%s, cores per GB/s=%.3f\n",
		result_fmt_bw(r->bw_per_core, b, sizeof(b)), r->cores_per_gbps);
	fprintf(f, "  errors=%llu verify_errors=%llu%s%s\n", (unsigned long long)r->errors,
		(unsigned long long)r->verify_errors, r->error_msg[0] ? " first: " : "",
		r->error_msg);
}
