/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user client memory arena: page allocation, reuse, IOVA translation bounds. */
#include <errno.h>
#include <string.h>
#include "tests/common/ut.h"
#include "targets/transport/vfio_user/vfu_internal.h"

static void
test_arena(void)
{
	struct vfu_hostmem m;
	uint8_t *a, *b, *c;

	CU_ASSERT_EQUAL(vfu_hostmem_init(&m, 12345, 0), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(vfu_hostmem_init(&m, 16 * 4096, 0x100000000ull), 0);
	a = vfu_hostmem_alloc(&m, 100);
	b = vfu_hostmem_alloc(&m, 8192);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b - a, 4096);
	CU_ASSERT_EQUAL(vfu_hostmem_iova(&m, b, 8192), 0x100001000ull);
	CU_ASSERT_EQUAL(vfu_hostmem_iova(&m, a - 1, 1), 0);
	CU_ASSERT_EQUAL(vfu_hostmem_iova(&m, m.base + 16 * 4096 - 8, 16), 0);
	CU_ASSERT_PTR_EQUAL(vfu_hostmem_ptr(&m, 0x100001000ull, 16), b);
	CU_ASSERT_PTR_NULL(vfu_hostmem_ptr(&m, 0x100010000ull - 8, 16));
	CU_ASSERT_PTR_NULL(vfu_hostmem_ptr(&m, 0xfffff000ull, 16));
	/* Exhaustion, then reuse of a freed hole. */
	CU_ASSERT_PTR_NULL(vfu_hostmem_alloc(&m, 14 * 4096));
	c = vfu_hostmem_alloc(&m, 13 * 4096);
	CU_ASSERT_PTR_NOT_NULL(c);
	CU_ASSERT_PTR_NULL(vfu_hostmem_alloc(&m, 1));
	memset(a, 0x5a, 4096);
	vfu_hostmem_free(&m, a, 100);
	c = vfu_hostmem_alloc(&m, 4096);
	CU_ASSERT_PTR_EQUAL(c, a);
	CU_ASSERT_EQUAL(c[0], 0); /* zeroed */
	vfu_hostmem_fini(&m);
}

IOP_UT_MAIN("vfio_user_hostmem", IOP_UT(test_arena))
