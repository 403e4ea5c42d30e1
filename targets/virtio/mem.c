/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest memory table: regions mapped from SET_MEM_TABLE fds, GPA/UVA -> host pointer translation. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "targets/virtio/mem.h"

static int
vmem_check_new(const struct iop_vmem *m, uint64_t gpa, uint64_t size)
{
	if (size == 0 || gpa + size < gpa) {
		return -EINVAL;
	}
	if (m->nr == IOP_VMEM_MAX_REGIONS) {
		return -ENOSPC;
	}
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct iop_vmem_region *r = &m->r[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size) {
			return -EINVAL;
		}
	}
	return 0;
}

int
iop_vmem_add_fd(struct iop_vmem *m, int fd, uint64_t gpa, uint64_t size, uint64_t uva,
		uint64_t off)
{
	struct iop_vmem_region *r;
	struct stat st;
	void *p;
	int rc = vmem_check_new(m, gpa, size);

	if (rc) {
		return rc;
	}
	if (off + size < off || uva + size < uva || off + size > SIZE_MAX) {
		return -EINVAL;
	}
	/* A region past the end of its file would fault (SIGBUS) on first use: refuse it. */
	if (fstat(fd, &st)) {
		return -errno;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < off + size) {
		return -EINVAL;
	}
	p = mmap(NULL, off + size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		return -errno;
	}
	r = &m->r[m->nr++];
	r->gpa = gpa;
	r->size = size;
	r->uva = uva;
	r->map = p;
	r->map_len = off + size;
	r->host = (uint8_t *)p + off;
	return 0;
}

int
iop_vmem_add_ptr(struct iop_vmem *m, void *host, uint64_t gpa, uint64_t size, uint64_t uva)
{
	struct iop_vmem_region *r;
	int rc = vmem_check_new(m, gpa, size);

	if (rc) {
		return rc;
	}
	r = &m->r[m->nr++];
	memset(r, 0, sizeof(*r));
	r->gpa = gpa;
	r->size = size;
	r->uva = uva;
	r->host = host;
	return 0;
}

int
iop_vmem_remove(struct iop_vmem *m, uint64_t gpa, uint64_t size)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		if (m->r[i].gpa == gpa && m->r[i].size == size) {
			if (m->r[i].map) {
				munmap(m->r[i].map, m->r[i].map_len);
			}
			m->r[i] = m->r[--m->nr];
			m->last = 0;
			return 0;
		}
	}
	return -ENOENT;
}

void
iop_vmem_clear(struct iop_vmem *m)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		if (m->r[i].map) {
			munmap(m->r[i].map, m->r[i].map_len);
		}
	}
	m->nr = 0;
	m->last = 0;
}

/* Region holding byte gpa, or NULL. The last hit is tried first: rings and buffers of one
 * queue nearly always sit in the same region. */
static struct iop_vmem_region *
vmem_find(struct iop_vmem *m, uint64_t gpa)
{
	/* several threads translate through one table (the rings of one device are spread
	 * over threads): the hint is a relaxed atomic, any value of it is safe */
	unsigned int last = __atomic_load_n(&m->last, __ATOMIC_RELAXED);
	struct iop_vmem_region *r;

	if (last < m->nr) {
		r = &m->r[last];
		if (gpa - r->gpa < r->size) {
			return r;
		}
	}
	for (unsigned int i = 0; i < m->nr; i++) {
		r = &m->r[i];
		if (gpa - r->gpa < r->size) {
			__atomic_store_n(&m->last, i, __ATOMIC_RELAXED);
			return r;
		}
	}
	return NULL;
}

void *
iop_vmem_gpa(struct iop_vmem *m, uint64_t gpa, uint64_t len)
{
	struct iop_vmem_region *r = vmem_find(m, gpa);

	if (!r || len > r->size - (gpa - r->gpa)) {
		return NULL;
	}
	return r->host + (gpa - r->gpa);
}

void *
iop_vmem_uva(struct iop_vmem *m, uint64_t uva, uint64_t len)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		struct iop_vmem_region *r = &m->r[i];

		if (uva - r->uva < r->size && len <= r->size - (uva - r->uva)) {
			return r->host + (uva - r->uva);
		}
	}
	return NULL;
}

int
iop_vmem_gpa_iov(struct iop_vmem *m, uint64_t gpa, uint64_t len, struct iovec *iov,
		 unsigned int *n, unsigned int max)
{
	if (gpa + len < gpa) {
		return -EFAULT;
	}
	while (len) {
		struct iop_vmem_region *r = vmem_find(m, gpa);
		uint64_t chunk;

		if (!r) {
			return -EFAULT;
		}
		if (*n >= max) {
			return -E2BIG;
		}
		chunk = len < r->size - (gpa - r->gpa) ? len : r->size - (gpa - r->gpa);
		iov[*n].iov_base = r->host + (gpa - r->gpa);
		iov[*n].iov_len = chunk;
		(*n)++;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}
