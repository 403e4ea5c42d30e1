/* SPDX-License-Identifier: BSD-3-Clause */
/* Device side of a packed virtqueue (VIRTIO_F_RING_PACKED): available descriptors found by their
 * AVAIL/USED flag bits against the wrap counter, used descriptors written in place, event
 * suppression structures. Same limits and error handling as the split ring. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/util.h"
#include "targets/virtio/virtqueue.h"
#include "targets/virtio/virtqueue_internal.h"

#define PK_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define PK_F_USED (1u << VRING_PACKED_DESC_F_USED)

int
iop_vq_attach_packed(struct iop_vq *vq, struct iop_vmem *mem, uint16_t size, void *desc,
		     void *drv, void *dev, uint32_t base, bool indirect)
{
	uint16_t avail = base & 0xffff, used = base >> 16;

	if (size == 0 || size > IOP_VQ_MAX_SIZE || ((uintptr_t)desc & 15) ||
	    ((uintptr_t)drv & 3) || ((uintptr_t)dev & 3) || (avail & 0x7fff) >= size ||
	    (used & 0x7fff) >= size) {
		return -EINVAL;
	}
	memset(vq->nr_bad, 0, sizeof(vq->nr_bad));
	vq->chain_n = calloc(size, sizeof(*vq->chain_n));
	if (!vq->chain_n) {
		return -ENOMEM;
	}
	if (!used) {
		used = avail; /* nothing in flight: used position follows avail */
	}
	vq->packed = true;
	vq->mem = mem;
	vq->size = size;
	vq->pdesc = desc;
	vq->drv_evt = drv;
	vq->dev_evt = dev;
	vq->indirect = indirect;
	vq->event_idx = false;
	vq->broken = false;
	vq->last_avail = avail & 0x7fff;
	vq->avail_wrap = avail >> 15;
	vq->used_idx = used & 0x7fff;
	vq->used_wrap = used >> 15;
	vq->used_pub = vq->used_idx;
	vq->pub_wrap = vq->used_wrap;
	vq->inflight = 0;
	vq->last_err = IOP_VQ_ERR_NONE;
	return 0;
}

static inline bool
pk_is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & PK_F_AVAIL) == wrap && !!(flags & PK_F_USED) != wrap;
}

bool
iop_vq_packed_has_avail(const struct iop_vq *vq)
{
	return pk_is_avail(VQ_ACQUIRE(vq->pdesc[vq->last_avail].flags), vq->avail_wrap);
}

/* Buffers of an indirect table (packed layout; NEXT is ignored inside it). */
static int
pk_indirect(struct iop_vq *vq, struct iop_vq_elem *e, const struct vring_packed_desc *d,
	    uint64_t *total)
{
	const struct vring_packed_desc *tbl;
	uint32_t n;

	if (!vq->indirect || d->len == 0 || d->len % sizeof(*tbl)) {
		return iop_vq_bad(vq, IOP_VQ_ERR_LAYOUT);
	}
	tbl = iop_vmem_gpa(vq->mem, d->addr, d->len);
	if (!tbl) {
		return iop_vq_bad(vq, IOP_VQ_ERR_RANGE);
	}
	n = d->len / sizeof(*tbl);
	if (n > IOP_VQ_MAX_IOV) {
		return iop_vq_bad(vq, IOP_VQ_ERR_TOO_BIG);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct vring_packed_desc x;
		struct vring_desc s;
		int rc;

		memcpy(&x, (const void *)&tbl[i], sizeof(x));
		if (x.flags & VRING_DESC_F_INDIRECT) {
			return iop_vq_bad(vq, IOP_VQ_ERR_LAYOUT);
		}
		s.addr = x.addr;
		s.len = x.len;
		s.flags = x.flags & VRING_DESC_F_WRITE;
		rc = iop_vq_add_buf(vq, e, &s, total);
		if (rc) {
			return rc;
		}
	}
	return 0;
}

