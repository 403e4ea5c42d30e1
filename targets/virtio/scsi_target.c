/* SPDX-License-Identifier: BSD-3-Clause */
/* A small SCSI block target: executes CDBs (SPC/SBC subset) on LUNs backed by iop_backend, with
 * fixed-format sense data. Knows nothing about virtio; virtio-scsi framing lives in scsi.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "iopath/log.h"
#include "targets/virtio/iov.h"
#include "targets/virtio/scsi_target.h"

/* Opcodes handled. */
enum {
	SCSI_TEST_UNIT_READY = 0x00,
	SCSI_REQUEST_SENSE = 0x03,
	SCSI_READ_6 = 0x08,
	SCSI_WRITE_6 = 0x0a,
	SCSI_INQUIRY = 0x12,
	SCSI_MODE_SENSE_6 = 0x1a,
	SCSI_START_STOP = 0x1b,
	SCSI_PREVENT_ALLOW = 0x1e,
	SCSI_READ_CAPACITY_10 = 0x25,
	SCSI_READ_10 = 0x28,
	SCSI_WRITE_10 = 0x2a,
	SCSI_VERIFY_10 = 0x2f,
	SCSI_SYNC_CACHE_10 = 0x35,
	SCSI_UNMAP = 0x42,
	SCSI_MODE_SENSE_10 = 0x5a,
	SCSI_READ_16 = 0x88,
	SCSI_WRITE_16 = 0x8a,
	SCSI_SYNC_CACHE_16 = 0x91,
	SCSI_SERVICE_ACTION_IN_16 = 0x9e,
	SCSI_REPORT_LUNS = 0xa0,
};
#define SAI_READ_CAPACITY_16 0x10

/* Additional sense codes (ASC << 8 | ASCQ). */
#define ASC_INVALID_OPCODE 0x2000
#define ASC_LBA_OUT_OF_RANGE 0x2100
#define ASC_INVALID_FIELD_CDB 0x2400
#define ASC_LUN_NOT_SUPPORTED 0x2500
#define ASC_INVALID_FIELD_PARAM 0x2600
#define ASC_WRITE_PROTECTED 0x2700
#define ASC_UNRECOVERED_READ 0x1100
#define ASC_WRITE_ERROR 0x0c00
#define ASC_PARAM_LIST_LENGTH 0x1a00

#define SCSI_MAX_UNMAP_DESC 16
#define SCSI_MAX_UNMAP_BLOCKS (1u << 22)

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

int
iop_scsi_lun_init(struct iop_scsi_lun *l, struct iop_backend *be, bool read_only, unsigned int id)
{
	uint32_t bs = be->info.block_size ? be->info.block_size : 512;
	uint64_t h = 1469598103934665603ull;
	const char *s = be->spec ? be->spec : "";

	if (bs < 512 || bs > 4096 || (bs & (bs - 1))) {
		return -EINVAL;
	}
	memset(l, 0, sizeof(*l));
	l->be = be;
	l->read_only = read_only;
	l->block_size = bs;
	l->nblocks = be->info.size / bs;
	for (; *s; s++) {
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	}
	h ^= id;
	snprintf(l->serial, sizeof(l->serial), "IOP%016llx", (unsigned long long)h);
	l->naa = (3ull << 60) | (h & ((1ull << 60) - 1)); /* NAA 3: locally assigned */
	return 0;
}

void
iop_scsi_set_sense(struct iop_scsi_task *t, uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(t->sense, 0, sizeof(t->sense));
	t->sense[0] = 0x70; /* current error, fixed format */
	t->sense[2] = key & 0xf;
	t->sense[7] = IOP_SCSI_SENSE_LEN - 8;
	t->sense[12] = asc;
	t->sense[13] = ascq;
	t->sense_len = IOP_SCSI_SENSE_LEN;
	t->status = IOP_SCSI_CHECK_CONDITION;
}

static int
scsi_fail(struct iop_scsi_task *t, uint8_t key, uint16_t asc)
{
	iop_scsi_set_sense(t, key, (uint8_t)(asc >> 8), (uint8_t)asc);
	t->done(t);
	return 0;
}

static int
scsi_good(struct iop_scsi_task *t)
{
	t->status = IOP_SCSI_GOOD;
	t->done(t);
	return 0;
}

/* Return parameter data built in buf (len bytes), cut to the allocation length. */
static int
scsi_data_in(struct iop_scsi_task *t, const void *buf, size_t len, size_t alloc)
{
	size_t n = len < alloc ? len : alloc;

	if (n > t->din_len) {
		n = t->din_len; /* short buffer: the residual tells the initiator */
	}
	t->xfer = (uint32_t)iop_iov_from_buf(t->din, t->ndin, 0, buf, n);
	return scsi_good(t);
}

