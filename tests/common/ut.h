/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit helpers shared by the unit tests: declare tests as a table, run, return failure count. */
#ifndef IOPATH_TESTS_UT_H
#define IOPATH_TESTS_UT_H

#include <CUnit/Basic.h>

struct iop_ut_case {
	const char *name;
	void (*fn)(void);
};

/**
 * Register suite `suite` with the given cases, run every registered suite (verbose) and return
 * the number of failed assertions plus failed registrations: use as `return iop_ut_run(...)`.
 */
int iop_ut_run(const char *suite, const struct iop_ut_case *cases, unsigned int n);

#define IOP_UT_MAIN(suite, ...)                                                   \
	int main(void)                                                            \
	{                                                                         \
		static const struct iop_ut_case cases_[] = {__VA_ARGS__};         \
		return iop_ut_run(suite, cases_, sizeof(cases_) / sizeof(cases_[0])); \
	}

#define IOP_UT(fn) {#fn, fn}

#endif
