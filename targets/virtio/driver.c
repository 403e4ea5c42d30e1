/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver side of a split virtqueue (what a guest's virtio driver does): lay out the rings, add
 * chains, publish them, reap used entries. Used by the vhost-user client (iopath run). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/util.h"
#include "targets/virtio/driver.h"
#include "targets/virtio/virtqueue.h"

size_t
iop_vdrv_avail_off(uint16_t size)
{
	return (size_t)size * sizeof(struct vring_desc);
}

size_t
iop_vdrv_used_off(uint16_t size)
{
	return IOP_ALIGN_UP(iop_vdrv_avail_off(size) + 6 + 2 * (size_t)size, (size_t)4096);
}

size_t
iop_vdrv_ring_bytes(uint16_t size)
{
	return IOP_ALIGN_UP(iop_vdrv_used_off(size) + 6 + 8 * (size_t)size, (size_t)4096);
}

int
iop_vdrv_init(struct iop_vdrv *v, void *mem, uint16_t size, bool event_idx)
{
	if (size == 0 || (size & (size - 1)) || size > IOP_VQ_MAX_SIZE) {
		return -EINVAL;
	}
	memset(v, 0, sizeof(*v));
	memset(mem, 0, iop_vdrv_ring_bytes(size));
	v->size = size;
	v->event_idx = event_idx;
	v->desc = mem;
	v->avail = (void *)((char *)mem + iop_vdrv_avail_off(size));
	v->used = (void *)((char *)mem + iop_vdrv_used_off(size));
	v->cookie = calloc(size, sizeof(*v->cookie));
	v->chain_len = calloc(size, sizeof(*v->chain_len));
	if (!v->cookie || !v->chain_len) {
		iop_vdrv_fini(v);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < size; i++) {
		v->desc[i].next = (uint16_t)(i + 1);
	}
	v->nfree = size;
	v->free_head = 0;
	v->area_desc = v->desc;
	v->area_driver = v->avail;
	v->area_device = v->used;
	return 0;
}

#define PK_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define PK_F_USED (1u << VRING_PACKED_DESC_F_USED)

int
iop_vdrv_init_packed(struct iop_vdrv *v, void *mem, uint16_t size)
{
	if (size == 0 || size > IOP_VQ_MAX_SIZE) {
		return -EINVAL;
	}
	memset(v, 0, sizeof(*v));
	memset(mem, 0, (size_t)size * sizeof(struct vring_packed_desc) + 8);
	v->packed = true;
	v->size = size;
	v->pdesc = mem;
	v->drv_evt = (void *)((char *)mem + (size_t)size * sizeof(struct vring_packed_desc));
	v->dev_evt = v->drv_evt + 1;
	v->avail_wrap = v->used_wrap = true;
	v->cookie = calloc(size, sizeof(*v->cookie));
	v->chain_len = calloc(size, sizeof(*v->chain_len));
	v->free_ids = calloc(size, sizeof(*v->free_ids));
	if (!v->cookie || !v->chain_len || !v->free_ids) {
		iop_vdrv_fini(v);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < size; i++) {
		v->free_ids[i] = (uint16_t)(size - 1 - i);
	}
	v->nfree_ids = size;
	v->nfree = size;
	v->area_desc = v->pdesc;
	v->area_driver = v->drv_evt;
	v->area_device = v->dev_evt;
	return 0;
}

static int
vdrv_packed_add(struct iop_vdrv *v, const struct iop_vdrv_sg *sg, unsigned int n, void *cookie)
{
	uint16_t idx = v->avail_idx, id, head_flags = 0;
	bool wrap = v->avail_wrap;

	if (n == 0 || n > v->nfree || !v->nfree_ids) {
		return -EAGAIN;
	}
	id = v->free_ids[--v->nfree_ids];
	for (unsigned int i = 0; i < n; i++) {
		struct vring_packed_desc *d = &v->pdesc[idx];
		uint16_t f = (uint16_t)((wrap ? PK_F_AVAIL : PK_F_USED) |
					(sg[i].write ? VRING_DESC_F_WRITE : 0) |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0));

		d->addr = sg[i].addr;
		d->len = sg[i].len;
		d->id = id;
		if (i == 0) {
			head_flags = f; /* made available last, below */
		} else {
			d->flags = f;
		}
		if (++idx == v->size) {
			idx = 0;
			wrap = !wrap;
		}
	}
	__atomic_store_n(&v->pdesc[v->avail_idx].flags, head_flags, __ATOMIC_RELEASE);
	v->avail_idx = idx;
	v->avail_wrap = wrap;
	v->nfree = (uint16_t)(v->nfree - n);
	v->cookie[id] = cookie;
	v->chain_len[id] = (uint16_t)n;
	return 0;
}

static void *
vdrv_packed_get(struct iop_vdrv *v, uint32_t *len)
{
	struct vring_packed_desc *d = &v->pdesc[v->last_used];
	uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE), id, n;
	void *c;

	if (!!(f & PK_F_AVAIL) != v->used_wrap || !!(f & PK_F_USED) != v->used_wrap) {
		return NULL;
	}
	id = d->id;
	if (id >= v->size || !v->chain_len[id]) {
		return NULL; /* the device answered with an id we never gave it */
	}
	n = v->chain_len[id];
	if (len) {
		*len = d->len;
	}
	v->last_used = (uint16_t)(v->last_used + n);
	if (v->last_used >= v->size) {
		v->last_used = (uint16_t)(v->last_used - v->size);
		v->used_wrap = !v->used_wrap;
	}
	v->chain_len[id] = 0;
	c = v->cookie[id];
	v->cookie[id] = NULL;
	v->free_ids[v->nfree_ids++] = id;
	v->nfree = (uint16_t)(v->nfree + n);
	return c;
}