static int
scsi_inquiry(struct iop_scsi_task *t, struct iop_scsi_lun *l)
{
	uint8_t b[96];
	size_t alloc = be16(&t->cdb[3]), len;
	uint8_t page = t->cdb[2];
	bool evpd = t->cdb[1] & 1;

	memset(b, 0, sizeof(b));
	if (!evpd) {
		if (page) {
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		}
		/* No LUN here: peripheral qualifier 011b, device type 1Fh. */
		b[0] = l ? 0x00 : 0x7f;
		b[2] = 0x06;          /* SPC-4 */
		b[3] = 0x02 | 0x10;   /* response data format 2, HISUP */
		b[4] = 36 - 5;
		b[7] = 0x02;          /* CMDQUE */
		memcpy(&b[8], "IOPATH  ", 8);
		memcpy(&b[16], "VIRTUAL-DISK    ", 16);
		memcpy(&b[32], "0001", 4);
		return scsi_data_in(t, b, 36, alloc);
	}
	if (!l) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
	}
	b[1] = page;
	switch (page) {
	case 0x00: { /* supported pages */
		static const uint8_t pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};

		memcpy(&b[4], pages, sizeof(pages));
		len = 4 + sizeof(pages);
		break;
	}
	case 0x80: { /* unit serial number */
		size_t sl = strlen(l->serial);

		memcpy(&b[4], l->serial, sl);
		len = 4 + sl;
		break;
	}
	case 0x83: { /* device identification: NAA, then T10 vendor id */
		uint8_t *d = &b[4];
		size_t sl = strlen(l->serial);

		d[0] = 0x01;          /* binary */
		d[1] = 0x03;          /* association LU, type NAA */
		d[3] = 8;
		put64(&d[4], l->naa);
		d += 12;
		d[0] = 0x02;          /* ASCII */
		d[1] = 0x01;          /* T10 vendor identification */
		d[3] = (uint8_t)(8 + sl);
		memcpy(&d[4], "IOPATH  ", 8);
		memcpy(&d[12], l->serial, sl);
		d += 12 + sl;
		len = (size_t)(d - b);
		break;
	}
	case 0xb0: { /* block limits */
		uint32_t max_xfer = IOP_VQ_MAX_BYTES / l->block_size;

		put32(&b[8], max_xfer);
		if (l->be->info.discard && !l->read_only) {
			put32(&b[20], SCSI_MAX_UNMAP_BLOCKS);
			put32(&b[24], SCSI_MAX_UNMAP_DESC);
			put32(&b[28], 1);
		}
		len = 64;
		break;
	}
	case 0xb1: /* block device characteristics */
		put16(&b[4], 1);      /* non-rotating medium */
		len = 64;
		break;
	case 0xb2: /* logical block provisioning */
		if (l->be->info.discard && !l->read_only) {
			b[5] = 0x80;  /* LBPU: UNMAP supported */
			b[6] = 0x02;  /* thin provisioned */
		}
		len = 8;
		break;
	default:
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	}
	put16(&b[2], (uint16_t)(len - 4));
	return scsi_data_in(t, b, len, alloc);
}

/* Append mode page pcode (current or changeable values) at p; \return its length or 0. */
static size_t
scsi_mode_page(struct iop_scsi_lun *l, uint8_t pcode, bool changeable, uint8_t *p)
{
	switch (pcode) {
	case 0x08: /* caching */
		p[0] = 0x08;
		p[1] = 0x12;
		if (!changeable && l->be->info.volatile_cache) {
			p[2] = 0x04; /* WCE */
		}
		return 20;
	case 0x0a: /* control */
		p[0] = 0x0a;
		p[1] = 0x0a;
		return 12;
	default:
		return 0;
	}
}

static int
scsi_mode_sense(struct iop_scsi_task *t, struct iop_scsi_lun *l, bool ten)
{
	uint8_t b[128];
	uint8_t pcode = t->cdb[2] & 0x3f, pc = t->cdb[2] >> 6;
	size_t hdr = ten ? 8 : 4, len = hdr, alloc = ten ? be16(&t->cdb[7]) : t->cdb[4];

	if (pc == 3) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, 0x3900); /* saving not supported */
	}
	memset(b, 0, sizeof(b));
	if (pcode == 0x3f) {
		len += scsi_mode_page(l, 0x08, pc == 1, &b[len]);
		len += scsi_mode_page(l, 0x0a, pc == 1, &b[len]);
	} else {
		size_t n = scsi_mode_page(l, pcode, pc == 1, &b[len]);

		if (!n) {
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		}
		len += n;
	}
	if (ten) {
		put16(b, (uint16_t)(len - 2));
		b[3] = l->read_only ? 0x80 : 0; /* WP */
	} else {
		b[0] = (uint8_t)(len - 1);
		b[2] = l->read_only ? 0x80 : 0;
	}
	return scsi_data_in(t, b, len, alloc);
}

