/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-blk device model: request parsing (IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES) onto an
 * iop_backend, status byte, config space and feature bits. Transport-independent. */
#ifndef IOPATH_VIRTIO_BLK_H
#define IOPATH_VIRTIO_BLK_H

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stdint.h>
#include "iopath/backend.h"
#include "targets/virtio/virtqueue.h"

struct iop_vblk {
	struct iop_backend *be;
	bool read_only;
	uint16_t num_queues;
	char serial[VIRTIO_BLK_ID_BYTES];
};

struct iop_vblk_req;
typedef void (*iop_vblk_done_fn)(struct iop_vblk_req *r);

/** One in-flight request; the transport owns the memory and fills elem before submitting. */
struct iop_vblk_req {
	struct iop_io io;
	struct iop_vq_elem elem;
	struct iop_vblk *dev;
	iop_vblk_done_fn done;  /* set by the transport; called once per submitted request */
	void *ctx;              /* transport cookie */
	uint32_t used_len;      /* out: bytes written to device-writable buffers */
	uint8_t status;         /* out: VIRTIO_BLK_S_* */
	uint32_t type;
	struct virtio_blk_discard_write_zeroes seg;
	struct iovec data[IOP_VQ_MAX_IOV];
};

/** Initialise from a backend; serial is derived from the backend spec. */
void iop_vblk_init(struct iop_vblk *b, struct iop_backend *be, bool read_only, uint16_t num_queues);
/** Device feature bits (virtio-blk specific and ring bits, without transport bits). */
uint64_t iop_vblk_features(const struct iop_vblk *b);
/** Fill the config space. */
void iop_vblk_config(const struct iop_vblk *b, struct virtio_blk_config *c);

/**
 * Execute r (r->elem filled by iop_vq_pop) on channel ch. r->done runs exactly once, possibly
 * before this returns; on return of -EAGAIN it has not run and r must be submitted again later
 * (backend queue full).
 * \return 0 or -EAGAIN.
 */
int iop_vblk_submit(struct iop_vblk *b, struct iop_backend_chan *ch, struct iop_vblk_req *r);

#endif
