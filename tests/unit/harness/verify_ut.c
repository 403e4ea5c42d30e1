/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: verify headers: a good block passes; corruption, misplacement, length mismatch
 * and unwritten blocks are caught and reported with their offset. */
#include <stdlib.h>
#include <string.h>
#include "iopath/verify.h"
#include "tests/common/ut.h"

static void
test_block(void)
{
	uint8_t *b = malloc(4096);

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	iop_verify_fill(b, 4096, 1 << 20, 7, 99);
	/* Test1: good block */
	CU_ASSERT_EQUAL(iop_verify_check(b, 4096, 1 << 20), IOP_VERIFY_OK);
	/* Test2: read back from another offset (misdirected I/O) */
	CU_ASSERT_EQUAL(iop_verify_check(b, 4096, (1 << 20) + 4096), IOP_VERIFY_BAD_OFFSET);
	/* Test3: one flipped bit in the pattern */
	b[3000] ^= 0x10;
	CU_ASSERT_EQUAL(iop_verify_check(b, 4096, 1 << 20), IOP_VERIFY_BAD_CRC);
	b[3000] ^= 0x10;
	/* Test4: corrupted header offset field is caught by the CRC, not taken at face value */
	b[9] ^= 1;
	CU_ASSERT_EQUAL(iop_verify_check(b, 4096, 1 << 20), IOP_VERIFY_BAD_CRC);
	b[9] ^= 1;
	/* Test5: zeroed block (never written) */
	memset(b, 0, 4096);
	CU_ASSERT_EQUAL(iop_verify_check(b, 4096, 1 << 20), IOP_VERIFY_NO_HEADER);
	/* Test6: checked with another length */
	iop_verify_fill(b, 4096, 0, 1, 1);
	CU_ASSERT_EQUAL(iop_verify_check(b, 2048, 0), IOP_VERIFY_BAD_LEN);
	CU_ASSERT_STRING_EQUAL(iop_verify_status_name(IOP_VERIFY_BAD_CRC), "bad crc32c");
	free(b);
}

static void
test_pattern_differs(void)
{
	uint8_t a[512], b[512];

	/* same offset, new sequence: another pattern (a stale block is not mistaken for new) */
	iop_verify_fill(a, sizeof(a), 4096, 1, 0);
	iop_verify_fill(b, sizeof(b), 4096, 2, 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a + IOP_VERIFY_HDR_SIZE, b + IOP_VERIFY_HDR_SIZE,
				   sizeof(a) - IOP_VERIFY_HDR_SIZE), 0);
	CU_ASSERT_EQUAL(iop_verify_check(a, sizeof(a), 4096), IOP_VERIFY_OK);
	CU_ASSERT_EQUAL(iop_verify_check(b, sizeof(b), 4096), IOP_VERIFY_OK);
}

static void
test_io_corrupt_block(void)
{
	const size_t len = 64 * 1024, blk = 512;
	const uint64_t off = 8ull << 30;
	uint8_t *buf = malloc(len);
	uint64_t bad_off = 0;
	int st = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	iop_verify_fill_io(buf, len, blk, off, 5, 6);
	CU_ASSERT_EQUAL(iop_verify_check_io(buf, len, blk, off, false, &bad_off, &st), 0);
	/* corrupt one byte in block 3: exactly that block is reported, with its offset */
	buf[3 * blk + 100] ^= 0xff;
	CU_ASSERT_EQUAL(iop_verify_check_io(buf, len, blk, off, false, &bad_off, &st), 1);
	CU_ASSERT_EQUAL(bad_off, off + 3 * blk);
	CU_ASSERT_EQUAL(st, IOP_VERIFY_BAD_CRC);
	/* a second bad (zeroed) block later: counted, the first reported offset stays */
	memset(buf + 10 * blk, 0, blk);
	CU_ASSERT_EQUAL(iop_verify_check_io(buf, len, blk, off, false, &bad_off, &st), 2);
	CU_ASSERT_EQUAL(bad_off, off + 3 * blk);
	/* allow_unwritten forgives the zeroed block but never the corrupted one */
	CU_ASSERT_EQUAL(iop_verify_check_io(buf, len, blk, off, true, &bad_off, &st), 1);
	free(buf);
}

IOP_UT_MAIN("verify", IOP_UT(test_block), IOP_UT(test_pattern_differs),
	    IOP_UT(test_io_corrupt_block))
