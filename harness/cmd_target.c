/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath target URI --backend SPEC...`: runs the device side of a transport until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/cmd.h"
#include "iopath/log.h"
#include "iopath/target.h"

static volatile sig_atomic_t g_target_stop;

static void
target_on_signal(int sig)
{
	g_target_stop = 1;
}

static void
target_usage(FILE *f)
{
	fprintf(f,
		"usage: iopath target URI --backend SPEC [--backend SPEC...] [options]\n"
		"  URI: nvmf-tcp://127.0.0.1:4420/NQN, vfio-user:///run/iopath/nvme0,\n"
		"       vhost-user-blk:///run/iopath/vblk0.sock, ... (iopath --list)\n"
		"  -b, --backend SPEC   null:size=1G, malloc:size=1G, uring:path=F, aio:path=F;\n"
		"                       repeat for several namespaces/LUNs\n"
		"  -t, --threads N      reactor threads / poll groups (default 1)\n"
		"  -c, --cpus LIST      pin reactors to these cpus (\"1\", \"0-1\")\n"
		"  -i, --interrupt      sleep in epoll when idle instead of busy polling\n"
		"  -T, --trace FILE     record every session (pcap for NVMe/TCP, jsonl otherwise)\n"
		"  -o, --opts K=V,...   transport options (see iopath --list)\n"
		"  -r, --read-only      expose the backends read-only\n"
		"Prints \"ready URI\" on stdout once it accepts connections.\n");
}

static int
target_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"backend", required_argument, NULL, 'b'}, {"threads", required_argument, NULL, 't'},
		{"cpus", required_argument, NULL, 'c'}, {"interrupt", no_argument, NULL, 'i'},
		{"trace", required_argument, NULL, 'T'}, {"opts", required_argument, NULL, 'o'},
		{"read-only", no_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iop_target_cfg cfg = {.nr_threads = 1};
	const char *specs[IOP_TARGET_MAX_BACKENDS];
	unsigned int nspecs = 0;
	const struct iop_target_ops *ops;
	struct iop_target *t = NULL;
	struct sigaction sa = {.sa_handler = target_on_signal};
	char err[256];
	int c, rc, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:t:c:iT:o:rh", lopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (nspecs == IOP_TARGET_MAX_BACKENDS) {
				fprintf(stderr, "iopath target: at most %d backends\n",
					IOP_TARGET_MAX_BACKENDS);
				return 2;
			}
			specs[nspecs++] = optarg;
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || v > 64) {
				fprintf(stderr, "iopath target: bad --threads '%s' (1..64)\n", optarg);
				return 2;
			}
			cfg.nr_threads = (unsigned int)v;
			break;
		}
		case 'c': cfg.cpus = optarg; break;
		case 'i': cfg.interrupt = true; break;
		case 'T': cfg.trace_path = optarg; break;
		case 'o': cfg.opts = optarg; break;
		case 'r': cfg.read_only = true; break;
		case 'h': target_usage(stdout); return 0;
		default: target_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "iopath target: expected exactly one URI\n");
		target_usage(stderr);
		return 2;
	}
	cfg.uri = argv[optind];
	ops = iop_target_find_uri(cfg.uri);
	if (!ops) {
		fprintf(stderr, "iopath target: no target for '%s' in this build (iopath --list)\n",
			cfg.uri);
		return 2;
	}
	if (nspecs == 0) {
		fprintf(stderr, "iopath target: --backend is required (e.g. --backend null:size=1G)\n");
		return 2;
	}
	for (unsigned int i = 0; i < nspecs; i++) {
		rc = iop_backend_open(specs[i], &cfg.backends[i], err, sizeof(err));
		if (rc) {
			fprintf(stderr, "iopath target: %s\n", err);
			goto out;
		}
		cfg.nr_backends++;
	}
	rc = ops->create(&cfg, &t);
	if (rc) {
		fprintf(stderr, "iopath target: cannot start %s: %s\n", cfg.uri, strerror(-rc));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("ready %s\n", cfg.uri);
	fflush(stdout);
	rc = ops->run(t, &g_target_stop);
	if (rc) {
		fprintf(stderr, "iopath target: %s stopped: %s\n", cfg.uri, strerror(-rc));
	} else {
		ret = 0;
	}
	ops->destroy(t);
out:
	for (unsigned int i = 0; i < cfg.nr_backends; i++) {
		iop_backend_close(cfg.backends[i]);
	}
	return ret;
}

static const struct iop_cmd target_cmd = {
	.name = "target",
	.summary = "run the device side of a transport (iopath target URI --backend SPEC)",
	.main = target_main,
};
IOP_CMD_REGISTER(target_cmd)
