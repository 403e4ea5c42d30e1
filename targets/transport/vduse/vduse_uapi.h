/* SPDX-License-Identifier: BSD-3-Clause */
/* VDUSE kernel interface (API version 0): the system's linux/vduse.h, or our own definitions of
 * the subset we use, written from the documented ABI, when the installed headers predate it. */
#ifndef IOPATH_VDUSE_UAPI_H
#define IOPATH_VDUSE_UAPI_H

#if defined(__has_include) && __has_include(<linux/vduse.h>) && !defined(IOP_VDUSE_OWN_UAPI)
#include <linux/vduse.h>
#else
#include <linux/ioctl.h>
#include <linux/types.h>

#define VDUSE_BASE 0x81
#define VDUSE_API_VERSION 0
#define VDUSE_NAME_MAX 256

struct vduse_dev_config {
	char name[VDUSE_NAME_MAX];
	__u32 vendor_id;
	__u32 device_id;
	__u64 features;
	__u32 vq_num;
	__u32 vq_align;
	__u32 reserved[13];
	__u32 config_size;
	__u8 config[];
};

struct vduse_iotlb_entry {
	__u64 offset;
	__u64 start;
	__u64 last;
	__u8 perm;
};

struct vduse_vq_config {
	__u32 index;
	__u16 max_size;
	__u16 reserved[13];
};

struct vduse_vq_state_split {
	__u16 avail_index;
};

struct vduse_vq_state_packed {
	__u16 last_avail_counter;
	__u16 last_avail_idx;
	__u16 last_used_counter;
	__u16 last_used_idx;
};

struct vduse_vq_info {
	__u32 index;
	__u32 num;
	__u64 desc_addr;
	__u64 driver_addr;
	__u64 device_addr;
	union {
		struct vduse_vq_state_split split;
		struct vduse_vq_state_packed packed;
	};
	__u8 ready;
};

struct vduse_vq_eventfd {
	__u32 index;
	int fd;
};
#define VDUSE_EVENTFD_DEASSIGN -1

enum vduse_req_type {
	VDUSE_GET_VQ_STATE,
	VDUSE_SET_STATUS,
	VDUSE_UPDATE_IOTLB,
};

struct vduse_vq_state {
	__u32 index;
	union {
		struct vduse_vq_state_split split;
		struct vduse_vq_state_packed packed;
	};
};

struct vduse_dev_status {
	__u8 status;
};

struct vduse_iova_range {
	__u64 start;
	__u64 last;
};

struct vduse_dev_request {
	__u32 type;
	__u32 request_id;
	__u32 reserved[4];
	union {
		struct vduse_vq_state vq_state;
		struct vduse_dev_status s;
		struct vduse_iova_range iova;
		__u32 padding[32];
	};
};

#define VDUSE_REQ_RESULT_OK 0x00
#define VDUSE_REQ_RESULT_FAILED 0x01

struct vduse_dev_response {
	__u32 request_id;
	__u32 result;
	__u32 reserved[4];
	union {
		struct vduse_vq_state vq_state;
		__u32 padding[32];
	};
};

#define VDUSE_GET_API_VERSION _IOR(VDUSE_BASE, 0x00, __u64)
#define VDUSE_SET_API_VERSION _IOW(VDUSE_BASE, 0x01, __u64)
#define VDUSE_CREATE_DEV _IOW(VDUSE_BASE, 0x02, struct vduse_dev_config)
#define VDUSE_DESTROY_DEV _IOW(VDUSE_BASE, 0x03, char[VDUSE_NAME_MAX])
#define VDUSE_IOTLB_GET_FD _IOWR(VDUSE_BASE, 0x10, struct vduse_iotlb_entry)
#define VDUSE_DEV_GET_FEATURES _IOR(VDUSE_BASE, 0x11, __u64)
#define VDUSE_VQ_SETUP _IOW(VDUSE_BASE, 0x14, struct vduse_vq_config)
#define VDUSE_VQ_GET_INFO _IOWR(VDUSE_BASE, 0x15, struct vduse_vq_info)
#define VDUSE_VQ_SETUP_KICKFD _IOW(VDUSE_BASE, 0x16, struct vduse_vq_eventfd)
#define VDUSE_VQ_INJECT_IRQ _IOW(VDUSE_BASE, 0x17, __u32)
#endif

#endif
