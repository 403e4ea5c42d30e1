/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe over Fabrics and NVMe base (admin/I-O) rules (FAB-NNN) checked over any NVMe-oF transport. */
#include "conformance/rules/rules.h"

#define F "NVMe-oF 1.1"
#define NB "NVMe Base 2.0"
#define M IOP_RULE_MUST
#define SH IOP_RULE_SHOULD
#define P IOP_RULE_PASSIVE
#define A IOP_RULE_ACTIVE
#define B IOP_RULE_BOTH

static const struct iop_rule fabrics_rules[] = {
	{"FAB-001", F, "Queue Initialization / Connect", M, B,
	 "The first command on a new queue is a Fabrics Connect; anything else fails (Command Sequence Error)"},
	{"FAB-002", F, "Connect Command / Connect data", M, P,
	 "Connect carries exactly 1024 bytes of Connect data"},
	{"FAB-003", F, "Connect Command / RECFMT", M, B,
	 "Connect RECFMT is 0; another value fails with Connect Incompatible Format (SCT 1h, SC 80h)"},
	{"FAB-004", F, "Connect Response", M, P,
	 "A successful Connect returns the controller ID in DW0 bits 15:0, never FFFFh"},
	{"FAB-005", F, "Connect Command / SUBNQN", M, A,
	 "Connect to an unknown SUBNQN fails with Connect Invalid Parameters (SC 82h), IATTR=1, IPO=256"},
	{"FAB-006", F, "Connect Command / HOSTNQN", SH, A,
	 "Connect whose HOSTNQN is not an NQN is rejected (Connect Invalid Parameters 82h or Invalid Host 84h)"},
	{"FAB-007", F, "Connect Command / QID", M, A,
	 "I/O queue Connect with an unknown CNTLID or out-of-range QID fails with Connect Invalid Parameters"},
	{"FAB-008", F, "Connect Command / SQSIZE", M, B,
	 "Connect SQSIZE (0's based) is at least 1, and at least 31 for the admin queue"},
	{"FAB-009", F, "Fabrics Command Set", M, P,
	 "Fabrics commands use opcode 7Fh and a defined FCTYPE (00h, 01h, 04h, 05h, 06h, 08h)"},
	{"FAB-010", F, "Property Get / Property Set", M, P,
	 "Property size attribute is 4 or 8 bytes and the offset is aligned to it"},
	{"FAB-011", F, "Connect / Queue Initialization", M, P,
	 "An I/O queue Connect names a controller ID that an admin queue Connect created"},
	{"FAB-012", F, "Fabrics Command Capsule / PSDT", M, P,
	 "Hosts set PSDT to 01b (SGL, MPTR a single contiguous buffer) in every command capsule"},
	{"FAB-013", NB, "Completion Queue Entry", M, P,
	 "Each completion's CID matches a command outstanding on that queue and its SQID is that queue"},
	{"FAB-014", NB, "Generic Command Status / Invalid Command Opcode", M, A,
	 "An unsupported admin opcode fails with Invalid Command Opcode (SCT 0h, SC 01h)"},
	{"FAB-015", NB, "Generic Command Status / Invalid Command Opcode", M, A,
	 "An unsupported I/O opcode fails with Invalid Command Opcode (SCT 0h, SC 01h)"},
	{"FAB-016", NB, "Identify Command", M, P,
	 "Identify Controller and Identify Namespace transfer 4096 bytes"},
	{"FAB-017", F, "Identify Controller / SUBNQN", M, P,
	 "Identify Controller SUBNQN equals the SUBNQN the host connected to"},
	{"FAB-018", F, "Identify Controller / Fabrics fields", M, P,
	 "Identify Controller IOCCSZ is at least 4 (64 bytes) and IORCSZ at least 1 (16 bytes)"},
	{"FAB-019", NB, "Identify Controller / CNTLID", M, P,
	 "Identify Controller CNTLID equals the controller ID returned by Connect"},
	{"FAB-020", NB, "NVM Command Set / LBA Out of Range", M, A,
	 "A Read or Write beyond the namespace capacity fails with LBA Out of Range (SC 80h)"},
	{"FAB-021", NB, "Generic Command Status / Invalid Namespace", M, A,
	 "An I/O command to an inactive NSID fails with Invalid Namespace or Format (SC 0Bh)"},
	{"FAB-022", F, "Property Get / CAP", M, P,
	 "Property Get of CAP (offset 0) returns 8 bytes with CAP.MQES at least 1"},
	{"FAB-023", F, "Property Get / Property Set", M, A,
	 "Property Get/Set of an undefined property fails with Invalid Field in Command (SC 02h)"},
	{"FAB-024", F, "Connect Command / SQSIZE", M, A,
	 "An I/O queue Connect with SQSIZE above CAP.MQES fails with Connect Invalid Parameters (IPO 44)"},
	{"FAB-025", F, "Connect Command / NQN format", M, P,
	 "Connect SUBNQN and HOSTNQN are NUL-terminated NQNs (\"nqn.\" prefix) within 256 bytes"},
	{"FAB-026", NB, "Command Completion", M, P, "Every command gets exactly one completion"},
	{"FAB-027", NB, "Fused Operations", SH, A,
	 "A fused command that the controller does not support fails with Invalid Field in Command"},
	{"FAB-028", NB, "Generic Command Status / Invalid Field in Command", SH, A,
	 "A command whose PSDT is not 01b is not executed and fails with Invalid Field in Command"},
	{NULL}};

const struct iop_rule_table iop_rules_fabrics = {"FAB", "NVMe-oF Fabrics and admin/I-O commands",
						  fabrics_rules};
