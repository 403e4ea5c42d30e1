/* SPDX-License-Identifier: BSD-3-Clause */
/* Result JSON (schema iopath.result/1, json-c): writer and a type-checking reader. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/result.h"
#include "iopath/util.h"

/* ---- writer ---- */

static void
rj_add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static struct json_object *
rj_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

static struct json_object *
rj_dbl(double v)
{
	/* JSON has no NaN/Inf; derived figures are guarded, this is the last line of defence */
	return json_object_new_double(isfinite(v) ? v : 0.0);
}

static int
rj_add_bin(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	char key[24];

	snprintf(key, sizeof(key), "%" PRIu64, lo);
	rj_add(arg, key, rj_u64(count));
	return 0;
}

static struct json_object *
rj_lat(const struct iop_lat_stats *s, const struct iop_hist *h)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	struct json_object *bins = json_object_new_object();

	rj_add(o, "n", rj_u64(s->n));
	rj_add(o, "min", rj_u64(s->min));
	rj_add(o, "max", rj_u64(s->max));
	rj_add(o, "mean", rj_dbl(s->mean));
	rj_add(o, "stdev", rj_dbl(s->stdev));
	rj_add(p, "50.0", rj_u64(s->p50));
	rj_add(p, "90.0", rj_u64(s->p90));
	rj_add(p, "99.0", rj_u64(s->p99));
	rj_add(p, "99.9", rj_u64(s->p999));
	rj_add(p, "99.99", rj_u64(s->p9999));
	rj_add(o, "percentile", p);
	iop_hist_foreach(h, rj_add_bin, bins);
	rj_add(o, "bins", bins);
	return o;
}

static struct json_object *
rj_dir(const struct iop_dir_result *d)
{
	struct json_object *o = json_object_new_object();

	rj_add(o, "ios", rj_u64(d->ios));
	rj_add(o, "bytes", rj_u64(d->bytes));
	rj_add(o, "iops", rj_dbl(d->iops));
	rj_add(o, "bw_bytes", rj_dbl(d->bw));
	rj_add(o, "lat_ns", rj_lat(&d->lat, &d->hist));
	return o;
}

