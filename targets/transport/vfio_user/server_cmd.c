/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user server commands: replies, each client command, IRQ signalling, DMA_READ/WRITE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "server_internal.h"

static uint32_t
srv_irq_count(struct vfu_srv *s, uint32_t index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX: return 1;
	case VFIO_PCI_MSIX_IRQ_INDEX: return s->pci.nvec;
	default: return 0;
	}
}

static void
srv_signal(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		IOP_ERR_RATELIMIT("vfio-user: eventfd write failed: %s", strerror(errno));
	}
}

static void
srv_fire_msix(void *arg, uint32_t vec)
{
	struct vfu_srv *s = arg;

	srv_signal(s->irq_fd[VFIO_PCI_MSIX_IRQ_INDEX][vec]);
}

/* Controller interrupt: MSI-X vector when enabled (pending if masked), else INTx. */
void
vfu_srv_irq(void *arg, uint32_t vec)
{
	struct vfu_srv *s = arg;

	if (vfu_pci_msix_enabled(&s->pci)) {
		if (vfu_pci_msix_route(&s->pci, vec)) {
			srv_fire_msix(s, vec);
		}
	} else if (vfu_pci_intx_allowed(&s->pci) && !s->intx_masked &&
		   s->irq_fd[VFIO_PCI_INTX_IRQ_INDEX][0] >= 0) {
		/* INTx is advertised AUTOMASKED: masked until the client sends UNMASK */
		s->intx_masked = true;
		srv_signal(s->irq_fd[VFIO_PCI_INTX_IRQ_INDEX][0]);
	}
}

void
vfu_srv_irq_close_all(struct vfu_srv *s)
{
	for (unsigned int i = 0; i < SRV_NR_IRQ_IDX; i++) {
		for (unsigned int v = 0; v < VFU_MAX_VECTORS; v++) {
			if (s->irq_fd[i][v] >= 0) {
				close(s->irq_fd[i][v]);
			}
			s->irq_fd[i][v] = -1;
		}
	}
	s->intx_masked = false;
}

/* ---- replies ---- */

static int
srv_send(struct vfu_srv *s, struct vfio_user_hdr *h, const void *p1, size_t l1, const void *p2,
	 size_t l2, const int *fds, unsigned int nfds)
{
	int rc = vfu_msg_send(s->sock, h, p1, l1, p2, l2, fds, nfds);

	if (s->tracing && !rc) {
		uint8_t *tmp = NULL;
		const void *pl = p1;

		if (l2) {
			tmp = malloc(l1 + l2);
			if (tmp) {
				memcpy(tmp, p1, l1);
				memcpy(tmp + l1, p2, l2);
			}
			pl = tmp;
		}
		vfu_trace_msg(&s->trace, true, h, pl, pl ? (uint32_t)(l1 + l2) : 0, nfds);
		free(tmp);
	}
	return rc;
}

static int
srv_reply(struct vfu_srv *s, const void *p1, size_t l1, const void *p2, size_t l2, const int *fds,
	  unsigned int nfds)
{
	struct vfio_user_hdr h = {.msg_id = s->msg.hdr.msg_id, .cmd = s->msg.hdr.cmd,
				  .flags = VFIO_USER_F_TYPE_REPLY};

	if (s->msg.hdr.flags & VFIO_USER_F_NO_REPLY) {
		return 0;
	}
	return srv_send(s, &h, p1, l1, p2, l2, fds, nfds);
}

int
vfu_srv_reply_err(struct vfu_srv *s, int err)
{
	struct vfio_user_hdr h = {.msg_id = s->msg.hdr.msg_id, .cmd = s->msg.hdr.cmd,
				  .flags = VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR,
				  .error_no = (uint32_t)err};

	IOP_INFO(vfio_user, "%s (cmd %u id %u): error reply %s", vfio_user_cmd_name(s->msg.hdr.cmd),
		 s->msg.hdr.cmd, s->msg.hdr.msg_id, strerror(err));
	return srv_send(s, &h, NULL, 0, NULL, 0, NULL, 0);
}

