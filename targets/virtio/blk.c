/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-blk device model: request parsing (IN, OUT, FLUSH, GET_ID, DISCARD, WRITE_ZEROES) onto an
 * iop_backend, status byte, config space and feature bits. Transport-independent. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "iopath/log.h"
#include "targets/virtio/blk.h"
#include "targets/virtio/iov.h"

#define VBLK_SECTOR 512u

void
iop_vblk_init(struct iop_vblk *b, struct iop_backend *be, bool read_only, uint16_t num_queues)
{
	uint32_t h = 2166136261u;
	const char *s = be->spec ? be->spec : "";

	memset(b, 0, sizeof(*b));
	b->be = be;
	b->read_only = read_only;
	b->num_queues = num_queues ? num_queues : 1;
	for (; *s; s++) { /* FNV-1a of the spec: stable across restarts of the same command */
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	snprintf(b->serial, sizeof(b->serial), "iopath-%08x", h);
}

uint64_t
iop_vblk_features(const struct iop_vblk *b)
{
	uint64_t f = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
		     (1ull << VIRTIO_BLK_F_TOPOLOGY) | (1ull << VIRTIO_BLK_F_MQ) |
		     (1ull << VIRTIO_BLK_F_FLUSH);

	if (b->read_only) {
		f |= 1ull << VIRTIO_BLK_F_RO;
	} else {
		if (b->be->info.discard) {
			f |= 1ull << VIRTIO_BLK_F_DISCARD;
		}
		if (b->be->info.write_zeroes) {
			f |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
		}
	}
	return f;
}

void
iop_vblk_config(const struct iop_vblk *b, struct virtio_blk_config *c)
{
	uint32_t bs = b->be->info.block_size ? b->be->info.block_size : VBLK_SECTOR;
	uint32_t max_sectors = 1u << 16; /* 32 MiB per discard / write-zeroes request */

	memset(c, 0, sizeof(*c));
	c->capacity = b->be->info.size / VBLK_SECTOR;
	c->seg_max = IOP_VQ_MAX_IOV - 2;
	c->blk_size = bs;
	c->physical_block_exp = 0;
	c->min_io_size = 1;
	c->opt_io_size = 0;
	c->wce = b->be->info.volatile_cache;
	c->num_queues = b->num_queues;
	c->max_discard_sectors = max_sectors;
	c->max_discard_seg = 1;
	c->discard_sector_alignment = bs / VBLK_SECTOR;
	c->max_write_zeroes_sectors = max_sectors;
	c->max_write_zeroes_seg = 1;
	c->write_zeroes_may_unmap = b->be->info.discard;
}

static void
vblk_finish(struct iop_vblk_req *r, uint8_t status, uint32_t data_in)
{
	struct iop_vq_elem *e = &r->elem;

	r->status = status;
	r->used_len = 0;
	if (e->nin && e->in_len) {
		struct iovec *last = &e->iov[e->nout + e->nin - 1];

		if (last->iov_len) {
			((uint8_t *)last->iov_base)[last->iov_len - 1] = status;
		} else {
			iop_iov_from_buf(&e->iov[e->nout], e->nin, e->in_len - 1, &status, 1);
		}
		r->used_len = data_in + 1;
	}
	r->done(r);
}

static void
vblk_io_done(struct iop_io *io)
{
	struct iop_vblk_req *r = io->cb_arg;

	if (io->status) {
		IOP_ERR_RATELIMIT("virtio-blk %s at %llu len %llu failed: %s", iop_op_name(io->op),
				  (unsigned long long)io->offset, (unsigned long long)io->len,
				  strerror(-io->status));
		vblk_finish(r, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	vblk_finish(r, VIRTIO_BLK_S_OK, io->op == IOP_OP_READ ? (uint32_t)io->len : 0);
}

/* Check a byte range against the device; \return true if usable. */
static bool
vblk_range_ok(const struct iop_vblk *b, uint64_t sector, uint64_t len)
{
	uint64_t bs = b->be->info.block_size ? b->be->info.block_size : VBLK_SECTOR;
	uint64_t off;

	if (sector > UINT64_MAX / VBLK_SECTOR) {
		return false;
	}
	off = sector * VBLK_SECTOR;
	return off % bs == 0 && len % bs == 0 && off <= b->be->info.size &&
	       len <= b->be->info.size - off;
}

static int
vblk_backend(struct iop_backend_chan *ch, struct iop_vblk_req *r)
{
	enum iop_submit_status st = ch->be->ops->submit(ch, &r->io);

	return st == IOP_SUBMIT_BUSY ? -EAGAIN : 0;
}

int
iop_vblk_submit(struct iop_vblk *b, struct iop_backend_chan *ch, struct iop_vblk_req *r)
{
	struct iop_vq_elem *e = &r->elem;
	struct virtio_blk_outhdr hdr;
	struct iop_io *io = &r->io;
	uint64_t len;
	int n;

	r->dev = b;
	if (e->nin == 0 || e->in_len == 0) {
		/* No room for the status byte: nothing can be reported; return the chain empty. */
		IOP_ERR_RATELIMIT("virtio-blk request without a status byte");
		r->status = VIRTIO_BLK_S_IOERR;
		r->used_len = 0;
		r->done(r);
		return 0;
	}
	if (iop_iov_to_buf(e->iov, e->nout, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		vblk_finish(r, VIRTIO_BLK_S_IOERR, 0);
		return 0;
	}
	r->type = hdr.type;
	memset(io, 0, sizeof(*io));
	io->cb = vblk_io_done;
	io->cb_arg = r;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		len = e->in_len - 1;
		n = iop_iov_slice(&e->iov[e->nout], e->nin, 0, len, r->data, IOP_VQ_MAX_IOV);
		if (n < 0 || !vblk_range_ok(b, hdr.sector, len)) {
			vblk_finish(r, VIRTIO_BLK_S_IOERR, 0);
			return 0;
		}
		if (len == 0) {
			vblk_finish(r, VIRTIO_BLK_S_OK, 0);
			return 0;
		}
		io->op = IOP_OP_READ;
		break;
	case VIRTIO_BLK_T_OUT:
		len = e->out_len - sizeof(hdr);
		n = iop_iov_slice(e->iov, e->nout, sizeof(hdr), len, r->data, IOP_VQ_MAX_IOV);
		if (b->read_only || n < 0 || !vblk_range_ok(b, hdr.sector, len)) {
			vblk_finish(r, VIRTIO_BLK_S_IOERR, 0);
			return 0;
		}
		if (len == 0) {
			vblk_finish(r, VIRTIO_BLK_S_OK, 0);
			return 0;
		}
		io->op = IOP_OP_WRITE;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (!b->be->info.volatile_cache) {
			vblk_finish(r, VIRTIO_BLK_S_OK, 0);
			return 0;
		}
		io->op = IOP_OP_FLUSH;
		len = 0;
		n = 0;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint32_t l = e->in_len - 1 < VIRTIO_BLK_ID_BYTES ? e->in_len - 1 : VIRTIO_BLK_ID_BYTES;

		iop_iov_from_buf(&e->iov[e->nout], e->nin, 0, b->serial, l);
		vblk_finish(r, VIRTIO_BLK_S_OK, l);
		return 0;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES: {
		bool dis = hdr.type == VIRTIO_BLK_T_DISCARD;
		uint64_t f = iop_vblk_features(b);

		if (!(f & (1ull << (dis ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES)))) {
			vblk_finish(r, b->read_only ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_UNSUPP, 0);
			return 0;
		}
		/* Exactly one segment: max_discard_seg / max_write_zeroes_seg are 1. */
		if (e->out_len - sizeof(hdr) != sizeof(r->seg) ||
		    iop_iov_to_buf(e->iov, e->nout, sizeof(hdr), &r->seg, sizeof(r->seg)) !=
			    sizeof(r->seg) ||
		    (dis && r->seg.flags) || (r->seg.flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
		    r->seg.num_sectors > (1u << 16)) {
			vblk_finish(r, VIRTIO_BLK_S_UNSUPP, 0);
			return 0;
		}
		len = (uint64_t)r->seg.num_sectors * VBLK_SECTOR;
		if (!vblk_range_ok(b, r->seg.sector, len)) {
			vblk_finish(r, VIRTIO_BLK_S_IOERR, 0);
			return 0;
		}
		hdr.sector = r->seg.sector;
		io->op = dis ? IOP_OP_DISCARD : IOP_OP_WRITE_ZEROES;
		n = 0;
		break;
	}
	default:
		vblk_finish(r, VIRTIO_BLK_S_UNSUPP, 0);
		return 0;
	}
	io->offset = hdr.sector * VBLK_SECTOR;
	io->len = len;
	io->iov = n ? r->data : NULL;
	io->iovcnt = n;
	return vblk_backend(ch, r);
}
