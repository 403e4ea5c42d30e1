/* SPDX-License-Identifier: BSD-3-Clause */
/* Bench runner: fio's null engine as an outside reference row (json+ parsed with json-c). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/bench_internal.h"
#include "iopath/hist.h"
#include "iopath/util.h"

/* Run argv with stdout to out_path, stderr to err_path. \return exit status or negative errno. */
static int
fio_spawn(char *const *argv, const char *out_path, const char *err_path)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		return -errno;
	}
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0) {
			_exit(126);
		}
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		return -errno;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *
fio_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			char *nb;

			cap = (cap + 4096) * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf) {
		buf[len] = '\0';
	}
	return buf;
}

static struct json_object *
fio_get(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type)) {
		return NULL;
	}
	return v;
}

/* Fill one direction from fio's "read"/"write" object. \return 0 or -EINVAL. */
static int
fio_parse_dir(struct json_object *d, struct iop_dir_result *out, double *iops)
{
	struct json_object *clat = fio_get(d, "clat_ns", json_type_object);
	struct json_object *bins = fio_get(clat, "bins", json_type_object);
	struct json_object *v;

	if (!d || !clat) {
		return -EINVAL;
	}
	v = fio_get(d, "total_ios", json_type_int);
	out->ios = v ? (uint64_t)json_object_get_int64(v) : 0;
	v = fio_get(d, "io_bytes", json_type_int);
	out->bytes = v ? (uint64_t)json_object_get_int64(v) : 0;
	v = json_object_object_get_ex(d, "iops", &v) ? v : NULL;
	*iops = v ? json_object_get_double(v) : 0.0;
	if (bins) {
		json_object_object_foreach(bins, key, cnt) {
			iop_hist_add_bin(&out->hist, strtoull(key, NULL, 10),
					 (uint64_t)json_object_get_int64(cnt));
		}
	}
	/* add_bin leaves the summary to us: restore it from fio's exact figures. */
	if (out->hist.count) {
		double n = (double)out->hist.count, mean = 0, sd = 0;

		if ((v = fio_get(clat, "min", json_type_int))) {
			out->hist.min = (uint64_t)json_object_get_int64(v);
		}
		if ((v = fio_get(clat, "max", json_type_int))) {
			out->hist.max = (uint64_t)json_object_get_int64(v);
		}
		if (json_object_object_get_ex(clat, "mean", &v)) {
			mean = json_object_get_double(v);
		}
		if (json_object_object_get_ex(clat, "stddev", &v)) {
			sd = json_object_get_double(v);
		}
		out->hist.sum = (uint64_t)(mean * n + 0.5);
		out->hist.sumsq = (sd * sd + mean * mean) * n;
	}
	return 0;
}

