/* SPDX-License-Identifier: BSD-3-Clause */
/* PRP and SGL data pointers (NVMe base 4.1) -> iovecs through a translate hook; iov helpers. */
#include <string.h>
#include "targets/nvme/nvme_internal.h"

/*
 * Every guest address goes through tr(); a NULL answer fails the command with Data Transfer
 * Error, so a malicious or buggy host can only make its own command fail. PRP list pages and
 * SGL segments are read through tr() too, one page / one segment at a time, and the walk is
 * bounded (iovmax entries, NVME_SGL_MAX_SEGMENTS segments) so a looping list cannot hang us.
 * Adjacent chunks that are contiguous in host memory are merged into one iovec.
 */

#define NVME_SGL_MAX_SEGMENTS 64

#define GST(sc) NVME_ST(GENERIC, sc)

static int
iov_push(struct iovec *iov, int iovmax, int *n, void *p, size_t len)
{
	if (*n > 0 && (char *)iov[*n - 1].iov_base + iov[*n - 1].iov_len == (char *)p) {
		iov[*n - 1].iov_len += len;
		return 0;
	}
	if (*n >= iovmax) {
		return -1;
	}
	iov[*n].iov_base = p;
	iov[*n].iov_len = len;
	(*n)++;
	return 0;
}

static uint16_t
prp_chunk(uint64_t addr, uint32_t len, iop_nvme_translate_fn tr, void *ctx, bool write,
	  struct iovec *iov, int iovmax, int *n)
{
	void *p = tr(ctx, addr, len, write);

	if (!p) {
		return GST(DATA_TRANSFER_ERROR);
	}
	if (iov_push(iov, iovmax, n, p, len)) {
		return GST(INVALID_FIELD);
	}
	return 0;
}

uint16_t
iop_nvme_prp_to_iov(uint64_t prp1, uint64_t prp2, uint32_t len, uint32_t page_size,
		    iop_nvme_translate_fn tr, void *ctx, bool write, struct iovec *iov, int iovmax,
		    int *iovcnt)
{
	uint64_t mask = (uint64_t)page_size - 1;
	uint32_t chunk, left = len;
	uint64_t list;
	uint16_t st;
	int n = 0;

	*iovcnt = 0;
	if (len == 0 || page_size < 4096 || (page_size & mask)) {
		return GST(INVALID_FIELD);
	}
	if (prp1 & 3) {
		return GST(INVALID_PRP_OFFSET);
	}
	chunk = (uint32_t)IOP_MIN((uint64_t)left, page_size - (prp1 & mask));
	st = prp_chunk(prp1, chunk, tr, ctx, write, iov, iovmax, &n);
	if (st) {
		return st;
	}
	left -= chunk;
	if (left == 0) {
		*iovcnt = n;
		return 0;
	}
	if (left <= page_size) {
		/* PRP2 is the second data page. */
		if (prp2 & mask) {
			return GST(INVALID_PRP_OFFSET);
		}
		st = prp_chunk(prp2, left, tr, ctx, write, iov, iovmax, &n);
		if (st) {
			return st;
		}
		*iovcnt = n;
		return 0;
	}
	/* PRP2 points to a PRP list (it may start at an offset into its page). */
	list = prp2;
	if (list & 7) {
		return GST(INVALID_PRP_OFFSET);
	}
	while (left) {
		uint32_t slots = (uint32_t)((page_size - (list & mask)) / 8);
		uint32_t need = (uint32_t)(((uint64_t)left + page_size - 1) / page_size);
		uint32_t use = need <= slots ? need : slots - 1; /* last slot chains */
		const uint64_t *ents;

		if (slots < 2 && need > slots) {
			return GST(INVALID_PRP_OFFSET);
		}
		ents = tr(ctx, list, (uint64_t)(need <= slots ? need : slots) * 8, false);
		if (!ents) {
			return GST(DATA_TRANSFER_ERROR);
		}
		for (uint32_t i = 0; i < use; i++) {
			uint64_t e;

			memcpy(&e, &ents[i], 8);
			if (e & mask) {
				return GST(INVALID_PRP_OFFSET);
			}
			chunk = IOP_MIN(left, page_size);
			st = prp_chunk(e, chunk, tr, ctx, write, iov, iovmax, &n);
			if (st) {
				return st;
			}
			left -= chunk;
		}
		if (left) {
			memcpy(&list, &ents[slots - 1], 8);
			if (list & mask) {
				return GST(INVALID_PRP_OFFSET);
			}
		}
	}
	*iovcnt = n;
	return 0;
}

