/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the split (virtqueue.c) and packed (virtqueue_packed.c) ring code. */
#ifndef IOPATH_VIRTIO_VIRTQUEUE_INTERNAL_H
#define IOPATH_VIRTIO_VIRTQUEUE_INTERNAL_H

#include "targets/virtio/virtqueue.h"

#define VQ_LOAD(p)       __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define VQ_ACQUIRE(p)    __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define VQ_RELEASE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define VQ_MB()          __atomic_thread_fence(__ATOMIC_SEQ_CST)

/** Count a refused chain. \return -EINVAL. */
int iop_vq_bad(struct iop_vq *vq, enum iop_vq_err why);
/** Append one descriptor's buffer (split layout) to e, enforcing the limits. \return 0 or -EINVAL. */
int iop_vq_add_buf(struct iop_vq *vq, struct iop_vq_elem *e, const struct vring_desc *d,
		   uint64_t *total);

int iop_vq_packed_pop(struct iop_vq *vq, struct iop_vq_elem *e);
void iop_vq_packed_push(struct iop_vq *vq, uint16_t id, uint32_t len);
bool iop_vq_packed_flush(struct iop_vq *vq);
bool iop_vq_packed_kick_enable(struct iop_vq *vq, bool on);
bool iop_vq_packed_has_avail(const struct iop_vq *vq);

#endif
