/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform check TRACE`: detect the trace format, run the passive rules, report. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/check/msg_check.h"
#include "conformance/check/nvme_rdma_check.h"
#include "conformance/check/nvme_tcp_check.h"
#include "conformance/check/verdict.h"
#include "conformance/conform_internal.h"
#include "conformance/rules/rules.h"
#include "conformance/trace/jsonl.h"
#include "conformance/trace/nvme_tcp_pdu.h"
#include "conformance/trace/pcap_tcp.h"
#include "conformance/trace/roce.h"

int
iop_trace_detect(const char *path)
{
	unsigned char b[4] = {0};
	FILE *f = fopen(path, "rb");
	size_t n;
	int c;

	if (!f) {
		return -errno;
	}
	n = fread(b, 1, 4, f);
	if (n == 4) {
		uint32_t m = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];

		if (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1 ||
		    m == 0x0a0d0d0a) {
			fclose(f);
			return IOP_TRACE_PCAP;
		}
	}
	rewind(f);
	while ((c = fgetc(f)) != EOF && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
	}
	fclose(f);
	return c == '{' ? IOP_TRACE_JSONL : IOP_TRACE_UNKNOWN;
}

/*
 * RoCEv2 capture (UDP 4791 with an InfiniBand BTH): the RDMA rules. \return 1 when the capture
 * holds no RoCEv2 packet (the caller then reads it as NVMe/TCP), else 0 or -errno.
 */
static int
check_roce(const char *path, const char *filter, bool pdus, struct iop_conf_verdicts *v)
{
	struct iop_roce_trace t;
	char err[256];
	int rc;

	rc = iop_roce_load(path, &t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "iopath conform check: %s: %s\n", path, err);
		return rc;
	}
	if (!t.npkts) {
		iop_roce_free(&t);
		return 1;
	}
	rc = iop_conf_init(v, path, "nvme-rdma", filter ? filter : "RDMA");
	if (!rc) {
		v->unit_name = "RDMA messages decoded";
		if (pdus) {
			iop_roce_pkt_table(&t, stdout);
		}
		rc = iop_conf_check_nvme_rdma(&t, v);
		if (t.dup_pkts || t.broken_msgs) {
			struct iop_conf_pos pos = {.offset = -1, .conn = -1, .seq = -1};

			iop_conf_event(v, &pos, "%llu retransmitted packets dropped, %llu messages "
				       "incomplete", (unsigned long long)t.dup_pkts,
				       (unsigned long long)t.broken_msgs);
		}
	}
	iop_roce_free(&t);
	return rc;
}

static int
check_pcap(const char *path, const char *filter, int port, bool pdus, struct iop_conf_verdicts *v)
{
	struct iop_tcp_trace t;
	struct iop_ntcp_session s;
	char err[256];
	int rc;

	rc = check_roce(path, filter, pdus, v);
	if (rc <= 0) {
		return rc;
	}
	rc = iop_pcap_tcp_load(path, &t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "iopath conform check: %s: %s\n", path, err);
		return rc;
	}
	rc = iop_ntcp_decode(&t, port, &s);
	if (rc) {
		iop_pcap_tcp_free(&t);
		return rc;
	}
	rc = iop_conf_init(v, path, "nvme-tcp", filter ? filter : "TCP,FAB");
	if (!rc) {
		if (pdus) {
			iop_conf_nvme_tcp_pdu_table(&s, stdout);
		}
		if (!s.nconns) {
			fprintf(stderr, "iopath conform check: %s: no NVMe/TCP connection found (no stream "
					"starts with an ICReq and none uses port 4420/8009; try --port N)\n",
				path);
		}
		rc = iop_conf_check_nvme_tcp(&s, v);
		for (size_t i = 0; i < s.nconns; i++) {
			const struct iop_tcp_conn *c = s.conns[i].tcp;

			for (int d = 0; d < 2; d++) {
				if (c->dir[d].gap) {
					struct iop_conf_pos pos = {.frame = 0, .offset = (int64_t)c->dir[d].len,
								   .conn = (int)i, .seq = -1};

					iop_conf_event(v, &pos, "capture hole: %s stream stops here",
						       d == s.conns[i].host_side ? "h2c" : "c2h");
				}
			}
		}
	}
	iop_ntcp_session_free(&s);
	iop_pcap_tcp_free(&t);
	return rc;
}

static int
check_jsonl(const char *path, const char *filter, struct iop_conf_verdicts *v)
{
	struct iop_jtrace t;
	char err[256];
	int rc = iop_jsonl_load(path, &t, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "iopath conform check: %s: %s\n", path, err);
		return rc;
	}
	if (t.proto == IOP_JPROTO_VFIO_USER) {
		rc = iop_conf_init(v, path, "vfio-user", filter ? filter : "VFU");
		if (!rc) {
			rc = iop_conf_check_vfio_user(&t, v);
		}
	} else if (t.proto == IOP_JPROTO_VHOST_USER) {
		rc = iop_conf_init(v, path, "vhost-user", filter ? filter : "VHU");
		if (!rc) {
			rc = iop_conf_check_vhost_user(&t, v);
		}
	} else {
		fprintf(stderr, "iopath conform check: %s: no vfio-user or vhost-user messages\n", path);
		rc = -EINVAL;
	}
	iop_jsonl_free(&t);
	return rc;
}

/*
 * Expectations file: one "RULE VERDICT [at N]" per line ('#' comments), VERDICT one of pass,
 * fail, not-exercised; "at N" requires a stored failure at frame N (pcap) or seq N (jsonl).
 * Every listed verdict must match, and no unlisted MUST rule may fail.
 * \return number of mismatches (printed), or -errno when the file cannot be read.
 */
static int
check_expect(const struct iop_conf_verdicts *v, const char *path)
{
	bool listed[1024] = {false};
	char line[512];
	int bad = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char id[16], verdict[32];
		long long at = -1;
		int idx, n;

		*strchrnul(line, '#') = '\0';
		n = sscanf(line, "%15s %31s at %lld", id, verdict, &at);
		if (n < 2) {
			continue;
		}
		idx = iop_rule_index(id);
		if (idx < 0 || idx >= 1024) {
			printf("expect: unknown rule %s\n", id);
			bad++;
			continue;
		}
		listed[idx] = true;
		if (strcmp(iop_conf_verdict_str(v, (size_t)idx), verdict)) {
			printf("expect: %s is %s, expected %s\n", id, iop_conf_verdict_str(v, (size_t)idx),
			       verdict);
			bad++;
		} else if (at >= 0) {
			const struct iop_conf_rule_state *st = &v->st[idx];
			bool found = false;

			for (unsigned int k = 0; k < st->nstored; k++) {
				found |= (int64_t)st->fails[k].pos.frame == at || st->fails[k].pos.seq == at;
			}
			if (!found) {
				printf("expect: %s has no failure at %lld\n", id, at);
				bad++;
			}
		}
	}
	fclose(f);
	for (size_t i = 0; i < v->nrules && i < 1024; i++) {
		const struct iop_rule *r = iop_rule_at(i);

		if (!listed[i] && v->st[i].fail && r->level == IOP_RULE_MUST &&
		    iop_rule_matches(r, v->filter)) {
			printf("expect: unexpected failure of %s\n", r->id);
			bad++;
		}
	}
	return bad;
}

int
iop_conform_check_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", required_argument, NULL, 'j'},
		{"rules", required_argument, NULL, 'r'},
		{"port", required_argument, NULL, 'p'},
		{"pdus", no_argument, NULL, 'P'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"expect", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *json = NULL, *filter = NULL, *expect = NULL, *path;
	struct iop_conf_verdicts v;
	bool pdus = false, verbose = false, quiet = false;
	int c, port = 0, kind, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'r':
			filter = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			pdus = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'e':
			expect = optarg;
			break;
		case 'h':
			printf("usage: iopath conform check TRACE [--json REPORT] [--rules PREFIX,...]\n"
			       "       [--port N] [--pdus] [--expect FILE] [-v|--verbose] [-q|--quiet]\n"
			       "  --expect FILE  compare with expected verdicts (RULE VERDICT [at N] lines);\n"
			       "                 exit 0 only when they match and no other MUST rule fails\n"
			       "  --pdus   print frame/PDU types/digest verdicts (tshark -T fields shape)\n"
			       "           instead of the rule table\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: iopath conform check TRACE [--json REPORT] [--rules PREFIX]\n");
		return 2;
	}
	path = argv[optind];
	kind = iop_trace_detect(path);
	if (kind < 0) {
		fprintf(stderr, "iopath conform check: %s: %s\n", path, strerror(-kind));
		return 1;
	}
	memset(&v, 0, sizeof(v));
	if (kind == IOP_TRACE_PCAP) {
		rc = check_pcap(path, filter, port, pdus, &v);
	} else if (kind == IOP_TRACE_JSONL) {
		rc = check_jsonl(path, filter, &v);
	} else {
		fprintf(stderr, "iopath conform check: %s: neither pcap nor JSON Lines\n", path);
		return 1;
	}
	if (rc) {
		iop_conf_fini(&v);
		return 1;
	}
	if (!pdus && !quiet) {
		iop_conf_report_text(&v, stdout, verbose);
	}
	if (json && iop_conf_report_json(&v, json)) {
		fprintf(stderr, "iopath conform check: cannot write %s\n", json);
		rc = 1;
	}
	if (expect) {
		int bad = check_expect(&v, expect);

		if (bad < 0) {
			fprintf(stderr, "iopath conform check: %s: %s\n", expect, strerror(-bad));
		} else {
			printf("expectations %s: %s\n", expect, bad ? "MISMATCH" : "met");
		}
		rc = rc ? rc : bad ? 1 : 0;
	} else {
		rc = rc ? rc : iop_conf_must_failures(&v) ? 1 : 0;
	}
	iop_conf_fini(&v);
	return rc;
}
