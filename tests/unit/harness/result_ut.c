/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: result JSON round trip field by field, type checks on read, derived figures,
 * summary.csv rows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/result.h"
#include "tests/common/ut.h"

static struct iop_result *
make_result(void)
{
	struct iop_result *r = malloc(sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	iop_result_init(r);
	snprintf(r->cell, sizeof(r->cell), "nvmf-tcp-null-randrw-4KiB-qd7-j3");
	snprintf(r->uri, sizeof(r->uri), "nvmf-tcp://127.0.0.1:4420/nqn.2026-01.io.iopath:t");
	snprintf(r->transport, sizeof(r->transport), "nvmf-tcp");
	snprintf(r->desc, sizeof(r->desc), "nvmf-tcp \"quoted\" 127.0.0.1");
	snprintf(r->backend, sizeof(r->backend), "uring:path=/tmp/x,direct=1");
	snprintf(r->name, sizeof(r->name), "mix");
	snprintf(r->rw, sizeof(r->rw), "randrw");
	r->rwmixread = 70;
	r->bs = 4096;
	r->iodepth = 7;
	r->numjobs = 3;
	r->size = 1ull << 30;
	r->offset = 8192;
	r->runtime_req_ns = 2000000000ull;
	r->ramp_ns = 500000000ull;
	r->number_ios = 12345;
	r->verify = true;
	r->runtime_ns = 1999999999ull;
	for (uint64_t i = 1; i <= 7000; i++) {
		iop_hist_record(&r->read.hist, 10000 + i * 37);
		r->read.ios++;
		r->read.bytes += 4096;
	}
	for (uint64_t i = 1; i <= 3000; i++) {
		iop_hist_record(&r->write.hist, 20000 + i * i);
		r->write.ios++;
		r->write.bytes += 4096;
	}
	r->cpu_ini.usr = 0.75;
	r->cpu_ini.sys = 0.125;
	r->cpu_tgt.usr = 0.5;
	r->cpu_tgt.sys = 0.25;
	r->target_measured = true;
	r->cpu_threads.usr = 0.625;
	r->cpu_threads.sys = 0.0625;
	r->errors = 2;
	r->verify_errors = 1;
	snprintf(r->error_msg, sizeof(r->error_msg), "verify: bad crc32c at offset 4096");
	snprintf(r->env.commit, sizeof(r->env.commit), "abc123-dirty");
	snprintf(r->env.kernel, sizeof(r->env.kernel), "6.1.0-test");
	snprintf(r->env.cpu_model, sizeof(r->env.cpu_model), "Test CPU @ 2.0GHz");
	r->env.nproc = 2;
	snprintf(r->env.pinning, sizeof(r->env.pinning), "0-1");
	r->env.interrupt = true;
	snprintf(r->env.hostname, sizeof(r->env.hostname), "host");
	snprintf(r->env.time, sizeof(r->env.time), "2026-11-23T15:00:00Z");
	iop_result_finalize(r);
	return r;
}

static void
check_lat(const struct iop_lat_stats *a, const struct iop_lat_stats *b)
{
	CU_ASSERT_EQUAL(a->n, b->n);
	CU_ASSERT_EQUAL(a->min, b->min);
	CU_ASSERT_EQUAL(a->max, b->max);
	CU_ASSERT_DOUBLE_EQUAL(a->mean, b->mean, 1e-6 * (a->mean + 1));
	CU_ASSERT_DOUBLE_EQUAL(a->stdev, b->stdev, 1e-6 * (a->stdev + 1));
	CU_ASSERT_EQUAL(a->p50, b->p50);
	CU_ASSERT_EQUAL(a->p90, b->p90);
	CU_ASSERT_EQUAL(a->p99, b->p99);
	CU_ASSERT_EQUAL(a->p999, b->p999);
	CU_ASSERT_EQUAL(a->p9999, b->p9999);
}

static void
check_hist(const struct iop_hist *a, const struct iop_hist *b)
{
	CU_ASSERT_EQUAL(a->count, b->count);
	CU_ASSERT_EQUAL(iop_hist_min(a), iop_hist_min(b));
	CU_ASSERT_EQUAL(a->max, b->max);
	CU_ASSERT_EQUAL(memcmp(a->buckets, b->buckets, sizeof(a->buckets)), 0);
	/* sum and sumsq are rebuilt from mean/stdev: equal up to rounding */
	CU_ASSERT(a->sum >= b->sum ? a->sum - b->sum <= 1 : b->sum - a->sum <= 1);
	CU_ASSERT_DOUBLE_EQUAL(a->sumsq, b->sumsq, a->sumsq * 1e-9 + 1);
}

static void
check_dir(const struct iop_dir_result *a, const struct iop_dir_result *b)
{
	CU_ASSERT_EQUAL(a->ios, b->ios);
	CU_ASSERT_EQUAL(a->bytes, b->bytes);
	CU_ASSERT_DOUBLE_EQUAL(a->iops, b->iops, 1e-6 * a->iops);
	CU_ASSERT_DOUBLE_EQUAL(a->bw, b->bw, 1e-6 * a->bw);
	check_lat(&a->lat, &b->lat);
	check_hist(&a->hist, &b->hist);
}

static void
test_round_trip(void)
{
	struct iop_result *a = make_result(), *b = malloc(sizeof(*b));
	char err[256] = "", *text = iop_result_to_json(a);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"schema\": \"iopath.result/1\""));
	CU_ASSERT_EQUAL_FATAL(iop_result_from_json(text, b, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(b->cell, a->cell);
	CU_ASSERT_STRING_EQUAL(b->uri, a->uri);
	CU_ASSERT_STRING_EQUAL(b->transport, a->transport);
	CU_ASSERT_STRING_EQUAL(b->desc, a->desc);
	CU_ASSERT_STRING_EQUAL(b->backend, a->backend);
	CU_ASSERT_STRING_EQUAL(b->name, a->name);
	CU_ASSERT_STRING_EQUAL(b->rw, a->rw);
	CU_ASSERT_EQUAL(b->rwmixread, a->rwmixread);
	CU_ASSERT_EQUAL(b->bs, a->bs);
	CU_ASSERT_EQUAL(b->iodepth, a->iodepth);
	CU_ASSERT_EQUAL(b->numjobs, a->numjobs);
	CU_ASSERT_EQUAL(b->size, a->size);
	CU_ASSERT_EQUAL(b->offset, a->offset);
	CU_ASSERT_EQUAL(b->runtime_req_ns, a->runtime_req_ns);
	CU_ASSERT_EQUAL(b->ramp_ns, a->ramp_ns);
	CU_ASSERT_EQUAL(b->number_ios, a->number_ios);
	CU_ASSERT_EQUAL(b->verify, a->verify);
	CU_ASSERT_EQUAL(b->runtime_ns, a->runtime_ns);
	CU_ASSERT_EQUAL(b->ios, a->ios);
	CU_ASSERT_EQUAL(b->bytes, a->bytes);
	check_dir(&b->read, &a->read);
	check_dir(&b->write, &a->write);
	check_lat(&b->lat, &a->lat);
	check_hist(&b->hist, &a->hist);
	CU_ASSERT_DOUBLE_EQUAL(b->iops, a->iops, 1e-6 * a->iops);
	CU_ASSERT_DOUBLE_EQUAL(b->bw, a->bw, 1e-6 * a->bw);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_ini.usr, a->cpu_ini.usr, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_ini.sys, a->cpu_ini.sys, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_tgt.usr, a->cpu_tgt.usr, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_tgt.sys, a->cpu_tgt.sys, 1e-12);
	CU_ASSERT_EQUAL(b->target_measured, a->target_measured);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_threads.usr, a->cpu_threads.usr, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_threads.sys, a->cpu_threads.sys, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_total, a->cpu_total, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(b->iops_per_core, a->iops_per_core, 1e-6 * a->iops_per_core);
	CU_ASSERT_DOUBLE_EQUAL(b->iops_per_core_target, a->iops_per_core_target,
			       1e-6 * a->iops_per_core_target);
	CU_ASSERT_DOUBLE_EQUAL(b->bw_per_core, a->bw_per_core, 1e-6 * a->bw_per_core);
	CU_ASSERT_DOUBLE_EQUAL(b->cores_per_gbps, a->cores_per_gbps, 1e-9);
	CU_ASSERT_EQUAL(b->errors, a->errors);
	CU_ASSERT_EQUAL(b->verify_errors, a->verify_errors);
	CU_ASSERT_STRING_EQUAL(b->error_msg, a->error_msg);
	CU_ASSERT_STRING_EQUAL(b->env.commit, a->env.commit);
	CU_ASSERT_STRING_EQUAL(b->env.kernel, a->env.kernel);
	CU_ASSERT_STRING_EQUAL(b->env.cpu_model, a->env.cpu_model);
	CU_ASSERT_EQUAL(b->env.nproc, a->env.nproc);
	CU_ASSERT_STRING_EQUAL(b->env.pinning, a->env.pinning);
	CU_ASSERT_EQUAL(b->env.interrupt, a->env.interrupt);
	CU_ASSERT_STRING_EQUAL(b->env.hostname, a->env.hostname);
	CU_ASSERT_STRING_EQUAL(b->env.time, a->env.time);
	/* re-finalising the read-back result reproduces the derived figures */
	iop_result_finalize(b);
	CU_ASSERT_EQUAL(b->lat.p99, a->lat.p99);
	CU_ASSERT_DOUBLE_EQUAL(b->iops_per_core, a->iops_per_core, 1e-6 * a->iops_per_core);
	free(text);
	free(a);
	free(b);
}

