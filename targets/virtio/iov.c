/* SPDX-License-Identifier: BSD-3-Clause */
/* iovec helpers for request parsing: copy to/from scattered buffers, slice a byte range. */
#include <errno.h>
#include <string.h>
#include "targets/virtio/iov.h"

size_t
iop_iov_len(const struct iovec *iov, unsigned int n)
{
	size_t t = 0;

	for (unsigned int i = 0; i < n; i++) {
		t += iov[i].iov_len;
	}
	return t;
}

/* Walk iov from byte off; op 0 = to buf, 1 = from buf, 2 = zero. */
static size_t
iov_walk(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len, int op)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, c;
		uint8_t *p = iov[i].iov_base;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = l - off;
		if (c > len - done) {
			c = len - done;
		}
		if (op == 0) {
			memcpy((uint8_t *)buf + done, p + off, c);
		} else if (op == 1) {
			memcpy(p + off, (const uint8_t *)buf + done, c);
		} else {
			memset(p + off, 0, c);
		}
		done += c;
		off = 0;
	}
	return done;
}

size_t
iop_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len)
{
	return iov_walk(iov, n, off, buf, len, 0);
}

size_t
iop_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf, size_t len)
{
	return iov_walk(iov, n, off, (void *)buf, len, 1);
}

size_t
iop_iov_memset0(const struct iovec *iov, unsigned int n, size_t off, size_t len)
{
	return iov_walk(iov, n, off, NULL, len, 2);
}

int
iop_iov_slice(const struct iovec *src, unsigned int n, size_t off, size_t len, struct iovec *dst,
	      unsigned int max)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n && len; i++) {
		size_t l = src[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = l - off;
		if (c > len) {
			c = len;
		}
		if (k == max) {
			return -E2BIG;
		}
		dst[k].iov_base = (uint8_t *)src[i].iov_base + off;
		dst[k].iov_len = c;
		k++;
		len -= c;
		off = 0;
	}
	return len ? -ERANGE : (int)k;
}
