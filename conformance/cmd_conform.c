/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform`: dispatch to check / probe / replay / rules. */
#include <stdio.h>
#include <string.h>
#include "conformance/conform_internal.h"
#include "iopath/cmd.h"

static void
conform_usage(FILE *f)
{
	fprintf(f,
		"usage: iopath conform <subcommand> ...\n"
		"  check TRACE [--json REPORT] [--rules PREFIX,...] [--expect FILE] [--port N] [--pdus]\n"
		"        passive rules over a pcap (NVMe/TCP) or JSON Lines (vfio-user, vhost-user) trace\n"
		"  probe URI [--json REPORT] [--rules PREFIX,...] [--subnqn NQN]\n"
		"        active probes: one bad input per rule against a running target\n"
		"  replay TRACE URI [--json REPORT]\n"
		"        replay the client half of a recorded session, compare the responses\n"
		"  rules [--markdown] [--rules PREFIX,...] [--validate]\n"
		"        print the rule catalog (conformance/RULES.md is --markdown)\n"
		"  record --listen SOCK --upstream SOCK --out TRACE.jsonl [--proto vhost-user]\n"
		"        record a vfio-user/vhost-user session as JSON Lines (fds passed through)\n"
		"  table REPORT.json...\n"
		"        rules x implementations matrix from check/probe JSON reports\n"
		"exit status: 0 when no MUST rule failed, 1 otherwise, 2 on usage errors\n");
}

static int
conform_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		conform_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check")) {
		return iop_conform_check_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "probe")) {
		return iop_conform_probe_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "replay")) {
		return iop_conform_replay_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "record")) {
		return iop_conform_record_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "table")) {
		return iop_conform_table_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "rules")) {
		return iop_conform_rules_main(argc - 1, argv + 1);
	}
	fprintf(stderr, "iopath conform: unknown subcommand '%s'\n", argv[1]);
	conform_usage(stderr);
	return 2;
}

static const struct iop_cmd conform_cmd = {
	.name = "conform",
	.summary = "conformance: check traces, probe and replay against targets, rule catalog",
	.main = conform_main,
};
IOP_CMD_REGISTER(conform_cmd)
