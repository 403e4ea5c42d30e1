/* SPDX-License-Identifier: BSD-3-Clause */
/* Device side of a split virtqueue: pop descriptor chains (direct and indirect), push used entries,
 * event-index notification suppression. Every address goes through the guest memory table. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/util.h"
#include "targets/virtio/virtqueue.h"
#include "targets/virtio/virtqueue_internal.h"


int
iop_vq_attach(struct iop_vq *vq, struct iop_vmem *mem, uint16_t size, void *desc, void *avail,
	      void *used, uint16_t base, bool event_idx, bool indirect)
{
	if (size == 0 || (size & (size - 1)) || size > IOP_VQ_MAX_SIZE) {
		return -EINVAL;
	}
	if (((uintptr_t)desc & 15) || ((uintptr_t)avail & 1) || ((uintptr_t)used & 3)) {
		return -EINVAL;
	}
	vq->packed = false;
	vq->mem = mem;
	vq->size = size;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->broken = false;
	vq->last_avail = base;
	vq->shadow_avail = base;
	/* Resume from what the ring holds: used->idx is shared state both sides agree on. */
	vq->used_pub = VQ_LOAD(vq->used->idx);
	vq->used_idx = vq->used_pub;
	vq->inflight = 0;
	vq->last_err = IOP_VQ_ERR_NONE;
	return 0;
}

bool
iop_vq_has_avail(const struct iop_vq *vq)
{
	if (vq->packed) {
		return !vq->broken && iop_vq_packed_has_avail(vq);
	}
	if (vq->broken) {
		return false;
	}
	/* entries already seen in the last read of avail->idx need no new read */
	return vq->shadow_avail != vq->last_avail || VQ_ACQUIRE(vq->avail->idx) != vq->last_avail;
}

uint32_t
iop_vq_base(const struct iop_vq *vq)
{
	if (vq->packed) {
		return (uint32_t)(vq->last_avail | vq->avail_wrap << 15) |
		       (uint32_t)(vq->used_idx | vq->used_wrap << 15) << 16;
	}
	return vq->last_avail;
}

void
iop_vq_detach(struct iop_vq *vq)
{
	free(vq->chain_n);
	vq->chain_n = NULL;
}

int
iop_vq_bad(struct iop_vq *vq, enum iop_vq_err why)
{
	vq->last_err = why;
	vq->nr_bad[why]++;
	return -EINVAL;
}

/* Add one descriptor's buffer to e. */
int
iop_vq_add_buf(struct iop_vq *vq, struct iop_vq_elem *e, const struct vring_desc *d, uint64_t *total)
{
	unsigned int n = e->nout + e->nin, before = n;
	int rc;

	*total += d->len;
	if (*total > IOP_VQ_MAX_BYTES) {
		return iop_vq_bad(vq, IOP_VQ_ERR_TOO_BIG);
	}
	if (d->flags & VRING_DESC_F_WRITE) {
		e->in_len += d->len;
	} else {
		if (e->nin) {
			return iop_vq_bad(vq, IOP_VQ_ERR_LAYOUT); /* readable after writable */
		}
		e->out_len += d->len;
	}
	rc = iop_vmem_gpa_iov(vq->mem, d->addr, d->len, e->iov, &n, IOP_VQ_MAX_IOV);
	if (rc == -E2BIG) {
		return iop_vq_bad(vq, IOP_VQ_ERR_TOO_BIG);
	}
	if (rc) {
		return iop_vq_bad(vq, IOP_VQ_ERR_RANGE);
	}
	if (d->flags & VRING_DESC_F_WRITE) {
		e->nin += n - before;
	} else {
		e->nout += n - before;
	}
	return 0;
}

/*
 * Walk the chain from head. Each table (the ring's, or one indirect table) may be walked at
 * most its own length of steps: a longer walk can only be a loop. Descriptors are copied once
 * before use so that the driver changing them underneath cannot pass a check and then differ.
 */
