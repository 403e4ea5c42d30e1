/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user wire format (QEMU docs/interop/vhost-user.rst): message header, payloads, request and
 * protocol-feature numbers, and framed send/receive with file descriptors (SCM_RIGHTS). */
#ifndef IOPATH_VHOST_USER_PROTO_H
#define IOPATH_VHOST_USER_PROTO_H

#include <stdbool.h>
#include <stdint.h>

enum vhu_request {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_RESET_OWNER = 4,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_LOG_BASE = 6,
	VHU_SET_LOG_FD = 7,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_SET_VRING_ERR = 14,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_VRING_ENABLE = 18,
	VHU_SEND_RARP = 19,
	VHU_NET_SET_MTU = 20,
	VHU_SET_BACKEND_REQ_FD = 21,
	VHU_IOTLB_MSG = 22,
	VHU_SET_VRING_ENDIAN = 23,
	VHU_GET_CONFIG = 24,
	VHU_SET_CONFIG = 25,
	VHU_GET_INFLIGHT_FD = 31,
	VHU_SET_INFLIGHT_FD = 32,
	VHU_RESET_DEVICE = 34,
	VHU_GET_MAX_MEM_SLOTS = 36,
	VHU_ADD_MEM_REG = 37,
	VHU_REM_MEM_REG = 38,
	VHU_SET_STATUS = 39,
	VHU_GET_STATUS = 40,
	VHU_REQUEST_MAX,
};

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
#define VHU_PROTOCOL_F_MQ 0
#define VHU_PROTOCOL_F_REPLY_ACK 3
#define VHU_PROTOCOL_F_CONFIG 9
#define VHU_PROTOCOL_F_RESET_DEVICE 13
#define VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15

/* Virtio feature bits the transport deals with. */
#define VHU_F_PROTOCOL_FEATURES 30
#define VHU_VIRTIO_F_VERSION_1 32
#define VHU_VIRTIO_F_RING_PACKED 34

#define VHU_FLAG_VERSION 0x1
#define VHU_FLAG_REPLY (1u << 2)
#define VHU_FLAG_NEED_REPLY (1u << 3)
#define VHU_VRING_IDX_MASK 0xffu
#define VHU_VRING_NOFD (1ull << 8)

#define VHU_MAX_FDS 8
#define VHU_MAX_MEM_REGIONS 8
#define VHU_MAX_PAYLOAD 4096
#define VHU_MAX_CONFIG 256

struct vhu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vhu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vhu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vhu_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct vhu_mem_single {
	uint64_t padding;
	struct vhu_mem_region r;
};

struct vhu_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vhu_mem_region r[VHU_MAX_MEM_REGIONS];
};

struct vhu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VHU_MAX_CONFIG];
};

struct vhu_msg {
	struct vhu_hdr hdr;
	union {
		uint64_t u64;
		struct vhu_vring_state state;
		struct vhu_vring_addr addr;
		struct vhu_mem mem;
		struct vhu_mem_single mreg;
		struct vhu_config cfg;
		uint8_t raw[VHU_MAX_PAYLOAD];
	} p;
	int fds[VHU_MAX_FDS];
	unsigned int nfds;
};

/** Name of a request number ("SET_MEM_TABLE"), "?" if unknown. */
const char *vhu_request_name(uint32_t req);

/**
 * Receive one message (header, then payload) with its fds. A payload that does not arrive within
 * the socket's receive timeout fails the call.
 * \return 0; -EPIPE peer closed; -EPROTO bad header/size (fds closed); other -errno.
 */
int vhu_recv(int fd, struct vhu_msg *m);
/** Send m (hdr.size bytes of payload) with m->fds[0..nfds). \return 0 or negative errno. */
int vhu_send(int fd, const struct vhu_msg *m);
/** Close every fd m carries and forget them. */
void vhu_msg_close_fds(struct vhu_msg *m);

#endif
