/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform rules`: print, filter, validate the catalog or emit RULES.md. */
#include <getopt.h>
#include <stdbool.h>
#include <string.h>
#include "conformance/conform_internal.h"
#include "conformance/rules/rules.h"

int
iop_conform_rules_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"markdown", no_argument, NULL, 'm'},
		{"rules", required_argument, NULL, 'r'},
		{"validate", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *filter = NULL;
	bool md = false, validate = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			md = true;
			break;
		case 'r':
			filter = optarg;
			break;
		case 'V':
			validate = true;
			break;
		case 'h':
			printf("usage: iopath conform rules [--markdown] [--rules PREFIX,...] [--validate]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (iop_rule_validate()) {
		return 1;
	}
	if (validate) {
		printf("%zu rules, catalog valid\n", iop_rule_count());
		return 0;
	}
	if (md) {
		iop_rule_write_markdown(stdout);
		return 0;
	}
	for (size_t i = 0; i < iop_rule_count(); i++) {
		const struct iop_rule *r = iop_rule_at(i);

		if (iop_rule_matches(r, filter)) {
			printf("%s\t%s\t%s\t%s\t%s\t%s\n", r->id, iop_rule_level_str(r->level),
			       iop_rule_method_str(r->method), r->spec, r->section, r->text);
		}
	}
	return 0;
}
