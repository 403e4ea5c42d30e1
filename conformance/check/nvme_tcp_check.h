/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive NVMe/TCP + NVMe-oF rule checks (TCP-NNN, FAB-NNN) over a decoded pcap session. */
#ifndef IOPATH_CONFORMANCE_NVME_TCP_CHECK_H
#define IOPATH_CONFORMANCE_NVME_TCP_CHECK_H

#include <stdio.h>
#include "conformance/check/verdict.h"
#include "conformance/trace/nvme_tcp_pdu.h"

/** Run every passive TCP/FAB rule over s, recording verdicts in v. \return 0 or -ENOMEM. */
int iop_conf_check_nvme_tcp(const struct iop_ntcp_session *s, struct iop_conf_verdicts *v);

/**
 * Print one line per frame that completes PDUs, in tshark's -T fields shape:
 * "frame<TAB>types<TAB>hdgst statuses<TAB>ddgst statuses" (types comma separated, status 1 good,
 * 0 bad, one per digest present) so a script can diff it with tshark's nvme-tcp dissector.
 */
void iop_conf_nvme_tcp_pdu_table(const struct iop_ntcp_session *s, FILE *f);

#endif
