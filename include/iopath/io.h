/* SPDX-License-Identifier: BSD-3-Clause */
/* The one I/O request that crosses engine -> initiator and target -> backend. */
#ifndef IOPATH_IO_H
#define IOPATH_IO_H

#include <stdint.h>
#include <sys/uio.h>

enum iop_op {
	IOP_OP_READ = 0,
	IOP_OP_WRITE,
	IOP_OP_FLUSH,
	IOP_OP_WRITE_ZEROES,
	IOP_OP_DISCARD,
	IOP_OP_MAX,
};

struct iop_io;
/** Completion callback; io->status holds 0 or a negative errno. Called from poll(). */
typedef void (*iop_io_cb)(struct iop_io *io);

/**
 * One I/O. The submitter owns the memory until cb runs. Offsets and lengths are in bytes and
 * must be multiples of the device block size for READ/WRITE/WRITE_ZEROES/DISCARD.
 * For a single contiguous buffer point iov at &iov_one with iovcnt 1.
 */
struct iop_io {
	uint8_t op;             /* enum iop_op */
	uint8_t pad[3];
	uint32_t nsid;          /* namespace / LUN index, 0-based; 0 for single-device backends */
	uint64_t offset;
	uint64_t len;
	struct iovec *iov;      /* data for READ/WRITE; ignored for FLUSH */
	int iovcnt;
	int status;             /* out: 0 or -errno */
	iop_io_cb cb;
	void *cb_arg;
	uint64_t start_ns;      /* engine: submit timestamp */
	struct iovec iov_one;
	uint64_t priv[4];       /* scratch for the module that currently owns the io */
};

static inline void
iop_io_set_buf(struct iop_io *io, void *buf, uint64_t len)
{
	io->iov_one.iov_base = buf;
	io->iov_one.iov_len = len;
	io->iov = &io->iov_one;
	io->iovcnt = 1;
	io->len = len;
}

static inline const char *
iop_op_name(int op)
{
	static const char *const names[] = {"read", "write", "flush", "write_zeroes", "discard"};
	return op >= 0 && op < IOP_OP_MAX ? names[op] : "?";
}

#endif