/* ---- server -> client DMA_READ / DMA_WRITE ---- */

/* Keep a client command that arrived while we wait for a DMA reply (handled in order later). */
static int
srv_defer(struct vfu_srv *s)
{
	struct vfu_msg *d;

	if (s->ndeferred == SRV_MAX_DEFERRED) {
		return -ENOBUFS;
	}
	d = &s->deferred[s->ndeferred++];
	vfu_msg_fini(d);
	*d = s->rmsg; /* take the buffer and the fds */
	vfu_msg_init(&s->rmsg);
	return 0;
}

static int
srv_dma_chunk(struct vfu_srv *s, bool write, uint64_t iova, uint8_t *buf, uint32_t len)
{
	struct vfio_user_dma_access a = {.addr = iova, .count = len};
	struct vfio_user_hdr h = {.msg_id = s->next_id++,
				  .cmd = write ? VFIO_USER_DMA_WRITE : VFIO_USER_DMA_READ};
	const struct vfio_user_dma_access *r;
	int rc;

	rc = srv_send(s, &h, &a, sizeof(a), write ? buf : NULL, write ? len : 0, NULL, 0);
	if (rc) {
		return rc;
	}
	for (;;) {
		rc = vfu_msg_recv(s->sock, &s->rmsg, VFIO_USER_DEF_MAX_DATA_XFER + 64);
		if (rc) {
			return rc == -EAGAIN ? -ETIMEDOUT : rc;
		}
		if (s->tracing) {
			vfu_trace_msg(&s->trace, false, &s->rmsg.hdr, s->rmsg.payload, s->rmsg.len,
				      s->rmsg.nfds);
		}
		if ((s->rmsg.hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY &&
		    s->rmsg.hdr.msg_id == h.msg_id && s->rmsg.hdr.cmd == h.cmd) {
			break;
		}
		if ((s->rmsg.hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_CMD) {
			return -EPROTO; /* a reply to something we never asked */
		}
		rc = srv_defer(s);
		if (rc) {
			return rc;
		}
	}
	if (s->rmsg.hdr.flags & VFIO_USER_F_ERROR) {
		return s->rmsg.hdr.error_no ? -(int)s->rmsg.hdr.error_no : -EIO;
	}
	r = (const void *)s->rmsg.payload;
	if (write) {
		/* reply: address + count (the spec table gives count 4 bytes; accept 12 or 16) */
		return s->rmsg.len == 12 || s->rmsg.len == 16 ? 0 : -EPROTO;
	}
	if (s->rmsg.len != sizeof(a) + len || r->addr != iova || r->count != len) {
		return -EPROTO;
	}
	memcpy(buf, r->data, len);
	return 0;
}

/* env.dma_rw: synchronous copy through messages, split at the client's max_data_xfer_size. */
int
vfu_srv_dma_rw(void *arg, bool write, uint64_t iova, void *buf, uint64_t len)
{
	struct vfu_srv *s = arg;
	uint32_t chunk = IOP_MIN(s->peer.max_data_xfer_size, VFIO_USER_DEF_MAX_DATA_XFER);
	uint8_t *p = buf;
	int rc = 0;

	if (s->sock < 0 || s->broken || !chunk) {
		return -ENOTCONN;
	}
	while (len && !rc) {
		uint32_t n = (uint32_t)IOP_MIN(len, (uint64_t)chunk);

		rc = srv_dma_chunk(s, write, iova, p, n);
		iova += n;
		p += n;
		len -= n;
	}
	vfu_msg_reset(&s->rmsg);
	if (rc) {
		IOP_WARN("vfio-user: %s at 0x%llx failed: %s", write ? "DMA_WRITE" : "DMA_READ",
			 (unsigned long long)iova, strerror(-rc));
		if (rc != -EFAULT && rc != -EINVAL) {
			s->broken = true; /* the session is out of step: drop it from the main loop */
		}
	}
	return rc;
}

/* ---- commands: each returns 0 after replying itself, or a positive errno to reply with ---- */

static int
srv_version(struct vfu_srv *s)
{
	struct vfio_user_version v = {.major = VFIO_USER_MAJOR};
	char json[256];
	uint16_t maj, min;
	int n;

	if (s->versioned) {
		return EINVAL;
	}
	if (vfu_version_parse(s->msg.payload, s->msg.len, &maj, &min, &s->peer)) {
		return EINVAL;
	}
	if (maj != VFIO_USER_MAJOR) {
		return ENOTSUP;
	}
	v.minor = IOP_MIN(min, VFIO_USER_MINOR);
	/* write_multiple only when offered: the reply's capabilities are a subset */
	n = snprintf(json, sizeof(json),
		     "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u,"
		     "\"max_dma_maps\":%u,\"pgsizes\":4096%s}}",
		     VFU_MAX_FDS, VFIO_USER_DEF_MAX_DATA_XFER, SRV_MAX_DMA_MAPS,
		     s->peer.write_multiple ? ",\"write_multiple\":true" : "");
	s->versioned = true;
	s->dma.max = SRV_MAX_DMA_MAPS;
	return srv_reply(s, &v, sizeof(v), json, (size_t)n + 1, NULL, 0) ? EIO : 0;
}

static int
srv_dma_map(struct vfu_srv *s)
{
	const struct vfio_user_dma_map *m = (const void *)s->msg.payload;
	int fd = s->msg.nfds ? s->msg.fds[0] : -1;
	int rc;

	rc = vfu_dma_add(&s->dma, m->addr, m->size, m->offset, m->flags, fd);
	if (rc) {
		return -rc;
	}
	if (fd >= 0) {
		s->msg.fds[0] = -1; /* owned by the table now */
	}
	IOP_INFO(vfio_user, "DMA_MAP 0x%llx+0x%llx fd %d", (unsigned long long)m->addr,
		 (unsigned long long)m->size, fd);
	return srv_reply(s, NULL, 0, NULL, 0, NULL, 0) ? EIO : 0;
}

static int
srv_dma_unmap(struct vfu_srv *s)
{
	const struct vfio_user_dma_unmap *u = (const void *)s->msg.payload;

	if (u->flags & VFIO_USER_F_DMA_UNMAP_ALL) {
		if (u->addr || u->size) {
			return EINVAL;
		}
		vfu_nvme_quiesce(s->nvme);
		vfu_dma_remove_all(&s->dma);
	} else {
		if (!vfu_dma_find(&s->dma, u->addr, u->size, false) &&
		    !vfu_dma_find(&s->dma, u->addr, u->size, true)) {
			return ENOENT;
		}
		vfu_nvme_quiesce(s->nvme);
		if (vfu_dma_remove(&s->dma, u->addr, u->size)) {
			return ENOENT;
		}
	}
	vfu_nvme_dma_changed(s->nvme);
	return srv_reply(s, u, sizeof(*u), NULL, 0, NULL, 0) ? EIO : 0;
}

static int
srv_device_info(struct vfu_srv *s)
{
	struct vfio_user_device_info di = {
		.argsz = sizeof(di),
		.flags = VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI,
		.num_regions = VFIO_PCI_NUM_REGIONS,
		.num_irqs = SRV_NR_IRQ_IDX,
	};

	return srv_reply(s, &di, sizeof(di), NULL, 0, NULL, 0) ? EIO : 0;
}

static int
srv_region_info(struct vfu_srv *s)
{
	const struct vfio_user_region_info *req = (const void *)s->msg.payload;
	struct {
		struct vfio_user_region_info ri;
		struct vfio_info_cap_header cap;
		uint32_t nr_areas;
		uint32_t reserved;
		struct vfio_region_sparse_mmap_area area;
	} __attribute__((packed)) r;
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;

	memset(&r, 0, sizeof(r));
	r.ri.argsz = sizeof(r.ri);
	r.ri.index = req->index;
	switch (req->index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		r.ri.argsz = sizeof(r);
		r.ri.flags = rw | VFIO_REGION_INFO_FLAG_MMAP;
		r.ri.size = VFU_BAR0_SIZE;
		r.ri.offset = 0; /* mmap offset base in the BAR0 memfd */
		if (req->argsz < sizeof(r)) {
			return srv_reply(s, &r.ri, sizeof(r.ri), NULL, 0, NULL, 0) ? EIO : 0;
		}
		r.ri.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		r.ri.cap_offset = sizeof(r.ri);
		r.cap.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		r.cap.version = 1;
		r.cap.next = 0;
		r.nr_areas = 1;
		r.area.offset = VFU_DB_OFFSET;
		r.area.size = VFU_DB_SIZE;
		return srv_reply(s, &r, sizeof(r), NULL, 0, &s->bar0_fd, 1) ? EIO : 0;
	case VFIO_PCI_BAR4_REGION_INDEX:
		r.ri.flags = rw;
		r.ri.size = VFU_BAR4_SIZE;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		r.ri.flags = rw;
		r.ri.size = VFU_CFG_SIZE;
		break;
	default:
		if (req->index >= VFIO_PCI_NUM_REGIONS) {
			return EINVAL;
		}
		break; /* absent BAR, ROM, VGA: size 0 */
	}
	return srv_reply(s, &r.ri, sizeof(r.ri), NULL, 0, NULL, 0) ? EIO : 0;
}

/* One ioeventfd per doorbell register, all sharing the kick eventfd. */
static int
srv_region_io_fds(struct vfu_srv *s)
{
	const struct vfio_user_region_io_fds_req *req = (const void *)s->msg.payload;
	struct vfio_user_region_io_fds_req rep = {.index = req->index};
	struct vfio_user_sub_region_ioeventfd sub[2 * VFU_MAX_VECTORS];
	uint32_t n = 0;

	if (req->flags || req->count) {
		return EINVAL;
	}
	if (req->index >= VFIO_PCI_NUM_REGIONS) {
		return EINVAL;
	}
	if (req->index == VFIO_PCI_BAR0_REGION_INDEX) {
		n = 2 * vfu_nvme_nvec();
	}
	rep.count = n;
	rep.argsz = (uint32_t)(sizeof(rep) + n * sizeof(sub[0]));
	if (req->argsz < rep.argsz || n == 0) {
		return srv_reply(s, &rep, sizeof(rep), NULL, 0, NULL, 0) ? EIO : 0;
	}
	memset(sub, 0, sizeof(sub));
	for (uint32_t i = 0; i < n; i++) {
		sub[i].offset = VFU_DB_OFFSET + 4ull * i;
		sub[i].size = 4;
		sub[i].fd_index = 0;
		sub[i].type = VFIO_USER_IO_FD_TYPE_IOEVENTFD;
	}
	s->peer_has_ioeventfd = true;
	return srv_reply(s, &rep, sizeof(rep), sub, n * sizeof(sub[0]), &s->ioev_fd, 1) ? EIO : 0;
}

static int
srv_irq_info(struct vfu_srv *s)
{
	const struct vfio_user_irq_info *req = (const void *)s->msg.payload;
	struct vfio_user_irq_info r = {.argsz = sizeof(r), .index = req->index};

	if (req->index >= SRV_NR_IRQ_IDX) {
		return EINVAL;
	}
	r.count = srv_irq_count(s, req->index);
	r.flags = VFIO_IRQ_INFO_EVENTFD;
	if (req->index == VFIO_PCI_INTX_IRQ_INDEX) {
		r.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	} else if (req->index == VFIO_PCI_MSIX_IRQ_INDEX) {
		r.flags |= VFIO_IRQ_INFO_NORESIZE;
	}
	return srv_reply(s, &r, sizeof(r), NULL, 0, NULL, 0) ? EIO : 0;
}

static int
srv_set_irqs(struct vfu_srv *s)
{
	const struct vfio_user_irq_set *q = (const void *)s->msg.payload;
	uint32_t data = q->flags & (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
				    VFIO_IRQ_SET_DATA_EVENTFD);
	uint32_t action = q->flags & (VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK |
				      VFIO_IRQ_SET_ACTION_TRIGGER);
	uint32_t max;
	int rc;

	if (q->index >= SRV_NR_IRQ_IDX) {
		return EINVAL;
	}
	max = srv_irq_count(s, q->index);
	if (data == VFIO_IRQ_SET_DATA_NONE && action == VFIO_IRQ_SET_ACTION_TRIGGER &&
	    q->start == 0 && q->count == 0) {
		/* Disable every interrupt of this index. */
		for (uint32_t v = 0; v < VFU_MAX_VECTORS; v++) {
			if (s->irq_fd[q->index][v] >= 0) {
				close(s->irq_fd[q->index][v]);
				s->irq_fd[q->index][v] = -1;
			}
		}
		return srv_reply(s, NULL, 0, NULL, 0, NULL, 0) ? EIO : 0;
	}
	if (!q->count || q->start >= max || q->count > max - q->start) {
		return EINVAL;
	}
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER) {
		/* Mask/unmask: INTx only (MSI-X masking goes through the table in BAR4). */
		if (q->index != VFIO_PCI_INTX_IRQ_INDEX || data == VFIO_IRQ_SET_DATA_EVENTFD) {
			return EINVAL;
		}
		if (data == VFIO_IRQ_SET_DATA_NONE || q->data[0]) {
			s->intx_masked = action == VFIO_IRQ_SET_ACTION_MASK;
		}
		rc = srv_reply(s, NULL, 0, NULL, 0, NULL, 0) ? EIO : 0;
		/* INTx is level-triggered: still asserted at unmask -> fires (and automasks) again */
		if (!s->intx_masked && vfu_nvme_irq_pending(s->nvme)) {
			vfu_srv_irq(s, 0);
		}
		return rc;
	}
	for (uint32_t i = 0; i < q->count; i++) {
		uint32_t v = q->start + i;
		int *slot = &s->irq_fd[q->index][v];

		if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
			if (*slot >= 0) {
				close(*slot);
			}
			*slot = -1;
			if (s->msg.nfds) {
				*slot = s->msg.fds[i];
				s->msg.fds[i] = -1;
			}
		} else if (data == VFIO_IRQ_SET_DATA_NONE || q->data[i]) {
			srv_signal(*slot); /* client-triggered interrupt */
		}
	}
	return srv_reply(s, NULL, 0, NULL, 0, NULL, 0) ? EIO : 0;
}

