/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user initiator, VMM side: region info, doorbell mmap, config space, IRQs, DMA maps, options. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "iopath/option.h"
#include "initiator_internal.h"

/* ---- device setup (the VMM part) ---- */

static int
ini_region_info(struct vfu_ini *v, uint32_t index, uint8_t *buf, uint32_t buflen, int *fd)
{
	struct vfio_user_region_info req = {.argsz = sizeof(req), .index = index};
	int rc;

	*fd = -1;
	for (int pass = 0; pass < 2; pass++) {
		const struct vfio_user_region_info *r;

		rc = vfu_client_call(&v->cl, VFIO_USER_DEVICE_GET_REGION_INFO, &req, sizeof(req),
				     NULL, 0, NULL, 0);
		if (rc) {
			return rc;
		}
		r = (const void *)v->cl.msg.payload;
		if (v->cl.msg.len < sizeof(*r) || r->index != index) {
			return -EPROTO;
		}
		if (r->argsz > req.argsz && pass == 0) {
			if (r->argsz > buflen) {
				return -EPROTO;
			}
			req.argsz = r->argsz; /* ask again with room for the capabilities */
			continue;
		}
		if (v->cl.msg.len > buflen) {
			return -EPROTO;
		}
		memcpy(buf, v->cl.msg.payload, v->cl.msg.len);
		if (v->cl.msg.nfds) {
			*fd = v->cl.msg.fds[0];
			v->cl.msg.fds[0] = -1;
		}
		return 0;
	}
	return -EPROTO;
}

/* Map the sparse doorbell area of BAR0. */
int
vfu_ini_map_bar0(struct vfu_ini *v)
{
	uint8_t buf[256];
	const struct vfio_user_region_info *r = (const void *)buf;
	const struct vfio_info_cap_header *cap;
	const struct vfio_region_info_cap_sparse_mmap *sp;
	uint64_t area_off = 0, area_size = 0;
	int fd, rc;

	rc = ini_region_info(v, VFIO_PCI_BAR0_REGION_INDEX, buf, sizeof(buf), &fd);
	if (rc) {
		return rc;
	}
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || fd < 0 ||
	    !(r->flags & VFIO_REGION_INFO_FLAG_CAPS) || r->cap_offset < sizeof(*r) ||
	    r->cap_offset + sizeof(*cap) + 8 > r->argsz || r->argsz > sizeof(buf)) {
		IOP_ERR("vfio-user: BAR0 offers no mappable doorbell area");
		rc = -EPROTO;
		goto out;
	}
	cap = (const void *)(buf + r->cap_offset);
	if (cap->id != VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
		rc = -EPROTO;
		goto out;
	}
	sp = (const void *)cap;
	for (uint32_t i = 0; i < sp->nr_areas; i++) {
		if (r->cap_offset + sizeof(*sp) + (i + 1) * sizeof(sp->areas[0]) > r->argsz) {
			rc = -EPROTO;
			goto out;
		}
		if (sp->areas[i].offset <= 0x1000 &&
		    sp->areas[i].offset + sp->areas[i].size >= 0x1000 + 8u * VFU_MAX_VECTORS) {
			area_off = sp->areas[i].offset;
			area_size = sp->areas[i].size;
		}
	}
	if (!area_size) {
		IOP_ERR("vfio-user: no sparse mmap area covers the doorbells");
		rc = -EPROTO;
		goto out;
	}
	v->bar0_map = mmap(NULL, area_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)(r->offset + area_off));
	if (v->bar0_map == MAP_FAILED) {
		v->bar0_map = NULL;
		rc = -errno;
		goto out;
	}
	v->bar0_map_len = area_size;
	v->db = (volatile uint32_t *)(v->bar0_map + (0x1000 - area_off));
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
	}
	return rc;
}

