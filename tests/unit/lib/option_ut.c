/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: option table parsing, size/time suffixes, ranges, enums, k=v lists. */
#include <errno.h>
#include <string.h>
#include "iopath/option.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

struct opts_ut {
	bool flag;
	uint64_t num, size, time;
	char *str;
	int mode;
};

static const char *const mode_names[] = {"poll", "interrupt", NULL};
static const struct iop_option g_tbl[] = {
	{"flag", NULL, IOP_OPT_BOOL, offsetof(struct opts_ut, flag), "0"},
	{"num", "n", IOP_OPT_UINT, offsetof(struct opts_ut, num), "7", 1, 100},
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct opts_ut, size), "4k"},
	{"time", NULL, IOP_OPT_TIME, offsetof(struct opts_ut, time), "2"},
	{"str", NULL, IOP_OPT_STR, offsetof(struct opts_ut, str), "abc"},
	{"mode", NULL, IOP_OPT_ENUM, offsetof(struct opts_ut, mode), "poll", 0, 0, mode_names},
	{NULL},
};

static void
test_parse_size(void)
{
	static const struct { const char *in; int rc; uint64_t out; } cases[] = {
		{"512", 0, 512}, {"4k", 0, 4096}, {"4KiB", 0, 4096}, {"4KB", 0, 4096},
		{"1m", 0, 1 << 20}, {"1G", 0, 1ull << 30}, {"2t", 0, 2ull << 40}, {"0x10", 0, 16},
		{"", -EINVAL, 0}, {"k", -EINVAL, 0}, {"4q", -EINVAL, 0}, {"4kx", -EINVAL, 0},
		{"-1", -EINVAL, 0}, {"99999999999999999999", -ERANGE, 0}, {"20000000000000p", -ERANGE, 0},
	};
	for (size_t i = 0; i < IOP_ARRAY_SIZE(cases); i++) {
		uint64_t v = 0;
		int rc = iop_parse_size(cases[i].in, &v);

		CU_ASSERT_EQUAL(rc, cases[i].rc);
		if (!rc) {
			CU_ASSERT_EQUAL(v, cases[i].out);
		}
	}
}

static void
test_defaults_and_set(void)
{
	struct opts_ut o = {0};
	char err[128];

	CU_ASSERT_EQUAL(iop_opts_defaults(g_tbl, &o), 0);
	CU_ASSERT_EQUAL(o.num, 7);
	CU_ASSERT_EQUAL(o.size, 4096);
	CU_ASSERT_EQUAL(o.time, 2000000000ull);
	CU_ASSERT_STRING_EQUAL(o.str, "abc");
	/* Test1: alias and range */
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "n", "100", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o.num, 100);
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "num", "101", err, sizeof(err)), -ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "num", "0", err, sizeof(err)), -ERANGE);
	/* Test2: unknown name is named in the message */
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "bogus", "1", err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bogus"));
	/* Test3: time units */
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "time", "500ms", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o.time, 500000000ull);
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "time", "5x", err, sizeof(err)), -EINVAL);
	/* Test4: enum and bool */
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "mode", "interrupt", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o.mode, 1);
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "mode", "bogus", err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "poll"));
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "flag", NULL, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(o.flag);
	CU_ASSERT_EQUAL(iop_opt_set(g_tbl, &o, "flag", "maybe", err, sizeof(err)), -EINVAL);
	iop_opts_free(g_tbl, &o);
	CU_ASSERT_PTR_NULL(o.str);
}

static void
test_parse_kv(void)
{
	struct opts_ut o = {0};
	char err[128];

	iop_opts_defaults(g_tbl, &o);
	CU_ASSERT_EQUAL(iop_opts_parse_kv(g_tbl, &o, "size=1m,str=x,flag", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o.size, 1 << 20);
	CU_ASSERT_STRING_EQUAL(o.str, "x");
	CU_ASSERT_TRUE(o.flag);
	CU_ASSERT_EQUAL(iop_opts_parse_kv(g_tbl, &o, "size=1m,nope=2", err, sizeof(err)), -ENOENT);
	iop_opts_free(g_tbl, &o);
}

IOP_UT_MAIN("option", IOP_UT(test_parse_size), IOP_UT(test_defaults_and_set), IOP_UT(test_parse_kv))
