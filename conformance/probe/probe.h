/* SPDX-License-Identifier: BSD-3-Clause */
/* Active probes: suites per URI scheme that send one bad input per rule and judge the reaction. */
#ifndef IOPATH_CONFORMANCE_PROBE_H
#define IOPATH_CONFORMANCE_PROBE_H

#include "conformance/check/verdict.h"
#include "iopath/uri.h"

/*
 * Concepts
 * A probe opens its own raw connection to a running target (never through the initiator code,
 * which would refuse to send bad input), sends exactly one malformed or out-of-sequence input,
 * and checks the reaction the specification requires (TermReq + FES, completion status, error
 * reply + errno, disconnect). After every probe the suite checks that a well-behaved client is
 * still served (the target survives bad clients). Verdicts go to the same per-rule store as the
 * passive checker, with the probe name as the position.
 */

struct iop_probe_ctx {
	struct iop_uri uri;
	const char *uri_str;
	const char *subnqn;          /* NVMe-oF: subsystem NQN to connect to (URI path by default) */
	int timeout_ms;              /* per reply */
	struct iop_conf_verdicts *v;
	unsigned int nprobes, nsurvived;
};

struct iop_probe_suite {
	const char *scheme;          /* "nvmf-tcp" */
	const char *kind;            /* report kind: "nvme-tcp" */
	const char *rules;           /* rule prefixes this suite judges ("TCP,FAB") */
	/** Run every probe. \return 0, or negative errno when the target cannot be reached at all. */
	int (*run)(struct iop_probe_ctx *ctx);
};

extern const struct iop_probe_suite iop_probe_nvmf_tcp;
extern const struct iop_probe_suite iop_probe_vfio_user;
extern const struct iop_probe_suite iop_probe_vhost_user_blk;
extern const struct iop_probe_suite iop_probe_vhost_user_scsi;

/** Fill a position naming probe step `what`. */
void iop_probe_pos(struct iop_conf_pos *pos, const char *what);

#endif