static int
ini_cfg16(struct vfu_ini *v, uint32_t off, uint16_t *val, bool write)
{
	return write ? vfu_client_region_write(&v->cl, VFIO_PCI_CONFIG_REGION_INDEX, off, val, 2)
		     : vfu_client_region_read(&v->cl, VFIO_PCI_CONFIG_REGION_INDEX, off, val, 2);
}

int
vfu_ini_pci_setup(struct vfu_ini *v)
{
	uint32_t id = 0, class = 0;
	uint16_t cmd = 0, ctl = 0;
	uint8_t ptr = 0, capid[2];
	int rc;

	rc = vfu_client_region_read(&v->cl, VFIO_PCI_CONFIG_REGION_INDEX, 0, &id, 4);
	rc = rc ? rc : vfu_client_region_read(&v->cl, VFIO_PCI_CONFIG_REGION_INDEX, 8, &class, 4);
	if (rc) {
		return rc;
	}
	if ((class >> 8) != 0x010802) {
		IOP_ERR("vfio-user: device %04x:%04x class %06x is not an NVMe controller",
			id & 0xffff, id >> 16, class >> 8);
		return -ENODEV;
	}
	rc = ini_cfg16(v, 4, &cmd, false);
	cmd |= 0x6; /* memory space + bus master */
	rc = rc ? rc : ini_cfg16(v, 4, &cmd, true);
	if (rc) {
		return rc;
	}
	/* Walk the capability list to MSI-X; enable it in interrupt mode. */
	rc = vfu_client_region_read(&v->cl, VFIO_PCI_CONFIG_REGION_INDEX, 0x34, &ptr, 1);
	for (int guard = 0; !rc && ptr && guard < 48; guard++) {
		rc = vfu_client_region_read(&v->cl, VFIO_PCI_CONFIG_REGION_INDEX, ptr, capid, 2);
		if (rc) {
			break;
		}
		if (capid[0] == 0x11) {
			rc = ini_cfg16(v, ptr + 2u, &ctl, false);
			if (rc) {
				break;
			}
			v->nvec = IOP_MIN((ctl & 0x7ffu) + 1u, VFU_MAX_VECTORS);
			if (v->interrupt && !v->intx) {
				ctl = (uint16_t)((ctl | 0x8000u) & ~0x4000u);
				rc = ini_cfg16(v, ptr + 2u, &ctl, true);
			}
			break;
		}
		ptr = capid[1];
	}
	if (!rc && v->interrupt && !v->intx && !v->nvec) {
		IOP_ERR("vfio-user: interrupt mode needs MSI-X and the device has none");
		return -ENOTSUP;
	}
	return rc;
}

int
vfu_ini_irqs(struct vfu_ini *v)
{
	struct vfio_user_irq_info ii = {.argsz = sizeof(ii), .index = VFIO_PCI_MSIX_IRQ_INDEX};
	struct vfio_user_irq_set set = {.argsz = sizeof(set),
					.flags = VFIO_IRQ_SET_DATA_EVENTFD |
						 VFIO_IRQ_SET_ACTION_TRIGGER,
					.index = VFIO_PCI_MSIX_IRQ_INDEX};
	uint32_t n;
	int rc;

	if (v->intx) {
		/* One INTx line for every CQ: all queues wait on the same eventfd. */
		v->vec_fd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->vec_fd[0] < 0) {
			return -errno;
		}
		set.index = VFIO_PCI_INTX_IRQ_INDEX;
		set.count = 1;
		return vfu_client_call(&v->cl, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), NULL,
				       0, v->vec_fd, 1);
	}
	rc = vfu_client_call(&v->cl, VFIO_USER_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
			     NULL, 0);
	if (rc) {
		return rc;
	}
	memcpy(&ii, v->cl.msg.payload, IOP_MIN(v->cl.msg.len, sizeof(ii)));
	n = IOP_MIN(IOP_MIN(ii.count, v->nvec), IOP_MIN(VFU_MAX_VECTORS, v->cl.peer.max_msg_fds));
	if (!(ii.flags & VFIO_IRQ_INFO_EVENTFD) || n == 0) {
		return -ENOTSUP;
	}
	for (uint32_t i = 0; i < n; i++) {
		v->vec_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->vec_fd[i] < 0) {
			return -errno;
		}
	}
	v->nvec = n;
	set.count = n;
	return vfu_client_call(&v->cl, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
			       v->vec_fd, n);
}