char *
iop_result_to_json(const struct iop_result *r)
{
	struct json_object *o = json_object_new_object(), *ep, *job, *cpu, *der, *env;
	const char *s;
	char *out;

	if (!o) {
		return NULL;
	}
	rj_add(o, "schema", json_object_new_string(IOP_RESULT_SCHEMA));
	rj_add(o, "cell", json_object_new_string(r->cell));

	ep = json_object_new_object();
	rj_add(ep, "uri", json_object_new_string(r->uri));
	rj_add(ep, "transport", json_object_new_string(r->transport));
	rj_add(ep, "desc", json_object_new_string(r->desc));
	rj_add(ep, "backend", json_object_new_string(r->backend));
	rj_add(o, "endpoint", ep);

	job = json_object_new_object();
	rj_add(job, "name", json_object_new_string(r->name));
	rj_add(job, "rw", json_object_new_string(r->rw));
	rj_add(job, "rwmixread", rj_u64(r->rwmixread));
	rj_add(job, "bs", rj_u64(r->bs));
	rj_add(job, "iodepth", rj_u64(r->iodepth));
	rj_add(job, "numjobs", rj_u64(r->numjobs));
	rj_add(job, "size", rj_u64(r->size));
	rj_add(job, "offset", rj_u64(r->offset));
	rj_add(job, "runtime_ns", rj_u64(r->runtime_req_ns));
	rj_add(job, "ramp_ns", rj_u64(r->ramp_ns));
	rj_add(job, "number_ios", rj_u64(r->number_ios));
	rj_add(job, "verify", json_object_new_boolean(r->verify));
	rj_add(o, "job", job);

	rj_add(o, "runtime_ns", rj_u64(r->runtime_ns));
	rj_add(o, "ios", rj_u64(r->ios));
	rj_add(o, "bytes", rj_u64(r->bytes));
	rj_add(o, "iops", rj_dbl(r->iops));
	rj_add(o, "bw_bytes", rj_dbl(r->bw));
	rj_add(o, "lat_ns", rj_lat(&r->lat, &r->hist));
	rj_add(o, "read", rj_dir(&r->read));
	rj_add(o, "write", rj_dir(&r->write));

	cpu = json_object_new_object();
	rj_add(cpu, "initiator_usr", rj_dbl(r->cpu_ini.usr));
	rj_add(cpu, "initiator_sys", rj_dbl(r->cpu_ini.sys));
	rj_add(cpu, "target_usr", rj_dbl(r->cpu_tgt.usr));
	rj_add(cpu, "target_sys", rj_dbl(r->cpu_tgt.sys));
	rj_add(cpu, "target_measured", json_object_new_boolean(r->target_measured));
	rj_add(cpu, "total", rj_dbl(r->cpu_total));
	rj_add(cpu, "threads_usr", rj_dbl(r->cpu_threads.usr));
	rj_add(cpu, "threads_sys", rj_dbl(r->cpu_threads.sys));
	rj_add(o, "cpu", cpu);

	der = json_object_new_object();
	rj_add(der, "iops_per_core", rj_dbl(r->iops_per_core));
	rj_add(der, "iops_per_core_target", rj_dbl(r->iops_per_core_target));
	rj_add(der, "bw_per_core", rj_dbl(r->bw_per_core));
	rj_add(der, "cores_per_gbps", rj_dbl(r->cores_per_gbps));
	rj_add(o, "derived", der);

	rj_add(o, "errors", rj_u64(r->errors));
	rj_add(o, "verify_errors", rj_u64(r->verify_errors));
	rj_add(o, "error_msg", json_object_new_string(r->error_msg));

	env = json_object_new_object();
	rj_add(env, "commit", json_object_new_string(r->env.commit));
	rj_add(env, "kernel", json_object_new_string(r->env.kernel));
	rj_add(env, "cpu_model", json_object_new_string(r->env.cpu_model));
	rj_add(env, "nproc", rj_u64(r->env.nproc));
	rj_add(env, "pinning", json_object_new_string(r->env.pinning));
	rj_add(env, "mode", json_object_new_string(r->env.interrupt ? "interrupt" : "poll"));
	rj_add(env, "hostname", json_object_new_string(r->env.hostname));
	rj_add(env, "time", json_object_new_string(r->env.time));
	rj_add(o, "env", env);

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	out = s ? strdup(s) : NULL;
	json_object_put(o);
	return out;
}

int
iop_result_write_json(const struct iop_result *r, const char *path)
{
	char *text = iop_result_to_json(r), tmp[4096];
	FILE *f;
	int rc = 0;

	if (!text) {
		return -ENOMEM;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		free(text);
		return -ENAMETOOLONG;
	}
	f = fopen(tmp, "w");
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
	if (!rc && rename(tmp, path)) {
		rc = -errno;
	}
	if (rc) {
		unlink(tmp);
	}
	free(text);
	return rc;
}

/* ---- reader: every field checked for presence and type ---- */

struct rj_ctx {
	char *err;
	size_t errlen;
	int rc;
};

static struct json_object *
rj_get(struct rj_ctx *c, struct json_object *o, const char *path, const char *k,
       enum json_type t)
{
	struct json_object *v;

	if (c->rc) {
		return NULL;
	}
	if (!json_object_object_get_ex(o, k, &v)) {
		snprintf(c->err, c->errlen, "missing field %s%s", path, k);
		c->rc = -EINVAL;
		return NULL;
	}
	if (t == json_type_double) {
		if (!json_object_is_type(v, json_type_double) &&
		    !json_object_is_type(v, json_type_int)) {
			snprintf(c->err, c->errlen, "field %s%s: expected a number", path, k);
			c->rc = -EINVAL;
			return NULL;
		}
		return v;
	}
	if (!json_object_is_type(v, t)) {
		snprintf(c->err, c->errlen, "field %s%s: expected %s, found %s", path, k,
			 json_type_to_name(t), json_type_to_name(json_object_get_type(v)));
		c->rc = -EINVAL;
		return NULL;
	}
	return v;
}

