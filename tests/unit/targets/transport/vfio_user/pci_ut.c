/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user PCI model: class code, BAR sizing, read-only bits, MSI-X masking/PBA. */
#include <errno.h>
#include <string.h>
#include "tests/common/ut.h"
#include "targets/transport/vfio_user/vfu_internal.h"

static uint32_t
rd32(struct vfu_pci *p, unsigned int off)
{
	uint32_t v = 0;

	CU_ASSERT_EQUAL(vfu_pci_cfg_access(p, off, &v, 4, false), 0);
	return v;
}

static void
wr32(struct vfu_pci *p, unsigned int off, uint32_t v)
{
	CU_ASSERT_EQUAL(vfu_pci_cfg_access(p, off, &v, 4, true), 0);
}

static void
test_config(void)
{
	static struct vfu_pci p;

	vfu_pci_init(&p, 0x1b36, 0x0010, 8);
	CU_ASSERT_EQUAL(rd32(&p, 0), 0x00101b36);
	CU_ASSERT_EQUAL(rd32(&p, 8) >> 8, 0x010802);
	/* Test1: BAR sizing reads back the size mask with the type bits. */
	wr32(&p, 0x10, 0xffffffff);
	CU_ASSERT_EQUAL(rd32(&p, 0x10), (~(VFU_BAR0_SIZE - 1)) | 0x4);
	wr32(&p, 0x14, 0xffffffff);
	CU_ASSERT_EQUAL(rd32(&p, 0x14), 0xffffffff);
	wr32(&p, 0x20, 0xffffffff);
	CU_ASSERT_EQUAL(rd32(&p, 0x20), ~(VFU_BAR4_SIZE - 1));
	wr32(&p, 0x18, 0xffffffff); /* BAR2: absent */
	CU_ASSERT_EQUAL(rd32(&p, 0x18), 0);
	/* Test2: IDs and class are read-only; out of range fails. */
	wr32(&p, 0, 0);
	CU_ASSERT_EQUAL(rd32(&p, 0), 0x00101b36);
	CU_ASSERT_EQUAL(vfu_pci_cfg_access(&p, 4094, &(uint32_t){0}, 4, false), -EINVAL);
	/* Test3: capability chain MSI-X -> PCIe. */
	CU_ASSERT_EQUAL(p.cfg[0x34], VFU_CAP_MSIX);
	CU_ASSERT_EQUAL(p.cfg[VFU_CAP_MSIX], 0x11);
	CU_ASSERT_EQUAL(p.cfg[VFU_CAP_MSIX + 1], VFU_CAP_PCIE);
	CU_ASSERT_EQUAL(p.cfg[VFU_CAP_PCIE], 0x10);
	CU_ASSERT_EQUAL(rd32(&p, VFU_CAP_MSIX) >> 16 & 0x7ff, 7);
}

static unsigned int g_fired;

static void
fire(void *arg, uint32_t vec)
{
	g_fired |= 1u << vec;
}

static void
test_msix(void)
{
	static struct vfu_pci p;
	uint32_t ctl = 1;
	uint64_t pba = 0;

	vfu_pci_init(&p, 1, 2, 4);
	CU_ASSERT_FALSE(vfu_pci_msix_enabled(&p));
	CU_ASSERT(vfu_pci_intx_allowed(&p));
	wr32(&p, VFU_CAP_MSIX, 0x80000000u);
	CU_ASSERT(vfu_pci_msix_enabled(&p));
	CU_ASSERT_FALSE(vfu_pci_intx_allowed(&p));
	CU_ASSERT(vfu_pci_msix_route(&p, 1));
	CU_ASSERT_FALSE(vfu_pci_msix_route(&p, 9));
	/* Mask vector 2: the interrupt pends, unmasking delivers it. */
	CU_ASSERT_EQUAL(vfu_pci_msix_access(&p, 2 * 16 + 12, &ctl, 4, true, fire, NULL), 0);
	CU_ASSERT_FALSE(vfu_pci_msix_route(&p, 2));
	CU_ASSERT_EQUAL(vfu_pci_msix_access(&p, VFU_PBA_OFFSET, &pba, 8, false, fire, NULL), 0);
	CU_ASSERT_EQUAL(pba, 4);
	ctl = 0;
	CU_ASSERT_EQUAL(vfu_pci_msix_access(&p, 2 * 16 + 12, &ctl, 4, true, fire, NULL), 0);
	CU_ASSERT_EQUAL(g_fired, 4);
	CU_ASSERT_EQUAL(p.pba, 0);
	/* PBA is read-only, accesses beyond BAR4 fail. */
	CU_ASSERT_EQUAL(vfu_pci_msix_access(&p, VFU_PBA_OFFSET, &pba, 8, true, fire, NULL), -EINVAL);
	CU_ASSERT_EQUAL(vfu_pci_msix_access(&p, VFU_BAR4_SIZE - 4, &pba, 8, false, fire, NULL),
			-EINVAL);
}

IOP_UT_MAIN("vfio_user_pci", IOP_UT(test_config), IOP_UT(test_msix))
