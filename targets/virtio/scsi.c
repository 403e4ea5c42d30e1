/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-scsi device model: request/response framing, LUN addressing, control queue (TMF, AN),
 * hotplug events. SCSI command semantics live in scsi_target.c. */
#include <errno.h>
#include <string.h>
#include "iopath/log.h"
#include "targets/virtio/iov.h"
#include "targets/virtio/scsi.h"

uint64_t
iop_vscsi_features(void)
{
	return 1ull << VIRTIO_SCSI_F_HOTPLUG;
}

void
iop_vscsi_config(const struct iop_vscsi *s, struct virtio_scsi_config *c)
{
	memset(c, 0, sizeof(*c));
	c->num_queues = s->num_queues;
	c->seg_max = IOP_VQ_MAX_IOV - 2;
	c->max_sectors = IOP_VQ_MAX_BYTES / 512;
	c->cmd_per_lun = 128;
	c->event_info_size = sizeof(struct virtio_scsi_event);
	c->sense_size = VIRTIO_SCSI_SENSE_SIZE;
	c->cdb_size = VIRTIO_SCSI_CDB_SIZE;
	c->max_channel = 0;
	c->max_target = 0;
	c->max_lun = IOP_SCSI_MAX_LUNS - 1;
}

int
iop_vscsi_lun_decode(const uint8_t lun[8])
{
	if (lun[0] != 1) {
		return -EINVAL;
	}
	if (lun[1] != 0) {
		return -ENODEV;
	}
	switch (lun[2] >> 6) {
	case 0: /* peripheral device addressing */
	case 1: /* flat space addressing */
		return ((lun[2] & 0x3f) << 8) | lun[3];
	default:
		return -EINVAL;
	}
}

void
iop_vscsi_lun_encode(unsigned int n, uint8_t lun[8])
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[2] = (uint8_t)(0x40 | ((n >> 8) & 0x3f));
	lun[3] = (uint8_t)n;
}

static void
vscsi_task_done(struct iop_scsi_task *t)
{
	struct iop_vscsi_req *r = t->ctx;
	struct iop_vq_elem *e = &r->elem;
	struct virtio_scsi_cmd_resp resp;
	size_t din_len = e->in_len - sizeof(resp), dout_len = e->out_len -
		sizeof(struct virtio_scsi_cmd_req);

	memset(&resp, 0, sizeof(resp));
	resp.response = t->overrun ? VIRTIO_SCSI_S_OVERRUN : VIRTIO_SCSI_S_OK;
	resp.status = t->status;
	resp.sense_len = t->sense_len;
	memcpy(resp.sense, t->sense, t->sense_len);
	if (t->dout_len) {
		resp.resid = (uint32_t)(dout_len - (t->status == IOP_SCSI_GOOD ? t->xfer : 0));
	} else {
		resp.resid = (uint32_t)(din_len - (t->status == IOP_SCSI_GOOD ? t->xfer : 0));
	}
	iop_iov_from_buf(&e->iov[e->nout], e->nin, 0, &resp, sizeof(resp));
	r->used_len = (uint32_t)sizeof(resp) + (t->dout_len ? 0 : t->xfer);
	r->done(r);
}

/* Respond without running a command (bad target, malformed request). */
static int
vscsi_respond(struct iop_vscsi_req *r, uint8_t response)
{
	struct iop_vq_elem *e = &r->elem;
	struct virtio_scsi_cmd_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.response = response;
	r->used_len = 0;
	if (e->in_len >= sizeof(resp)) {
		iop_iov_from_buf(&e->iov[e->nout], e->nin, 0, &resp, sizeof(resp));
		r->used_len = sizeof(resp);
	}
	r->done(r);
	return 0;
}

int
iop_vscsi_submit(struct iop_vscsi *s, struct iop_backend_chan *const *chans,
		 struct iop_vscsi_req *r)
{
	struct iop_vq_elem *e = &r->elem;
	struct iop_scsi_task *t = &r->task;
	struct virtio_scsi_cmd_req req;
	struct iop_scsi_lun *l;
	int lun, n;

