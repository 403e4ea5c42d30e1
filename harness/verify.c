/* SPDX-License-Identifier: BSD-3-Clause */
/* Data verification blocks: header (offset, seq, seed) + generated pattern + CRC32C (isa-l). */
#include <isa-l/crc.h>
#include <string.h>
#include "iopath/prng.h"
#include "iopath/util.h"
#include "iopath/verify.h"

#define VERIFY_OFF_MAGIC  0
#define VERIFY_OFF_CRC    4
#define VERIFY_OFF_OFFSET 8
#define VERIFY_OFF_LEN    16
#define VERIFY_OFF_SEQ    24
#define VERIFY_OFF_SEED   32

static uint32_t
verify_crc(const uint8_t *b, size_t len)
{
	/* CRC32C over everything after the crc field: offset, len, seq, seed and the pattern. */
	return ~crc32_iscsi((unsigned char *)b + VERIFY_OFF_OFFSET, (int)(len - VERIFY_OFF_OFFSET),
			    0xffffffffu);
}

void
iop_verify_fill(void *buf, size_t len, uint64_t offset, uint64_t seq, uint64_t seed)
{
	uint8_t *b = buf;
	uint32_t magic = IOP_VERIFY_MAGIC, len32 = (uint32_t)len, zero = 0, crc;
	struct iop_prng p;
	size_t i;

	memcpy(b + VERIFY_OFF_MAGIC, &magic, 4);
	memcpy(b + VERIFY_OFF_OFFSET, &offset, 8);
	memcpy(b + VERIFY_OFF_LEN, &len32, 4);
	memcpy(b + VERIFY_OFF_LEN + 4, &zero, 4);
	memcpy(b + VERIFY_OFF_SEQ, &seq, 8);
	memcpy(b + VERIFY_OFF_SEED, &seed, 8);
	iop_prng_seed(&p, offset ^ (seq * 0x9e3779b97f4a7c15ull) ^ seed);
	for (i = IOP_VERIFY_HDR_SIZE; i + 8 <= len; i += 8) {
		uint64_t r = iop_prng_next(&p);

		memcpy(b + i, &r, 8);
	}
	if (i < len) {
		uint64_t r = iop_prng_next(&p);

		memcpy(b + i, &r, len - i);
	}
	crc = verify_crc(b, len);
	memcpy(b + VERIFY_OFF_CRC, &crc, 4);
}

int
iop_verify_check(const void *buf, size_t len, uint64_t offset)
{
	const uint8_t *b = buf;
	uint32_t magic, crc, len32;
	uint64_t off;

	if (len < IOP_VERIFY_HDR_SIZE) {
		return IOP_VERIFY_BAD_LEN;
	}
	memcpy(&magic, b + VERIFY_OFF_MAGIC, 4);
	if (magic != IOP_VERIFY_MAGIC) {
		return IOP_VERIFY_NO_HEADER;
	}
	memcpy(&crc, b + VERIFY_OFF_CRC, 4);
	memcpy(&off, b + VERIFY_OFF_OFFSET, 8);
	memcpy(&len32, b + VERIFY_OFF_LEN, 4);
	if (len32 != len) {
		return IOP_VERIFY_BAD_LEN;
	}
	if (verify_crc(b, len) != crc) {
		return IOP_VERIFY_BAD_CRC;
	}
	if (off != offset) {
		return IOP_VERIFY_BAD_OFFSET;
	}
	return IOP_VERIFY_OK;
}

void
iop_verify_fill_io(void *buf, size_t len, size_t blk, uint64_t offset, uint64_t seq,
		   uint64_t seed)
{
	for (size_t o = 0; o + blk <= len; o += blk) {
		iop_verify_fill((uint8_t *)buf + o, blk, offset + o, seq, seed);
	}
}

unsigned int
iop_verify_check_io(const void *buf, size_t len, size_t blk, uint64_t offset,
		    bool allow_unwritten, uint64_t *bad_off, int *bad_status)
{
	unsigned int bad = 0;

	for (size_t o = 0; o + blk <= len; o += blk) {
		int st = iop_verify_check((const uint8_t *)buf + o, blk, offset + o);

		if (st == IOP_VERIFY_OK || (st == IOP_VERIFY_NO_HEADER && allow_unwritten)) {
			continue;
		}
		if (!bad) {
			if (bad_off) {
				*bad_off = offset + o;
			}
			if (bad_status) {
				*bad_status = st;
			}
		}
		bad++;
	}
	return bad;
}

const char *
iop_verify_status_name(int status)
{
	static const char *const names[] = {"ok", "no verify header", "wrong offset in header",
					    "wrong length in header", "bad crc32c"};

	return status >= 0 && status < (int)IOP_ARRAY_SIZE(names) ? names[status] : "?";
}
