/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: plots and report: loading run dirs, fixed colours, spectrum, report HTML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include "harness/plot_internal.h"
#include "tests/common/ut.h"

static void
ut_write_result(const char *dir, const char *transport, unsigned int qd, uint64_t base_ns)
{
	struct iop_result *r = malloc(sizeof(*r));
	char path[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	iop_result_init(r);
	snprintf(r->cell, sizeof(r->cell), "%s-null-randread-4k-qd%u-j1", transport, qd);
	snprintf(r->transport, sizeof(r->transport), "%s", transport);
	snprintf(r->backend, sizeof(r->backend), "null:size=1G");
	snprintf(r->rw, sizeof(r->rw), "randread");
	snprintf(r->error_msg, sizeof(r->error_msg), "<bad & \"quoted\">");
	r->bs = 4096;
	r->iodepth = qd;
	r->numjobs = 1;
	r->runtime_ns = 1000000000ull;
	for (uint64_t i = 0; i < 100000; i++) {
		iop_hist_record(&r->read.hist, base_ns + i % 1000);
		r->read.ios++;
		r->read.bytes += 4096;
	}
	r->cpu_ini.usr = 0.5;
	iop_result_finalize(r);
	snprintf(path, sizeof(path), "%s/%s.json", dir, r->cell);
	CU_ASSERT_EQUAL(iop_result_write_json(r, path), 0);
	free(r);
}

static void
test_colors(void)
{
	CU_ASSERT_STRING_EQUAL(iop_plot_color("local"), "#000000");
	CU_ASSERT_STRING_EQUAL(iop_plot_color("nvmf-tcp"), "#1f77b4");
	/* every transport keeps its colour; unknown ones share one fallback */
	CU_ASSERT_STRING_NOT_EQUAL(iop_plot_color("vfio-user"), iop_plot_color("nvmf-tcp"));
	CU_ASSERT_STRING_EQUAL(iop_plot_color("nope"), iop_plot_color("other"));
}

static void
test_load_and_report(void)
{
	char dir[] = "/tmp/plot_utXXXXXX", out[600], path[700], key[160], err[256], *html;
	const char *dirs[2];
	struct plot_set s;
	FILE *f;
	long len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	ut_write_result(dir, "vfio-user", 16, 5000);
	ut_write_result(dir, "local", 1, 100);
	ut_write_result(dir, "local", 16, 200);
	/* other JSON files in a run dir are not results and are skipped */
	snprintf(path, sizeof(path), "%s/skipped.json", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"schema\": \"iopath.skipped/1\", \"transports\": [{\"transport\": \"vduse\", "
	      "\"reason\": \"no /dev/vduse/control\", \"cells\": 2}], \"cells\": []}\n", f);
	fclose(f);

	dirs[0] = dirs[1] = dir;
	CU_ASSERT_EQUAL_FATAL(plot_load(&s, dirs, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.nruns, 2);
	CU_ASSERT_EQUAL(s.nrows, 6);
	/* the same dir twice gets two distinct run ids */
	CU_ASSERT_STRING_NOT_EQUAL(s.runs[0].id, s.runs[1].id);
	/* sorted: local before vfio-user (colour table order), QD ascending */
	CU_ASSERT_STRING_EQUAL(s.rows[0].transport, "local");
	CU_ASSERT_EQUAL(s.rows[0].qd, 1);
	CU_ASSERT_STRING_EQUAL(s.rows[5].transport, "vfio-user");
	CU_ASSERT_STRING_EQUAL(s.rows[0].backend, "null");
	plot_group_key(&s.rows[0], key, sizeof(key));
	CU_ASSERT_STRING_EQUAL(key, "null-randread-4KiB-j1");
	/* spectrum: x = 1/(1-p) rising, latency not falling, only percentiles 100000 I/Os support */
	CU_ASSERT(s.rows[0].nspec >= 10);
	for (unsigned int i = 1; i < s.rows[0].nspec; i++) {
		CU_ASSERT(s.rows[0].spec_p[i] > s.rows[0].spec_p[i - 1]);
		CU_ASSERT(s.rows[0].spec_us[i] >= s.rows[0].spec_us[i - 1]);
		CU_ASSERT(s.rows[0].spec_p[i] <= 100000);
	}
	CU_ASSERT(s.rows[0].p50 > 0.1 && s.rows[0].p50 < 1.2); /* 100..1100 ns in µs */

	snprintf(out, sizeof(out), "%s/out", dir);
	CU_ASSERT_EQUAL(mkdir(out, 0755), 0);
	CU_ASSERT_EQUAL(report_write(&s, out, NULL, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/report.html", out);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	html = calloc(1, (size_t)len + 1);
	CU_ASSERT_EQUAL(fread(html, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "Workload null-randread-4KiB-j1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "no /dev/vduse/control"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "&lt;bad &amp; &quot;quoted&quot;&gt;"));
	CU_ASSERT_PTR_NULL(strstr(html, "<bad"));
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "No conformance reports given"));
	free(html);
	plot_set_free(&s);

	/* an empty dir is an error naming it */
	snprintf(path, sizeof(path), "%s/empty", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	dirs[0] = path;
	CU_ASSERT_EQUAL(plot_load(&s, dirs, 1, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no iopath.result/1 file"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

IOP_UT_MAIN("plot", IOP_UT(test_colors), IOP_UT(test_load_and_report))
