/* SPDX-License-Identifier: BSD-3-Clause */
/* fio-compatible JSON output of results (jobs[].read.iops, clat_ns.percentile, usr_cpu...). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "iopath/result.h"

/* fio's default percentile list */
static const double fio_pcts[] = {1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9,
				  99.95, 99.99};

static struct json_object *
fio_lat(const struct iop_hist *h, bool with_pcts)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "min", json_object_new_uint64(iop_hist_min(h)));
	json_object_object_add(o, "max", json_object_new_uint64(h->max));
	json_object_object_add(o, "mean", json_object_new_double(iop_hist_mean(h)));
	json_object_object_add(o, "stddev", json_object_new_double(iop_hist_stdev(h)));
	json_object_object_add(o, "N", json_object_new_uint64(h->count));
	if (with_pcts && h->count) {
		struct json_object *p = json_object_new_object();

		for (size_t i = 0; i < sizeof(fio_pcts) / sizeof(fio_pcts[0]); i++) {
			char key[16];

			uint64_t v = iop_hist_percentile(h, fio_pcts[i]);

			snprintf(key, sizeof(key), "%f", fio_pcts[i]);
			json_object_object_add(p, key, json_object_new_uint64(v));
		}
		json_object_object_add(o, "percentile", p);
	}
	return o;
}

static struct json_object *
fio_dir(const struct iop_dir_result *d, uint64_t runtime_ns)
{
	struct json_object *o = json_object_new_object();
	struct iop_hist empty;

	json_object_object_add(o, "io_bytes", json_object_new_uint64(d->bytes));
	json_object_object_add(o, "io_kbytes", json_object_new_uint64(d->bytes / 1024));
	json_object_object_add(o, "bw_bytes", json_object_new_uint64((uint64_t)d->bw));
	json_object_object_add(o, "bw", json_object_new_uint64((uint64_t)(d->bw / 1024)));
	json_object_object_add(o, "iops", json_object_new_double(d->iops));
	json_object_object_add(o, "runtime",
			       json_object_new_uint64(d->ios ? runtime_ns / 1000000 : 0));
	json_object_object_add(o, "total_ios", json_object_new_uint64(d->ios));
	json_object_object_add(o, "short_ios", json_object_new_int(0));
	json_object_object_add(o, "drop_ios", json_object_new_int(0));
	/* iopath times submit to completion: that is fio's clat and lat; slat is not split out */
	iop_hist_init(&empty);
	json_object_object_add(o, "slat_ns", fio_lat(&empty, false));
	json_object_object_add(o, "clat_ns", fio_lat(&d->hist, true));
	/* iopath measures from submit, so lat == clat; with percentiles as fio --lat_percentiles=1 */
	json_object_object_add(o, "lat_ns", fio_lat(&d->hist, true));
	return o;
}

char *
iop_result_to_fio_json(const struct iop_result *const *rs, unsigned int n)
{
	struct json_object *top = json_object_new_object(), *jobs = json_object_new_array();
	struct iop_dir_result none;
	const char *s;
	char ver[80], *out;

	memset(&none, 0, sizeof(none));
	iop_hist_init(&none.hist);
	snprintf(ver, sizeof(ver), "iopath-%s", n ? rs[0]->env.commit : "unknown");
	json_object_object_add(top, "fio version", json_object_new_string(ver));
	json_object_object_add(top, "timestamp", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(top, "time", json_object_new_string(n ? rs[0]->env.time : ""));
	for (unsigned int i = 0; i < n; i++) {
		const struct iop_result *r = rs[i];
		struct json_object *j = json_object_new_object(), *opts = json_object_new_object();
		char buf[32];

		json_object_object_add(j, "jobname", json_object_new_string(r->name));
		json_object_object_add(j, "groupid", json_object_new_int((int)i));
		json_object_object_add(j, "error",
				       json_object_new_int(r->errors ? 5 /* EIO */ : 0));
		json_object_object_add(opts, "name", json_object_new_string(r->name));
		json_object_object_add(opts, "filename", json_object_new_string(r->uri));
		json_object_object_add(opts, "ioengine", json_object_new_string("iopath"));
		json_object_object_add(opts, "rw", json_object_new_string(r->rw));
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->bs);
		json_object_object_add(opts, "bs", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%u", r->iodepth);
		json_object_object_add(opts, "iodepth", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%u", r->numjobs);
		json_object_object_add(opts, "numjobs", json_object_new_string(buf));
		json_object_object_add(j, "job options", opts);
		json_object_object_add(j, "read", fio_dir(&r->read, r->runtime_ns));
		json_object_object_add(j, "write", fio_dir(&r->write, r->runtime_ns));
		json_object_object_add(j, "trim", fio_dir(&none, 0));
		json_object_object_add(j, "job_runtime",
				       json_object_new_uint64(r->runtime_ns / 1000000));
		json_object_object_add(j, "usr_cpu", json_object_new_double(r->cpu_ini.usr * 100));
		json_object_object_add(j, "sys_cpu", json_object_new_double(r->cpu_ini.sys * 100));
		json_object_object_add(j, "ctx", json_object_new_int(0));
		json_object_object_add(j, "majf", json_object_new_int(0));
		json_object_object_add(j, "minf", json_object_new_int(0));
		json_object_object_add(j, "iodepth_level", json_object_new_object());
		json_object_object_add(j, "latency_ns", json_object_new_object());
		json_object_array_add(jobs, j);
	}
	json_object_object_add(top, "jobs", jobs);
	json_object_object_add(top, "disk_util", json_object_new_array());
	s = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						JSON_C_TO_STRING_NOSLASHESCAPE);
	out = s ? strdup(s) : NULL;
	json_object_put(top);
	return out;
}

int
iop_result_write_fio_json(const struct iop_result *const *rs, unsigned int n, const char *path)
{
	char *text = iop_result_to_fio_json(rs, n);
	FILE *f;
	int rc = 0;

	if (!text) {
		return -ENOMEM;
	}
	f = fopen(path, "w");
	if (!f) {
		rc = -errno;
		free(text);
		return rc;
	}
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF) {
		rc = -EIO;
	}
	if (fclose(f) && !rc) {
		rc = -errno;
	}
	free(text);
	return rc;
}
