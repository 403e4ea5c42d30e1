/* SPDX-License-Identifier: BSD-3-Clause */
/* iovec helpers for request parsing: copy to/from scattered buffers, slice a byte range. */
#ifndef IOPATH_VIRTIO_IOV_H
#define IOPATH_VIRTIO_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/** Total bytes of iov[0..n). */
size_t iop_iov_len(const struct iovec *iov, unsigned int n);
/** Copy up to len bytes starting at byte off of iov into buf. \return bytes copied. */
size_t iop_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len);
/** Copy len bytes of buf into iov starting at byte off. \return bytes copied. */
size_t iop_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf,
			size_t len);
/** Zero len bytes of iov from byte off. \return bytes zeroed. */
size_t iop_iov_memset0(const struct iovec *iov, unsigned int n, size_t off, size_t len);
/**
 * Describe bytes [off, off+len) of src as iovecs in dst (no copy).
 * \return number of dst entries, or -E2BIG (more than max needed) / -ERANGE (src too short).
 */
int iop_iov_slice(const struct iovec *src, unsigned int n, size_t off, size_t len,
		  struct iovec *dst, unsigned int max);

#endif