static int
scsi_report_luns(struct iop_scsi_task *t, const bool *present, unsigned int nr)
{
	uint8_t b[8 + 8 * IOP_SCSI_MAX_LUNS];
	size_t alloc = be32(&t->cdb[6]), len = 8;

	if (alloc < 16) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	}
	memset(b, 0, 8);
	for (unsigned int i = 0; i < nr && i < IOP_SCSI_MAX_LUNS; i++) {
		if (!present[i]) {
			continue;
		}
		memset(&b[len], 0, 8);
		b[len] = 0;               /* peripheral device addressing: LUN < 256 */
		b[len + 1] = (uint8_t)i;
		len += 8;
	}
	put32(b, (uint32_t)(len - 8));
	return scsi_data_in(t, b, len, alloc);
}

static void
scsi_io_done(struct iop_io *io)
{
	struct iop_scsi_task *t = io->cb_arg;

	if (io->status) {
		IOP_ERR_RATELIMIT("scsi %s at %llu failed: %s", iop_op_name(io->op),
				  (unsigned long long)io->offset, strerror(-io->status));
		iop_scsi_set_sense(t, IOP_SK_MEDIUM_ERROR,
				   io->op == IOP_OP_READ ? 0x11 : 0x0c, 0);
		t->done(t);
		return;
	}
	if (io->op == IOP_OP_DISCARD && ++t->unmap_idx < t->unmap_n) {
		/* next UNMAP descriptor; the next submit completes or queues like the first */
		const uint8_t *d = &t->unmap[8 + 16 * t->unmap_idx];

		io->offset = be64(d) * t->lun->block_size;
		io->len = (uint64_t)be32(d + 8) * t->lun->block_size;
		io->status = 0;
		if (t->lun->be->ops->submit((struct iop_backend_chan *)io->priv[0], io) ==
		    IOP_SUBMIT_BUSY) {
			iop_scsi_set_sense(t, IOP_SK_MEDIUM_ERROR, 0x0c, 0);
			t->done(t);
		}
		return;
	}
	t->status = IOP_SCSI_GOOD;
	t->done(t);
}

static int
scsi_submit(struct iop_scsi_task *t, struct iop_backend_chan *ch)
{
	t->io.cb = scsi_io_done;
	t->io.cb_arg = t;
	t->io.priv[0] = (uint64_t)(uintptr_t)ch;
	return ch->be->ops->submit(ch, &t->io) == IOP_SUBMIT_BUSY ? -EAGAIN : 0;
}

static int
scsi_rw(struct iop_scsi_task *t, struct iop_scsi_lun *l, struct iop_backend_chan *ch, bool write,
	uint64_t lba, uint32_t nblocks)
{
	uint64_t len = (uint64_t)nblocks * l->block_size;
	int n;

	if (lba > l->nblocks || nblocks > l->nblocks - lba) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	}
	if (write && l->read_only) {
		return scsi_fail(t, IOP_SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	}
	if (len > IOP_VQ_MAX_BYTES) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	}
	if (nblocks == 0) {
		return scsi_good(t);
	}
	if (write) {
		if (t->dout_len < len) {
			t->overrun = true;
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		}
		n = iop_iov_slice(t->dout, t->ndout, 0, len, t->data, IOP_VQ_MAX_IOV);
	} else {
		if (t->din_len < len) {
			t->overrun = true;
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		}
		n = iop_iov_slice(t->din, t->ndin, 0, len, t->data, IOP_VQ_MAX_IOV);
	}
	if (n < 0) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	}
	memset(&t->io, 0, sizeof(t->io));
	t->io.op = write ? IOP_OP_WRITE : IOP_OP_READ;
	t->io.offset = lba * l->block_size;
	t->io.len = len;
	t->io.iov = t->data;
	t->io.iovcnt = n;
	t->xfer = (uint32_t)len;
	return scsi_submit(t, ch);
}