/* BAR0: registers trapped, doorbell page backed by the memfd, the rest reads 0. */
static int
srv_bar0_access(struct vfu_srv *s, uint64_t off, void *buf, uint32_t count, bool write)
{
	if (off >= VFU_BAR0_SIZE || count > VFU_BAR0_SIZE - off) {
		return -EINVAL;
	}
	if (off < VFU_DB_OFFSET) {
		if (off + count > VFU_DB_OFFSET) {
			return -EINVAL;
		}
		return vfu_nvme_reg_access(s->nvme, off, buf, count, write);
	}
	if (off < VFU_DB_OFFSET + VFU_DB_SIZE) {
		if (off + count > VFU_DB_OFFSET + VFU_DB_SIZE || (off & 3) || (count & 3)) {
			return -EINVAL;
		}
		if (write) {
			memcpy(s->bar0 + off, buf, count);
			__atomic_thread_fence(__ATOMIC_RELEASE);
		} else {
			memcpy(buf, s->bar0 + off, count);
		}
		return 0;
	}
	if (!write) {
		memset(buf, 0, count);
	}
	return 0;
}

static int
srv_region_access(struct vfu_srv *s, uint32_t region, uint64_t off, void *data, uint32_t count,
		  bool write)
{
	switch (region) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return vfu_pci_cfg_access(&s->pci, off, data, count, write);
	case VFIO_PCI_BAR0_REGION_INDEX:
		return srv_bar0_access(s, off, data, count, write);
	case VFIO_PCI_BAR4_REGION_INDEX:
		return vfu_pci_msix_access(&s->pci, off, data, count, write, srv_fire_msix, s);
	default:
		return -EINVAL;
	}
}