static uint64_t
rj_u64_of(struct rj_ctx *c, struct json_object *v, const char *path, const char *k)
{
	if (json_object_get_int64(v) < 0) {
		snprintf(c->err, c->errlen, "field %s%s: must not be negative", path, k);
		c->rc = -EINVAL;
		return 0;
	}
	return json_object_get_uint64(v);
}

static uint64_t
rj_get_u64(struct rj_ctx *c, struct json_object *o, const char *path, const char *k)
{
	struct json_object *v = rj_get(c, o, path, k, json_type_int);

	return v ? rj_u64_of(c, v, path, k) : 0;
}

static unsigned int
rj_get_uint(struct rj_ctx *c, struct json_object *o, const char *path, const char *k)
{
	uint64_t v = rj_get_u64(c, o, path, k);

	if (!c->rc && v > UINT32_MAX) {
		snprintf(c->err, c->errlen, "field %s%s: %" PRIu64 " is too large", path, k, v);
		c->rc = -EINVAL;
	}
	return (unsigned int)v;
}

static double
rj_get_dbl(struct rj_ctx *c, struct json_object *o, const char *path, const char *k)
{
	struct json_object *v = rj_get(c, o, path, k, json_type_double);

	return v ? json_object_get_double(v) : 0.0;
}

static bool
rj_get_bool(struct rj_ctx *c, struct json_object *o, const char *path, const char *k)
{
	struct json_object *v = rj_get(c, o, path, k, json_type_boolean);

	return v ? json_object_get_boolean(v) : false;
}

static void
rj_get_str(struct rj_ctx *c, struct json_object *o, const char *path, const char *k, char *buf,
	   size_t len)
{
	struct json_object *v = rj_get(c, o, path, k, json_type_string);

	if (!v) {
		return;
	}
	if ((size_t)json_object_get_string_len(v) >= len) {
		snprintf(c->err, c->errlen, "field %s%s: string longer than %zu", path, k, len - 1);
		c->rc = -EINVAL;
		return;
	}
	snprintf(buf, len, "%s", json_object_get_string(v));
}

static struct json_object *
rj_get_obj(struct rj_ctx *c, struct json_object *o, const char *path, const char *k)
{
	return rj_get(c, o, path, k, json_type_object);
}

static void
rj_read_lat(struct rj_ctx *c, struct json_object *o, const char *path, struct iop_lat_stats *s,
	    struct iop_hist *h)
{
	struct json_object *p, *bins;
	char sub[64];

	if (!o) {
		return;
	}
	s->n = rj_get_u64(c, o, path, "n");
	s->min = rj_get_u64(c, o, path, "min");
	s->max = rj_get_u64(c, o, path, "max");
	s->mean = rj_get_dbl(c, o, path, "mean");
	s->stdev = rj_get_dbl(c, o, path, "stdev");
	snprintf(sub, sizeof(sub), "%spercentile.", path);
	p = rj_get_obj(c, o, path, "percentile");
	if (p) {
		s->p50 = rj_get_u64(c, p, sub, "50.0");
		s->p90 = rj_get_u64(c, p, sub, "90.0");
		s->p99 = rj_get_u64(c, p, sub, "99.0");
		s->p999 = rj_get_u64(c, p, sub, "99.9");
		s->p9999 = rj_get_u64(c, p, sub, "99.99");
	}
	bins = rj_get_obj(c, o, path, "bins");
	if (!bins || c->rc) {
		return;
	}
	iop_hist_init(h);
	snprintf(sub, sizeof(sub), "%sbins.", path);
	json_object_object_foreach(bins, key, val) {
		char *end;
		unsigned long long lo;

		errno = 0;
		lo = strtoull(key, &end, 10);
		if (!*key || *end || errno) {
			snprintf(c->err, c->errlen, "field %s%s: bin key is not a number", sub,
				 key);
			c->rc = -EINVAL;
			return;
		}
		if (!json_object_is_type(val, json_type_int)) {
			snprintf(c->err, c->errlen, "field %s%s: expected int", sub, key);
			c->rc = -EINVAL;
			return;
		}
		iop_hist_add_bin(h, lo, rj_u64_of(c, val, sub, key));
		if (c->rc) {
			return;
		}
	}
	if (h->count != s->n) {
		snprintf(c->err, c->errlen,
			 "field %sbins: counts add up to %" PRIu64 ", n is %" PRIu64, path,
			 h->count, s->n);
		c->rc = -EINVAL;
		return;
	}
	/* summary beyond the buckets: exact min/max, sum and sum of squares from mean/stdev */
	h->min = s->n ? s->min : UINT64_MAX;
	h->max = s->max;
	h->sum = (uint64_t)llround(s->mean * (double)s->n);
	h->sumsq = (double)s->n * (s->stdev * s->stdev + s->mean * s->mean);
}

