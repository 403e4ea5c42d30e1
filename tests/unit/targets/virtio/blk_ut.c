/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: virtio-blk request handling on a RAM backend: IN/OUT with data, FLUSH, GET_ID,
 * DISCARD, WRITE_ZEROES, bad sector, unaligned length, read-only, missing status, BUSY. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "targets/virtio/blk.h"
#include "tests/common/ut.h"
#include "tests/unit/targets/virtio/fake_backend.h"

static struct fake_be *g_f;
static struct iop_vblk g_b;
static struct iop_backend_chan *g_ch;
static struct iop_vblk_req g_r;
static int g_done;
static uint8_t g_status;
static struct virtio_blk_outhdr g_hdr;
static uint8_t g_data[8192];
static struct virtio_blk_discard_write_zeroes g_seg;

static void
done_cb(struct iop_vblk_req *r)
{
	g_done++;
}

static void
setup(bool ro)
{
	if (g_f) {
		fake_chan_close(g_ch);
		fake_free(g_f);
	}
	g_f = fake_new(1 << 20, 512, "fake:size=1M");
	iop_vblk_init(&g_b, &g_f->be, ro, 2);
	fake_chan_open(&g_f->be, 64, &g_ch);
}

/* Build a request: header, optional out payload, optional in payload, status byte. */
static int
run(uint32_t type, uint64_t sector, void *out, uint32_t outlen, void *in, uint32_t inlen)
{
	struct iop_vq_elem *e = &g_r.elem;
	unsigned int n = 0;

	memset(&g_r, 0, sizeof(g_r));
	g_hdr.type = type;
	g_hdr.sector = sector;
	e->iov[n++] = (struct iovec){&g_hdr, sizeof(g_hdr)};
	e->out_len = sizeof(g_hdr);
	if (out) {
		e->iov[n++] = (struct iovec){out, outlen};
		e->out_len += outlen;
	}
	e->nout = (uint16_t)n;
	if (in) {
		e->iov[n++] = (struct iovec){in, inlen};
		e->in_len += inlen;
	}
	g_status = 0xee;
	e->iov[n++] = (struct iovec){&g_status, 1};
	e->in_len += 1;
	e->nin = (uint16_t)(n - e->nout);
	g_r.done = done_cb;
	g_done = 0;
	return iop_vblk_submit(&g_b, g_ch, &g_r);
}

static void
test_rw(void)
{
	setup(false);
	memset(g_data, 0xa5, 4096);
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_OUT, 8, g_data, 4096, NULL, 0), 0);
	CU_ASSERT_EQUAL(g_done, 1);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(g_r.used_len, 1);
	CU_ASSERT_EQUAL(g_f->data[8 * 512], 0xa5);
	CU_ASSERT_EQUAL(g_f->data[8 * 512 - 1], 0);
	memset(g_data, 0, sizeof(g_data));
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, 8, NULL, 0, g_data, 4096), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(g_r.used_len, 4097);
	CU_ASSERT_EQUAL(g_data[4095], 0xa5);
	/* queued completion path */
	g_f->mode = 1;
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, 8, NULL, 0, g_data, 512), 0);
	CU_ASSERT_EQUAL(g_done, 0);
	CU_ASSERT_EQUAL(fake_poll(g_ch, 8), 1);
	CU_ASSERT_EQUAL(g_done, 1);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	/* BUSY: not completed, caller retries */
	g_f->mode = 2;
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, 8, NULL, 0, g_data, 512), -EAGAIN);
	CU_ASSERT_EQUAL(g_done, 0);
	g_f->mode = 0;
}

