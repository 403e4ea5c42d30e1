/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user wire format (QEMU docs/interop/vfio-user.rst, protocol 0.1/0.2): header, commands, payloads. */
#ifndef IOPATH_VFIO_USER_SPEC_H
#define IOPATH_VFIO_USER_SPEC_H

/*
 * Concepts
 * - Every message is a 16-byte header followed by a command-specific payload; msg_size counts
 *   both. All fields are in host byte order (the protocol is AF_UNIX, same host).
 * - flags bits 0-3 give the type (0 command, 1 reply), bit 4 no_reply (commands only), bit 5
 *   error (replies only; then error holds an errno and the reply carries only the header).
 * - File descriptors travel as SCM_RIGHTS ancillary data on the message that needs them
 *   (DMA_MAP memory, region info mmap fd, SET_IRQS eventfds).
 * - Region/IRQ/device-info payloads reuse the layouts of <linux/vfio.h> (struct vfio_region_info,
 *   vfio_irq_info, vfio_irq_set, the sparse-mmap capability); the VFIO_* constants come from there.
 */

#include <stdint.h>
#include <linux/vfio.h>

#define VFIO_USER_MAJOR 0
#define VFIO_USER_MINOR 2

enum vfio_user_cmd {
	VFIO_USER_VERSION = 1,
	VFIO_USER_DMA_MAP = 2,
	VFIO_USER_DMA_UNMAP = 3,
	VFIO_USER_DEVICE_GET_INFO = 4,
	VFIO_USER_DEVICE_GET_REGION_INFO = 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS = 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO = 7,
	VFIO_USER_DEVICE_SET_IRQS = 8,
	VFIO_USER_REGION_READ = 9,
	VFIO_USER_REGION_WRITE = 10,
	VFIO_USER_DMA_READ = 11,
	VFIO_USER_DMA_WRITE = 12,
	VFIO_USER_DEVICE_RESET = 13,
	VFIO_USER_DIRTY_PAGES = 14, /* obsolete (protocol 0.1 migration v1) */
	VFIO_USER_REGION_WRITE_MULTI = 15,
	VFIO_USER_DEVICE_FEATURE = 16,
	VFIO_USER_MIG_DATA_READ = 17,
	VFIO_USER_MIG_DATA_WRITE = 18,
	VFIO_USER_MAX_CMD,
};

#define VFIO_USER_F_TYPE_MASK   0xfu
#define VFIO_USER_F_TYPE_CMD    0x0u
#define VFIO_USER_F_TYPE_REPLY  0x1u
#define VFIO_USER_F_NO_REPLY    0x10u
#define VFIO_USER_F_ERROR       0x20u

/** Defaults when the peer's VERSION JSON omits a capability. */
#define VFIO_USER_DEF_MAX_MSG_FDS        1
#define VFIO_USER_DEF_MAX_DATA_XFER      (1024u * 1024u)
#define VFIO_USER_DEF_MAX_DMA_MAPS       65535u
#define VFIO_USER_DEF_PGSIZES            4096u

struct vfio_user_hdr {
	uint16_t msg_id;
	uint16_t cmd;
	uint32_t msg_size;  /* header + payload */
	uint32_t flags;
	uint32_t error_no;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_hdr) == 16, "header is 16 bytes");

struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	char data[];        /* optional NUL-terminated JSON */
} __attribute__((packed));

struct vfio_user_dma_map {
	uint32_t argsz;
	uint32_t flags;     /* VFIO_USER_F_DMA_REGION_READ | _WRITE */
	uint64_t offset;    /* file offset in the passed fd */
	uint64_t addr;      /* DMA address */
	uint64_t size;
} __attribute__((packed));
#define VFIO_USER_F_DMA_REGION_READ  0x1u
#define VFIO_USER_F_DMA_REGION_WRITE 0x2u

struct vfio_user_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t addr;
	uint64_t size;
} __attribute__((packed));
#define VFIO_USER_F_DMA_UNMAP_GET_DIRTY_BITMAP 0x1u
#define VFIO_USER_F_DMA_UNMAP_ALL              0x2u

/* DEVICE_GET_INFO: struct vfio_device_info's first 16 bytes. */
struct vfio_user_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
} __attribute__((packed));

/* DEVICE_GET_REGION_INFO: struct vfio_region_info (32 bytes) then capabilities. */
struct vfio_user_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset;
	uint64_t size;
	uint64_t offset;
} __attribute__((packed));

struct vfio_user_region_io_fds_req {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
} __attribute__((packed));

struct vfio_user_sub_region_ioeventfd {
	uint64_t offset;
	uint64_t size;
	uint32_t fd_index;
	uint32_t type;
	uint32_t flags;
	uint32_t padding;
	uint64_t datamatch;
} __attribute__((packed));
#define VFIO_USER_IO_FD_TYPE_IOEVENTFD 0
#define VFIO_USER_IO_FD_TYPE_IOREGIONFD 1

/* DEVICE_GET_IRQ_INFO: struct vfio_irq_info. */
struct vfio_user_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
} __attribute__((packed));

/* DEVICE_SET_IRQS: struct vfio_irq_set; data follows for DATA_BOOL, fds for DATA_EVENTFD. */
struct vfio_user_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	uint8_t data[];
} __attribute__((packed));

/* REGION_READ / REGION_WRITE request and reply. */
struct vfio_user_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[];
} __attribute__((packed));

/* DMA_READ / DMA_WRITE (server -> client). The DMA_WRITE reply has a 4-byte count per the spec
 * table; we accept 12 or 16 bytes there. */
struct vfio_user_dma_access {
	uint64_t addr;
	uint64_t count;
	uint8_t data[];
} __attribute__((packed));

/* REGION_WRITE_MULTI: wr_cnt (u64) then wr_cnt of these; reply is wr_cnt alone. */
struct vfio_user_write_multi_entry {
	uint64_t offset;
	uint32_t region;
	uint32_t count;     /* 1..8 */
	uint8_t data[8];
} __attribute__((packed));
#define VFIO_USER_WRITE_MULTI_MAX 2048u /* entries per message we accept */

#define VFIO_USER_REGION_ACCESS_HDR 16u
#define VFIO_USER_DMA_ACCESS_HDR    16u

/** Name of a command ("VERSION", "DMA_MAP", ...) or "UNKNOWN". */
const char *vfio_user_cmd_name(unsigned int cmd);

#endif
