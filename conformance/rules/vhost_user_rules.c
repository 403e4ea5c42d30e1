/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user and virtio rules (VHU-NNN): QEMU docs/interop/vhost-user.rst and virtio 1.2. */
#include "conformance/rules/rules.h"

#define S "vhost-user"
#define V "virtio 1.2"
#define M IOP_RULE_MUST
#define SH IOP_RULE_SHOULD
#define P IOP_RULE_PASSIVE
#define A IOP_RULE_ACTIVE
#define B IOP_RULE_BOTH

static const struct iop_rule vhost_user_rules[] = {
	{"VHU-001", S, "Message Specification / Header", M, B,
	 "Every message has the 12-byte header (request, flags, size) and size equals the payload length"},
	{"VHU-002", S, "Message Specification / Header flags", M, P,
	 "Flags bits 0-1 carry version 0x1 in every message"},
	{"VHU-003", S, "Message Specification / Header flags", M, P,
	 "A reply sets the Reply bit (0x4) and the request code of the message it answers"},
	{"VHU-004", S, "Front-end message types / VHOST_USER_GET_FEATURES", M, P,
	 "The GET_FEATURES and GET_PROTOCOL_FEATURES replies carry a u64 (size 8)"},
	{"VHU-005", S, "Feature negotiation / VHOST_USER_SET_FEATURES", M, P,
	 "SET_FEATURES sets only bits the back-end offered in GET_FEATURES"},
	{"VHU-006", S, "Protocol features", M, P,
	 "GET/SET_PROTOCOL_FEATURES are used only after VHOST_USER_F_PROTOCOL_FEATURES (bit 30) is offered"},
	{"VHU-007", S, "Front-end message types / VHOST_USER_SET_MEM_TABLE", M, B,
	 "SET_MEM_TABLE carries one fd per region and at most 8 regions (more only with CONFIGURE_MEM_SLOTS)"},
	{"VHU-008", S, "Front-end message types / VHOST_USER_SET_VRING_KICK", M, P,
	 "SET_VRING_KICK/CALL/ERR carry one fd unless the invalid-FD bit (0x100) is set"},
	{"VHU-009", S, "REPLY_ACK / NEED_REPLY", M, P,
	 "With REPLY_ACK negotiated, a request with NEED_REPLY (0x8) gets a u64 reply"},
	{"VHU-010", V, "2.7 Split Virtqueues / 2.8 Packed Virtqueues", M, P,
	 "SET_VRING_NUM queue size is at most 32768, and a power of 2 unless VIRTIO_F_RING_PACKED "
	 "was negotiated"},
	{"VHU-011", V, "2.7 Split Virtqueues / alignment", M, P,
	 "Split ring descriptor table is 16-byte aligned, available ring 2-byte, used ring 4-byte"},
	{"VHU-012", S, "Front-end message types / VHOST_USER_GET_VRING_BASE", M, P,
	 "SET/GET_VRING_BASE payload is a vring state (8 bytes); GET_VRING_BASE gets a reply"},
	{"VHU-013", S, "Message Specification", SH, A,
	 "An unknown request code is rejected without crashing; the back-end keeps serving new clients"},
	{"VHU-014", S, "Front-end message types / VHOST_USER_SET_MEM_TABLE", M, A,
	 "A malformed memory table (zero-size or overlapping regions, too many regions) is rejected"},
	{"VHU-015", S, "Front-end message types / VHOST_USER_SET_VRING_ADDR", M, P,
	 "SET_VRING_ADDR ring addresses lie inside regions of the memory table"},
	{"VHU-016", S, "Front-end message types / VHOST_USER_GET_CONFIG", M, P,
	 "The GET_CONFIG reply has the requested size"},
	{"VHU-017", V, "6 Reserved Feature Bits / VIRTIO_F_VERSION_1", SH, P,
	 "A modern front-end negotiates VIRTIO_F_VERSION_1 (bit 32)"},
	{NULL}};

const struct iop_rule_table iop_rules_vhost_user = {"VHU", "vhost-user and virtio", vhost_user_rules};