int
bench_fio_parse(const char *text, struct iop_result *r)
{
	const char *start = strchr(text, '{');
	struct json_object *root, *jobs, *job, *v;
	double riops = 0, wiops = 0, iops;
	int rc = -EINVAL;

	if (!start) {
		return -EINVAL;
	}
	root = json_tokener_parse(start);
	if (!root) {
		return -EINVAL;
	}
	jobs = fio_get(root, "jobs", json_type_array);
	job = jobs && json_object_array_length(jobs) > 0 ? json_object_array_get_idx(jobs, 0)
							 : NULL;
	if (!job || fio_parse_dir(fio_get(job, "read", json_type_object), &r->read, &riops) ||
	    fio_parse_dir(fio_get(job, "write", json_type_object), &r->write, &wiops)) {
		goto out;
	}
	iops = riops + wiops;
	/* fio reports runtime in ms; total I/Os over IOPS gives the window more precisely. */
	if (iops > 0) {
		r->runtime_ns = (uint64_t)((double)(r->read.ios + r->write.ios) / iops * 1e9);
	}
	if (!r->runtime_ns && (v = fio_get(fio_get(job, "read", json_type_object), "runtime",
					   json_type_int))) {
		r->runtime_ns = (uint64_t)json_object_get_int64(v) * 1000000ull;
	}
	if ((v = fio_get(job, "usr_cpu", json_type_double))) {
		r->cpu_ini.usr = json_object_get_double(v) / 100.0;
	}
	if ((v = fio_get(job, "sys_cpu", json_type_double))) {
		r->cpu_ini.sys = json_object_get_double(v) / 100.0;
	}
	if ((v = fio_get(root, "fio version", json_type_string))) {
		bench_fmt(r->desc, sizeof(r->desc), "%s ioengine=null", json_object_get_string(v));
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int
bench_fio_run(const struct bench_cell *c, const char *cpus, const char *json_path,
	      struct iop_result *r)
{
	const struct iop_job *j = &c->job;
	char a_name[160], a_rw[32], a_bs[40], a_qd[40], a_nj[40], a_rt[48], a_ramp[48], a_cpus[80];
	char err_path[600], *text;
	char *argv[24];
	int n = 0, rc;

	iop_result_init(r);
	bench_fmt(r->cell, sizeof(r->cell), "%s", c->name);
	bench_fmt(r->uri, sizeof(r->uri), "fio:null");
	bench_fmt(r->transport, sizeof(r->transport), "%s", c->transport);
	bench_fmt(r->desc, sizeof(r->desc), "fio ioengine=null");
	bench_fmt(r->backend, sizeof(r->backend), "fio null engine");
	bench_fmt(r->name, sizeof(r->name), "%s", c->name);
	bench_fmt(r->rw, sizeof(r->rw), "%s", iop_rw_name(j->rw));
	r->rwmixread = (unsigned int)j->rwmixread;
	r->bs = j->bs;
	r->iodepth = (unsigned int)j->iodepth;
	r->numjobs = (unsigned int)j->numjobs;
	r->size = 1ull << 30;
	r->runtime_req_ns = j->runtime_ns;
	r->ramp_ns = j->ramp_ns;
	iop_result_env_fill(&r->env);
	if (cpus) {
		bench_fmt(r->env.pinning, sizeof(r->env.pinning), "%s", cpus);
	}

	bench_fmt(a_name, sizeof(a_name), "--name=%s", c->name);
	bench_fmt(a_rw, sizeof(a_rw), "--rw=%s", iop_rw_name(j->rw));
	bench_fmt(a_bs, sizeof(a_bs), "--bs=%llu", (unsigned long long)j->bs);
	bench_fmt(a_qd, sizeof(a_qd), "--iodepth=%llu", (unsigned long long)j->iodepth);
	bench_fmt(a_nj, sizeof(a_nj), "--numjobs=%llu", (unsigned long long)j->numjobs);
	bench_fmt(a_rt, sizeof(a_rt), "--runtime=%llums",
		 (unsigned long long)IOP_MAX(j->runtime_ns / 1000000, 100));
	bench_fmt(a_ramp, sizeof(a_ramp), "--ramp_time=%llums",
		 (unsigned long long)(j->ramp_ns / 1000000));
	argv[n++] = "fio";
	argv[n++] = a_name;
	argv[n++] = "--ioengine=null";
	argv[n++] = a_rw;
	argv[n++] = a_bs;
	argv[n++] = a_qd;
	argv[n++] = a_nj;
	argv[n++] = "--size=1g";
	argv[n++] = "--time_based=1";
	argv[n++] = a_rt;
	argv[n++] = a_ramp;
	argv[n++] = "--group_reporting=1";
	argv[n++] = "--output-format=json+";
	if (iop_rw_reads(j->rw) && iop_rw_writes(j->rw)) {
		static char mix[40];

		bench_fmt(mix, sizeof(mix), "--rwmixread=%llu", (unsigned long long)j->rwmixread);
		argv[n++] = mix;
	}
	if (cpus) {
		bench_fmt(a_cpus, sizeof(a_cpus), "--cpus_allowed=%s", cpus);
		argv[n++] = a_cpus;
	}
	argv[n] = NULL;
	bench_fmt(err_path, sizeof(err_path), "%s.stderr", json_path);
	rc = fio_spawn(argv, json_path, err_path);
	if (rc != 0) {
		bench_fmt(r->error_msg, sizeof(r->error_msg), "fio exited with %d (see %s)", rc,
			 err_path);
		return rc < 0 ? rc : -EIO;
	}
	unlink(err_path);
	text = fio_slurp(json_path);
	if (!text) {
		bench_fmt(r->error_msg, sizeof(r->error_msg), "cannot read %s", json_path);
		return -EIO;
	}
	rc = bench_fio_parse(text, r);
	free(text);
	if (rc) {
		bench_fmt(r->error_msg, sizeof(r->error_msg), "cannot parse fio output %s",
			 json_path);
		return rc;
	}
	iop_result_finalize(r);
	return 0;
}