static void
test_derived(void)
{
	struct iop_result *r = make_result();
	double secs = 1.999999999;

	CU_ASSERT_EQUAL(r->ios, 10000);
	CU_ASSERT_DOUBLE_EQUAL(r->iops, 10000 / secs, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->cpu_total, 1.625, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(r->iops_per_core, r->iops / 1.625, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->iops_per_core_target, r->iops / 0.75, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r->cores_per_gbps, 1.625 / (r->bw / 1e9), 1e-9);
	CU_ASSERT_EQUAL(r->hist.count, 10000);
	CU_ASSERT_EQUAL(r->lat.min, 10037);
	/* no target measured: target-only figure is 0, not a division by zero */
	r->target_measured = false;
	iop_result_finalize(r);
	CU_ASSERT_DOUBLE_EQUAL(r->iops_per_core_target, 0.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(r->cpu_total, 0.875, 1e-12);
	/* empty result: all zero, JSON still valid */
	iop_result_init(r);
	iop_result_finalize(r);
	CU_ASSERT_DOUBLE_EQUAL(r->iops, 0.0, 0);
	CU_ASSERT_EQUAL(r->lat.min, 0);
	free(r);
}

/* Replace the first occurrence of from with to in text (returns a new string). */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	char *out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	out = malloc(strlen(text) + strlen(to) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	return out;
}

static void
test_type_checks(void)
{
	static const struct { const char *from, *to, *msg; } bad[] = {
		/* Test1: wrong types name the field */
		{"\"iodepth\": 7", "\"iodepth\": \"7\"", "job.iodepth: expected int"},
		{"\"verify\": true", "\"verify\": 1", "job.verify: expected boolean"},
		{"\"cell\": \"", "\"cell\": 5, \"x\": \"", "cell: expected string"},
		{"\"initiator_usr\": 0.75", "\"initiator_usr\": \"fast\"", "cpu.initiator_usr"},
		{"\"nproc\": 2", "\"nproc\": -2", "env.nproc: must not be negative"},
		{"\"endpoint\": {", "\"endpoint\": [], \"x\": {", "endpoint: expected object"},
		{"\"threads_usr\": 0.625", "\"threads_usr\": true", "cpu.threads_usr"},
		/* Test2: missing field */
		{"\"numjobs\": 3,", "", "missing field job.numjobs"},
		/* Test3: wrong schema */
		{"iopath.result/1", "iopath.result/9", "schema is 'iopath.result/9'"},
		/* Test4: bins disagree with n */
		{"\"n\": 10000", "\"n\": 10001", "lat_ns.bins: counts add up to 10000"},
		{"\"mode\": \"interrupt\"", "\"mode\": \"fast\"", "env.mode"},
		/* Test5: ios inconsistent with the directions */
		{"\"ios\": 10000", "\"ios\": 9999", "ios (9999) != read.ios + write.ios"},
		/* Test6: not JSON at all */
		{"{", "{{", "not JSON"},
	};
	struct iop_result *a = make_result(), *b = malloc(sizeof(*b));
	char *text = iop_result_to_json(a);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "", *t = subst(text, bad[i].from, bad[i].to);

		CU_ASSERT_EQUAL(iop_result_from_json(t, b, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
		if (!strstr(err, bad[i].msg)) {
			fprintf(stderr, "case %zu: got '%s'\n", i, err);
		}
		free(t);
	}
	free(text);
	free(a);
	free(b);
}

static void
test_optional_fields(void)
{
	struct iop_result *a = make_result(), *b = malloc(sizeof(*b));
	char err[256] = "", *text = iop_result_to_json(a), *t1, *t2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/* a file written before cpu.threads_* existed still reads (as 0) */
	t1 = subst(text, "\"threads_usr\": 0.625,", "");
	t2 = subst(t1, "\"threads_sys\": 0.0625", "\"unknown_future_field\": 1");
	CU_ASSERT_EQUAL(iop_result_from_json(t2, b, err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_threads.usr, 0.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(b->cpu_threads.sys, 0.0, 0);
	free(t1);
	free(t2);
	free(text);
	free(a);
	free(b);
}

/* Mutated result files never crash the reader (run under ASAN in the sanitizer build). */
static void
test_reader_fuzz(void)
{
	static const char alphabet[] = "{}[]\",:0123456789-.eEtrufalsn ";
	struct iop_result *a = make_result(), *b = malloc(sizeof(*b));
	char *text = iop_result_to_json(a), err[256];
	size_t len = strlen(text);
	uint64_t x = 2463534242ull;
	unsigned int rejected = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	for (int round = 0; round < 400; round++) {
		char *t = strdup(text);
		size_t n = len;

		for (int m = 0; m < 1 + round % 4; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (x % 7 == 0) {
				n = x % n + 1; /* truncate */
				t[n] = '\0';
			} else {
				t[x % n] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
			}
		}
		if (iop_result_from_json(t, b, err, sizeof(err))) {
			CU_ASSERT(err[0] != '\0');
			rejected++;
		}
		free(t);
	}
	CU_ASSERT(rejected > 0);
	free(text);
	free(a);
	free(b);
}

static int
count_cols(const char *s)
{
	int n = 1;

	for (; *s; s++) {
		n += *s == ',';
	}
	return n;
}

static void
test_files(void)
{
	struct iop_result *a = make_result(), *b = malloc(sizeof(*b));
	char dir[] = "/tmp/iopath-result-ut-XXXXXX", path[128], csv[128], line[4096], err[256];
	FILE *f;
	int lines = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cell.json", dir);
	snprintf(csv, sizeof(csv), "%s/summary.csv", dir);
	CU_ASSERT_EQUAL(iop_result_write_json(a, path), 0);
	CU_ASSERT_EQUAL(iop_result_read_json(path, b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b->ios, a->ios);
	/* CSV: header once, then one row per append, same number of columns; commas in the
	 * backend spec do not add columns */
	CU_ASSERT_EQUAL(iop_result_csv_append(a, csv), 0);
	CU_ASSERT_EQUAL(iop_result_csv_append(a, csv), 0);
	f = fopen(csv, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (lines == 0) {
			CU_ASSERT_STRING_EQUAL(line, iop_result_csv_header());
		} else {
			CU_ASSERT_EQUAL(count_cols(line), count_cols(iop_result_csv_header()));
			CU_ASSERT_PTR_NOT_NULL(strstr(line, "uring:path=/tmp/x;direct=1"));
		}
		lines++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(lines, 3);
	/* missing file */
	unlink(path);
	CU_ASSERT_EQUAL(iop_result_read_json(path, b, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	unlink(csv);
	rmdir(dir);
	free(a);
	free(b);
}

static void
test_env(void)
{
	struct iop_env e = {0};

	iop_result_env_fill(&e);
	CU_ASSERT(e.kernel[0] != '\0');
	CU_ASSERT(e.cpu_model[0] != '\0');
	CU_ASSERT(e.commit[0] != '\0');
	CU_ASSERT(e.nproc >= 1);
	CU_ASSERT_EQUAL(strlen(e.time), 20);
}

IOP_UT_MAIN("result", IOP_UT(test_round_trip), IOP_UT(test_derived), IOP_UT(test_type_checks),
	    IOP_UT(test_optional_fields), IOP_UT(test_reader_fuzz),
	    IOP_UT(test_files), IOP_UT(test_env))
