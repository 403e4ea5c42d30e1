/* SPDX-License-Identifier: BSD-3-Clause */
/* Device side of a split virtqueue: pop descriptor chains (direct and indirect), push used entries,
 * event-index notification suppression. Every address goes through the guest memory table. */
#ifndef IOPATH_VIRTIO_VIRTQUEUE_H
#define IOPATH_VIRTIO_VIRTQUEUE_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include "targets/virtio/mem.h"

/** Largest number of buffer segments one request may use (readable + writable). */
#define IOP_VQ_MAX_IOV 128
/** Largest total payload of one request; anything bigger is refused as oversized. */
#define IOP_VQ_MAX_BYTES (32u << 20)
#define IOP_VQ_MAX_SIZE 32768

/** One popped request: iov[0..nout) are device-readable, iov[nout..nout+nin) device-writable. */
struct iop_vq_elem {
	uint16_t head;
	uint16_t nout;
	uint16_t nin;
	uint16_t pad;
	uint32_t out_len;
	uint32_t in_len;
	struct iovec iov[IOP_VQ_MAX_IOV];
};

/** Why a chain was refused (iop_vq_stats counts them). */
enum iop_vq_err {
	IOP_VQ_ERR_NONE = 0,
	IOP_VQ_ERR_RANGE,     /* descriptor index or buffer address outside the ring/memory */
	IOP_VQ_ERR_LOOP,      /* chain longer than its table: a loop */
	IOP_VQ_ERR_TOO_BIG,   /* more than IOP_VQ_MAX_IOV segments or IOP_VQ_MAX_BYTES */
	IOP_VQ_ERR_LAYOUT,    /* readable after writable, nested/bad indirect table */
	IOP_VQ_ERR_MAX,
};

struct iop_vq {
	struct iop_vmem *mem;
	uint16_t size;
	bool packed;          /* VIRTIO_F_RING_PACKED: the fields below marked (P) apply */
	bool event_idx;       /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;        /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;          /* ring state is inconsistent: stop touching it */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;  /* next avail entry to consume */
	uint16_t shadow_avail; /* avail->idx as last read (split): fewer reads of a shared line */
	uint16_t used_idx;    /* next used entry to fill (shadow) */
	uint16_t used_pub;    /* used->idx as last published */
	uint16_t inflight;    /* popped, not yet pushed */
	int callfd;           /* eventfd to signal the driver; -1 = none */
	/* (P) packed ring: descriptor ring, driver and device event suppression areas */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *drv_evt;
	struct vring_packed_desc_event *dev_evt;
	bool avail_wrap;      /* (P) driver ring wrap counter we expect at last_avail */
	bool used_wrap;       /* (P) device ring wrap counter at used_idx */
	bool pub_wrap;        /* (P) used_wrap when used_pub was recorded */
	uint16_t *chain_n;    /* (P) descriptors taken by each buffer id in flight */
	enum iop_vq_err last_err;
	uint64_t nr_bad[IOP_VQ_ERR_MAX];
	uint64_t nr_notify;
};

/**
 * Attach a queue to rings already translated to host pointers. base is the first avail index to
 * consume (SET_VRING_BASE). \return 0 or -EINVAL (size not a power of 2 / too big, misaligned).
 */
int iop_vq_attach(struct iop_vq *vq, struct iop_vmem *mem, uint16_t size, void *desc, void *avail,
		  void *used, uint16_t base, bool event_idx, bool indirect);

/**
 * Attach a packed queue (VIRTIO_F_RING_PACKED): desc is the descriptor ring, drv/dev the driver and
 * device event suppression areas. base encodes next avail index | avail wrap << 15 in bits 0-15 and
 * next used index | used wrap << 15 in bits 16-31 (0 there: same as avail).
 * \return 0, -EINVAL (bad size/alignment), -ENOMEM.
 */
int iop_vq_attach_packed(struct iop_vq *vq, struct iop_vmem *mem, uint16_t size, void *desc,
			 void *drv, void *dev, uint32_t base, bool indirect);
/** Release what attach allocated (packed rings). */
void iop_vq_detach(struct iop_vq *vq);
/** Ring position to resume from (GET_VRING_BASE): split: last avail index; packed: as the base of
 * iop_vq_attach_packed. */
uint32_t iop_vq_base(const struct iop_vq *vq);

/**
 * Take the next available chain into e.
 * \return 1: e holds a valid request; 0: ring empty; -EINVAL: the chain is malformed (reason in
 * vq->last_err, e->head valid): complete it with iop_vq_push(vq, e->head, 0);
 * -EPIPE: the ring itself is corrupt (vq->broken set), stop using it.
 */
int iop_vq_pop(struct iop_vq *vq, struct iop_vq_elem *e);

/** Record head as used with len bytes written; becomes visible at iop_vq_flush. */
void iop_vq_push(struct iop_vq *vq, uint16_t head, uint32_t len);

/** Publish pushed entries and signal callfd if the driver asked for it.
 * \return true when the driver was notified. */
bool iop_vq_flush(struct iop_vq *vq);

/** Signal callfd unconditionally (no suppression check); e.g. once on a newly set call fd, so
 * completions signalled on the previous one are not lost. \return false when there is no callfd. */
bool iop_vq_signal(struct iop_vq *vq);

/** true when the driver has made entries available that were not popped yet. */
bool iop_vq_has_avail(const struct iop_vq *vq);

/**
 * Ask the driver for kicks (on: interrupt mode) or tell it not to bother (off: we poll).
 * \return true when, after enabling, new entries are already there (process before sleeping).
 */
bool iop_vq_kick_enable(struct iop_vq *vq, bool on);

/** The event-index rule from the virtio spec: should an event be sent for [old, new_idx)? */
static inline bool
iop_vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

#endif
