/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user DMA table: overlap (EEXIST), exact unmap, address and permission checks. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tests/common/ut.h"
#include "targets/transport/vfio_user/vfu_internal.h"

#define RW (VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE)

static void
test_add_remove(void)
{
	struct vfu_dma d;

	vfu_dma_init(&d, 4);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x10000, 0x1000, 0, RW, -1), 0);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x20000, 0x1000, 0, RW, -1), 0);
	/* Test1: overlaps in every position fail with EEXIST. */
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x10000, 0x1000, 0, RW, -1), -EEXIST);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x0f000, 0x1001, 0, RW, -1), -EEXIST);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x10fff, 0x10, 0, RW, -1), -EEXIST);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x0, 0x100000, 0, RW, -1), -EEXIST);
	/* Test2: adjacent is fine; bad arguments. */
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x11000, 0x1000, 0, RW, -1), 0);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x30000, 0, 0, RW, -1), -EINVAL);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, UINT64_MAX - 10, 0x1000, 0, RW, -1), -EINVAL);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x30000, 0x1000, 0, 0, -1), -EINVAL);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x40000, 0x1000, 0, RW, -1), 0);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x50000, 0x1000, 0, RW, -1), -ENOSPC);
	CU_ASSERT_EQUAL(d.n, 4);
	/* Test3: unmap must match exactly. */
	CU_ASSERT_EQUAL(vfu_dma_remove(&d, 0x10000, 0x800), -ENOENT);
	CU_ASSERT_EQUAL(vfu_dma_remove(&d, 0x10800, 0x800), -ENOENT);
	CU_ASSERT_EQUAL(vfu_dma_remove(&d, 0x10000, 0x1000), 0);
	CU_ASSERT_EQUAL(vfu_dma_remove(&d, 0x10000, 0x1000), -ENOENT);
	CU_ASSERT_EQUAL(d.n, 3);
	CU_ASSERT_PTR_NOT_NULL(vfu_dma_find(&d, 0x11000, 0x1000, true));
	CU_ASSERT_PTR_NULL(vfu_dma_find(&d, 0x10000, 0x10, false));
	vfu_dma_remove_all(&d);
	CU_ASSERT_EQUAL(d.n, 0);
	vfu_dma_fini(&d);
}

static void
test_translate(void)
{
	struct vfu_dma d;
	int fd = memfd_create("dma_ut", 0);
	uint8_t *p, *q;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, 0x4000) == 0);
	q = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CU_ASSERT_FATAL(q != MAP_FAILED);
	vfu_dma_init(&d, 0);
	/* Map the second half of the file at DMA address 1 MiB, read-only a 4 KiB region after. */
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x100000, 0x2000, 0x2000, RW, dup(fd)), 0);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x102000, 0x1000, 0, VFIO_USER_F_DMA_REGION_READ, dup(fd)),
			0);
	CU_ASSERT_EQUAL(vfu_dma_add(&d, 0x200000, 0x1000, 0x123, RW, fd), -EINVAL);
	p = vfu_dma_ptr(&d, 0x100010, 16, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, "hello", 6);
	CU_ASSERT_STRING_EQUAL((char *)q + 0x2010, "hello");
	/* Test1: ranges that leave a region or cross two regions are refused. */
	CU_ASSERT_PTR_NULL(vfu_dma_ptr(&d, 0x101ff8, 16, false));
	CU_ASSERT_PTR_NULL(vfu_dma_ptr(&d, 0xfffff, 2, false));
	CU_ASSERT_PTR_NULL(vfu_dma_ptr(&d, 0x103000, 1, false));
	CU_ASSERT_PTR_NULL(vfu_dma_ptr(&d, 0x100000, 0, false));
	CU_ASSERT_PTR_NULL(vfu_dma_ptr(&d, UINT64_MAX, 2, false));
	/* Test2: permissions. */
	CU_ASSERT_PTR_NOT_NULL(vfu_dma_ptr(&d, 0x102000, 8, false));
	CU_ASSERT_PTR_NULL(vfu_dma_ptr(&d, 0x102000, 8, true));
	vfu_dma_fini(&d);
	munmap(q, 0x4000);
	close(fd);
}

IOP_UT_MAIN("vfio_user_dma", IOP_UT(test_add_remove), IOP_UT(test_translate))
