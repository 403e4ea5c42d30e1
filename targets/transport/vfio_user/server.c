/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user server: socket, session state and command dispatch for the emulated NVMe PCI device. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/reactor.h"
#include "iopath/target.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "vfu_internal.h"

/*
 * One client at a time (the protocol gives each client its own socket and device): while a
 * client is connected further connections wait in the listen backlog. One thread runs the
 * session: it polls the doorbell page and the backend, and checks the socket every
 * SRV_SOCK_EVERY loops. In interrupt mode it sleeps in poll() on the socket, the doorbell
 * ioeventfd (handed out by GET_REGION_IO_FDS) and the backend fd once idle for SRV_IDLE_NS;
 * a client that never took the ioeventfd is still served by a 1 ms doorbell scan.
 */
#define SRV_SOCK_EVERY   128
#define SRV_IDLE_NS      20000ull
#define SRV_NR_IRQ_IDX   (VFIO_PCI_REQ_IRQ_INDEX + 1)
#define SRV_MAX_DMA_MAPS 1024u
#define SRV_MAX_DEFERRED 8u

struct vfu_srv {
	struct iop_target base;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd;
	int sock;
	bool interrupt;
	bool tracing;
	struct vfu_trace trace;
	struct vfu_msg msg;
	struct vfu_caps peer;
	bool versioned;
	bool peer_has_ioeventfd;
	uint16_t next_id;
	unsigned int conns;
	struct vfu_pci pci;
	struct vfu_dma dma;
	int bar0_fd;              /* memfd backing BAR0; only the doorbell page is mapped out */
	uint8_t *bar0;
	int ioev_fd;              /* doorbell kick eventfd (ioeventfd for the doorbell range) */
	int irq_fd[SRV_NR_IRQ_IDX][VFU_MAX_VECTORS];
	bool intx_masked;
	struct vfu_nvme *nvme;
	uint16_t vendor, device;
	struct vfu_msg rmsg;      /* replies to our DMA_READ/DMA_WRITE */
	struct vfu_msg deferred[SRV_MAX_DEFERRED]; /* commands that arrived during one */
	unsigned int ndeferred;
	bool broken;              /* drop the client once back in the main loop */
	const char *cpus;
};

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
static void
srv_irq(void *arg, uint32_t vec)
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

static void
srv_irq_close_all(struct vfu_srv *s)
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

static int
srv_reply_err(struct vfu_srv *s, int err)
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
static int
srv_dma_rw(void *arg, bool write, uint64_t iova, void *buf, uint64_t len)
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
	n = snprintf(json, sizeof(json),
		     "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u,"
		     "\"max_dma_maps\":%u,\"pgsizes\":4096}}",
		     VFU_MAX_FDS, VFIO_USER_DEF_MAX_DATA_XFER, SRV_MAX_DMA_MAPS);
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
			srv_irq(s, 0);
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
srv_region_rw(struct vfu_srv *s, bool write)
{
	struct vfio_user_region_access *a = (void *)s->msg.payload;
	uint8_t rbuf[4096];
	uint8_t *data = write ? a->data : rbuf;
	int rc;

	if (!write && a->count > sizeof(rbuf)) {
		return EINVAL; /* register regions: no access is larger than a page */
	}
	switch (a->region) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		rc = vfu_pci_cfg_access(&s->pci, a->offset, data, a->count, write);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		rc = srv_bar0_access(s, a->offset, data, a->count, write);
		break;
	case VFIO_PCI_BAR4_REGION_INDEX:
		rc = vfu_pci_msix_access(&s->pci, a->offset, data, a->count, write, srv_fire_msix, s);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc) {
		return -rc;
	}
	if (write) {
		return srv_reply(s, a, VFIO_USER_REGION_ACCESS_HDR, NULL, 0, NULL, 0) ? EIO : 0;
	}
	return srv_reply(s, a, VFIO_USER_REGION_ACCESS_HDR, rbuf, a->count, NULL, 0) ? EIO : 0;
}

