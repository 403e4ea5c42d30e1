/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user NVMe PCI function model: config space (class 010802h, BARs, MSI-X and PCIe caps). */
#include <errno.h>
#include <string.h>
#include "iopath/util.h"
#include "vfu_internal.h"

#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_CMD_INTX_DIS  0x0400u
#define MSIX_CTRL_ENABLE  0x8000u
#define MSIX_CTRL_FMASK   0x4000u

static void
pci_put16(struct vfu_pci *p, unsigned int off, uint16_t v)
{
	memcpy(&p->cfg[off], &v, 2);
}

static void
pci_put32(struct vfu_pci *p, unsigned int off, uint32_t v)
{
	memcpy(&p->cfg[off], &v, 4);
}

static void
pci_wmask32(struct vfu_pci *p, unsigned int off, uint32_t m)
{
	memcpy(&p->wmask[off], &m, 4);
}

static uint16_t
pci_get16(const struct vfu_pci *p, unsigned int off)
{
	uint16_t v;

	memcpy(&v, &p->cfg[off], 2);
	return v;
}

void
vfu_pci_init(struct vfu_pci *p, uint16_t vendor, uint16_t device, uint32_t nvec)
{
	memset(p, 0, sizeof(*p));
	if (nvec < 1) {
		nvec = 1;
	}
	if (nvec > VFU_MAX_VECTORS) {
		nvec = VFU_MAX_VECTORS;
	}
	p->nvec = nvec;
	pci_put16(p, 0x00, vendor);
	pci_put16(p, 0x02, device);
	pci_put16(p, PCI_STATUS, 0x0010);           /* capabilities list */
	p->cfg[0x08] = 0x00;                        /* revision */
	p->cfg[0x09] = 0x02;                        /* prog-if: NVM Express */
	p->cfg[0x0a] = 0x08;                        /* subclass: non-volatile memory */
	p->cfg[0x0b] = 0x01;                        /* class: mass storage */
	p->cfg[0x0e] = 0x00;                        /* header type 0 */
	pci_put32(p, 0x10, 0x4);                    /* BAR0: 64-bit memory, non-prefetchable */
	pci_wmask32(p, 0x10, ~(VFU_BAR0_SIZE - 1) & ~0xfu);
	pci_wmask32(p, 0x14, 0xffffffffu);          /* BAR1: upper half of BAR0 */
	pci_put32(p, 0x20, 0x0);                    /* BAR4: 32-bit memory (MSI-X) */
	pci_wmask32(p, 0x20, ~(VFU_BAR4_SIZE - 1) & ~0xfu);
	pci_put16(p, 0x2c, vendor);                 /* subsystem vendor */
	pci_put16(p, 0x2e, device);
	p->cfg[0x34] = VFU_CAP_MSIX;
	p->cfg[0x3c] = 0xff;                        /* interrupt line: unassigned */
	p->wmask[0x3c] = 0xff;
	p->cfg[0x3d] = 0x01;                        /* INTA# */
	/* COMMAND: I/O space (0), memory (1), bus master (2), INTx disable (10) writable. */
	p->wmask[PCI_COMMAND] = 0x07;
	p->wmask[PCI_COMMAND + 1] = 0x04;

	/* MSI-X capability: table in BAR4 at 0, PBA in BAR4 at 0x1000. */
	p->cfg[VFU_CAP_MSIX] = 0x11;
	p->cfg[VFU_CAP_MSIX + 1] = VFU_CAP_PCIE;
	pci_put16(p, VFU_CAP_MSIX + 2, (uint16_t)(nvec - 1));
	p->wmask[VFU_CAP_MSIX + 3] = (MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK) >> 8;
	pci_put32(p, VFU_CAP_MSIX + 4, 0x0 | 4);
	pci_put32(p, VFU_CAP_MSIX + 8, VFU_PBA_OFFSET | 4);

	/* PCI Express capability v2, endpoint; FLR not offered (DEVICE_RESET is the reset). */
	p->cfg[VFU_CAP_PCIE] = 0x10;
	p->cfg[VFU_CAP_PCIE + 1] = 0x00;
	pci_put16(p, VFU_CAP_PCIE + 2, 0x0002);     /* version 2, type 0 (endpoint) */
	pci_put32(p, VFU_CAP_PCIE + 4, 0x00000000); /* DevCap: 128-byte max payload */
	pci_put16(p, VFU_CAP_PCIE + 8, 0x2810);     /* DevCtl: relaxed ordering, MRRS 512 */
	p->wmask[VFU_CAP_PCIE + 8] = 0xff;
	p->wmask[VFU_CAP_PCIE + 9] = 0x7f;
	pci_put32(p, VFU_CAP_PCIE + 0x0c, 0x00400011); /* LinkCap: 2.5 GT/s, x4... port 0 */
	pci_put16(p, VFU_CAP_PCIE + 0x12, 0x0041);  /* LinkSta: 2.5 GT/s x4 */
}