void
iop_vdrv_fini(struct iop_vdrv *v)
{
	free(v->cookie);
	free(v->chain_len);
	free(v->free_ids);
	v->cookie = NULL;
	v->chain_len = NULL;
	v->free_ids = NULL;
}

int
iop_vdrv_add(struct iop_vdrv *v, const struct iop_vdrv_sg *sg, unsigned int n, void *cookie)
{
	uint16_t head = v->free_head, idx = head, last = head;

	if (v->packed) {
		return vdrv_packed_add(v, sg, n, cookie);
	}
	if (n == 0 || n > v->nfree) {
		return -EAGAIN;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct vring_desc *d = &v->desc[idx];

		d->addr = sg[i].addr;
		d->len = sg[i].len;
		d->flags = (uint16_t)((sg[i].write ? VRING_DESC_F_WRITE : 0) |
				      (i + 1 < n ? VRING_DESC_F_NEXT : 0));
		last = idx;
		idx = d->next;
	}
	v->free_head = v->desc[last].next;
	v->nfree = (uint16_t)(v->nfree - n);
	v->cookie[head] = cookie;
	v->chain_len[head] = (uint16_t)n;
	v->avail->ring[v->avail_idx & (v->size - 1)] = head;
	v->avail_idx++;
	return 0;
}

bool
iop_vdrv_publish(struct iop_vdrv *v)
{
	uint16_t old = v->kicked_idx, new_idx = v->avail_idx;

	if (v->packed) {
		/* descriptors are live once their head flags are written (iop_vdrv_add) */
		if (old == new_idx) {
			return false;
		}
		v->kicked_idx = new_idx;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return __atomic_load_n(&v->dev_evt->flags, __ATOMIC_RELAXED) !=
		       VRING_PACKED_EVENT_FLAG_DISABLE;
	}
	if (old == new_idx) {
		return false;
	}
	__atomic_store_n(&v->avail->idx, new_idx, __ATOMIC_RELEASE);
	v->kicked_idx = new_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (v->event_idx) {
		uint16_t ev = __atomic_load_n((uint16_t *)&v->used->ring[v->size], __ATOMIC_RELAXED);

		return iop_vring_need_event(ev, new_idx, old);
	}
	return !(__atomic_load_n(&v->used->flags, __ATOMIC_RELAXED) & VRING_USED_F_NO_NOTIFY);
}

void *
iop_vdrv_get(struct iop_vdrv *v, uint32_t *len)
{
	struct vring_used_elem u;
	uint16_t head, n, idx;
	void *c;

	if (v->packed) {
		return vdrv_packed_get(v, len);
	}
	if (__atomic_load_n(&v->used->idx, __ATOMIC_ACQUIRE) == v->last_used) {
		return NULL;
	}
	u = v->used->ring[v->last_used & (v->size - 1)];
	v->last_used++;
	if (u.id >= v->size || !v->chain_len[u.id]) {
		return NULL; /* device returned a head we never gave it */
	}
	head = (uint16_t)u.id;
	n = v->chain_len[head];
	idx = head;
	for (uint16_t i = 1; i < n; i++) {
		idx = v->desc[idx].next;
	}
	v->desc[idx].next = v->free_head;
	v->free_head = head;
	v->nfree = (uint16_t)(v->nfree + n);
	v->chain_len[head] = 0;
	c = v->cookie[head];
	v->cookie[head] = NULL;
	if (len) {
		*len = u.len;
	}
	if (v->event_idx) {
		/* Keep used_event just behind: no interrupts unless iop_vdrv_irq_enable(on). */
		__atomic_store_n((uint16_t *)&v->avail->ring[v->size], (uint16_t)(v->last_used - 1),
				 __ATOMIC_RELAXED);
	}
	return c;
}

bool
iop_vdrv_irq_enable(struct iop_vdrv *v, bool on)
{
	if (v->packed) {
		struct vring_packed_desc *d = &v->pdesc[v->last_used];
		uint16_t f;

		__atomic_store_n(&v->drv_evt->flags,
				 on ? VRING_PACKED_EVENT_FLAG_ENABLE : VRING_PACKED_EVENT_FLAG_DISABLE,
				 __ATOMIC_RELEASE);
		if (!on) {
			return false;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
		return !!(f & PK_F_AVAIL) == v->used_wrap && !!(f & PK_F_USED) == v->used_wrap;
	}
	if (v->event_idx) {
		__atomic_store_n((uint16_t *)&v->avail->ring[v->size],
				 on ? v->last_used : (uint16_t)(v->last_used - 1), __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&v->avail->flags, on ? 0 : VRING_AVAIL_F_NO_INTERRUPT,
				 __ATOMIC_RELEASE);
	}
	if (!on) {
		return false;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&v->used->idx, __ATOMIC_ACQUIRE) != v->last_used;
}
