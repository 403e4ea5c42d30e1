/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: virtio-scsi framing and the SCSI target on RAM LUNs: INQUIRY and VPD pages, READ
 * CAPACITY, READ/WRITE, MODE SENSE, UNMAP, SYNCHRONIZE CACHE, REPORT LUNS, REQUEST SENSE, sense
 * keys for bad LBA/opcode/LUN, read-only, bad target, control queue and events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "targets/virtio/scsi.h"
#include "tests/common/ut.h"
#include "tests/unit/targets/virtio/fake_backend.h"

#define NBLK 2048

static struct fake_be *g_f[3];
static struct iop_scsi_lun g_l[3];
static struct iop_vscsi g_s;
static struct iop_backend_chan *g_ch[IOP_SCSI_MAX_LUNS];
static struct iop_vscsi_req g_r;
static struct virtio_scsi_cmd_req g_req;
static struct virtio_scsi_cmd_resp g_resp;
static uint8_t g_in[8192], g_out[8192];
static int g_done;

static void
done_cb(struct iop_vscsi_req *r)
{
	g_done++;
}

/* LUN 0 and 2 exist (512-byte blocks; LUN 2 read-only with 4 KiB blocks); LUN 1 does not. */
static void
setup(void)
{
	memset(&g_s, 0, sizeof(g_s));
	for (int i = 0; i < 3; i += 2) {
		g_f[i] = fake_new((uint64_t)NBLK * (i ? 4096 : 512), i ? 4096 : 512,
				  i ? "fake:lun2" : "fake:lun0");
		CU_ASSERT_EQUAL(iop_scsi_lun_init(&g_l[i], &g_f[i]->be, i == 2, (unsigned int)i), 0);
		fake_chan_open(&g_f[i]->be, 64, &g_ch[i]);
		g_s.luns[i] = &g_l[i];
		g_s.present[i] = true;
	}
	g_s.nr_luns = 3;
	g_s.num_queues = 1;
}

static void
teardown(void)
{
	for (int i = 0; i < 3; i += 2) {
		fake_chan_close(g_ch[i]);
		fake_free(g_f[i]);
	}
}

/* Run one command; cdb of up to 16 bytes, data out and/or in. \return SAM status. */
static int
cmd(unsigned int lun, const uint8_t *cdb, size_t cdblen, size_t outlen, size_t inlen)
{
	struct iop_vq_elem *e = &g_r.elem;
	unsigned int n = 0;

	memset(&g_r, 0, sizeof(g_r));
	memset(&g_req, 0, sizeof(g_req));
	iop_vscsi_lun_encode(lun, g_req.lun);
	memcpy(g_req.cdb, cdb, cdblen);
	e->iov[n++] = (struct iovec){&g_req, sizeof(g_req)};
	e->out_len = sizeof(g_req);
	if (outlen) {
		e->iov[n++] = (struct iovec){g_out, outlen};
		e->out_len += (uint32_t)outlen;
	}
	e->nout = (uint16_t)n;
	memset(&g_resp, 0xee, sizeof(g_resp));
	e->iov[n++] = (struct iovec){&g_resp, sizeof(g_resp)};
	e->in_len = sizeof(g_resp);
	if (inlen) {
		memset(g_in, 0xcc, inlen);
		e->iov[n++] = (struct iovec){g_in, inlen};
		e->in_len += (uint32_t)inlen;
	}
	e->nin = (uint16_t)(n - e->nout);
	g_r.done = done_cb;
	g_done = 0;
	CU_ASSERT_EQUAL(iop_vscsi_submit(&g_s, g_ch, &g_r), 0);
	CU_ASSERT_EQUAL(g_done, 1);
	return g_resp.status;
}

static void
assert_sense(uint8_t key, uint8_t asc)
{
	CU_ASSERT_EQUAL(g_resp.response, VIRTIO_SCSI_S_OK);
	CU_ASSERT_EQUAL(g_resp.status, IOP_SCSI_CHECK_CONDITION);
	CU_ASSERT_EQUAL(g_resp.sense_len, IOP_SCSI_SENSE_LEN);
	CU_ASSERT_EQUAL(g_resp.sense[0], 0x70);
	CU_ASSERT_EQUAL(g_resp.sense[2], key);
	CU_ASSERT_EQUAL(g_resp.sense[12], asc);
}