int
iop_vq_packed_pop(struct iop_vq *vq, struct iop_vq_elem *e)
{
	uint16_t idx = vq->last_avail, n = 0, id = 0;
	bool wrap = vq->avail_wrap;
	uint64_t total = 0;
	int err = 0;

	if (!pk_is_avail(VQ_ACQUIRE(vq->pdesc[idx].flags), wrap)) {
		return 0;
	}
	e->nout = e->nin = 0;
	e->out_len = e->in_len = 0;
	/* The head's flags were read with acquire: the driver made the rest of the chain
	 * available before it, so the following descriptors are complete. */
	for (;;) {
		struct vring_packed_desc d;

		memcpy(&d, (const void *)&vq->pdesc[idx], sizeof(d));
		if (n && !pk_is_avail(d.flags, wrap)) {
			vq->broken = true; /* chain runs into a descriptor that is not available */
			iop_vq_bad(vq, IOP_VQ_ERR_LAYOUT);
			return -EPIPE;
		}
		if (++n > vq->size) {
			vq->broken = true; /* every descriptor says NEXT: no end to find */
			iop_vq_bad(vq, IOP_VQ_ERR_LOOP);
			return -EPIPE;
		}
		if (!err) {
			if (d.flags & VRING_DESC_F_INDIRECT) {
				err = (n > 1 || (d.flags & VRING_DESC_F_NEXT)) ?
					      iop_vq_bad(vq, IOP_VQ_ERR_LAYOUT) :
					      pk_indirect(vq, e, &d, &total);
			} else {
				struct vring_desc s = {d.addr, d.len, d.flags & VRING_DESC_F_WRITE, 0};

				err = iop_vq_add_buf(vq, e, &s, &total);
			}
		}
		id = d.id;
		if (++idx == vq->size) {
			idx = 0;
			wrap = !wrap;
		}
		if (!(d.flags & VRING_DESC_F_NEXT)) {
			break;
		}
	}
	vq->last_avail = idx;
	vq->avail_wrap = wrap;
	if (id >= vq->size || vq->chain_n[id]) {
		vq->broken = true; /* no valid (or a duplicate) buffer id to answer under */
		iop_vq_bad(vq, IOP_VQ_ERR_RANGE);
		return -EPIPE;
	}
	vq->chain_n[id] = n;
	vq->inflight++;
	e->head = id;
	return err ? -EINVAL : 1;
}

void
iop_vq_packed_push(struct iop_vq *vq, uint16_t id, uint32_t len)
{
	struct vring_packed_desc *u = &vq->pdesc[vq->used_idx];
	uint16_t n = id < vq->size ? vq->chain_n[id] : 0;
	uint16_t flags = vq->used_wrap ? (PK_F_AVAIL | PK_F_USED) : 0;

	if (!n) {
		return; /* not ours */
	}
	vq->chain_n[id] = 0;
	u->id = id;
	u->len = len;
	if (len) {
		flags |= VRING_DESC_F_WRITE;
	}
	VQ_RELEASE(u->flags, flags);
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	if (vq->used_idx >= vq->size) {
		vq->used_idx = (uint16_t)(vq->used_idx - vq->size);
		vq->used_wrap = !vq->used_wrap;
	}
	vq->inflight--;
}

bool
iop_vq_packed_flush(struct iop_vq *vq)
{
	uint16_t old = vq->used_pub, new_idx = vq->used_idx, flags, off_wrap, off;
	bool moved = old != new_idx || vq->pub_wrap != vq->used_wrap, notify;

	if (!moved || vq->broken) {
		return false;
	}
	vq->used_pub = new_idx;
	vq->pub_wrap = vq->used_wrap;
	VQ_MB(); /* used descriptors before the driver's suppression state */
	flags = VQ_LOAD(vq->drv_evt->flags);
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE) {
		return false;
	}
	if (flags != VRING_PACKED_EVENT_FLAG_DESC) {
		return iop_vq_signal(vq);
	}
	/* notify when the driver's event offset was passed: unwrap it against our counter */
	off_wrap = VQ_LOAD(vq->drv_evt->off_wrap);
	off = off_wrap & 0x7fff;
	if (!!(off_wrap >> 15) != vq->used_wrap) {
		off = (uint16_t)(off - vq->size);
	}
	/* across a ring wrap (new < old) this errs on the side of a spurious interrupt */
	notify = iop_vring_need_event(off, new_idx, old);
	return notify ? iop_vq_signal(vq) : false;
}

bool
iop_vq_packed_kick_enable(struct iop_vq *vq, bool on)
{
	VQ_RELEASE(vq->dev_evt->flags,
		   on ? VRING_PACKED_EVENT_FLAG_ENABLE : VRING_PACKED_EVENT_FLAG_DISABLE);
	if (!on) {
		return false;
	}
	VQ_MB();
	return iop_vq_packed_has_avail(vq);
}
