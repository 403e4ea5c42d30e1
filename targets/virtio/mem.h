/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest memory table: regions mapped from SET_MEM_TABLE fds, GPA/UVA -> host pointer translation. */
#ifndef IOPATH_VIRTIO_MEM_H
#define IOPATH_VIRTIO_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define IOP_VMEM_MAX_REGIONS 32

struct iop_vmem_region {
	uint64_t gpa;        /* guest physical start */
	uint64_t size;
	uint64_t uva;        /* front end's user address of gpa */
	uint8_t *host;       /* our pointer to gpa */
	void *map;           /* mmap base (NULL for regions added by pointer) */
	size_t map_len;
};

/**
 * Concepts: every address the driver puts in a ring is a guest physical address (GPA); the
 * vhost-user front end also names the rings themselves by its own user address (UVA). A buffer
 * is usable only when it lies entirely inside mapped regions; anything else is a driver error.
 */
struct iop_vmem {
	unsigned int nr;
	unsigned int last;   /* index of the region that matched last (translation cache) */
	struct iop_vmem_region r[IOP_VMEM_MAX_REGIONS];
};

/** mmap size+off bytes of fd (shared, read/write) and add [gpa, gpa+size) at off in it.
 * fd stays owned by the caller (it may be closed right after). A regular file (memfd, hugetlbfs,
 * tmpfs) must be at least off+size long. A front end that shrinks the file afterwards can still
 * make accesses fault; nothing here guards against that.
 * \return 0, -EINVAL (zero size, overflow, overlap, beyond the file), -ENOSPC (table full),
 * -errno of fstat/mmap. */
int iop_vmem_add_fd(struct iop_vmem *m, int fd, uint64_t gpa, uint64_t size, uint64_t uva,
		    uint64_t off);
/** Add an already mapped region (the driver side and unit tests). \return as iop_vmem_add_fd. */
int iop_vmem_add_ptr(struct iop_vmem *m, void *host, uint64_t gpa, uint64_t size, uint64_t uva);
/** Unmap and forget the region that starts at gpa with that size. \return 0 or -ENOENT. */
int iop_vmem_remove(struct iop_vmem *m, uint64_t gpa, uint64_t size);
/** Unmap and forget every region. */
void iop_vmem_clear(struct iop_vmem *m);

/** Host pointer for [gpa, gpa+len) when it lies in one region, else NULL. */
void *iop_vmem_gpa(struct iop_vmem *m, uint64_t gpa, uint64_t len);
/** Host pointer for the front end's user address range [uva, uva+len), else NULL. */
void *iop_vmem_uva(struct iop_vmem *m, uint64_t uva, uint64_t len);
/**
 * Translate [gpa, gpa+len) into host iovecs appended at iov[*n] (a buffer may span adjacent
 * regions). \return 0, -EFAULT when some byte is unmapped, -E2BIG when more than max iovecs.
 */
int iop_vmem_gpa_iov(struct iop_vmem *m, uint64_t gpa, uint64_t len, struct iovec *iov,
		     unsigned int *n, unsigned int max);

#endif