/* Ask for the doorbell ioeventfd; absent support just leaves the server to poll. */
void
vfu_ini_io_fds(struct vfu_ini *v)
{
	struct vfio_user_region_io_fds_req req = {.argsz = 16 + 40 * 2 * VFU_MAX_VECTORS,
						  .index = VFIO_PCI_BAR0_REGION_INDEX};
	int rc = vfu_client_call(&v->cl, VFIO_USER_DEVICE_GET_REGION_IO_FDS, &req, sizeof(req),
				 NULL, 0, NULL, 0);

	if (rc || !v->cl.msg.nfds) {
		IOP_INFO(vfio_user, "no doorbell ioeventfd (%s): server polls doorbells",
			 rc ? strerror(-rc) : "none offered");
		return;
	}
	v->kick_fd = v->cl.msg.fds[0];
	v->cl.msg.fds[0] = -1;
}

void *
vfu_ini_dma_ptr(void *arg, uint64_t addr, uint64_t len, bool write)
{
	struct vfu_ini *v = arg;
	void *p = vfu_hostmem_ptr(&v->mem, addr, len);

	return p || !v->msg_dma ? p : vfu_hostmem_ptr(&v->dmem, addr, len);
}

int
vfu_ini_dma_map(struct vfu_ini *v)
{
	struct vfio_user_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE,
		.offset = 0,
		.addr = v->mem.iova,
		.size = v->mem.size,
	};
	int rc;

	rc = vfu_client_call(&v->cl, VFIO_USER_DMA_MAP, &m, sizeof(m), NULL, 0, &v->mem.fd, 1);
	if (rc || !v->msg_dma) {
		return rc;
	}
	/* The data arena goes without an fd: the server must use DMA_READ/DMA_WRITE. */
	m.addr = v->dmem.iova;
	m.size = v->dmem.size;
	return vfu_client_call(&v->cl, VFIO_USER_DMA_MAP, &m, sizeof(m), NULL, 0, NULL, 0);
}

struct ini_recon_opt {
	uint64_t ns;
};

static const struct iop_option ini_recon_opts[] = {
	{"reconnect", NULL, IOP_OPT_TIME, offsetof(struct ini_recon_opt, ns), "0", 0, 0, NULL,
	 "on server loss keep reconnecting this long, then resubmit what was in flight"},
	{NULL},
};

/* "mem=SIZE,dma=fd|msg,irq=msix|intx,reconnect=TIME" */
int
vfu_ini_parse_opts(const char *opts, uint64_t *memsz, bool *msg_dma, bool *intx,
		   uint64_t *reconnect_ns)
{
	char buf[256], *save = NULL, *kv;

	if (!opts || !opts[0]) {
		return 0;
	}
	if (strlen(opts) >= sizeof(buf)) {
		return -EINVAL;
	}
	strcpy(buf, opts);
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "mem=", 4)) {
			if (iop_parse_size(kv + 4, memsz) || (*memsz & (PG - 1)) ||
			    *memsz < (4u << 20)) {
				return -EINVAL;
			}
		} else if (!strcmp(kv, "dma=msg")) {
			*msg_dma = true;
		} else if (!strcmp(kv, "dma=fd")) {
			*msg_dma = false;
		} else if (!strcmp(kv, "irq=intx")) {
			*intx = true;
		} else if (!strcmp(kv, "irq=msix")) {
			*intx = false;
		} else if (!strncmp(kv, "reconnect=", 10)) {
			struct ini_recon_opt r = {0};

			if (iop_opt_set(ini_recon_opts, &r, "reconnect", kv + 10, NULL, 0)) {
				return -EINVAL;
			}
			*reconnect_ns = r.ns;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}
