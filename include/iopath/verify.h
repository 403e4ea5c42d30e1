/* SPDX-License-Identifier: BSD-3-Clause */
/* Data verification: each written block carries a header (offset, seq, seed) and a CRC32C. */
#ifndef IOPATH_VERIFY_H
#define IOPATH_VERIFY_H

/*
 * Block layout (little endian), for every block of a write (len >= IOP_VERIFY_HDR_SIZE):
 *   0  magic   u32  IOP_VERIFY_MAGIC
 *   4  crc     u32  CRC32C (isa-l crc32_iscsi) of bytes [8, len) of the block
 *   8  offset  u64  byte offset the block was written to
 *  16  len     u32  block length
 *  20  pad     u32  0
 *  24  seq     u64  writer's sequence number
 *  32  seed    u64  pattern seed
 *  40  pattern      len - 40 bytes generated from (offset, seq, seed)
 * A read is good when magic, offset, len and crc all match; the pattern itself is covered by the
 * CRC, so regeneration is not needed to detect corruption.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOP_VERIFY_MAGIC    0x69707672u /* "rvpi" */
#define IOP_VERIFY_HDR_SIZE 40u

enum iop_verify_status {
	IOP_VERIFY_OK = 0,
	IOP_VERIFY_NO_HEADER,   /* no magic: block never written with verify (or zeroed) */
	IOP_VERIFY_BAD_OFFSET,  /* header says another offset (misdirected write/read) */
	IOP_VERIFY_BAD_LEN,
	IOP_VERIFY_BAD_CRC,     /* content corrupted */
};

/** Fill buf (len bytes at device offset) with header + pattern + CRC. len must be >=
 * IOP_VERIFY_HDR_SIZE. */
void iop_verify_fill(void *buf, size_t len, uint64_t offset, uint64_t seq, uint64_t seed);

/** Check one block read from offset. \return an iop_verify_status. */
int iop_verify_check(const void *buf, size_t len, uint64_t offset);

/**
 * Fill/check every blk-sized block of an I/O of len bytes at offset (blk divides len; blk >=
 * IOP_VERIFY_HDR_SIZE). Check returns the number of bad blocks and the offset of the first one
 * in *bad_off (when non-NULL); blocks without a header count as bad unless allow_unwritten.
 */
void iop_verify_fill_io(void *buf, size_t len, size_t blk, uint64_t offset, uint64_t seq,
			uint64_t seed);
unsigned int iop_verify_check_io(const void *buf, size_t len, size_t blk, uint64_t offset,
				 bool allow_unwritten, uint64_t *bad_off, int *bad_status);

/** Human name of a status ("bad crc"). */
const char *iop_verify_status_name(int status);

#endif
