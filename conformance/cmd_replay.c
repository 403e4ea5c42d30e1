/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform replay TRACE URI`: replay a recorded client half, compare each response. */
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/conform_internal.h"
#include "conformance/replay/replay.h"

static int
replay_json(const struct iop_replay_report *r, const char *trace, const char *uri, const char *path)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	int rc;

	json_object_object_add(root, "schema", json_object_new_string("iopath.replay/1"));
	json_object_object_add(root, "trace", json_object_new_string(trace));
	json_object_object_add(root, "target", json_object_new_string(uri));
	json_object_object_add(root, "match", json_object_new_int((int)r->nmatch));
	json_object_object_add(root, "differ", json_object_new_int((int)r->ndiffer));
	for (size_t i = 0; i < r->n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "position", json_object_new_int64((int64_t)r->items[i].pos));
		json_object_object_add(o, "what", json_object_new_string(r->items[i].what));
		json_object_object_add(o, "match", json_object_new_boolean(r->items[i].match));
		json_object_object_add(o, "expected", json_object_new_string(r->items[i].expected));
		json_object_object_add(o, "actual", json_object_new_string(r->items[i].actual));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "exchanges", arr);
	rc = json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE) ? -1 : 0;
	json_object_put(root);
	return rc;
}

int
iop_conform_replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", required_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iop_replay_report rep = {0};
	const char *json = NULL, *trace;
	struct iop_uri uri;
	char err[128];
	int c, rc, kind, timeout_ms = 2000;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		case 'h':
			printf("usage: iopath conform replay TRACE URI [--json REPORT] [--timeout MS]\n"
			       "  TRACE.pcap  -> nvmf-tcp://HOST:PORT/SUBNQN (SUBNQN and CNTLID substituted)\n"
			       "  TRACE.jsonl -> vfio-user:///SOCKET (DMA_MAP fds become memfds)\n"
			       "exit 0 when every compared response matches the recorded one\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "usage: iopath conform replay TRACE URI [--json REPORT]\n");
		return 2;
	}
	trace = argv[optind];
	if (iop_uri_parse(argv[optind + 1], &uri, err, sizeof(err))) {
		fprintf(stderr, "iopath conform replay: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	kind = iop_trace_detect(trace);
	if (kind == IOP_TRACE_PCAP && !strcmp(uri.scheme, "nvmf-tcp")) {
		rc = iop_replay_nvme_tcp(trace, &uri, timeout_ms, &rep);
	} else if (kind == IOP_TRACE_JSONL && !strcmp(uri.scheme, "vfio-user")) {
		rc = iop_replay_vfio_user(trace, &uri, timeout_ms, &rep);
	} else {
		fprintf(stderr, "iopath conform replay: need a pcap + nvmf-tcp:// or a jsonl + vfio-user://\n");
		return 2;
	}
	if (rc) {
		iop_replay_free(&rep);
		return 1;
	}
	for (size_t i = 0; i < rep.n; i++) {
		const struct iop_replay_item *it = &rep.items[i];

		printf("  %-6s %-6llu %-28s expected %s, got %s\n", it->match ? "match" : "DIFFER",
		       (unsigned long long)it->pos, it->what, it->expected, it->actual);
	}
	printf("replay: %u exchanges match, %u differ\n", rep.nmatch, rep.ndiffer);
	if (json && replay_json(&rep, trace, argv[optind + 1], json)) {
		fprintf(stderr, "iopath conform replay: cannot write %s\n", json);
	}
	rc = rep.ndiffer || !rep.n ? 1 : 0;
	iop_replay_free(&rep);
	return rc;
}
