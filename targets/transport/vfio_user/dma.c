/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user DMA table: client memory regions (mmapped from passed fds) and address checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vfu_internal.h"

void
vfu_dma_init(struct vfu_dma *d, unsigned int max_maps)
{
	memset(d, 0, sizeof(*d));
	d->max = max_maps ? max_maps : VFIO_USER_DEF_MAX_DMA_MAPS;
}

/* Index of the first region with addr + size > a (binary search). */
static unsigned int
dma_lower(const struct vfu_dma *d, uint64_t a)
{
	unsigned int lo = 0, hi = d->n;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (d->r[mid].addr + d->r[mid].size <= a) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

int
vfu_dma_add(struct vfu_dma *d, uint64_t addr, uint64_t size, uint64_t offset, uint32_t prot,
	    int fd)
{
	struct vfu_dma_region *r;
	unsigned int i;
	void *map = NULL;

	if (!size || addr + size < addr || !prot ||
	    (prot & ~(VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE))) {
		return -EINVAL;
	}
	if (fd < 0 && offset) {
		return -EINVAL;
	}
	i = dma_lower(d, addr);
	if (i < d->n && d->r[i].addr < addr + size) {
		return -EEXIST;
	}
	if (d->n >= d->max) {
		return -ENOSPC;
	}
	if (d->n == d->cap) {
		unsigned int cap = d->cap ? d->cap * 2 : 8;

		r = realloc(d->r, cap * sizeof(*r));
		if (!r) {
			return -ENOMEM;
		}
		d->r = r;
		d->cap = cap;
	}
	if (fd >= 0) {
		int mprot = 0;

		if ((offset & 4095) || size > SIZE_MAX || offset + size < offset) {
			return -EINVAL;
		}
		mprot |= prot & VFIO_USER_F_DMA_REGION_READ ? PROT_READ : 0;
		mprot |= prot & VFIO_USER_F_DMA_REGION_WRITE ? PROT_WRITE | PROT_READ : 0;
		map = mmap(NULL, (size_t)size, mprot, MAP_SHARED, fd, (off_t)offset);
		if (map == MAP_FAILED) {
			return -errno;
		}
	}
	memmove(&d->r[i + 1], &d->r[i], (d->n - i) * sizeof(*r));
	r = &d->r[i];
	r->addr = addr;
	r->size = size;
	r->offset = offset;
	r->prot = prot;
	r->fd = fd;
	r->map = map;
	d->n++;
	d->last = i;
	return 0;
}

static void
dma_release(struct vfu_dma_region *r)
{
	if (r->map) {
		munmap(r->map, (size_t)r->size);
	}
	if (r->fd >= 0) {
		close(r->fd);
	}
}

int
vfu_dma_remove(struct vfu_dma *d, uint64_t addr, uint64_t size)
{
	unsigned int i = dma_lower(d, addr);

	if (i >= d->n || d->r[i].addr != addr || d->r[i].size != size) {
		return -ENOENT;
	}
	dma_release(&d->r[i]);
	memmove(&d->r[i], &d->r[i + 1], (d->n - i - 1) * sizeof(d->r[0]));
	d->n--;
	d->last = 0;
	return 0;
}

void
vfu_dma_remove_all(struct vfu_dma *d)
{
	for (unsigned int i = 0; i < d->n; i++) {
		dma_release(&d->r[i]);
	}
	d->n = 0;
	d->last = 0;
}

void
vfu_dma_fini(struct vfu_dma *d)
{
	vfu_dma_remove_all(d);
	free(d->r);
	d->r = NULL;
	d->cap = 0;
}

const struct vfu_dma_region *
vfu_dma_find(struct vfu_dma *d, uint64_t addr, uint64_t len, bool write)
{
	const struct vfu_dma_region *r;
	unsigned int i;
	uint32_t need = write ? VFIO_USER_F_DMA_REGION_WRITE : VFIO_USER_F_DMA_REGION_READ;

	if (!len || addr + len < addr) {
		return NULL;
	}
	if (d->last < d->n) {
		r = &d->r[d->last];
		if (addr >= r->addr && addr + len <= r->addr + r->size) {
			return (r->prot & need) ? r : NULL;
		}
	}
	i = dma_lower(d, addr);
	if (i >= d->n) {
		return NULL;
	}
	r = &d->r[i];
	if (addr < r->addr || addr + len > r->addr + r->size || !(r->prot & need)) {
		return NULL;
	}
	d->last = i;
	return r;
}

void *
vfu_dma_ptr(struct vfu_dma *d, uint64_t addr, uint64_t len, bool write)
{
	const struct vfu_dma_region *r = vfu_dma_find(d, addr, len, write);

	if (!r || !r->map) {
		return NULL;
	}
	return r->map + (addr - r->addr);
}
