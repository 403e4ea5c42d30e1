/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/RDMA transport binding rules (RDMA-NNN), checked over RoCEv2 captures. */
#include "conformance/rules/rules.h"

#define R "NVMe-oF 1.1 RDMA binding"
#define M IOP_RULE_MUST
#define SH IOP_RULE_SHOULD
#define P IOP_RULE_PASSIVE
#define B IOP_RULE_BOTH

static const struct iop_rule nvme_rdma_rules[] = {
	{"RDMA-001", R, "RDMA CM Private Data / Request (RECFMT)", M, B,
	 "CM REQ private data carries the NVMe RDMA REQ (32 bytes) with RECFMT 0"},
	{"RDMA-002", R, "RDMA CM Private Data / Request (HSQSIZE, HRQSIZE)", M, B,
	 "CM REQ HSQSIZE is at least 1 and HRQSIZE at least HSQSIZE + 1"},
	{"RDMA-003", R, "RDMA CM Private Data / Accept", M, P,
	 "A CM REP answering an NVMe REQ carries RECFMT 0 and CRQSIZE at least HSQSIZE + 1"},
	{"RDMA-004", R, "RDMA CM Private Data / Reject", M, B,
	 "A CM REJ (consumer reason 28) carries NVMe REJ private data: RECFMT 0, STS 01h-09h"},
	{"RDMA-005", R, "RDMA CM Private Data / Reject", SH, P,
	 "A REQ with RECFMT != 0 is rejected with STS 02h, HSQSIZE 0 with 04h, HRQSIZE < HSQSIZE + 1 with 05h"},
	{"RDMA-006", R, "Command Capsule", M, P,
	 "A command capsule is one SEND of 64 bytes plus in-capsule data, at most IOCCSZ * 16 bytes"},
	{"RDMA-007", R, "Response Capsule", M, P,
	 "A response capsule is one SEND of exactly 16 bytes (IORCSZ 1, no data)"},
	{"RDMA-008", R, "SGL Descriptors", M, P,
	 "SGL1 is a Keyed SGL Data Block (subtype 0h or Fh) or an SGL Data Block with subtype Offset (1h)"},
	{"RDMA-009", R, "In-Capsule Data", M, P,
	 "An in-capsule SGL's offset + length lies within the data that arrived in the capsule"},
	{"RDMA-010", R, "Data Transfer / Host to Controller", M, P,
	 "RDMA READs for a command stay inside its keyed SGL range, use its key, and precede its response"},
	{"RDMA-011", R, "Data Transfer / Controller to Host", M, P,
	 "RDMA WRITEs for a command stay inside its keyed SGL range, use its key, and precede its response"},
	{"RDMA-012", R, "Remote Invalidation", M, P,
	 "SEND WITH INVALIDATE answers only a command whose keyed SGL has subtype Fh, with that key"},
	{"RDMA-013", R, "Remote Invalidation", SH, P,
	 "A command whose keyed SGL has subtype Fh is answered with SEND WITH INVALIDATE"},
	{"RDMA-014", R, "Queue Sizes / Flow Control", M, P,
	 "No more commands outstanding on a queue than HSQSIZE + 1 (the negotiated send queue)"},
	{"RDMA-015", R, "RDMA CM Private Data / Request (QID)", M, P,
	 "The Fabrics Connect on a connection names the QID of that connection's CM REQ"},
	{"RDMA-016", R, "Command Capsule", M, P,
	 "Every response capsule answers a command outstanding on that queue (CID and SQID)"},
	{"RDMA-017", R, "Transport Service", M, P,
	 "NVMe capsules travel on Reliable Connected QPs only (no UD/UC SEND outside CM MADs on QP1)"},
	{NULL}};

const struct iop_rule_table iop_rules_nvme_rdma = {"RDMA", "NVMe/RDMA transport (RoCEv2 captures)",
						    nvme_rdma_rules};
