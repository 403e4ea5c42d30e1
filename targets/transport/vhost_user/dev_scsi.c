/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user-scsi device class: control, event and request queues of virtio-scsi; one LUN per
 * backend; hotplug events on the event queue. SCSI semantics live in targets/virtio/scsi*.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/log.h"
#include "targets/transport/vhost_user/server.h"

struct vhu_scsi_req {
	struct vhu_req_hdr h;
	struct iop_vscsi_req r;
};

static int
vhu_scsi_init(struct vhu_tgt *t)
{
	if (t->queues + 2 > VHU_MAX_VRINGS) {
		IOP_ERR("vhost-user-scsi: at most %d request queues", VHU_MAX_VRINGS - 2);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->nr_slots; i++) {
		int rc;

		t->luns[i] = calloc(1, sizeof(*t->luns[i]));
		if (!t->luns[i]) {
			return -ENOMEM;
		}
		rc = iop_scsi_lun_init(t->luns[i], t->slots[i], t->read_only, i);
		if (rc) {
			IOP_ERR("vhost-user-scsi: LUN %u: block size %u unsupported", i,
				t->slots[i]->info.block_size);
			return rc;
		}
		t->scsi.luns[i] = t->luns[i];
		t->scsi.present[i] = true;
	}
	t->scsi.nr_luns = t->nr_slots;
	t->scsi.num_queues = t->queues;
	return 0;
}

static void
vhu_scsi_fini(struct vhu_tgt *t)
{
	for (unsigned int i = 0; i < VHU_MAX_SLOTS; i++) {
		free(t->luns[i]);
		t->luns[i] = NULL;
	}
}

static uint64_t
vhu_scsi_features(struct vhu_tgt *t)
{
	return iop_vscsi_features();
}

static size_t
vhu_scsi_config(struct vhu_tgt *t, void *buf, size_t len)
{
	struct virtio_scsi_config c;

	iop_vscsi_config(&t->scsi, &c);
	memcpy(buf, &c, IOP_MIN(len, sizeof(c)));
	return sizeof(c);
}

static unsigned int
vhu_scsi_max_vrings(struct vhu_tgt *t)
{
	return t->queues + 2;
}

static void
vhu_scsi_done(struct iop_vscsi_req *r)
{
	struct vhu_scsi_req *q = r->ctx;

	q->h.vr->dth->inflight--;
	vhu_req_complete(q->h.vr, q, q->h.head, r->used_len);
}

static int
vhu_scsi_submit(struct vhu_vring *vr, struct vhu_scsi_req *q)
{
	int rc;

	vr->dth->inflight++;
	rc = iop_vscsi_submit(&vr->dth->scsi, vr->dth->chans, &q->r);
	if (rc == -EAGAIN) {
		vr->dth->inflight--;
	}
	return rc;
}

/* Pop one element into a pooled request. \return 1 got one, 0 none, < 0 handled error. */
static int
vhu_scsi_pop(struct vhu_conn *c, struct vhu_vring *vr, struct vhu_scsi_req **out)
{
	struct vhu_scsi_req *q = vhu_req_get(vr);
	int rc;

	if (!q) {
		return 0;
	}
	rc = iop_vq_pop(&vr->vq, &q->r.elem);
	if (rc == 1) {
		q->h.vr = vr;
		q->h.head = q->r.elem.head;
		q->r.ctx = q;
		vr->inflight++;
		*out = q;
		return 1;
	}
	if (rc == -EINVAL) {
		IOP_ERR_RATELIMIT("conn %u vring %u: bad descriptor chain (%d), request failed",
				  c->id, vr->idx, vr->vq.last_err);
		iop_vq_push(&vr->vq, q->r.elem.head, 0);
	} else if (rc == -EPIPE) {
		vhu_vring_broken(c, vr);
	}
	vhu_req_put(vr, q);
	return rc == -EINVAL ? -EINVAL : 0;
}

void
vhu_scsi_deliver_events(struct vhu_conn *c)
{
	struct vhu_vring *vr = &c->vr[IOP_VSCSI_EVENTQ];

	if (!vr->started || !vr->enabled ||
	    !(c->features & (1ull << VIRTIO_SCSI_F_HOTPLUG))) {
		return;
	}
	while (c->nr_ev_pending) {
		struct vhu_scsi_req *q = NULL;
		uint32_t ev = c->ev_pending[0][0], len;
		int rc = vhu_scsi_pop(c, vr, &q);

		if (rc < 0) {
			continue;
		}
		if (rc == 0) {
			break; /* no buffer from the driver yet: keep it for later */
		}
		if (c->ev_missed) {
			ev |= VIRTIO_SCSI_T_EVENTS_MISSED;
			c->ev_missed = false;
		}
		len = iop_vscsi_event(&q->r.elem, ev, c->ev_pending[0][1] & 0xffff,
				      c->ev_pending[0][1] >> 16);
		vhu_req_complete(vr, q, q->h.head, len);
		memmove(c->ev_pending[0], c->ev_pending[1],
			sizeof(c->ev_pending[0]) * (c->nr_ev_pending - 1));
		c->nr_ev_pending--;
		IOP_INFO(vhost, "conn %u: event %u delivered", c->id, ev);
	}
	iop_vq_flush(&vr->vq);
}

static int
vhu_scsi_process(struct vhu_conn *c, struct vhu_vring *vr)
{
	int n = 0;

	if (vr->idx == IOP_VSCSI_EVENTQ) {
		if (c->nr_ev_pending) {
			vhu_scsi_deliver_events(c);
		}
		return 0; /* buffers wait there until an event needs one */
	}
	if (vr->stalled) {
		if (vhu_scsi_submit(vr, vr->stalled) == -EAGAIN) {
			return 0;
		}
		vr->stalled = NULL;
		n++;
	}
	while (n < VHU_BATCH && iop_vq_has_avail(&vr->vq)) {
		struct vhu_scsi_req *q = NULL;
		int rc = vhu_scsi_pop(c, vr, &q);

		if (rc < 0) {
			n++;
			continue;
		}
		if (rc == 0) {
			break;
		}
		n++;
		if (vr->idx == IOP_VSCSI_CTRLQ) {
			vhu_req_complete(vr, q, q->h.head, iop_vscsi_ctrl(&vr->dth->scsi, &q->r.elem));
			continue;
		}
		q->r.done = vhu_scsi_done;
		if (vhu_scsi_submit(vr, q) == -EAGAIN) {
			vr->stalled = q;
			break;
		}
	}
	return n;
}

const struct vhu_class vhu_scsi_class = {
	.scheme = "vhost-user-scsi",
	.init = vhu_scsi_init,
	.fini = vhu_scsi_fini,
	.features = vhu_scsi_features,
	.config = vhu_scsi_config,
	.max_vrings = vhu_scsi_max_vrings,
	.req_size = sizeof(struct vhu_scsi_req),
	.process = vhu_scsi_process,
};
