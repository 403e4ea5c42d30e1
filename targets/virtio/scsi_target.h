/* SPDX-License-Identifier: BSD-3-Clause */
/* A small SCSI block target: executes CDBs (SPC/SBC subset) on LUNs backed by iop_backend, with
 * fixed-format sense data. Knows nothing about virtio; virtio-scsi framing lives in scsi.c. */
#ifndef IOPATH_VIRTIO_SCSI_TARGET_H
#define IOPATH_VIRTIO_SCSI_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include "iopath/backend.h"
#include "targets/virtio/virtqueue.h"

#define IOP_SCSI_MAX_LUNS 256
#define IOP_SCSI_SENSE_LEN 18

/* SAM status codes. */
#define IOP_SCSI_GOOD 0x00
#define IOP_SCSI_CHECK_CONDITION 0x02

/* Sense keys. */
#define IOP_SK_NO_SENSE 0x0
#define IOP_SK_MEDIUM_ERROR 0x3
#define IOP_SK_ILLEGAL_REQUEST 0x5
#define IOP_SK_DATA_PROTECT 0x7

struct iop_scsi_lun {
	struct iop_backend *be;
	bool read_only;
	uint32_t block_size;
	uint64_t nblocks;
	char serial[24];
	uint64_t naa;        /* NAA locally assigned identifier (VPD 83h) */
};

struct iop_scsi_task;
typedef void (*iop_scsi_done_fn)(struct iop_scsi_task *t);

/** One command. The caller fills cdb, din/dout and done; the target fills the results. */
struct iop_scsi_task {
	uint8_t cdb[32];
	const struct iovec *din;   /* initiator's data-in buffers (device writes) */
	unsigned int ndin;
	size_t din_len;
	const struct iovec *dout;  /* data-out buffers (device reads) */
	unsigned int ndout;
	size_t dout_len;
	iop_scsi_done_fn done;
	void *ctx;
	/* results */
	uint8_t status;            /* IOP_SCSI_GOOD / IOP_SCSI_CHECK_CONDITION */
	uint8_t sense_len;
	uint8_t sense[IOP_SCSI_SENSE_LEN];
	bool overrun;              /* data-in buffer smaller than the transfer */
	uint32_t xfer;             /* bytes moved to din (or consumed from dout) */
	/* private */
	struct iop_io io;
	struct iop_scsi_lun *lun;
	struct iovec data[IOP_VQ_MAX_IOV];
	uint8_t unmap[8 + 16 * 16];
	unsigned int unmap_idx, unmap_n;
};

/** Set a LUN up over be. \return 0 or -EINVAL (backend block size not 512..4096). */
int iop_scsi_lun_init(struct iop_scsi_lun *l, struct iop_backend *be, bool read_only,
		      unsigned int id);

/**
 * Execute t on lun (NULL when the addressed LUN does not exist: only INQUIRY, REPORT LUNS and
 * REQUEST SENSE then succeed). present[] lists which LUN numbers exist (REPORT LUNS).
 * t->done runs exactly once, possibly before return, unless -EAGAIN is returned (backend full:
 * submit again later). \return 0 or -EAGAIN.
 */
int iop_scsi_exec(struct iop_scsi_lun *lun, struct iop_backend_chan *ch, struct iop_scsi_task *t,
		  const bool *present, unsigned int nr_present);

/** Fill fixed-format sense data and CHECK CONDITION status. */
void iop_scsi_set_sense(struct iop_scsi_task *t, uint8_t key, uint8_t asc, uint8_t ascq);

#endif