static int
vq_walk(struct iop_vq *vq, struct iop_vq_elem *e)
{
	const struct vring_desc *table = vq->desc;
	uint32_t tsize = vq->size, idx = e->head, steps = 0;
	bool indirect = false;
	uint64_t total = 0;

	for (;;) {
		struct vring_desc d;
		int rc;

		if (idx >= tsize) {
			return iop_vq_bad(vq, IOP_VQ_ERR_RANGE);
		}
		if (++steps > tsize) {
			return iop_vq_bad(vq, IOP_VQ_ERR_LOOP);
		}
		memcpy(&d, (const void *)&table[idx], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect || !vq->indirect || (d.flags & VRING_DESC_F_NEXT) ||
			    d.len == 0 || d.len % sizeof(struct vring_desc)) {
				return iop_vq_bad(vq, IOP_VQ_ERR_LAYOUT);
			}
			table = iop_vmem_gpa(vq->mem, d.addr, d.len);
			if (!table || ((uintptr_t)table & 15)) {
				return iop_vq_bad(vq, table ? IOP_VQ_ERR_LAYOUT : IOP_VQ_ERR_RANGE);
			}
			tsize = d.len / sizeof(struct vring_desc);
			if (tsize > IOP_VQ_MAX_SIZE) {
				return iop_vq_bad(vq, IOP_VQ_ERR_TOO_BIG);
			}
			indirect = true;
			idx = 0;
			steps = 0;
			continue;
		}
		rc = iop_vq_add_buf(vq, e, &d, &total);
		if (rc) {
			return rc;
		}
		if (!(d.flags & VRING_DESC_F_NEXT)) {
			return 0;
		}
		idx = d.next;
	}
}

int
iop_vq_pop(struct iop_vq *vq, struct iop_vq_elem *e)
{
	uint16_t avail_idx, head;

	if (iop_unlikely(vq->broken)) {
		return -EPIPE;
	}
	if (vq->packed) {
		return iop_vq_packed_pop(vq, e);
	}
	avail_idx = vq->shadow_avail;
	if (avail_idx == vq->last_avail) {
		avail_idx = VQ_ACQUIRE(vq->avail->idx);
		if (avail_idx == vq->last_avail) {
			return 0;
		}
		vq->shadow_avail = avail_idx;
	}
	if (iop_unlikely((uint16_t)(avail_idx - vq->last_avail) > vq->size)) {
		vq->broken = true; /* the driver claims more entries than the ring holds */
		return -EPIPE;
	}
	head = VQ_LOAD(vq->avail->ring[vq->last_avail & (vq->size - 1)]);
	if (iop_unlikely(head >= vq->size)) {
		vq->broken = true; /* no valid id to return it under */
		vq->nr_bad[IOP_VQ_ERR_RANGE]++;
		vq->last_err = IOP_VQ_ERR_RANGE;
		return -EPIPE;
	}
	vq->last_avail++;
	vq->inflight++;
	e->head = head;
	e->nout = e->nin = 0;
	e->out_len = e->in_len = 0;
	if (vq->event_idx) {
		/* In polling mode keep avail_event just behind us: the driver never kicks. */
		uint16_t *ae = (uint16_t *)&vq->used->ring[vq->size];

		VQ_RELEASE(*ae, (uint16_t)(vq->last_avail - 1));
	}
	return vq_walk(vq, e) ? -EINVAL : 1;
}

void
iop_vq_push(struct iop_vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *u;

	if (vq->packed) {
		iop_vq_packed_push(vq, head, len);
		return;
	}
	u = &vq->used->ring[vq->used_idx & (vq->size - 1)];

	u->id = head;
	u->len = len;
	vq->used_idx++;
	vq->inflight--;
}

bool
iop_vq_flush(struct iop_vq *vq)
{
	uint16_t old = vq->used_pub, new_idx = vq->used_idx;
	bool notify;

	if (vq->packed) {
		return iop_vq_packed_flush(vq);
	}
	if (old == new_idx || vq->broken) {
		return false;
	}
	VQ_RELEASE(vq->used->idx, new_idx);
	vq->used_pub = new_idx;
	VQ_MB(); /* publish used->idx before reading the driver's suppression state */
	if (vq->event_idx) {
		uint16_t ev = VQ_LOAD(vq->avail->ring[vq->size]);

		notify = iop_vring_need_event(ev, new_idx, old);
	} else {
		notify = !(VQ_LOAD(vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	return notify ? iop_vq_signal(vq) : false;
}

bool
iop_vq_signal(struct iop_vq *vq)
{
	uint64_t one = 1;

	if (vq->callfd < 0) {
		return false;
	}
	if (write(vq->callfd, &one, sizeof(one)) < 0) {
		/* counter full or fd gone: the driver will still see the used entries */
	}
	vq->nr_notify++;
	return true;
}

bool
iop_vq_kick_enable(struct iop_vq *vq, bool on)
{
	if (vq->broken) {
		return false;
	}
	if (vq->packed) {
		return iop_vq_packed_kick_enable(vq, on);
	}
	if (vq->event_idx) {
		uint16_t *ae = (uint16_t *)&vq->used->ring[vq->size];

		VQ_RELEASE(*ae, on ? vq->last_avail : (uint16_t)(vq->last_avail - 1));
	} else {
		VQ_RELEASE(vq->used->flags, on ? 0 : VRING_USED_F_NO_NOTIFY);
	}
	if (!on) {
		return false;
	}
	VQ_MB();
	return VQ_ACQUIRE(vq->avail->idx) != vq->last_avail;
}
