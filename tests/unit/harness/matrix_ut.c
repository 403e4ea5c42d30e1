/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: matrix files: axes, [global] inheritance, expansion order, errors with file:line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness/matrix.h"
#include "tests/common/ut.h"

static const char g_text[] =
	"# comment\n"
	"[global]\n"
	"transports = local, nvmf-tcp\n"
	"backend = null:size=1G\n"
	"budget = 60s\n"
	"uri.nvmf-tcp = nvmf-tcp://127.0.0.1:%PORT%/nqn.x\n"
	"\n"
	"[qd]\n"
	"rw = randread,randwrite\n"
	"iodepth = 1, 2 ,32\n"
	"; another comment\n"
	"[bs]\n"
	"transport = local\n"
	"bs = 4k,128k\n";

static void
test_matrix_expand(void)
{
	struct iop_matrix m;
	struct iop_matrix_cell *cells = NULL;
	char err[256] = "";
	int n;

	CU_ASSERT_EQUAL_FATAL(iop_matrix_parse(g_text, "t.matrix", &m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(m.nsecs, 2);
	CU_ASSERT_PTR_NOT_NULL(iop_matrix_global(&m, "budget"));
	CU_ASSERT_STRING_EQUAL(iop_matrix_global(&m, "uri.nvmf-tcp")->vals[0],
			       "nvmf-tcp://127.0.0.1:%PORT%/nqn.x");
	n = iop_matrix_expand(&m, &cells);
	/* qd: 2 transports x 2 rw x 3 qd; bs: 1 transport x 2 bs */
	CU_ASSERT_EQUAL_FATAL(n, 12 + 2);
	/* transports (inherited) slowest, then backend, rw, iodepth fastest */
	CU_ASSERT_STRING_EQUAL(cells[0].section, "qd");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[0], "transports"), "local");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[0], "rw"), "randread");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[0], "iodepth"), "1");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[1], "iodepth"), "2");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[2], "iodepth"), "32");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[3], "rw"), "randwrite");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[6], "transports"), "nvmf-tcp");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[11], "iodepth"), "32");
	/* global-only keys never reach cells; the section's transport overrides the global one */
	CU_ASSERT_PTR_NULL(iop_matrix_cell_get(&cells[0], "budget"));
	CU_ASSERT_PTR_NULL(iop_matrix_cell_get(&cells[0], "uri.nvmf-tcp"));
	CU_ASSERT_STRING_EQUAL(cells[12].section, "bs");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[12], "transports"), "local");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[12], "backend"), "null:size=1G");
	CU_ASSERT_STRING_EQUAL(iop_matrix_cell_get(&cells[13], "bs"), "128k");
	CU_ASSERT_PTR_NULL(iop_matrix_cell_get(&cells[13], "iodepth"));
	free(cells);
	iop_matrix_free(&m);
}

static void
test_matrix_errors(void)
{
	static const struct { const char *text; const char *needle; } cases[] = {
		/* Test1: no '=' */
		{"[a]\nrw randread\n", "t.matrix:2"},
		/* Test2: empty list item */
		{"[a]\niodepth = 1,,2\n", "empty value"},
		/* Test3: global-only key in a section */
		{"[a]\nbudget = 10s\n", "only allowed in [global]"},
		/* Test4: key set twice */
		{"[a]\nbs=4k\nbs=8k\n", "already set on line 2"},
		/* Test5: bad header, duplicate section, no section at all */
		{"[a\nbs=4k\n", "bad section header"},
		{"[a]\nbs=4k\n[a]\n", "defined twice"},
		{"[global]\nbs=4k\n", "no sections"},
		{"[a]\n= 4k\n", "missing key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iop_matrix m;
		char err[256] = "";

		CU_ASSERT_EQUAL(iop_matrix_parse(cases[i].text, "t.matrix", &m, err, sizeof(err)),
				-EINVAL);
		if (!strstr(err, cases[i].needle)) {
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, err, cases[i].needle);
			CU_FAIL("message");
		}
	}
}

static void
test_matrix_load_missing(void)
{
	struct iop_matrix m;
	char err[256] = "";

	CU_ASSERT_EQUAL(iop_matrix_load("/nonexistent/x.matrix", &m, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.matrix"));
}

IOP_UT_MAIN("matrix", IOP_UT(test_matrix_expand), IOP_UT(test_matrix_errors),
	    IOP_UT(test_matrix_load_missing))
