/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user rules (VFU-NNN) from QEMU docs/interop/vfio-user.rst (protocol version 0.2). */
#include "conformance/rules/rules.h"

#define S "vfio-user 0.2"
#define M IOP_RULE_MUST
#define SH IOP_RULE_SHOULD
#define P IOP_RULE_PASSIVE
#define A IOP_RULE_ACTIVE
#define B IOP_RULE_BOTH

static const struct iop_rule vfio_user_rules[] = {
	{"VFU-001", S, "Header", M, B,
	 "Every message starts with the 16-byte header and Message size (>= 16) covers header plus data"},
	{"VFU-002", S, "Connection Initiation / VFIO_USER_VERSION", M, B,
	 "The client's first message is VFIO_USER_VERSION; the server handles nothing before it"},
	{"VFU-003", S, "VFIO_USER_VERSION / Reply", M, P,
	 "The version reply has the proposed major and a minor equal to or less than the proposed one"},
	{"VFU-004", S, "VFIO_USER_VERSION / version data", M, P,
	 "Version data, when present, is NUL-terminated JSON whose capabilities member is an object"},
	{"VFU-005", S, "Header / Message ID, Command", M, P,
	 "A reply echoes the Message ID and Command of the command it acknowledges"},
	{"VFU-006", S, "Header", M, P,
	 "Every command without No_reply gets exactly one reply; a No_reply command gets none"},
	{"VFU-007", S, "Header / Flags", M, P, "Flags Type is 0 (command) or 1 (reply)"},
	{"VFU-008", S, "Header / Error", M, P,
	 "The Error field is 0 in commands and when the Error flag is clear"},
	{"VFU-009", S, "Header", M, B, "An error reply carries only the header (no payload)"},
	{"VFU-010", S, "Commands", M, B,
	 "A command not in the Commands table is failed with an error reply"},
	{"VFU-011", S, "Commands / Request Direction", M, P,
	 "Each command travels in its defined direction (DMA_READ/WRITE server->client, others client->server)"},
	{"VFU-012", S, "VFIO_USER_DMA_MAP", M, P,
	 "DMA_MAP argsz is 32, message size 48, and flags only use the readable/writeable bits"},
	{"VFU-013", S, "VFIO_USER_DMA_MAP", M, P, "DMA_MAP carries at most one file descriptor"},
	{"VFU-014", S, "VFIO_USER_DMA_MAP", M, B,
	 "DMA_MAP over an existing mapping is failed with EEXIST"},
	{"VFU-015", S, "VFIO_USER_DMA_UNMAP", M, B,
	 "DMA_UNMAP address and size match exactly a previous mapping"},
	{"VFU-016", S, "VFIO_USER_DEVICE_GET_INFO", M, P,
	 "DEVICE_GET_INFO reply argsz is at least 16 and reports a PCI device"},
	{"VFU-017", S, "VFIO_USER_DEVICE_GET_REGION_INFO", M, P,
	 "GET_REGION_INFO reply has the requested index, and the MMAP flag only with a file descriptor"},
	{"VFU-018", S, "VFIO_USER_REGION_READ", M, P,
	 "A REGION_READ reply echoes offset/region/count and carries count bytes of data"},
	{"VFU-019", S, "VFIO_USER_REGION_WRITE", M, P,
	 "A REGION_WRITE carries count bytes; its reply echoes offset/region/count without data"},
	{"VFU-020", S, "VFIO_USER_REGION_READ / VFIO_USER_REGION_WRITE", M, B,
	 "A region access outside the region (or to an unknown region) is failed with an error reply"},
	{"VFU-021", S, "VFIO_USER_DMA_READ / VFIO_USER_DMA_WRITE", M, P,
	 "DMA_READ/DMA_WRITE address ranges lie inside a region mapped by DMA_MAP"},
	{"VFU-022", S, "VFIO_USER_DMA_READ", M, P,
	 "A DMA_READ reply echoes the address and count and carries count bytes of data"},
	{"VFU-023", S, "Read and Write Operations", M, P,
	 "count of REGION/DMA READ/WRITE does not exceed the peer's max_data_xfer_size"},
	{"VFU-024", S, "VFIO_USER_VERSION / max_msg_fds", M, P,
	 "A message carries no more file descriptors than the receiver's max_msg_fds (default 1)"},
	{"VFU-025", S, "VFIO_USER_DEVICE_GET_IRQ_INFO", M, P,
	 "A GET_IRQ_INFO reply has the requested index and argsz at least 16"},
	{"VFU-026", S, "VFIO_USER_DEVICE_SET_IRQS", M, P,
	 "SET_IRQS uses exactly one DATA and one ACTION flag; DATA_EVENTFD carries 0 or count fds"},
	{"VFU-027", S, "Header / Message sizes", M, A,
	 "A message shorter than the header or whose size disagrees with its payload is rejected"},
	{"VFU-028", S, "Header / Type", M, A,
	 "A reply sent where a command is due is rejected (error reply or disconnect), never executed"},
	{"VFU-029", S, "VFIO_USER_DMA_UNMAP / Reply", M, P,
	 "The DMA_UNMAP reply carries the original DMA entry (argsz, flags, address, size)"},
	{"VFU-030", S, "Client Disconnection", SH, A,
	 "After a client disconnects, the server accepts and serves a new client"},
	{NULL}};

const struct iop_rule_table iop_rules_vfio_user = {"VFU", "vfio-user", vfio_user_rules};
