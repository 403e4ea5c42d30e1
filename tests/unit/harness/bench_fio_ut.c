/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: fio json+ output (the bench's reference rows) parsed into an iopath result. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness/bench_internal.h"
#include "tests/common/ut.h"

/* Trimmed fio 3.33 --output-format=json+ of a null-engine run, with a notice line before it. */
static const char g_fio_json[] =
	"note: both iodepth >= 1 and synchronous I/O engine are selected\n"
	"{\n"
	"  \"fio version\" : \"fio-3.33\",\n"
	"  \"jobs\" : [ {\n"
	"    \"jobname\" : \"x\", \"usr_cpu\" : 98.5, \"sys_cpu\" : 1.5,\n"
	"    \"read\" : { \"io_bytes\" : 40960000, \"total_ios\" : 10000, \"runtime\" : 2,\n"
	"      \"iops\" : 5000000.0,\n"
	"      \"clat_ns\" : { \"min\" : 14, \"max\" : 300, \"mean\" : 20.0, \"stddev\" : 10.0,\n"
	"        \"N\" : 10000,\n"
	"        \"bins\" : { \"14\" : 100, \"16\" : 8900, \"50\" : 900, \"300\" : 100 } } },\n"
	"    \"write\" : { \"io_bytes\" : 0, \"total_ios\" : 0, \"runtime\" : 0, \"iops\" : 0.0,\n"
	"      \"clat_ns\" : { \"min\" : 0, \"max\" : 0, \"mean\" : 0.0, \"stddev\" : 0.0,\n"
	"        \"N\" : 0 } }\n"
	"  } ]\n"
	"}\n";

static void
test_fio_parse(void)
{
	struct iop_result *r = malloc(sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	iop_result_init(r);
	r->numjobs = 1;
	CU_ASSERT_EQUAL_FATAL(bench_fio_parse(g_fio_json, r), 0);
	iop_result_finalize(r);
	CU_ASSERT_EQUAL(r->read.ios, 10000);
	CU_ASSERT_EQUAL(r->read.bytes, 40960000);
	CU_ASSERT_EQUAL(r->write.ios, 0);
	/* 10000 I/Os at 5 M IOPS: a 2 ms window, so the rate comes back as 5 M */
	CU_ASSERT_EQUAL(r->runtime_ns, 2000000);
	CU_ASSERT_DOUBLE_EQUAL(r->iops, 5e6, 1.0);
	CU_ASSERT_EQUAL(r->lat.n, 10000);
	CU_ASSERT_EQUAL(r->lat.min, 14);
	CU_ASSERT_EQUAL(r->lat.max, 300);
	CU_ASSERT_DOUBLE_EQUAL(r->lat.mean, 20.0, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(r->lat.stdev, 10.0, 0.01);
	CU_ASSERT_EQUAL(r->lat.p50, 16);
	CU_ASSERT(r->lat.p99 >= 49 && r->lat.p99 <= 51);
	CU_ASSERT(r->lat.p999 >= 297 && r->lat.p999 <= 303);
	CU_ASSERT_DOUBLE_EQUAL(r->cpu_ini.usr, 0.985, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->cpu_ini.sys, 0.015, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->desc, "fio-3.33"));
	free(r);
}

static void
test_fio_parse_bad(void)
{
	static const char *const bad[] = {
		"", "fio: engine null not loadable\n", "{\"jobs\": []}", "{\"jobs\": [{}]}",
		"{\"jobs\": [{\"read\": {\"clat_ns\": {}}}]}", "{ not json",
	};
	struct iop_result *r = malloc(sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		iop_result_init(r);
		CU_ASSERT_EQUAL(bench_fio_parse(bad[i], r), -EINVAL);
	}
	free(r);
}

IOP_UT_MAIN("bench_fio", IOP_UT(test_fio_parse), IOP_UT(test_fio_parse_bad))
