/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform table REPORT.json...`: rules x implementations matrix from JSON reports. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "conformance/conform_internal.h"
#include "conformance/rules/rules.h"

#define TABLE_MAX_COLS 32

/* \return the verdict letter of rule id in report o: P pass, F fail, - not exercised, ' ' absent. */
static char
table_cell(json_object *o, const char *id)
{
	json_object *rules, *r, *x;

	if (!json_object_object_get_ex(o, "rules", &rules) ||
	    !json_object_is_type(rules, json_type_array)) {
		return ' ';
	}
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		r = json_object_array_get_idx(rules, i);
		if (json_object_object_get_ex(r, "id", &x) && json_object_is_type(x, json_type_string) &&
		    !strcmp(json_object_get_string(x), id) &&
		    json_object_object_get_ex(r, "verdict", &x) &&
		    json_object_is_type(x, json_type_string)) {
			const char *v = json_object_get_string(x);

			return !strcmp(v, "pass") ? 'P' : !strcmp(v, "fail") ? 'F' : '-';
		}
	}
	return ' ';
}

int
iop_conform_table_main(int argc, char **argv)
{
	json_object *rep[TABLE_MAX_COLS];
	int n = 0, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		printf("usage: iopath conform table REPORT.json...  (reports of check/probe --json)\n"
		       "prints rules x sources: P pass, F fail, - not exercised, blank not applicable\n");
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc && n < TABLE_MAX_COLS; i++) {
		json_object *src;

		rep[n] = json_object_from_file(argv[i]);
		if (!rep[n] || !json_object_is_type(rep[n], json_type_object)) {
			fprintf(stderr, "iopath conform table: %s: not a JSON report\n", argv[i]);
			json_object_put(rep[n]);
			rc = 1;
			continue;
		}
		json_object_object_get_ex(rep[n], "source", &src);
		printf("[%2d] %s\n", n + 1, src ? json_object_get_string(src) : argv[i]);
		n++;
	}
	printf("\n%-8s %-6s", "rule", "level");
	for (int c = 0; c < n; c++) {
		printf(" %3d", c + 1);
	}
	printf("\n");
	for (size_t i = 0; i < iop_rule_count(); i++) {
		const struct iop_rule *r = iop_rule_at(i);
		char cells[TABLE_MAX_COLS];
		bool any = false;

		for (int c = 0; c < n; c++) {
			cells[c] = table_cell(rep[c], r->id);
			any |= cells[c] != ' ';
		}
		if (!any) {
			continue;
		}
		printf("%-8s %-6s", r->id, iop_rule_level_str(r->level));
		for (int c = 0; c < n; c++) {
			printf("   %c", cells[c]);
		}
		printf("\n");
	}
	for (int c = 0; c < n; c++) {
		json_object_put(rep[c]);
	}
	return rc;
}