static int
srv_dispatch(struct vfu_srv *s)
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
	case VFIO_USER_DEVICE_RESET:
		vfu_nvme_reset(s->nvme);
		return srv_reply(s, NULL, 0, NULL, 0, NULL, 0) ? EIO : 0;
	default:
		return ENOSYS;
	}
}

/* ---- session ---- */

static void
srv_drop_client(struct vfu_srv *s, const char *why)
{
	IOP_NOTICE("vfio-user: client %u gone (%s): controller reset, mappings dropped", s->conns,
		   why);
	if (s->tracing) {
		vfu_trace_event(&s->trace, "close", why);
	}
	vfu_nvme_reset(s->nvme);
	vfu_dma_remove_all(&s->dma);
	srv_irq_close_all(s);
	vfu_pci_init(&s->pci, s->vendor, s->device, vfu_nvme_nvec());
	vfu_msg_reset(&s->msg);
	vfu_msg_reset(&s->rmsg);
	for (unsigned int i = 0; i < s->ndeferred; i++) {
		vfu_msg_reset(&s->deferred[i]);
	}
	s->ndeferred = 0;
	s->broken = false;
	close(s->sock);
	s->sock = -1;
	s->versioned = false;
	s->peer_has_ioeventfd = false;
	memset(s->bar0 + VFU_DB_OFFSET, 0, VFU_DB_SIZE);
}

