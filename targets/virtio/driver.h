/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver side of a split virtqueue (what a guest's virtio driver does): lay out the rings, add
 * chains, publish them, reap used entries. Used by the vhost-user client (iopath run). */
#ifndef IOPATH_VIRTIO_DRIVER_H
#define IOPATH_VIRTIO_DRIVER_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One buffer of a chain, by the address the device sees (GPA) and length. */
struct iop_vdrv_sg {
	uint64_t addr;
	uint32_t len;
	bool write;  /* device-writable */
};

struct iop_vdrv {
	uint16_t size;
	bool event_idx;
	bool packed;          /* VIRTIO_F_RING_PACKED layout */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t free_head;
	uint16_t nfree;
	uint16_t avail_idx;   /* shadow of avail->idx */
	uint16_t kicked_idx;  /* avail idx at the last kick decision */
	uint16_t last_used;
	void **cookie;        /* per head (split) or buffer id (packed) */
	uint16_t *chain_len;  /* descriptors held by each head / buffer id */
	/* packed ring */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *drv_evt;
	struct vring_packed_desc_event *dev_evt;
	bool avail_wrap, used_wrap;
	uint16_t *free_ids;
	uint16_t nfree_ids;
	/* the three areas as the device is told about them (SET_VRING_ADDR) */
	void *area_desc, *area_driver, *area_device;
};

/** Bytes needed for rings of size entries (desc, avail, used; used 4 KiB aligned). */
size_t iop_vdrv_ring_bytes(uint16_t size);
/** Offsets of avail and used inside that area. */
size_t iop_vdrv_avail_off(uint16_t size);
size_t iop_vdrv_used_off(uint16_t size);

/** Lay out rings in mem (zeroed here). \return 0, -EINVAL (size), -ENOMEM. */
int iop_vdrv_init(struct iop_vdrv *v, void *mem, uint16_t size, bool event_idx);
/** Same for a packed ring (descriptor ring, driver then device event suppression areas). */
int iop_vdrv_init_packed(struct iop_vdrv *v, void *mem, uint16_t size);
void iop_vdrv_fini(struct iop_vdrv *v);

/** Add one chain (readable entries must come first). Not visible until iop_vdrv_publish.
 * \return 0 or -EAGAIN when not enough free descriptors. */
int iop_vdrv_add(struct iop_vdrv *v, const struct iop_vdrv_sg *sg, unsigned int n, void *cookie);
/** Make added chains visible. \return true if the device wants a kick. */
bool iop_vdrv_publish(struct iop_vdrv *v);
/** Next completed chain's cookie (and bytes written in *len), or NULL when none. */
void *iop_vdrv_get(struct iop_vdrv *v, uint32_t *len);
/** Ask (on) or not (off) for used-buffer notifications; on returns true if work is already there. */
bool iop_vdrv_irq_enable(struct iop_vdrv *v, bool on);

#endif
