/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit runner glue for the unit tests: one suite per binary, failures as exit status. */
#include <stdio.h>
#include "tests/common/ut.h"

int
iop_ut_run(const char *suite, const struct iop_ut_case *cases, unsigned int n)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		return 1;
	}
	s = CU_add_suite(suite, NULL, NULL);
	if (!s) {
		CU_cleanup_registry();
		return 1;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!CU_add_test(s, cases[i].name, cases[i].fn)) {
			CU_cleanup_registry();
			return 1;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
