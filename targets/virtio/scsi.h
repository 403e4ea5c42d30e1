/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-scsi device model: request/response framing, LUN addressing, control queue (TMF, AN),
 * hotplug events. SCSI command semantics live in scsi_target.c. */
#ifndef IOPATH_VIRTIO_SCSI_H
#define IOPATH_VIRTIO_SCSI_H

#include <linux/virtio_scsi.h>
#include <stdbool.h>
#include <stdint.h>
#include "targets/virtio/scsi_target.h"
#include "targets/virtio/virtqueue.h"

/** Virtqueue numbering of virtio-scsi. */
#define IOP_VSCSI_CTRLQ 0
#define IOP_VSCSI_EVENTQ 1
#define IOP_VSCSI_REQQ0 2

struct iop_vscsi {
	struct iop_scsi_lun *luns[IOP_SCSI_MAX_LUNS]; /* NULL: no LUN at that number */
	bool present[IOP_SCSI_MAX_LUNS];
	unsigned int nr_luns;    /* highest LUN number + 1 */
	uint32_t num_queues;     /* request queues */
};

struct iop_vscsi_req;
typedef void (*iop_vscsi_done_fn)(struct iop_vscsi_req *r);

struct iop_vscsi_req {
	struct iop_vq_elem elem;
	struct iop_scsi_task task;
	iop_vscsi_done_fn done;
	void *ctx;
	uint32_t used_len;      /* out */
	uint16_t lun;
	struct iovec dout[IOP_VQ_MAX_IOV];
	struct iovec din[IOP_VQ_MAX_IOV];
};

/** Feature bits of the device (hotplug events). */
uint64_t iop_vscsi_features(void);
void iop_vscsi_config(const struct iop_vscsi *s, struct virtio_scsi_config *c);

/** Decode a virtio-scsi LUN field. \return LUN number, or -ENODEV for another target id,
 * -EINVAL for an address format we do not use. */
int iop_vscsi_lun_decode(const uint8_t lun[8]);
/** Encode LUN number n for target 0. */
void iop_vscsi_lun_encode(unsigned int n, uint8_t lun[8]);

/**
 * Execute a request-queue element. chans[n] is the backend channel of LUN n on this thread.
 * r->done runs exactly once (possibly inline) unless -EAGAIN (backend full: resubmit later).
 * \return 0 or -EAGAIN.
 */
int iop_vscsi_submit(struct iop_vscsi *s, struct iop_backend_chan *const *chans,
		     struct iop_vscsi_req *r);

/** Handle a control-queue element synchronously. \return bytes written (used length). */
uint32_t iop_vscsi_ctrl(struct iop_vscsi *s, struct iop_vq_elem *e);

/** Write an event into an event-queue element. \return used length (0 if it does not fit). */
uint32_t iop_vscsi_event(struct iop_vq_elem *e, uint32_t event, unsigned int lun, uint32_t reason);

#endif