static int
scsi_unmap(struct iop_scsi_task *t, struct iop_scsi_lun *l, struct iop_backend_chan *ch)
{
	size_t plen = be16(&t->cdb[7]), dlen;

	if (l->read_only) {
		return scsi_fail(t, IOP_SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	}
	if (!l->be->info.discard) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
	}
	if (plen == 0) {
		return scsi_good(t);
	}
	if (plen < 8 || plen > sizeof(t->unmap) || t->dout_len < plen) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	}
	iop_iov_to_buf(t->dout, t->ndout, 0, t->unmap, plen);
	dlen = be16(&t->unmap[2]);
	if (dlen % 16 || dlen + 8 > plen) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	}
	t->unmap_n = (unsigned int)(dlen / 16);
	t->unmap_idx = 0;
	for (unsigned int i = 0; i < t->unmap_n; i++) {
		const uint8_t *d = &t->unmap[8 + 16 * i];
		uint64_t lba = be64(d);
		uint32_t nb = be32(d + 8);

		if (lba > l->nblocks || nb > l->nblocks - lba) {
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		}
		if (nb > SCSI_MAX_UNMAP_BLOCKS || nb == 0) {
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
		}
	}
	if (t->unmap_n == 0) {
		return scsi_good(t);
	}
	memset(&t->io, 0, sizeof(t->io));
	t->io.op = IOP_OP_DISCARD;
	t->io.offset = be64(&t->unmap[8]) * l->block_size;
	t->io.len = (uint64_t)be32(&t->unmap[16]) * l->block_size;
	return scsi_submit(t, ch);
}

int
iop_scsi_exec(struct iop_scsi_lun *l, struct iop_backend_chan *ch, struct iop_scsi_task *t,
	      const bool *present, unsigned int nr_present)
{
	const uint8_t *c = t->cdb;
	uint8_t b[32];

	t->status = IOP_SCSI_GOOD;
	t->sense_len = 0;
	t->overrun = false;
	t->xfer = 0;
	t->lun = l;
	switch (c[0]) {
	case SCSI_INQUIRY:
		return scsi_inquiry(t, l);
	case SCSI_REPORT_LUNS:
		return scsi_report_luns(t, present, nr_present);
	case SCSI_REQUEST_SENSE:
		/* Sense is returned with each failed command (autosense): nothing is pending. */
		memset(b, 0, sizeof(b));
		b[0] = 0x70;
		b[7] = IOP_SCSI_SENSE_LEN - 8;
		if (!l) {
			b[2] = IOP_SK_ILLEGAL_REQUEST;
			b[12] = ASC_LUN_NOT_SUPPORTED >> 8;
		}
		return scsi_data_in(t, b, IOP_SCSI_SENSE_LEN, c[4]);
	default:
		break;
	}
	if (!l) {
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
	}
	switch (c[0]) {
	case SCSI_TEST_UNIT_READY:
	case SCSI_START_STOP:
	case SCSI_PREVENT_ALLOW:
	case SCSI_VERIFY_10:
		return scsi_good(t);
	case SCSI_READ_CAPACITY_10:
		memset(b, 0, 8);
		put32(b, l->nblocks - 1 > 0xffffffffull ? 0xffffffffu : (uint32_t)(l->nblocks - 1));
		put32(b + 4, l->block_size);
		return scsi_data_in(t, b, 8, 8);
	case SCSI_SERVICE_ACTION_IN_16:
		if ((c[1] & 0x1f) != SAI_READ_CAPACITY_16) {
			return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		}
		memset(b, 0, 32);
		put64(b, l->nblocks - 1);
		put32(b + 8, l->block_size);
		if (l->be->info.discard && !l->read_only) {
			b[14] = 0x80; /* LBPME */
		}
		return scsi_data_in(t, b, 32, be32(&c[10]));
	case SCSI_MODE_SENSE_6:
		return scsi_mode_sense(t, l, false);
	case SCSI_MODE_SENSE_10:
		return scsi_mode_sense(t, l, true);
	case SCSI_READ_6:
	case SCSI_WRITE_6:
		return scsi_rw(t, l, ch, c[0] == SCSI_WRITE_6,
			       ((uint32_t)(c[1] & 0x1f) << 16) | be16(&c[2]), c[4] ? c[4] : 256);
	case SCSI_READ_10:
	case SCSI_WRITE_10:
		return scsi_rw(t, l, ch, c[0] == SCSI_WRITE_10, be32(&c[2]), be16(&c[7]));
	case SCSI_READ_16:
	case SCSI_WRITE_16:
		return scsi_rw(t, l, ch, c[0] == SCSI_WRITE_16, be64(&c[2]), be32(&c[10]));
	case SCSI_SYNC_CACHE_10:
	case SCSI_SYNC_CACHE_16:
		if (!l->be->info.volatile_cache) {
			return scsi_good(t);
		}
		memset(&t->io, 0, sizeof(t->io));
		t->io.op = IOP_OP_FLUSH;
		return scsi_submit(t, ch);
	case SCSI_UNMAP:
		return scsi_unmap(t, l, ch);
	default:
		return scsi_fail(t, IOP_SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
	}
}