static void
rj_read_dir(struct rj_ctx *c, struct json_object *o, const char *path, struct iop_dir_result *d)
{
	char sub[32];

	if (!o) {
		return;
	}
	d->ios = rj_get_u64(c, o, path, "ios");
	d->bytes = rj_get_u64(c, o, path, "bytes");
	d->iops = rj_get_dbl(c, o, path, "iops");
	d->bw = rj_get_dbl(c, o, path, "bw_bytes");
	snprintf(sub, sizeof(sub), "%slat_ns.", path);
	rj_read_lat(c, rj_get_obj(c, o, path, "lat_ns"), sub, &d->lat, &d->hist);
}

int
iop_result_from_json(const char *text, struct iop_result *r, char *err, size_t errlen)
{
	struct rj_ctx c = {.err = err, .errlen = errlen};
	enum json_tokener_error jerr;
	struct json_object *o, *ep, *job, *cpu, *der, *env;
	char schema[32] = "", mode[16] = "";

	iop_result_init(r);
	o = json_tokener_parse_verbose(text, &jerr);
	if (!o) {
		snprintf(err, errlen, "not JSON: %s", json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "top level is not an object");
		json_object_put(o);
		return -EINVAL;
	}
	rj_get_str(&c, o, "", "schema", schema, sizeof(schema));
	if (!c.rc && strcmp(schema, IOP_RESULT_SCHEMA)) {
		snprintf(err, errlen, "schema is '%s', expected '%s'", schema, IOP_RESULT_SCHEMA);
		c.rc = -EINVAL;
	}
	rj_get_str(&c, o, "", "cell", r->cell, sizeof(r->cell));

	ep = rj_get_obj(&c, o, "", "endpoint");
	if (ep) {
		rj_get_str(&c, ep, "endpoint.", "uri", r->uri, sizeof(r->uri));
		rj_get_str(&c, ep, "endpoint.", "transport", r->transport, sizeof(r->transport));
		rj_get_str(&c, ep, "endpoint.", "desc", r->desc, sizeof(r->desc));
		rj_get_str(&c, ep, "endpoint.", "backend", r->backend, sizeof(r->backend));
	}
	job = rj_get_obj(&c, o, "", "job");
	if (job) {
		rj_get_str(&c, job, "job.", "name", r->name, sizeof(r->name));
		rj_get_str(&c, job, "job.", "rw", r->rw, sizeof(r->rw));
		r->rwmixread = rj_get_uint(&c, job, "job.", "rwmixread");
		r->bs = rj_get_u64(&c, job, "job.", "bs");
		r->iodepth = rj_get_uint(&c, job, "job.", "iodepth");
		r->numjobs = rj_get_uint(&c, job, "job.", "numjobs");
		r->size = rj_get_u64(&c, job, "job.", "size");
		r->offset = rj_get_u64(&c, job, "job.", "offset");
		r->runtime_req_ns = rj_get_u64(&c, job, "job.", "runtime_ns");
		r->ramp_ns = rj_get_u64(&c, job, "job.", "ramp_ns");
		r->number_ios = rj_get_u64(&c, job, "job.", "number_ios");
		r->verify = rj_get_bool(&c, job, "job.", "verify");
	}
	r->runtime_ns = rj_get_u64(&c, o, "", "runtime_ns");
	r->ios = rj_get_u64(&c, o, "", "ios");
	r->bytes = rj_get_u64(&c, o, "", "bytes");
	r->iops = rj_get_dbl(&c, o, "", "iops");
	r->bw = rj_get_dbl(&c, o, "", "bw_bytes");
	rj_read_lat(&c, rj_get_obj(&c, o, "", "lat_ns"), "lat_ns.", &r->lat, &r->hist);
	rj_read_dir(&c, rj_get_obj(&c, o, "", "read"), "read.", &r->read);
	rj_read_dir(&c, rj_get_obj(&c, o, "", "write"), "write.", &r->write);

	cpu = rj_get_obj(&c, o, "", "cpu");
	if (cpu) {
		r->cpu_ini.usr = rj_get_dbl(&c, cpu, "cpu.", "initiator_usr");
		r->cpu_ini.sys = rj_get_dbl(&c, cpu, "cpu.", "initiator_sys");
		r->cpu_tgt.usr = rj_get_dbl(&c, cpu, "cpu.", "target_usr");
		r->cpu_tgt.sys = rj_get_dbl(&c, cpu, "cpu.", "target_sys");
		r->target_measured = rj_get_bool(&c, cpu, "cpu.", "target_measured");
		r->cpu_total = rj_get_dbl(&c, cpu, "cpu.", "total");
		/* optional (added within schema /1): type-checked when present */
		if (json_object_object_get_ex(cpu, "threads_usr", NULL)) {
			r->cpu_threads.usr = rj_get_dbl(&c, cpu, "cpu.", "threads_usr");
		}
		if (json_object_object_get_ex(cpu, "threads_sys", NULL)) {
			r->cpu_threads.sys = rj_get_dbl(&c, cpu, "cpu.", "threads_sys");
		}
	}
	der = rj_get_obj(&c, o, "", "derived");
	if (der) {
		r->iops_per_core = rj_get_dbl(&c, der, "derived.", "iops_per_core");
		r->iops_per_core_target = rj_get_dbl(&c, der, "derived.", "iops_per_core_target");
		r->bw_per_core = rj_get_dbl(&c, der, "derived.", "bw_per_core");
		r->cores_per_gbps = rj_get_dbl(&c, der, "derived.", "cores_per_gbps");
	}
	r->errors = rj_get_u64(&c, o, "", "errors");
	r->verify_errors = rj_get_u64(&c, o, "", "verify_errors");
	rj_get_str(&c, o, "", "error_msg", r->error_msg, sizeof(r->error_msg));

	env = rj_get_obj(&c, o, "", "env");
	if (env) {
		rj_get_str(&c, env, "env.", "commit", r->env.commit, sizeof(r->env.commit));
		rj_get_str(&c, env, "env.", "kernel", r->env.kernel, sizeof(r->env.kernel));
		rj_get_str(&c, env, "env.", "cpu_model", r->env.cpu_model,
			   sizeof(r->env.cpu_model));
		r->env.nproc = rj_get_uint(&c, env, "env.", "nproc");
		rj_get_str(&c, env, "env.", "pinning", r->env.pinning, sizeof(r->env.pinning));
		rj_get_str(&c, env, "env.", "mode", mode, sizeof(mode));
		if (!c.rc && strcmp(mode, "poll") && strcmp(mode, "interrupt")) {
			snprintf(err, errlen, "field env.mode: '%s' is not poll or interrupt",
				 mode);
			c.rc = -EINVAL;
		}
		r->env.interrupt = !strcmp(mode, "interrupt");
		rj_get_str(&c, env, "env.", "hostname", r->env.hostname, sizeof(r->env.hostname));
		rj_get_str(&c, env, "env.", "time", r->env.time, sizeof(r->env.time));
	}
	if (!c.rc && r->ios != r->read.ios + r->write.ios) {
		snprintf(err, errlen, "ios (%" PRIu64 ") != read.ios + write.ios", r->ios);
		c.rc = -EINVAL;
	}
	json_object_put(o);
	return c.rc;
}

int
iop_result_read_json(const char *path, struct iop_result *r, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		snprintf(err, errlen, "cannot read '%s'", path);
		fclose(f);
		return -EIO;
	}
	text = malloc((size_t)len + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "short read on '%s'", path);
		free(text);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	text[len] = '\0';
	rc = iop_result_from_json(text, r, err, errlen);
	free(text);
	return rc;
}
