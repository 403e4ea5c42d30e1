/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform probe URI`: run the active probe suite of the URI's scheme against a target. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/conform_internal.h"
#include "conformance/probe/probe.h"

static const struct iop_probe_suite *const probe_suites[] = {
	&iop_probe_nvmf_tcp,
	&iop_probe_vfio_user,
	&iop_probe_vhost_user_blk,
	&iop_probe_vhost_user_scsi,
};

int
iop_conform_probe_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", required_argument, NULL, 'j'},
		{"rules", required_argument, NULL, 'r'},
		{"subnqn", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct iop_probe_suite *suite = NULL;
	const char *json = NULL, *filter = NULL;
	struct iop_probe_ctx ctx = {.timeout_ms = 2000};
	struct iop_conf_verdicts v;
	bool verbose = false;
	char err[128];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'r':
			filter = optarg;
			break;
		case 's':
			ctx.subnqn = optarg;
			break;
		case 't':
			ctx.timeout_ms = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			printf("usage: iopath conform probe URI [--json REPORT] [--rules PREFIX,...]\n"
			       "       [--subnqn NQN] [--timeout MS] [-v]\n"
			       "  nvmf-tcp://HOST:PORT/SUBNQN   TermReq/FES and status probes (TCP, FAB)\n"
			       "  vfio-user:///SOCKET           error replies and errno probes (VFU)\n"
			       "The target must be running; after every bad input a good client must be served.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: iopath conform probe URI [--json REPORT]\n");
		return 2;
	}
	ctx.uri_str = argv[optind];
	if (iop_uri_parse(ctx.uri_str, &ctx.uri, err, sizeof(err))) {
		fprintf(stderr, "iopath conform probe: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < sizeof(probe_suites) / sizeof(probe_suites[0]); i++) {
		if (!strcmp(probe_suites[i]->scheme, ctx.uri.scheme)) {
			suite = probe_suites[i];
		}
	}
	if (!suite) {
		fprintf(stderr, "iopath conform probe: no probes for scheme '%s'\n", ctx.uri.scheme);
		return 2;
	}
	if (!ctx.subnqn) {
		ctx.subnqn = ctx.uri.path;
	}
	signal(SIGPIPE, SIG_IGN);
	if (iop_conf_init(&v, ctx.uri_str, suite->kind, filter ? filter : suite->rules)) {
		return 1;
	}
	ctx.v = &v;
	rc = suite->run(&ctx);
	if (rc) {
		iop_conf_fini(&v);
		return 1;
	}
	v.units = ctx.nprobes;
	v.unit_name = "probes run";
	iop_conf_report_text(&v, stdout, verbose);
	printf("target served a good client after %u of %u probes\n", ctx.nsurvived, ctx.nprobes);
	if (json && iop_conf_report_json(&v, json)) {
		fprintf(stderr, "iopath conform probe: cannot write %s\n", json);
		rc = 1;
	}
	rc = rc ? rc : iop_conf_must_failures(&v) ? 1 : 0;
	iop_conf_fini(&v);
	return rc;
}