/* REGION_WRITE_MULTI (only once write_multiple was negotiated): in order, stop at an error. */
static int
srv_write_multi(struct vfu_srv *s)
{
	struct vfio_user_write_multi_entry *e = (void *)(s->msg.payload + 8);
	uint64_t cnt;
	int rc;

	if (!s->peer.write_multiple) {
		return ENOTSUP;
	}
	memcpy(&cnt, s->msg.payload, 8);
	for (uint64_t i = 0; i < cnt; i++) {
		rc = srv_region_access(s, e[i].region, e[i].offset, e[i].data, e[i].count, true);
		if (rc) {
			return -rc;
		}
	}
	return srv_reply(s, &cnt, sizeof(cnt), NULL, 0, NULL, 0) ? EIO : 0;
}

static int
srv_region_rw(struct vfu_srv *s, bool write)
{
	struct vfio_user_region_access *a = (void *)s->msg.payload;
	uint8_t rbuf[4096];
	uint8_t *data = write ? a->data : rbuf;
	int rc;

	if (!write && a->count > sizeof(rbuf)) {
		return EINVAL; /* register regions: no access is larger than a page */
	}
	rc = srv_region_access(s, a->region, a->offset, data, a->count, write);
	if (rc) {
		return -rc;
	}
	if (write) {
		return srv_reply(s, a, VFIO_USER_REGION_ACCESS_HDR, NULL, 0, NULL, 0) ? EIO : 0;
	}
	return srv_reply(s, a, VFIO_USER_REGION_ACCESS_HDR, rbuf, a->count, NULL, 0) ? EIO : 0;
}