	if (e->out_len < sizeof(req) || e->in_len < sizeof(struct virtio_scsi_cmd_resp)) {
		IOP_ERR_RATELIMIT("virtio-scsi request too short (out %u in %u)", e->out_len,
				  e->in_len);
		return vscsi_respond(r, VIRTIO_SCSI_S_FAILURE);
	}
	iop_iov_to_buf(e->iov, e->nout, 0, &req, sizeof(req));
	lun = iop_vscsi_lun_decode(req.lun);
	if (lun == -ENODEV || lun == -EINVAL) {
		return vscsi_respond(r, VIRTIO_SCSI_S_BAD_TARGET);
	}
	r->lun = (uint16_t)lun;
	l = (unsigned int)lun < s->nr_luns ? s->luns[lun] : NULL;
	memcpy(t->cdb, req.cdb, sizeof(t->cdb));
	n = iop_iov_slice(e->iov, e->nout, sizeof(req), e->out_len - sizeof(req), r->dout,
			  IOP_VQ_MAX_IOV);
	if (n < 0) {
		return vscsi_respond(r, VIRTIO_SCSI_S_FAILURE);
	}
	t->dout = r->dout;
	t->ndout = (unsigned int)n;
	t->dout_len = e->out_len - sizeof(req);
	n = iop_iov_slice(&e->iov[e->nout], e->nin, sizeof(struct virtio_scsi_cmd_resp),
			  e->in_len - sizeof(struct virtio_scsi_cmd_resp), r->din, IOP_VQ_MAX_IOV);
	if (n < 0) {
		return vscsi_respond(r, VIRTIO_SCSI_S_FAILURE);
	}
	t->din = r->din;
	t->ndin = (unsigned int)n;
	t->din_len = e->in_len - sizeof(struct virtio_scsi_cmd_resp);
	t->done = vscsi_task_done;
	t->ctx = r;
	return iop_scsi_exec(l, l ? chans[lun] : NULL, t, s->present, s->nr_luns);
}

uint32_t
iop_vscsi_ctrl(struct iop_vscsi *s, struct iop_vq_elem *e)
{
	const struct iovec *in = &e->iov[e->nout];
	uint32_t type;

	if (iop_iov_to_buf(e->iov, e->nout, 0, &type, sizeof(type)) != sizeof(type)) {
		return 0;
	}
	if (type == VIRTIO_SCSI_T_TMF) {
		struct virtio_scsi_ctrl_tmf_req req;
		struct virtio_scsi_ctrl_tmf_resp resp = {.response = VIRTIO_SCSI_S_OK};
		int lun;

		if (e->out_len < sizeof(req) || e->in_len < sizeof(resp)) {
			return 0;
		}
		iop_iov_to_buf(e->iov, e->nout, 0, &req, sizeof(req));
		lun = iop_vscsi_lun_decode(req.lun);
		switch (req.subtype) {
		case VIRTIO_SCSI_T_TMF_ABORT_TASK:
		case VIRTIO_SCSI_T_TMF_ABORT_TASK_SET:
		case VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET:
		case VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET:
		case VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET:
		case VIRTIO_SCSI_T_TMF_QUERY_TASK:
		case VIRTIO_SCSI_T_TMF_QUERY_TASK_SET:
			/* Commands are never queued inside the target (each is at the backend or
			 * done): nothing is left to abort, so these complete at once. */
			if (lun < 0) {
				resp.response = VIRTIO_SCSI_S_BAD_TARGET;
			} else if ((unsigned int)lun >= s->nr_luns || !s->luns[lun]) {
				resp.response = VIRTIO_SCSI_S_INCORRECT_LUN;
			}
			break;
		default:
			resp.response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
			break;
		}
		iop_iov_from_buf(in, e->nin, 0, &resp, sizeof(resp));
		return sizeof(resp);
	}
	if (type == VIRTIO_SCSI_T_AN_QUERY || type == VIRTIO_SCSI_T_AN_SUBSCRIBE) {
		struct virtio_scsi_ctrl_an_resp resp = {.event_actual = 0,
							.response = VIRTIO_SCSI_S_OK};

		if (e->in_len < sizeof(resp)) {
			return 0;
		}
		iop_iov_from_buf(in, e->nin, 0, &resp, sizeof(resp));
		return sizeof(resp);
	}
	if (e->in_len >= 1) {
		uint8_t rsp = VIRTIO_SCSI_S_FAILURE;

		iop_iov_from_buf(in, e->nin, 0, &rsp, 1);
		return 1;
	}
	return 0;
}

uint32_t
iop_vscsi_event(struct iop_vq_elem *e, uint32_t event, unsigned int lun, uint32_t reason)
{
	struct virtio_scsi_event ev;

	if (e->in_len < sizeof(ev)) {
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	iop_vscsi_lun_encode(lun, ev.lun);
	ev.reason = reason;
	iop_iov_from_buf(&e->iov[e->nout], e->nin, 0, &ev, sizeof(ev));
	return sizeof(ev);
}
