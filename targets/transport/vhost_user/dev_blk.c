/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user-blk device class: virtio-blk requests from the rings onto the backend channel of the
 * connection's thread. Command semantics live in targets/virtio/blk.c. */
#include <errno.h>
#include <string.h>
#include "iopath/log.h"
#include "targets/transport/vhost_user/server.h"

struct vhu_blk_req {
	struct vhu_req_hdr h;
	struct iop_vblk_req r;
};

static int
vhu_blk_init(struct vhu_tgt *t)
{
	if (t->nr_slots != 1) {
		IOP_ERR("vhost-user-blk takes exactly one --backend (got %u)", t->nr_slots);
		return -EINVAL;
	}
	if (t->slots[0]->info.block_size & 511 || !t->slots[0]->info.block_size) {
		IOP_ERR("vhost-user-blk: backend block size %u is not a multiple of 512",
			t->slots[0]->info.block_size);
		return -EINVAL;
	}
	iop_vblk_init(&t->blk, t->slots[0], t->read_only, (uint16_t)t->queues);
	return 0;
}

static void
vhu_blk_fini(struct vhu_tgt *t)
{
}

static uint64_t
vhu_blk_features(struct vhu_tgt *t)
{
	return iop_vblk_features(&t->blk);
}

static size_t
vhu_blk_config(struct vhu_tgt *t, void *buf, size_t len)
{
	struct virtio_blk_config c;

	iop_vblk_config(&t->blk, &c);
	memcpy(buf, &c, IOP_MIN(len, sizeof(c)));
	return sizeof(c);
}

static unsigned int
vhu_blk_max_vrings(struct vhu_tgt *t)
{
	return t->queues;
}

static void
vhu_blk_done(struct iop_vblk_req *r)
{
	struct vhu_blk_req *q = r->ctx;

	vhu_req_complete(q->h.vr, q, q->h.head, r->used_len);
}

static void
vhu_blk_io_count_done(struct iop_vblk_req *r)
{
	struct vhu_blk_req *q = r->ctx;

	q->h.vr->dth->inflight--;
	vhu_blk_done(r);
}

static int
vhu_blk_submit(struct vhu_vring *vr, struct vhu_blk_req *q)
{
	struct iop_backend_chan *ch = vhu_thread_chan(vr->dth, 0);
	int rc;

	if (!ch) {
		q->r.status = VIRTIO_BLK_S_IOERR;
		q->r.used_len = 0;
		vhu_blk_done(&q->r);
		return 0;
	}
	/* Count it as a backend I/O until done runs; inline completions undo that at once. */
	vr->dth->inflight++;
	q->r.done = vhu_blk_io_count_done;
	rc = iop_vblk_submit(&vr->conn->tgt->blk, ch, &q->r);
	if (rc == -EAGAIN) {
		vr->dth->inflight--;
	}
	return rc;
}

static int
vhu_blk_process(struct vhu_conn *c, struct vhu_vring *vr)
{
	int n = 0;

	if (vr->stalled) {
		if (vhu_blk_submit(vr, vr->stalled) == -EAGAIN) {
			return 0;
		}
		vr->stalled = NULL;
		n++;
	}
	while (n < VHU_BATCH && iop_vq_has_avail(&vr->vq)) {
		struct vhu_blk_req *q = vhu_req_get(vr);
		int rc;

		if (!q) {
			break;
		}
		rc = iop_vq_pop(&vr->vq, &q->r.elem);
		if (rc <= 0) {
			if (rc == -EINVAL) {
				IOP_ERR_RATELIMIT("conn %u vring %u: bad descriptor chain (%d), "
						  "request failed", c->id, vr->idx,
						  vr->vq.last_err);
				iop_vq_push(&vr->vq, q->r.elem.head, 0);
				vhu_req_put(vr, q);
				n++;
				continue;
			}
			vhu_req_put(vr, q);
			if (rc == -EPIPE) {
				vhu_vring_broken(c, vr);
			}
			break;
		}
		q->h.vr = vr;
		q->h.head = q->r.elem.head;
		q->r.ctx = q;
		vr->inflight++;
		n++;
		if (vhu_blk_submit(vr, q) == -EAGAIN) {
			vr->stalled = q;
			break;
		}
	}
	return n;
}

const struct vhu_class vhu_blk_class = {
	.scheme = "vhost-user-blk",
	.init = vhu_blk_init,
	.fini = vhu_blk_fini,
	.features = vhu_blk_features,
	.config = vhu_blk_config,
	.max_vrings = vhu_blk_max_vrings,
	.req_size = sizeof(struct vhu_blk_req),
	.config_space = true,
	.process = vhu_blk_process,
};
