/* SPDX-License-Identifier: BSD-3-Clause */
/* iopath entry point: dispatches to the registered subcommands. */
#include <stdio.h>
#include <string.h>
#include "iopath/cmd.h"
#include "iopath/log.h"

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: iopath [--log=comp,...] <command> [args]   (iopath <command> --help)\n"
		   "       iopath --list      backends, initiators and targets in this build\n\n"
		   "commands:\n");
	if (f == stdout) {
		iop_cmd_list();
	}
}

int
main(int argc, char **argv)
{
	const struct iop_cmd *cmd;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strncmp(argv[i], "--log=", 6)) {
			iop_log_enable(argv[i] + 6);
		} else if (!strcmp(argv[i], "--list")) {
			iop_list_modules();
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			main_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "iopath: unknown option '%s'\n", argv[i]);
			main_usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		main_usage(stderr);
		return 2;
	}
	cmd = iop_cmd_find(argv[i]);
	if (!cmd) {
		fprintf(stderr, "iopath: unknown command '%s' (iopath --help lists them)\n", argv[i]);
		return 2;
	}
	return cmd->main(argc - i, argv + i);
}
