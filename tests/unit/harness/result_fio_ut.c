/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: fio-compatible JSON: the fields fio tooling reads have fio's names and units. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/result.h"
#include "tests/common/ut.h"

static struct json_object *
path_get(struct json_object *o, const char *const *keys)
{
	for (; *keys && o; keys++) {
		struct json_object *n = NULL;

		if (json_object_is_type(o, json_type_array)) {
			o = json_object_array_get_idx(o, (size_t)atoi(*keys));
			continue;
		}
		if (!json_object_object_get_ex(o, *keys, &n)) {
			return NULL;
		}
		o = n;
	}
	return o;
}

#define GET(o, ...) path_get(o, (const char *const[]){__VA_ARGS__, NULL})

static void
test_fio_layout(void)
{
	struct iop_result *r = malloc(sizeof(*r)), *r2 = malloc(sizeof(*r2));
	const struct iop_result *rs[2];
	struct json_object *o, *v;
	char *text;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r2);
	iop_result_init(r);
	snprintf(r->name, sizeof(r->name), "rr");
	snprintf(r->rw, sizeof(r->rw), "randread");
	r->bs = 4096;
	r->iodepth = 32;
	r->numjobs = 1;
	r->runtime_ns = 2000000000ull;
	for (uint64_t i = 0; i < 1000; i++) {
		iop_hist_record(&r->read.hist, 1000 + i);
		r->read.ios++;
		r->read.bytes += 4096;
	}
	r->cpu_ini.usr = 0.75;
	r->cpu_ini.sys = 0.25;
	iop_result_finalize(r);
	*r2 = *r;
	snprintf(r2->name, sizeof(r2->name), "second");
	rs[0] = r;
	rs[1] = r2;
	text = iop_result_to_fio_json(rs, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	o = json_tokener_parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_object_array_length(GET(o, "jobs")), 2);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(GET(o, "jobs", "0", "jobname")), "rr");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(GET(o, "jobs", "1", "jobname")), "second");
	CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(GET(o, "jobs", "0", "read", "iops")), 500.0,
			       1e-9);
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "read", "total_ios")), 1000);
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "read", "runtime")), 2000);
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "read", "bw")), 2000); /* KiB/s */
	/* iopath's lat == clat: lat_ns carries the same percentiles (fio --lat_percentiles=1) */
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "read", "lat_ns", "percentile",
						  "99.000000")),
			json_object_get_int64(GET(o, "jobs", "0", "read", "clat_ns", "percentile",
						  "99.000000")));
	v = GET(o, "jobs", "0", "read", "clat_ns", "percentile", "99.000000");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL((uint64_t)json_object_get_int64(v), r->read.lat.p99);
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "read", "clat_ns", "N")), 1000);
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "read", "clat_ns", "min")), 1000);
	CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(GET(o, "jobs", "0", "usr_cpu")), 75.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(GET(o, "jobs", "0", "sys_cpu")), 25.0, 1e-9);
	CU_ASSERT_EQUAL(json_object_get_int64(GET(o, "jobs", "0", "write", "total_ios")), 0);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(GET(o, "jobs", "0", "job options", "rw")),
			       "randread");
	CU_ASSERT_PTR_NOT_NULL(GET(o, "fio version"));
	json_object_put(o);
	free(text);
	free(r);
	free(r2);
}

IOP_UT_MAIN("result_fio", IOP_UT(test_fio_layout))