int
vfu_pci_cfg_access(struct vfu_pci *p, uint64_t off, void *buf, uint32_t count, bool write)
{
	uint8_t *b = buf;

	if (off >= VFU_CFG_SIZE || count > VFU_CFG_SIZE - off) {
		return -EINVAL;
	}
	if (!write) {
		memcpy(buf, &p->cfg[off], count);
		return 0;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t m = p->wmask[off + i];

		p->cfg[off + i] = (uint8_t)((p->cfg[off + i] & ~m) | (b[i] & m));
	}
	return 0;
}

bool
vfu_pci_msix_enabled(const struct vfu_pci *p)
{
	return pci_get16(p, VFU_CAP_MSIX + 2) & MSIX_CTRL_ENABLE;
}

bool
vfu_pci_intx_allowed(const struct vfu_pci *p)
{
	return !vfu_pci_msix_enabled(p) && !(pci_get16(p, PCI_COMMAND) & PCI_CMD_INTX_DIS);
}

static bool
msix_masked(const struct vfu_pci *p, uint32_t vec)
{
	return (pci_get16(p, VFU_CAP_MSIX + 2) & MSIX_CTRL_FMASK) || (p->msix_table[vec][3] & 1);
}

bool
vfu_pci_msix_route(struct vfu_pci *p, uint32_t vec)
{
	if (vec >= p->nvec) {
		return false;
	}
	if (msix_masked(p, vec)) {
		p->pba |= 1ull << vec;
		return false;
	}
	return true;
}

int
vfu_pci_msix_access(struct vfu_pci *p, uint64_t off, void *buf, uint32_t count, bool write,
		    void (*fire)(void *arg, uint32_t vec), void *arg)
{
	uint64_t tsize = (uint64_t)p->nvec * 16;

	if (off >= VFU_BAR4_SIZE || count > VFU_BAR4_SIZE - off) {
		return -EINVAL;
	}
	if (off >= VFU_PBA_OFFSET) {
		uint64_t poff = off - VFU_PBA_OFFSET;

		if (write) {
			return -EINVAL; /* PBA is read-only */
		}
		memset(buf, 0, count);
		if (poff < sizeof(p->pba)) {
			memcpy(buf, (uint8_t *)&p->pba + poff, IOP_MIN(count, sizeof(p->pba) - poff));
		}
		return 0;
	}
	if (off + count > tsize) {
		if (!write) {
			memset(buf, 0, count);
		}
		if (off >= tsize) {
			return 0; /* beyond the table inside the page: reads 0, writes ignored */
		}
		count = (uint32_t)(tsize - off);
	}
	if (!write) {
		memcpy(buf, (uint8_t *)p->msix_table + off, count);
		return 0;
	}
	memcpy((uint8_t *)p->msix_table + off, buf, count);
	/* Deliver pending vectors that this write unmasked. */
	for (uint32_t v = (uint32_t)(off / 16); v <= (off + count - 1) / 16 && v < p->nvec; v++) {
		if ((p->pba >> v & 1) && !msix_masked(p, v)) {
			p->pba &= ~(1ull << v);
			if (fire) {
				fire(arg, v);
			}
		}
	}
	return 0;
}