/* One data block descriptor into iovecs. */
static uint16_t
sgl_data(const struct iop_nvme_sgl_desc *d, uint32_t *left, iop_nvme_translate_fn tr, void *ctx,
	 bool write, struct iovec *iov, int iovmax, int *n)
{
	uint32_t take;
	void *p;

	if (iop_nvme_sgl_subtype(d) != IOP_NVME_SGL_SUBTYPE_ADDRESS) {
		return GST(SGL_DESCRIPTOR_TYPE_INVALID);
	}
	take = IOP_MIN(*left, d->unkeyed.length);
	if (take == 0) {
		return 0;
	}
	p = tr(ctx, d->address, take, write);
	if (!p) {
		return GST(DATA_TRANSFER_ERROR);
	}
	if (iov_push(iov, iovmax, n, p, take)) {
		return GST(INVALID_NUM_SGL_DESCIRPTORS);
	}
	*left -= take;
	return 0;
}

uint16_t
iop_nvme_sgl_to_iov(const struct iop_nvme_sgl_desc *sgl1, uint32_t len, iop_nvme_translate_fn tr,
		    void *ctx, bool write, struct iovec *iov, int iovmax, int *iovcnt)
{
	struct iop_nvme_sgl_desc seg = *sgl1;
	uint32_t left = len;
	uint16_t st;
	int n = 0;

	*iovcnt = 0;
	if (len == 0) {
		return GST(INVALID_FIELD);
	}
	switch (iop_nvme_sgl_type(&seg)) {
	case IOP_NVME_SGL_TYPE_DATA_BLOCK:
		st = sgl_data(&seg, &left, tr, ctx, write, iov, iovmax, &n);
		if (st) {
			return st;
		}
		if (left) {
			return GST(DATA_SGL_LENGTH_INVALID);
		}
		*iovcnt = n;
		return 0;
	case IOP_NVME_SGL_TYPE_SEGMENT:
	case IOP_NVME_SGL_TYPE_LAST_SEGMENT:
		break;
	default:
		return GST(SGL_DESCRIPTOR_TYPE_INVALID);
	}
	for (int segs = 0;; segs++) {
		bool last = iop_nvme_sgl_type(&seg) == IOP_NVME_SGL_TYPE_LAST_SEGMENT;
		uint32_t nd = seg.unkeyed.length / 16;
		const struct iop_nvme_sgl_desc *list;
		struct iop_nvme_sgl_desc next;
		bool chained = false;

		if (segs >= NVME_SGL_MAX_SEGMENTS) {
			return GST(INVALID_NUM_SGL_DESCIRPTORS);
		}
		if (nd == 0 || seg.unkeyed.length % 16 || (seg.address & 3) ||
		    iop_nvme_sgl_subtype(&seg) != IOP_NVME_SGL_SUBTYPE_ADDRESS) {
			return GST(INVALID_SGL_SEG_DESCRIPTOR);
		}
		list = tr(ctx, seg.address, seg.unkeyed.length, false);
		if (!list) {
			return GST(DATA_TRANSFER_ERROR);
		}
		for (uint32_t i = 0; i < nd; i++) {
			struct iop_nvme_sgl_desc d;

			memcpy(&d, &list[i], sizeof(d));
			switch (iop_nvme_sgl_type(&d)) {
			case IOP_NVME_SGL_TYPE_DATA_BLOCK:
				st = sgl_data(&d, &left, tr, ctx, write, iov, iovmax, &n);
				if (st) {
					return st;
				}
				break;
			case IOP_NVME_SGL_TYPE_SEGMENT:
			case IOP_NVME_SGL_TYPE_LAST_SEGMENT:
				/* Only the last descriptor of a (non-last) segment may chain. */
				if (last || i != nd - 1) {
					return GST(INVALID_SGL_SEG_DESCRIPTOR);
				}
				next = d;
				chained = true;
				break;
			default:
				return GST(SGL_DESCRIPTOR_TYPE_INVALID);
			}
		}
		if (!chained) {
			break;
		}
		seg = next;
	}
	if (left) {
		return GST(DATA_SGL_LENGTH_INVALID);
	}
	*iovcnt = n;
	return 0;
}

size_t
iop_nvme_iov_from_buf(const struct iovec *iov, int iovcnt, size_t off, const void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = IOP_MIN(l - off, len - done);
		memcpy((char *)iov[i].iov_base + off, (const char *)buf + done, l);
		done += l;
		off = 0;
	}
	return done;
}

size_t
iop_nvme_iov_to_buf(const struct iovec *iov, int iovcnt, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = IOP_MIN(l - off, len - done);
		memcpy((char *)buf + done, (const char *)iov[i].iov_base + off, l);
		done += l;
		off = 0;
	}
	return done;
}