static void
test_inquiry(void)
{
	uint8_t std[6] = {0x12, 0, 0, 0, 96, 0};
	uint8_t vpd[6] = {0x12, 1, 0x00, 0, 255, 0};

	setup();
	CU_ASSERT_EQUAL(cmd(0, std, 6, 0, 96), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[0], 0x00);
	CU_ASSERT_EQUAL(memcmp(&g_in[8], "IOPATH  ", 8), 0);
	CU_ASSERT_EQUAL(g_r.used_len, sizeof(g_resp) + 36);
	CU_ASSERT_EQUAL(g_resp.resid, 96 - 36);
	/* no LUN 1: qualifier 011b, type 1Fh */
	CU_ASSERT_EQUAL(cmd(1, std, 6, 0, 96), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[0], 0x7f);
	/* VPD 00: supported pages */
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[1], 0x00);
	CU_ASSERT_EQUAL(g_in[3], 6);
	CU_ASSERT_EQUAL(memcmp(&g_in[4], "\x00\x80\x83\xb0\xb1\xb2", 6), 0);
	vpd[2] = 0x80;
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(memcmp(&g_in[4], "IOP", 3), 0);
	vpd[2] = 0x83;
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[5] & 0xf, 3);       /* NAA designator first */
	CU_ASSERT_EQUAL(g_in[8] >> 4, 3);        /* NAA 3: locally assigned */
	vpd[2] = 0xb0;
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[3], 0x3c);
	CU_ASSERT_NOT_EQUAL(g_in[27], 0);        /* max unmap descriptors */
	vpd[2] = 0xb1;
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[5], 1);             /* non-rotating */
	vpd[2] = 0xb2;
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[5] & 0x80, 0x80);   /* LBPU */
	CU_ASSERT_EQUAL(cmd(2, vpd, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[5] & 0x80, 0);      /* read-only: no UNMAP */
	/* unknown VPD page, page code without EVPD */
	vpd[2] = 0xc7;
	CU_ASSERT_EQUAL(cmd(0, vpd, 6, 0, 255), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x24);
	std[2] = 0x80;
	CU_ASSERT_EQUAL(cmd(0, std, 6, 0, 96), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x24);
	/* allocation length shorter than the data */
	std[2] = 0;
	std[4] = 5;
	CU_ASSERT_EQUAL(cmd(0, std, 6, 0, 96), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_r.used_len, sizeof(g_resp) + 5);
	teardown();
}

static void
test_capacity_rw(void)
{
	uint8_t rc10[10] = {0x25};
	uint8_t rc16[16] = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32};
	uint8_t w10[10] = {0x2a, 0, 0, 0, 0, 10, 0, 0, 4, 0};
	uint8_t r16[16] = {0x88, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 4};

	setup();
	CU_ASSERT_EQUAL(cmd(0, rc10, 10, 0, 8), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[3], (NBLK - 1) & 0xff);
	CU_ASSERT_EQUAL(g_in[2], (NBLK - 1) >> 8);
	CU_ASSERT_EQUAL(g_in[6], 2);             /* 512 */
	CU_ASSERT_EQUAL(cmd(2, rc16, 16, 0, 32), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[7], (NBLK - 1) & 0xff);
	CU_ASSERT_EQUAL(g_in[10], 0x10);         /* 4096 */
	CU_ASSERT_EQUAL(g_in[14] & 0x80, 0);     /* no LBPME on the read-only LUN */
	CU_ASSERT_EQUAL(cmd(0, rc16, 16, 0, 32), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[14] & 0x80, 0x80);
	for (int i = 0; i < 2048; i++) {
		g_out[i] = (uint8_t)(i * 7);
	}
	CU_ASSERT_EQUAL(cmd(0, w10, 10, 2048, 0), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_r.used_len, sizeof(g_resp));
	CU_ASSERT_EQUAL(memcmp(g_f[0]->data + 10 * 512, g_out, 2048), 0);
	CU_ASSERT_EQUAL(cmd(0, r16, 16, 0, 2048), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(memcmp(g_in, g_out, 2048), 0);
	CU_ASSERT_EQUAL(g_r.used_len, sizeof(g_resp) + 2048);
	CU_ASSERT_EQUAL(g_resp.resid, 0);
	/* Test: LBA range past the end -> ILLEGAL REQUEST / LBA OUT OF RANGE */
	r16[8] = (NBLK >> 8) & 0xff;
	r16[9] = (NBLK - 2) & 0xff;
	CU_ASSERT_EQUAL(cmd(0, r16, 16, 0, 2048), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x21);
	{
		uint8_t huge[16] = {0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1};

		CU_ASSERT_EQUAL(cmd(0, huge, 16, 0, 512), IOP_SCSI_CHECK_CONDITION);
	}
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x21);
	/* Test: data-in buffer too small -> OVERRUN */
	r16[8] = r16[9] = 0;
	cmd(0, r16, 16, 0, 1024);
	CU_ASSERT_EQUAL(g_resp.response, VIRTIO_SCSI_S_OVERRUN);
	/* Test: write on the read-only LUN -> DATA PROTECT / WRITE PROTECTED */
	CU_ASSERT_EQUAL(cmd(2, w10, 10, 4096 * 4 > 8192 ? 8192 : 4096, 0),
			IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_DATA_PROTECT, 0x27);
	teardown();
}

