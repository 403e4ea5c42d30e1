/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user client memory arena: a memfd (queues, PRP lists, I/O buffers) with a page allocator. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vfu_internal.h"

#define PAGE 4096ull

int
vfu_hostmem_init(struct vfu_hostmem *m, uint64_t size, uint64_t iova)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (!size || (size & (PAGE - 1)) || (iova & (PAGE - 1)) || iova + size < iova) {
		return -EINVAL;
	}
	m->fd = memfd_create("iopath-vfio-user-mem", MFD_CLOEXEC);
	if (m->fd < 0) {
		return -errno;
	}
	if (ftruncate(m->fd, (off_t)size)) {
		rc = -errno;
		goto fail;
	}
	m->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		rc = -errno;
		goto fail;
	}
	m->size = size;
	m->iova = iova;
	m->npages = size / PAGE;
	m->bitmap = calloc((m->npages + 63) / 64, sizeof(uint64_t));
	if (!m->bitmap) {
		rc = -ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&m->lock, NULL);
	return 0;
fail:
	vfu_hostmem_fini(m);
	return rc;
}

void
vfu_hostmem_fini(struct vfu_hostmem *m)
{
	if (m->base) {
		munmap(m->base, m->size);
		pthread_mutex_destroy(&m->lock);
	}
	if (m->fd >= 0) {
		close(m->fd);
	}
	free(m->bitmap);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

static bool
mem_used(const struct vfu_hostmem *m, uint64_t pg)
{
	return m->bitmap[pg / 64] >> (pg % 64) & 1;
}

static void
mem_mark(struct vfu_hostmem *m, uint64_t pg, uint64_t n, bool used)
{
	for (uint64_t i = pg; i < pg + n; i++) {
		if (used) {
			m->bitmap[i / 64] |= 1ull << (i % 64);
		} else {
			m->bitmap[i / 64] &= ~(1ull << (i % 64));
		}
	}
}

void *
vfu_hostmem_alloc(struct vfu_hostmem *m, size_t len)
{
	uint64_t n = (len + PAGE - 1) / PAGE, run = 0, start = 0;
	void *p = NULL;

	if (!len || n > m->npages) {
		return NULL;
	}
	pthread_mutex_lock(&m->lock);
	for (uint64_t pass = 0; pass < 2 && !p; pass++) {
		uint64_t from = pass ? 0 : m->hint;

		run = 0;
		for (uint64_t pg = from; pg < m->npages; pg++) {
			if (mem_used(m, pg)) {
				run = 0;
				continue;
			}
			if (!run) {
				start = pg;
			}
			if (++run == n) {
				mem_mark(m, start, n, true);
				m->hint = start + n;
				p = m->base + start * PAGE;
				break;
			}
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (p) {
		memset(p, 0, n * PAGE);
	}
	return p;
}

void
vfu_hostmem_free(struct vfu_hostmem *m, void *p, size_t len)
{
	uint64_t off;

	if (!p || !len) {
		return;
	}
	off = (uint64_t)((uint8_t *)p - m->base);
	pthread_mutex_lock(&m->lock);
	mem_mark(m, off / PAGE, (len + PAGE - 1) / PAGE, false);
	if (off / PAGE < m->hint) {
		m->hint = off / PAGE;
	}
	pthread_mutex_unlock(&m->lock);
}

uint64_t
vfu_hostmem_iova(const struct vfu_hostmem *m, const void *p, size_t len)
{
	const uint8_t *b = p;

	if (b < m->base || b + len > m->base + m->size || b + len < b) {
		return 0;
	}
	return m->iova + (uint64_t)(b - m->base);
}

void *
vfu_hostmem_ptr(const struct vfu_hostmem *m, uint64_t iova, uint64_t len)
{
	if (iova < m->iova || iova + len > m->iova + m->size || iova + len < iova) {
		return NULL;
	}
	return m->base + (iova - m->iova);
}