int
vfu_srv_dispatch(struct vfu_srv *s)
{
	struct vfio_user_hdr *h = &s->msg.hdr;
	int err;

	if (s->msg.truncated) {
		return EINVAL; /* larger than max_data_xfer_size allows */
	}
	if ((h->flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY) {
		return EINVAL; /* a reply while we have no command outstanding */
	}
	err = vfu_cmd_check(h, s->msg.payload, s->msg.len, s->msg.nfds, VFIO_USER_DEF_MAX_DATA_XFER);
	if (err) {
		return err;
	}
	if (!s->versioned && h->cmd != VFIO_USER_VERSION) {
		return EINVAL; /* VERSION must come first */
	}
	switch (h->cmd) {
	case VFIO_USER_VERSION: return srv_version(s);
	case VFIO_USER_DMA_MAP: return srv_dma_map(s);
	case VFIO_USER_DMA_UNMAP: return srv_dma_unmap(s);
	case VFIO_USER_DEVICE_GET_INFO: return srv_device_info(s);
	case VFIO_USER_DEVICE_GET_REGION_INFO: return srv_region_info(s);
	case VFIO_USER_DEVICE_GET_REGION_IO_FDS: return srv_region_io_fds(s);
	case VFIO_USER_DEVICE_GET_IRQ_INFO: return srv_irq_info(s);
	case VFIO_USER_DEVICE_SET_IRQS: return srv_set_irqs(s);
	case VFIO_USER_REGION_READ: return srv_region_rw(s, false);
	case VFIO_USER_REGION_WRITE: return srv_region_rw(s, true);
	case VFIO_USER_REGION_WRITE_MULTI: return srv_write_multi(s);
	case VFIO_USER_DEVICE_RESET:
		vfu_nvme_reset(s->nvme);
		return srv_reply(s, NULL, 0, NULL, 0, NULL, 0) ? EIO : 0;
	default:
		return ENOSYS;
	}
}