static void
test_bad(void)
{
	uint8_t tur[6] = {0};
	uint8_t bad[6] = {0xff};

	setup();
	/* Test 1: unsupported opcode */
	CU_ASSERT_EQUAL(cmd(0, bad, 6, 0, 0), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x20);
	/* Test 2: command to a LUN that does not exist */
	CU_ASSERT_EQUAL(cmd(1, tur, 6, 0, 0), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x25);
	CU_ASSERT_EQUAL(cmd(200, tur, 6, 0, 0), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x25);
	CU_ASSERT_EQUAL(cmd(0, tur, 6, 0, 0), IOP_SCSI_GOOD);
	/* Test 3: another target id -> BAD_TARGET response */
	{
		struct iop_vq_elem *e = &g_r.elem;

		cmd(0, tur, 6, 0, 0);
		memset(&g_r, 0, sizeof(g_r));
		g_req.lun[1] = 3;
		e->iov[0] = (struct iovec){&g_req, sizeof(g_req)};
		e->iov[1] = (struct iovec){&g_resp, sizeof(g_resp)};
		e->nout = e->nin = 1;
		e->out_len = sizeof(g_req);
		e->in_len = sizeof(g_resp);
		g_r.done = done_cb;
		CU_ASSERT_EQUAL(iop_vscsi_submit(&g_s, g_ch, &g_r), 0);
		CU_ASSERT_EQUAL(g_resp.response, VIRTIO_SCSI_S_BAD_TARGET);
		/* Test 4: request header cut short: completed with no response */
		e->out_len = 10;
		e->iov[0].iov_len = 10;
		e->in_len = 4;
		e->iov[1].iov_len = 4;
		CU_ASSERT_EQUAL(iop_vscsi_submit(&g_s, g_ch, &g_r), 0);
		CU_ASSERT_EQUAL(g_r.used_len, 0);
	}
	/* Test 5: REQUEST SENSE reports no pending sense */
	CU_ASSERT_EQUAL(cmd(0, (const uint8_t *)"\x03\0\0\0\x12\0", 6, 0, 18), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[0], 0x70);
	CU_ASSERT_EQUAL(g_in[2], 0);
	teardown();
}

