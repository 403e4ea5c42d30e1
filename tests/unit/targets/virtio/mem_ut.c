/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: guest memory table: GPA/UVA translation, bounds, overflow, overlapping regions,
 * buffers spanning two regions, region removal, mapping a memfd at an offset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "targets/virtio/mem.h"
#include "tests/common/ut.h"

static void
test_translate(void)
{
	static uint8_t a[8192], b[8192];
	struct iop_vmem m = {0};
	struct iovec iov[4];
	unsigned int n = 0;

	CU_ASSERT_EQUAL(iop_vmem_add_ptr(&m, a, 0x1000, sizeof(a), 0x7000000), 0);
	CU_ASSERT_EQUAL(iop_vmem_add_ptr(&m, b, 0x3000, sizeof(b), 0x9000000), 0);
	/* overlapping and empty regions are refused */
	CU_ASSERT_EQUAL(iop_vmem_add_ptr(&m, b, 0x2000, 4096, 0), -EINVAL);
	CU_ASSERT_EQUAL(iop_vmem_add_ptr(&m, b, 0x9000, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(iop_vmem_add_ptr(&m, b, ~0ull - 10, 4096, 0), -EINVAL);
	CU_ASSERT_PTR_EQUAL(iop_vmem_gpa(&m, 0x1000, 16), a);
	CU_ASSERT_PTR_EQUAL(iop_vmem_gpa(&m, 0x2ff0, 16), a + 0x1ff0);
	CU_ASSERT_PTR_NULL(iop_vmem_gpa(&m, 0x2ff0, 32));       /* crosses into b: not one region */
	CU_ASSERT_PTR_NULL(iop_vmem_gpa(&m, 0x0fff, 2));
	CU_ASSERT_PTR_NULL(iop_vmem_gpa(&m, 0x5000, 1));
	CU_ASSERT_PTR_EQUAL(iop_vmem_uva(&m, 0x9000010, 8), b + 16);
	CU_ASSERT_PTR_NULL(iop_vmem_uva(&m, 0x9001ff9, 8));
	/* a buffer spanning both regions becomes two iovecs */
	CU_ASSERT_EQUAL(iop_vmem_gpa_iov(&m, 0x2f00, 0x200, iov, &n, 4), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, a + 0x1f00);
	CU_ASSERT_EQUAL(iov[0].iov_len, 0x100);
	CU_ASSERT_PTR_EQUAL(iov[1].iov_base, b);
	CU_ASSERT_EQUAL(iov[1].iov_len, 0x100);
	/* a hole, a wrap-around, too few iovecs */
	n = 0;
	CU_ASSERT_EQUAL(iop_vmem_gpa_iov(&m, 0x4f00, 0x200, iov, &n, 4), -EFAULT);
	n = 0;
	CU_ASSERT_EQUAL(iop_vmem_gpa_iov(&m, ~0ull - 8, 0x20, iov, &n, 4), -EFAULT);
	n = 0;
	CU_ASSERT_EQUAL(iop_vmem_gpa_iov(&m, 0x2f00, 0x200, iov, &n, 1), -E2BIG);
	/* removal */
	CU_ASSERT_EQUAL(iop_vmem_remove(&m, 0x1000, 4096), -ENOENT);
	CU_ASSERT_EQUAL(iop_vmem_remove(&m, 0x1000, sizeof(a)), 0);
	CU_ASSERT_PTR_NULL(iop_vmem_gpa(&m, 0x1000, 1));
	CU_ASSERT_PTR_EQUAL(iop_vmem_gpa(&m, 0x3000, 1), b);
	iop_vmem_clear(&m);
	CU_ASSERT_EQUAL(m.nr, 0);
}

static void
test_fd(void)
{
	struct iop_vmem m = {0};
	int fd = memfd_create("mem_ut", 0);
	uint8_t *p;

	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, 3 * 4096), 0);
	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p[8192 + 5] = 0x5a;
	/* region = second and third page of the fd, at GPA 0x10000 */
	CU_ASSERT_EQUAL(iop_vmem_add_fd(&m, fd, 0x10000, 8192, 0x1234000, 4096), 0);
	close(fd); /* the mapping keeps the memory */
	CU_ASSERT_EQUAL(*(uint8_t *)iop_vmem_gpa(&m, 0x10000 + 4096 + 5, 1), 0x5a);
	*(uint8_t *)iop_vmem_gpa(&m, 0x10000, 1) = 0xa5;
	CU_ASSERT_EQUAL(p[4096], 0xa5);
	CU_ASSERT_EQUAL(iop_vmem_add_fd(&m, -1, 0x90000, 4096, 0, 0), -EBADF);
	/* a region running past the end of the file would SIGBUS on use: refused */
	fd = memfd_create("mem_ut2", 0);
	CU_ASSERT_EQUAL(ftruncate(fd, 4096), 0);
	CU_ASSERT_EQUAL(iop_vmem_add_fd(&m, fd, 0x90000, 8192, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(iop_vmem_add_fd(&m, fd, 0x90000, 4096, 0, 4096), -EINVAL);
	CU_ASSERT_EQUAL(iop_vmem_add_fd(&m, fd, 0x90000, 4096, 0, 0), 0);
	close(fd);
	iop_vmem_clear(&m);
	munmap(p, 3 * 4096);
}

IOP_UT_MAIN("vmem", IOP_UT(test_translate), IOP_UT(test_fd))