static void
test_errors(void)
{
	setup(false);
	/* Test 1: past the end */
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, (1 << 20) / 512, NULL, 0, g_data, 512), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(g_f->nr_submit, 0);
	/* Test 2: straddles the end */
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_OUT, (1 << 20) / 512 - 1, g_data, 1024, NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
	/* Test 3: sector overflow */
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, ~0ull, NULL, 0, g_data, 512), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
	/* Test 4: length not a multiple of the block size */
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, 0, NULL, 0, g_data, 100), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
	/* Test 5: unknown type */
	CU_ASSERT_EQUAL(run(0x77, 0, NULL, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_UNSUPP);
	/* Test 6: header shorter than 16 bytes */
	memset(&g_r, 0, sizeof(g_r));
	g_r.elem.iov[0] = (struct iovec){&g_hdr, 8};
	g_r.elem.iov[1] = (struct iovec){&g_status, 1};
	g_r.elem.nout = 1;
	g_r.elem.nin = 1;
	g_r.elem.out_len = 8;
	g_r.elem.in_len = 1;
	g_r.done = done_cb;
	g_done = 0;
	CU_ASSERT_EQUAL(iop_vblk_submit(&g_b, g_ch, &g_r), 0);
	CU_ASSERT_EQUAL(g_done, 1);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
	/* Test 7: no writable byte for the status: completed with used length 0 */
	memset(&g_r, 0, sizeof(g_r));
	g_r.elem.iov[0] = (struct iovec){&g_hdr, 16};
	g_r.elem.nout = 1;
	g_r.elem.out_len = 16;
	g_r.done = done_cb;
	g_done = 0;
	CU_ASSERT_EQUAL(iop_vblk_submit(&g_b, g_ch, &g_r), 0);
	CU_ASSERT_EQUAL(g_done, 1);
	CU_ASSERT_EQUAL(g_r.used_len, 0);
}

static void
test_flush_id(void)
{
	char id[VIRTIO_BLK_ID_BYTES + 1] = {0};

	setup(false);
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(g_f->nr_flush, 1);
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_GET_ID, 0, NULL, 0, id, VIRTIO_BLK_ID_BYTES), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(strncmp(id, "iopath-", 7), 0);
}

static void
test_discard_wz(void)
{
	setup(false);
	memset(g_f->data, 0xff, 1 << 20);
	g_seg = (struct virtio_blk_discard_write_zeroes){.sector = 16, .num_sectors = 8};
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_WRITE_ZEROES, 0, &g_seg, sizeof(g_seg), NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(g_f->data[16 * 512], 0);
	CU_ASSERT_EQUAL(g_f->data[24 * 512 - 1], 0);
	CU_ASSERT_EQUAL(g_f->data[24 * 512], 0xff);
	g_seg = (struct virtio_blk_discard_write_zeroes){.sector = 64, .num_sectors = 8};
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_DISCARD, 0, &g_seg, sizeof(g_seg), NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(g_f->nr_discard, 1);
	/* discard with the unmap flag is invalid */
	g_seg.flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_DISCARD, 0, &g_seg, sizeof(g_seg), NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_UNSUPP);
	/* range past the end */
	g_seg = (struct virtio_blk_discard_write_zeroes){.sector = 2047, .num_sectors = 8};
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_WRITE_ZEROES, 0, &g_seg, sizeof(g_seg), NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
}

static void
test_read_only(void)
{
	struct virtio_blk_config c;

	setup(true);
	CU_ASSERT_TRUE(iop_vblk_features(&g_b) & (1ull << VIRTIO_BLK_F_RO));
	CU_ASSERT_FALSE(iop_vblk_features(&g_b) & (1ull << VIRTIO_BLK_F_DISCARD));
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_OUT, 0, g_data, 512, NULL, 0), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(g_f->nr_submit, 0);
	CU_ASSERT_EQUAL(run(VIRTIO_BLK_T_IN, 0, NULL, 0, g_data, 512), 0);
	CU_ASSERT_EQUAL(g_status, VIRTIO_BLK_S_OK);
	iop_vblk_config(&g_b, &c);
	CU_ASSERT_EQUAL(c.capacity, (1 << 20) / 512);
	CU_ASSERT_EQUAL(c.blk_size, 512);
	CU_ASSERT_EQUAL(c.num_queues, 2);
	CU_ASSERT_EQUAL(c.seg_max, IOP_VQ_MAX_IOV - 2);
}

IOP_UT_MAIN("virtio-blk", IOP_UT(test_rw), IOP_UT(test_errors), IOP_UT(test_flush_id),
	    IOP_UT(test_discard_wz), IOP_UT(test_read_only))