static void
test_report_luns_mode_sense(void)
{
	uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	uint8_t ms6[6] = {0x1a, 0, 0x3f, 0, 255, 0};
	uint8_t ms10[10] = {0x5a, 0, 0x08, 0, 0, 0, 0, 0, 255, 0};

	setup();
	CU_ASSERT_EQUAL(cmd(0, rl, 12, 0, 256), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[3], 16);           /* two LUNs */
	CU_ASSERT_EQUAL(g_in[8 + 1], 0);
	CU_ASSERT_EQUAL(g_in[16 + 1], 2);
	/* REPORT LUNS works addressed to a missing LUN 0 too (well-known use) */
	g_s.present[0] = false;
	g_s.luns[0] = NULL;
	CU_ASSERT_EQUAL(cmd(0, rl, 12, 0, 256), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[3], 8);
	g_s.present[0] = true;
	g_s.luns[0] = &g_l[0];
	CU_ASSERT_EQUAL(cmd(0, ms6, 6, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[0], 3 + 20 + 12);  /* header + caching + control */
	CU_ASSERT_EQUAL(g_in[2], 0);            /* not write-protected */
	CU_ASSERT_EQUAL(g_in[4], 0x08);
	CU_ASSERT_EQUAL(g_in[6] & 0x04, 0x04);  /* WCE: volatile cache */
	CU_ASSERT_EQUAL(cmd(2, ms10, 10, 0, 255), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_in[3], 0x80);         /* WP */
	CU_ASSERT_EQUAL(g_in[8], 0x08);
	ms6[2] = 0x1c;
	CU_ASSERT_EQUAL(cmd(0, ms6, 6, 0, 255), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x24);
	teardown();
}

static void
test_unmap_sync(void)
{
	uint8_t um[10] = {0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0};
	uint8_t sc[10] = {0x35};

	setup();
	memset(g_f[0]->data, 0xff, NBLK * 512);
	memset(g_out, 0, 40);
	g_out[1] = 38;                 /* data length */
	g_out[3] = 32;                 /* two descriptors */
	g_out[8 + 7] = 4;              /* LBA 4, 2 blocks */
	g_out[8 + 11] = 2;
	g_out[24 + 7] = 100;           /* LBA 100, 1 block */
	g_out[24 + 11] = 1;
	CU_ASSERT_EQUAL(cmd(0, um, 10, 40, 0), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_f[0]->nr_discard, 2);
	CU_ASSERT_EQUAL(g_f[0]->data[4 * 512], 0);
	CU_ASSERT_EQUAL(g_f[0]->data[6 * 512], 0xff);
	CU_ASSERT_EQUAL(g_f[0]->data[100 * 512 + 511], 0);
	/* descriptor past the end */
	g_out[24 + 6] = 0xff;
	CU_ASSERT_EQUAL(cmd(0, um, 10, 40, 0), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_ILLEGAL_REQUEST, 0x21);
	/* on the read-only LUN */
	CU_ASSERT_EQUAL(cmd(2, um, 10, 40, 0), IOP_SCSI_CHECK_CONDITION);
	assert_sense(IOP_SK_DATA_PROTECT, 0x27);
	CU_ASSERT_EQUAL(cmd(0, sc, 10, 0, 0), IOP_SCSI_GOOD);
	CU_ASSERT_EQUAL(g_f[0]->nr_flush, 1);
	teardown();
}

static void
test_ctrl_event(void)
{
	struct virtio_scsi_ctrl_tmf_req tmf = {.type = VIRTIO_SCSI_T_TMF,
					       .subtype = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET};
	struct virtio_scsi_ctrl_an_req an = {.type = VIRTIO_SCSI_T_AN_QUERY};
	struct virtio_scsi_ctrl_an_resp anr;
	struct virtio_scsi_event ev;
	struct iop_vq_elem *e = &g_r.elem;
	uint8_t tr = 0xee;

	setup();
	iop_vscsi_lun_encode(0, tmf.lun);
	memset(e, 0, sizeof(*e));
	e->iov[0] = (struct iovec){&tmf, sizeof(tmf)};
	e->iov[1] = (struct iovec){&tr, 1};
	e->nout = e->nin = 1;
	e->out_len = sizeof(tmf);
	e->in_len = 1;
	CU_ASSERT_EQUAL(iop_vscsi_ctrl(&g_s, e), 1);
	CU_ASSERT_EQUAL(tr, VIRTIO_SCSI_S_OK);
	iop_vscsi_lun_encode(1, tmf.lun);
	CU_ASSERT_EQUAL(iop_vscsi_ctrl(&g_s, e), 1);
	CU_ASSERT_EQUAL(tr, VIRTIO_SCSI_S_INCORRECT_LUN);
	tmf.subtype = 99;
	CU_ASSERT_EQUAL(iop_vscsi_ctrl(&g_s, e), 1);
	CU_ASSERT_EQUAL(tr, VIRTIO_SCSI_S_FUNCTION_REJECTED);
	e->iov[0] = (struct iovec){&an, sizeof(an)};
	e->iov[1] = (struct iovec){&anr, sizeof(anr)};
	e->out_len = sizeof(an);
	e->in_len = sizeof(anr);
	CU_ASSERT_EQUAL(iop_vscsi_ctrl(&g_s, e), sizeof(anr));
	CU_ASSERT_EQUAL(anr.response, VIRTIO_SCSI_S_OK);
	CU_ASSERT_EQUAL(anr.event_actual, 0);
	e->nout = 0;
	e->iov[0] = (struct iovec){&ev, sizeof(ev)};
	e->nin = 1;
	e->in_len = sizeof(ev);
	CU_ASSERT_EQUAL(iop_vscsi_event(e, VIRTIO_SCSI_T_TRANSPORT_RESET, 7,
					VIRTIO_SCSI_EVT_RESET_RESCAN), sizeof(ev));
	CU_ASSERT_EQUAL(ev.event, VIRTIO_SCSI_T_TRANSPORT_RESET);
	CU_ASSERT_EQUAL(iop_vscsi_lun_decode(ev.lun), 7);
	CU_ASSERT_EQUAL(ev.reason, VIRTIO_SCSI_EVT_RESET_RESCAN);
	teardown();
}

IOP_UT_MAIN("virtio-scsi", IOP_UT(test_inquiry), IOP_UT(test_capacity_rw), IOP_UT(test_bad),
	    IOP_UT(test_report_luns_mode_sense), IOP_UT(test_unmap_sync), IOP_UT(test_ctrl_event))
