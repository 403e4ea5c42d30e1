/* SPDX-License-Identifier: BSD-3-Clause */
/* Verdict collection for one checked trace or probe run: pass/fail per rule with trace positions. */
#ifndef IOPATH_CONFORMANCE_VERDICT_H
#define IOPATH_CONFORMANCE_VERDICT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A verdict is a protocol finding, never an errno: each checker calls iop_conf_pass() when a
 * rule was exercised and held, iop_conf_fail() when it was violated (with where, expected,
 * actual). Rules never touched are "not exercised". Only the first IOP_CONF_MAX_FAILS failures
 * of a rule are kept in detail; all are counted.
 */
#define IOP_CONF_MAX_FAILS 8
#define IOP_CONF_MAX_EVENTS 64

/* Where in a trace (or probe session) a finding is. Unused fields are 0 / NULL / -1. */
struct iop_conf_pos {
	uint64_t frame;      /* pcap frame number (1-based) where the PDU ends; 0 = n/a */
	uint64_t frame_first;/* pcap frame where the PDU starts */
	int64_t offset;      /* byte offset in the reassembled direction stream; -1 = n/a */
	int conn;            /* connection number in the trace; -1 = n/a */
	const char *dir;     /* "h2c"/"c2h", "c2s"/"s2c" */
	int64_t seq;         /* jsonl seq; -1 = n/a */
	uint64_t line;       /* jsonl line (1-based); 0 = n/a */
	const char *what;    /* PDU / message name, or probe step */
};

struct iop_conf_failure {
	struct iop_conf_pos pos;
	char dir[8];
	char what[40];
	char expected[160];
	char actual[160];
};

struct iop_conf_rule_state {
	uint64_t pass;
	uint64_t fail;
	unsigned int nstored;
	struct iop_conf_failure fails[IOP_CONF_MAX_FAILS];
};

struct iop_conf_event {
	struct iop_conf_pos pos;
	char dir[8];
	char text[160];
};

struct iop_conf_verdicts {
	char source[512];    /* trace path or probe URI */
	char kind[32];       /* "nvme-tcp", "vfio-user", "vhost-user" */
	const char *filter;  /* rule prefixes shown/recorded ("TCP,FAB"); NULL = all */
	size_t nrules;
	struct iop_conf_rule_state *st;
	unsigned int nevents;
	struct iop_conf_event events[IOP_CONF_MAX_EVENTS];
	uint64_t units;      /* PDUs / messages decoded, or probes run */
	const char *unit_name; /* "PDUs decoded", "messages decoded", "probes run" */
};

/** Allocate state for every catalog rule. \return 0 or -ENOMEM. */
int iop_conf_init(struct iop_conf_verdicts *v, const char *source, const char *kind,
		  const char *filter);
void iop_conf_fini(struct iop_conf_verdicts *v);
/** Record that rule id was exercised and held at pos (pos may be NULL). */
void iop_conf_pass(struct iop_conf_verdicts *v, const char *id);
/**
 * Record a violation of rule id at pos. fmt produces "EXPECTED|ACTUAL" (split at the first '|').
 */
void iop_conf_fail(struct iop_conf_verdicts *v, const char *id, const struct iop_conf_pos *pos,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** Record pass when ok, else fail with fmt like iop_conf_fail. \return ok. */
bool iop_conf_expect(struct iop_conf_verdicts *v, bool ok, const char *id,
		     const struct iop_conf_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/** Remember a notable event (TermReq seen, error reply...) for the report. */
void iop_conf_event(struct iop_conf_verdicts *v, const struct iop_conf_pos *pos, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/** Verdict of one rule: "pass", "fail", "not-exercised". */
const char *iop_conf_verdict_str(const struct iop_conf_verdicts *v, size_t rule_idx);
/** Format pos as text ("frame 12 (conn 0 h2c, offset 1460)") into buf. */
const char *iop_conf_pos_str(const struct iop_conf_pos *pos, const char *dir, char *buf,
			     size_t len);
/** \return number of failed MUST rules among those matching the filter. */
unsigned int iop_conf_must_failures(const struct iop_conf_verdicts *v);

/** Print the per-rule table (pass/fail with positions/not exercised) to f. */
void iop_conf_report_text(const struct iop_conf_verdicts *v, FILE *f, bool verbose);
/** Write the machine-readable report (schema iopath.conform/1). \return 0 or negative errno. */
int iop_conf_report_json(const struct iop_conf_verdicts *v, const char *path);

#endif