/* Read and handle one message. \return 0, or negative errno when the client must be dropped. */
static int
srv_handle_one(struct vfu_srv *s)
{
	int rc = 0, err;

	if (s->ndeferred) {
		/* a command that arrived while we waited for a DMA reply (already traced) */
		struct vfu_msg tmp = s->msg;

		s->msg = s->deferred[0];
		memmove(&s->deferred[0], &s->deferred[1], (s->ndeferred - 1) * sizeof(s->msg));
		s->deferred[--s->ndeferred] = tmp;
		vfu_msg_reset(&s->deferred[s->ndeferred]);
		goto dispatch;
	}
	rc = vfu_msg_recv(s->sock, &s->msg, VFIO_USER_DEF_MAX_DATA_XFER + 64);
	if (rc == -EAGAIN) {
		return 0;
	}
	if (rc && rc != -EBADMSG) {
		srv_drop_client(s, rc == -ECONNRESET ? "eof" : strerror(-rc));
		return rc;
	}
	if (s->tracing) {
		vfu_trace_msg(&s->trace, false, &s->msg.hdr, s->msg.payload, s->msg.len, s->msg.nfds);
	}
dispatch:
	err = rc == -EBADMSG ? EINVAL : srv_dispatch(s);
	if (err && err != EIO) {
		if ((s->msg.hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_CMD &&
		    (s->msg.hdr.flags & VFIO_USER_F_NO_REPLY)) {
			IOP_WARN("vfio-user: no_reply %s failed: %s",
				 vfio_user_cmd_name(s->msg.hdr.cmd), strerror(err));
		} else if (srv_reply_err(s, err)) {
			err = EIO;
		}
	}
	if (err == EIO) {
		srv_drop_client(s, "send failed");
		return -EIO;
	}
	if (s->msg.hdr.cmd == VFIO_USER_VERSION && err == ENOTSUP) {
		srv_drop_client(s, "unsupported major version");
		return -ENOTSUP;
	}
	vfu_msg_reset(&s->msg);
	return 0;
}

static void
srv_accept(struct vfu_srv *s)
{
	struct timeval tv = {.tv_sec = VFU_RECV_TIMEOUT_S};
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	s->sock = fd;
	s->conns++;
	s->next_id = 0;
	if (s->tracing) {
		s->trace.conn = s->conns;
		vfu_trace_event(&s->trace, "connect", s->path);
	}
	IOP_INFO(vfio_user, "client %u connected", s->conns);
}

static bool
srv_sock_readable(struct vfu_srv *s, int timeout_ms)
{
	struct pollfd p[3] = {{.fd = s->sock, .events = POLLIN}};
	nfds_t n = 1;
	int wfd = vfu_nvme_wait_fd(s->nvme);

	if (timeout_ms) {
		p[n++] = (struct pollfd){.fd = s->ioev_fd, .events = POLLIN};
		if (wfd >= 0) {
			p[n++] = (struct pollfd){.fd = wfd, .events = POLLIN};
		}
	}
	if (poll(p, n, timeout_ms) <= 0) {
		return false;
	}
	if (n > 1 && (p[1].revents & POLLIN)) {
		uint64_t v;

		if (read(s->ioev_fd, &v, sizeof(v)) < 0) {
			/* counter already drained */
		}
	}
	return p[0].revents != 0;
}

/* One session thread: pin it to the first cpu of --cpus when given. */
static void
srv_pin(struct vfu_srv *s)
{
	int cpus[64];
	cpu_set_t set;
	int n;

	if (!s->cpus) {
		return;
	}
	n = iop_cpulist_parse(s->cpus, cpus, 64);
	if (n <= 0) {
		IOP_WARN("vfio-user: bad --cpus '%s': not pinned", s->cpus);
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(cpus[0], &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		IOP_WARN("vfio-user: cannot pin to cpu %d: %s", cpus[0], strerror(errno));
	}
}

static int
srv_run(struct iop_target *t, volatile sig_atomic_t *stop)
{
	struct vfu_srv *s = (struct vfu_srv *)t;
	uint64_t idle_since = 0;
	unsigned int iter = 0;

	srv_pin(s);
	while (!*stop) {
		int work;

		if (s->sock < 0) {
			struct pollfd p = {.fd = s->lfd, .events = POLLIN};

			if (poll(&p, 1, 100) > 0) {
				srv_accept(s);
			}
			continue;
		}
		work = vfu_nvme_poll(s->nvme);
		if (iop_unlikely(s->broken)) {
			srv_drop_client(s, "DMA_READ/DMA_WRITE exchange failed");
			continue;
		}
		if (iop_unlikely(s->ndeferred)) {
			srv_handle_one(s);
			continue;
		}
		if (work) {
			idle_since = 0;
			if (++iter % SRV_SOCK_EVERY) {
				continue;
			}
		} else if (s->interrupt) {
			uint64_t now = iop_now_ns();

			if (!idle_since) {
				idle_since = now;
			}
			if (now - idle_since >= SRV_IDLE_NS) {
				int to = s->peer_has_ioeventfd ? 100 : 1;

				if (srv_sock_readable(s, to)) {
					srv_handle_one(s);
				}
				idle_since = 0;
				continue;
			}
		} else if (++iter % SRV_SOCK_EVERY) {
			iop_cpu_relax();
			continue;
		}
		if (srv_sock_readable(s, 0)) {
			srv_handle_one(s);
		}
	}
	if (s->sock >= 0) {
		srv_drop_client(s, "target stopping");
	}
	return 0;
}

/* ---- setup ---- */

static int
srv_listen(struct vfu_srv *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, rc;

	if (strlen(s->path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, s->path);
	if (lstat(s->path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			IOP_ERR("vfio-user: %s exists and is not a socket", s->path);
			return -EEXIST;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			return -EADDRINUSE;
		}
		if (probe >= 0) {
			close(probe);
		}
		unlink(s->path); /* stale socket of a dead server */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(s->path, 0600) || listen(fd, 4)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	s->lfd = fd;
	return 0;
}

static void srv_destroy(struct iop_target *t);
static const struct iop_target_ops vfio_user_target_ops;

static int
srv_create(const struct iop_target_cfg *cfg, struct iop_target **out)
{
	struct vfu_srv *s;
	struct iop_uri u;
	struct vfu_nvme_env env;
	char err[256];
	int rc;

	rc = iop_uri_parse(cfg->uri, &u, err, sizeof(err));
	if (rc) {
		IOP_ERR("vfio-user: %s", err);
		return rc;
	}
	if (u.path[0] != '/' || u.host[0]) {
		IOP_ERR("vfio-user: expected vfio-user:///path/to/socket, got '%s'", cfg->uri);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		return -ENOMEM;
	}
	s->lfd = s->sock = s->bar0_fd = s->ioev_fd = -1;
	for (unsigned int i = 0; i < SRV_NR_IRQ_IDX; i++) {
		for (unsigned int v = 0; v < VFU_MAX_VECTORS; v++) {
			s->irq_fd[i][v] = -1;
		}
	}
	if (strlen(u.path) >= sizeof(s->path)) {
		IOP_ERR("vfio-user: socket path too long (max %zu): %s", sizeof(s->path) - 1, u.path);
		free(s);
		return -ENAMETOOLONG;
	}
	memcpy(s->path, u.path, strlen(u.path) + 1);
	s->interrupt = cfg->interrupt;
	s->cpus = cfg->cpus;
	if (cfg->nr_threads > 1) {
		IOP_NOTICE("vfio-user: one session thread per device; --threads %u ignored",
			   cfg->nr_threads);
	}
	s->vendor = 0x1b36;
	s->device = 0x0010;
	vfu_msg_init(&s->msg);
	vfu_msg_init(&s->rmsg);
	for (unsigned int i = 0; i < SRV_MAX_DEFERRED; i++) {
		vfu_msg_init(&s->deferred[i]);
	}
	vfu_dma_init(&s->dma, SRV_MAX_DMA_MAPS);
	vfu_pci_init(&s->pci, s->vendor, s->device, vfu_nvme_nvec());
	s->bar0_fd = memfd_create("iopath-vfio-user-bar0", MFD_CLOEXEC);
	if (s->bar0_fd < 0 || ftruncate(s->bar0_fd, VFU_BAR0_SIZE)) {
		rc = -errno;
		goto fail;
	}
	s->bar0 = mmap(NULL, VFU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, s->bar0_fd, 0);
	if (s->bar0 == MAP_FAILED) {
		s->bar0 = NULL;
		rc = -errno;
		goto fail;
	}
	s->ioev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->ioev_fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (cfg->trace_path) {
		rc = vfu_trace_open(&s->trace, cfg->trace_path, true);
		if (rc) {
			IOP_ERR("vfio-user: cannot open trace %s: %s", cfg->trace_path, strerror(-rc));
			goto fail;
		}
		s->tracing = true;
	}
	env = (struct vfu_nvme_env){.dma = &s->dma, .db = (volatile uint32_t *)(s->bar0 +
								       VFU_DB_OFFSET),
				    .irq = srv_irq, .arg = s, .dma_rw = srv_dma_rw};
	rc = vfu_nvme_create(cfg, &env, &s->nvme);
	if (rc) {
		goto fail;
	}
	rc = srv_listen(s);
	if (rc) {
		IOP_ERR("vfio-user: cannot listen on %s: %s", s->path, strerror(-rc));
		goto fail;
	}
	s->base.ops = &vfio_user_target_ops;
	*out = &s->base;
	return 0;
fail:
	srv_destroy(&s->base);
	return rc;
}

static void
srv_destroy(struct iop_target *t)
{
	struct vfu_srv *s = (struct vfu_srv *)t;

	if (s->sock >= 0) {
		close(s->sock);
	}
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	if (s->nvme) {
		vfu_nvme_destroy(s->nvme);
	}
	srv_irq_close_all(s);
	vfu_dma_fini(&s->dma);
	vfu_msg_fini(&s->msg);
	vfu_msg_fini(&s->rmsg);
	for (unsigned int i = 0; i < SRV_MAX_DEFERRED; i++) {
		vfu_msg_fini(&s->deferred[i]);
	}
	if (s->bar0) {
		munmap(s->bar0, VFU_BAR0_SIZE);
	}
	if (s->bar0_fd >= 0) {
		close(s->bar0_fd);
	}
	if (s->ioev_fd >= 0) {
		close(s->ioev_fd);
	}
	if (s->tracing) {
		vfu_trace_close(&s->trace);
	}
	free(s);
}

static const struct iop_target_ops vfio_user_target_ops = {
	.scheme = "vfio-user",
	.help = "vfio-user server: emulated NVMe PCIe controller on a UNIX socket "
		"(vfio-user:///path/to/sock); --interrupt sleeps on the doorbell ioeventfd",
	.create = srv_create,
	.run = srv_run,
	.destroy = srv_destroy,
};
IOP_TARGET_REGISTER(vfio_user_target_ops)
