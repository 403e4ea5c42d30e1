/* SPDX-License-Identifier: BSD-3-Clause */
/* VDUSE daemon: a virtio-blk device in the kernel's vDPA bus served from userspace rings. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include "iopath/log.h"
#include "iopath/option.h"
#include "iopath/target.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "targets/transport/vduse/vduse_internal.h"
#include "targets/virtio/blk.h"
#include "targets/virtio/mem.h"
#include "targets/virtio/virtqueue.h"

/*
 * `iopath target vduse://NAME --backend SPEC`: creates /dev/vduse/NAME through
 * /dev/vduse/control (VDUSE_SET_API_VERSION, VDUSE_CREATE_DEV with the virtio-blk config space,
 * VDUSE_VQ_SETUP per queue), then serves it from one thread:
 *   - control messages read from /dev/vduse/NAME: SET_STATUS (DRIVER_OK starts the queues, 0
 *     resets them), GET_VQ_STATE (the avail index we resume from), UPDATE_IOTLB (mappings in the
 *     range are dropped and looked up again);
 *   - IOVA space: the kernel bounce-buffers every DMA mapping of the virtio driver into its IOVA
 *     domain; VDUSE_IOTLB_GET_FD hands out an fd + offset per mapped range, which we mmap into the
 *     virtio memory table (targets/virtio/mem.h, "GPA" = IOVA). Ranges are enumerated when the
 *     driver starts and again whenever a queue has requests and a new range may have appeared;
 *   - the rings are the shared split-virtqueue code (targets/virtio/virtqueue.c), requests go to
 *     the virtio-blk model (targets/virtio/blk.c) on one backend channel;
 *   - kicks: an eventfd per queue (VDUSE_VQ_SETUP_KICKFD); interrupts: VDUSE_VQ_INJECT_IRQ when
 *     the ring's suppression rules ask for one.
 * On exit a device still attached to the vDPA bus is detached first (`vdpa dev del NAME`, served
 * until done), then destroyed (VDUSE_DESTROY_DEV).
 */

#define VD_MAX_VQS 16
#define VD_BATCH 32
#define VD_MAX_MAPS 64

struct vd_opts {
	uint64_t queues;
	uint64_t queue_size;
};

static const struct iop_option g_vd_opts[] = {
	{"queues", "num_queues", IOP_OPT_UINT, offsetof(struct vd_opts, queues), "1", 1, VD_MAX_VQS,
	 NULL, "virtqueues (virtio-blk MQ when > 1)"},
	{"queue_size", "qsize", IOP_OPT_UINT, offsetof(struct vd_opts, queue_size), "256", 2, 1024,
	 NULL, "largest virtqueue size offered"},
	{NULL},
};

struct vd_req {
	struct iop_vblk_req r;
	struct vd_vq *vq;
	struct vd_req *next_free;
};

struct vd;

struct vd_vq {
	struct vd *d;
	uint32_t idx;
	struct iop_vq vq;
	bool ready;
	int kickfd;
	struct vd_req *reqs;
	struct vd_req *free;
	struct vd_req *stalled;
	unsigned int inflight;
};

struct vd_map {
	uint64_t start, last;
};

struct vd {
	struct iop_target base;
	struct vd_opts o;
	bool interrupt;
	char name[VDUSE_NAME_MAX];
	int ctl_fd;
	int dev_fd;
	int null_fd;            /* callfd stand-in: iop_vq_flush writes there when it would notify */
	bool created;
	struct iop_vblk blk;
	struct iop_backend *be;
	struct iop_backend_chan *ch;
	struct iop_vmem mem;
	struct vd_map maps[VD_MAX_MAPS];
	unsigned int nmaps;
	uint8_t status;
	uint64_t features;
	bool running;
	uint32_t nvq;
	struct vd_vq vqs[VD_MAX_VQS];
	uint64_t nr_req, nr_irq;
};

/* ------------------------------------------------------------------------------ IOVA space */

static bool
vd_mapped(struct vd *d, uint64_t start)
{
	for (unsigned int i = 0; i < d->nmaps; i++) {
		if (d->maps[i].start == start) {
			return true;
		}
	}
	return false;
}

/* Map every IOVA range the kernel currently has that is not mapped yet. \return ranges added. */
static int
vd_map_all(struct vd *d)
{
	uint64_t next = 0;
	int added = 0;

	while (d->nmaps < VD_MAX_MAPS) {
		struct vduse_iotlb_entry e = {.start = next, .last = UINT64_MAX};
		int fd = ioctl(d->dev_fd, VDUSE_IOTLB_GET_FD, &e);
		int rc;

		if (fd < 0) {
			break; /* no range at or after next */
		}
		if (!vd_mapped(d, e.start)) {
			rc = iop_vmem_add_fd(&d->mem, fd, e.start, e.last - e.start + 1, e.start,
					     e.offset);
			if (rc) {
				IOP_ERR("vduse %s: cannot map IOVA [%#llx, %#llx]: %s", d->name,
					(unsigned long long)e.start, (unsigned long long)e.last,
					strerror(-rc));
			} else {
				d->maps[d->nmaps++] = (struct vd_map){e.start, e.last};
				added++;
				IOP_INFO(vduse, "%s: mapped IOVA [%#llx, %#llx] perm %u", d->name,
					 (unsigned long long)e.start, (unsigned long long)e.last,
					 e.perm);
			}
		}
		close(fd);
		if (e.last == UINT64_MAX) {
			break;
		}
		next = e.last + 1;
	}
	return added;
}

static void vd_vqs_stop(struct vd *d);
static int vd_vqs_start(struct vd *d);

/* Drop every mapping (the rings point into them: queues are re-attached by the caller). */
static void
vd_unmap_all(struct vd *d)
{
	iop_vmem_clear(&d->mem);
	d->nmaps = 0;
}

/* ------------------------------------------------------------------------------ requests */

static void
vd_req_put(struct vd_vq *q, struct vd_req *r)
{
	r->next_free = q->free;
	q->free = r;
}

static void
vd_req_done(struct iop_vblk_req *br)
{
	struct vd_req *r = br->ctx;
	struct vd_vq *q = r->vq;

	q->inflight--;
	if (q->ready) {
		iop_vq_push(&q->vq, r->r.elem.head, r->r.used_len);
	}
	vd_req_put(q, r);
}

static int
vd_submit(struct vd *d, struct vd_req *r)
{
	r->r.done = vd_req_done;
	r->r.ctx = r;
	return iop_vblk_submit(&d->blk, d->ch, &r->r);
}

static int
vd_vq_process(struct vd *d, struct vd_vq *q)
{
	int n = 0;

	if (!q->ready || q->vq.broken) {
		return 0;
	}
	if (q->stalled) {
		if (vd_submit(d, q->stalled) == -EAGAIN) {
			return 0;
		}
		q->stalled = NULL;
		n++;
	}
	while (n < VD_BATCH && q->free) {
		struct vd_req *r;
		int rc;

		if (!iop_vq_has_avail(&q->vq)) {
			break;
		}
		r = q->free;
		q->free = r->next_free;
		rc = iop_vq_pop(&q->vq, &r->r.elem);
		if (rc == -EINVAL && q->vq.last_err == IOP_VQ_ERR_RANGE && vd_map_all(d)) {
			/* A buffer in a range mapped after our last look: the chain was consumed,
			 * fail it; the driver retries (this only happens once per new range). */
			IOP_WARN("vduse %s: vq %u: buffer in an IOVA range not yet mapped", d->name,
				 q->idx);
		}
		if (rc <= 0) {
			if (rc == -EINVAL) {
				IOP_ERR_RATELIMIT("vduse %s: vq %u: bad descriptor chain (%d)", d->name,
						  q->idx, q->vq.last_err);
				iop_vq_push(&q->vq, r->r.elem.head, 0);
				vd_req_put(q, r);
				n++;
				continue;
			}
			vd_req_put(q, r);
			if (rc == -EPIPE) {
				IOP_ERR("vduse %s: vq %u: ring corrupt, queue stopped", d->name, q->idx);
			}
			break;
		}
		r->vq = q;
		q->inflight++;
		d->nr_req++;
		n++;
		if (vd_submit(d, r) == -EAGAIN) {
			q->stalled = r;
			break;
		}
	}
	return n;
}

static void
vd_vq_flush(struct vd *d, struct vd_vq *q)
{
	if (q->ready && iop_vq_flush(&q->vq)) {
		uint32_t idx = q->idx;

		if (ioctl(d->dev_fd, VDUSE_VQ_INJECT_IRQ, &idx)) {
			IOP_ERR_RATELIMIT("vduse %s: VDUSE_VQ_INJECT_IRQ vq %u: %s", d->name, idx,
					  strerror(errno));
		}
		d->nr_irq++;
	}
}

/* ------------------------------------------------------------------------------ queues */

static int
vd_vq_start(struct vd *d, struct vd_vq *q)
{
	struct vduse_vq_info vi = {.index = q->idx};
	struct vduse_vq_eventfd ef = {.index = q->idx};
	void *desc, *avail, *used;
	uint64_t n;
	int rc;

	if (ioctl(d->dev_fd, VDUSE_VQ_GET_INFO, &vi)) {
		return -errno;
	}
	if (!vi.ready) {
		return 0; /* the driver does not use this queue */
	}
	n = vi.num;
	desc = iop_vmem_gpa(&d->mem, vi.desc_addr, 16 * n);
	avail = iop_vmem_gpa(&d->mem, vi.driver_addr, 6 + 2 * n);
	used = iop_vmem_gpa(&d->mem, vi.device_addr, 6 + 8 * n);
	if (!desc || !avail || !used) {
		IOP_ERR("vduse %s: vq %u: rings at IOVA %#llx/%#llx/%#llx are not mapped", d->name,
			q->idx, (unsigned long long)vi.desc_addr,
			(unsigned long long)vi.driver_addr, (unsigned long long)vi.device_addr);
		return -EFAULT;
	}
	rc = iop_vq_attach(&q->vq, &d->mem, (uint16_t)n, desc, avail, used, vi.split.avail_index,
			   !!(d->features & (1ull << VIRTIO_RING_F_EVENT_IDX)),
			   !!(d->features & (1ull << VIRTIO_RING_F_INDIRECT_DESC)));
	if (rc) {
		return rc;
	}
	q->vq.callfd = d->null_fd;
	if (q->kickfd < 0) {
		q->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (q->kickfd < 0) {
			return -errno;
		}
	}
	ef.fd = q->kickfd;
	if (ioctl(d->dev_fd, VDUSE_VQ_SETUP_KICKFD, &ef)) {
		return -errno;
	}
	q->ready = true;
	iop_vq_kick_enable(&q->vq, d->interrupt);
	IOP_INFO(vduse, "%s: vq %u started: %llu entries, avail index %u", d->name, q->idx,
		 (unsigned long long)n, vi.split.avail_index);
	return 0;
}

static void
vd_vq_stop(struct vd *d, struct vd_vq *q)
{
	struct vduse_vq_eventfd ef = {.index = q->idx, .fd = VDUSE_EVENTFD_DEASSIGN};

	if (!q->ready) {
		return;
	}
	/* Requests still in the backend complete into a stopped queue (not pushed). */
	for (int i = 0; q->inflight && i < 1000; i++) {
		d->be->ops->poll(d->ch, 64);
		if (q->inflight) {
			usleep(1000);
		}
	}
	if (q->stalled) {
		vd_req_put(q, q->stalled);
		q->stalled = NULL;
	}
	q->ready = false;
	ioctl(d->dev_fd, VDUSE_VQ_SETUP_KICKFD, &ef);
	iop_vq_detach(&q->vq);
}

static int
vd_vqs_start(struct vd *d)
{
	int rc;

	if (ioctl(d->dev_fd, VDUSE_DEV_GET_FEATURES, &d->features)) {
		return -errno;
	}
	vd_map_all(d);
	for (uint32_t i = 0; i < d->nvq; i++) {
		rc = vd_vq_start(d, &d->vqs[i]);
		if (rc) {
			IOP_ERR("vduse %s: vq %u: %s", d->name, i, strerror(-rc));
			return rc;
		}
	}
	d->running = true;
	IOP_NOTICE("vduse %s: driver ready (features %#llx), %u IOVA range(s) mapped", d->name,
		   (unsigned long long)d->features, d->nmaps);
	return 0;
}

static void
vd_vqs_stop(struct vd *d)
{
	for (uint32_t i = 0; i < d->nvq; i++) {
		vd_vq_stop(d, &d->vqs[i]);
	}
	d->running = false;
}

/* ------------------------------------------------------------------------------ control */

static void
vd_set_status(struct vd *d, uint8_t st)
{
	bool was = d->status & VIRTIO_CONFIG_S_DRIVER_OK, now = st & VIRTIO_CONFIG_S_DRIVER_OK;

	IOP_INFO(vduse, "%s: status %#x -> %#x", d->name, d->status, st);
	d->status = st;
	if (now && !was) {
		if (vd_vqs_start(d)) {
			vd_vqs_stop(d);
		}
	} else if (!now && was) {
		vd_vqs_stop(d);
	}
	if (st == 0) {
		vd_vqs_stop(d);
		vd_unmap_all(d);
	}
}

/* Handle pending control messages. \return messages handled or negative errno. */
static int
vd_ctl(struct vd *d)
{
	struct vduse_dev_request req;
	struct vduse_dev_response rsp;
	int n = 0;

	for (;;) {
		ssize_t got = read(d->dev_fd, &req, sizeof(req));

		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				return n;
			}
			IOP_ERR("vduse %s: read: %s", d->name, strerror(errno));
			return -errno;
		}
		if (got != sizeof(req)) {
			IOP_ERR("vduse %s: short control message (%zd bytes)", d->name, got);
			return -EPROTO;
		}
		n++;
		memset(&rsp, 0, sizeof(rsp));
		rsp.request_id = req.request_id;
		rsp.result = VDUSE_REQ_RESULT_OK;
		switch (req.type) {
		case VDUSE_GET_VQ_STATE:
			if (req.vq_state.index >= d->nvq) {
				rsp.result = VDUSE_REQ_RESULT_FAILED;
				break;
			}
			rsp.vq_state.index = req.vq_state.index;
			rsp.vq_state.split.avail_index =
				d->vqs[req.vq_state.index].ready
					? (uint16_t)iop_vq_base(&d->vqs[req.vq_state.index].vq)
					: 0;
			break;
		case VDUSE_SET_STATUS:
			vd_set_status(d, req.s.status);
			break;
		case VDUSE_UPDATE_IOTLB:
			/* Mappings in the range changed: drop everything, map again, re-attach. */
			IOP_INFO(vduse, "%s: IOTLB update [%#llx, %#llx]", d->name,
				 (unsigned long long)req.iova.start, (unsigned long long)req.iova.last);
			if (d->running) {
				vd_vqs_stop(d);
				vd_unmap_all(d);
				if (vd_vqs_start(d)) {
					vd_vqs_stop(d);
				}
			} else {
				vd_unmap_all(d);
			}
			break;
		default:
			rsp.result = VDUSE_REQ_RESULT_FAILED;
			break;
		}
		if (write(d->dev_fd, &rsp, sizeof(rsp)) != sizeof(rsp)) {
			IOP_ERR("vduse %s: reply: %s", d->name, strerror(errno));
			return -errno;
		}
	}
}

/* ------------------------------------------------------------------------------ target ops */

static void vd_destroy(struct iop_target *base);
static const struct iop_target_ops vduse_target_ops;

static int
vd_create(const struct iop_target_cfg *cfg, struct iop_target **out)
{
	struct vduse_dev_config *dc = NULL;
	struct iop_uri u;
	struct vd *d;
	uint64_t api = VDUSE_API_VERSION;
	char err[256], path[VDUSE_NAME_MAX + 16];
	const char *name;
	size_t dlen;
	int rc;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	/* vduse://NAME puts NAME in the host part; vduse:///NAME in the path. */
	name = u.host[0] ? u.host : (u.path[0] == '/' ? u.path + 1 : u.path);
	if (vduse_name_check(name)) {
		IOP_ERR("vduse: device name '%s' must be 1..255 characters of [A-Za-z0-9._-]: "
			"vduse://blk0", name);
		return -EINVAL;
	}
	if (cfg->nr_backends != 1) {
		IOP_ERR("vduse takes exactly one --backend (got %u)", cfg->nr_backends);
		return -EINVAL;
	}
	if (access("/dev/vduse/control", F_OK)) {
		IOP_ERR("%s", VDUSE_NO_DEV_MSG);
		return -ENODEV;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		return -ENOMEM;
	}
	d->base.ops = &vduse_target_ops;
	d->ctl_fd = d->dev_fd = d->null_fd = -1;
	d->interrupt = cfg->interrupt;
	d->be = cfg->backends[0];
	memcpy(d->name, name, strlen(name) + 1); /* checked: shorter than VDUSE_NAME_MAX */
	iop_opts_defaults(g_vd_opts, &d->o);
	if (cfg->opts && iop_opts_parse_kv(g_vd_opts, &d->o, cfg->opts, err, sizeof(err))) {
		IOP_ERR("vduse options: %s", err);
		rc = -EINVAL;
		goto fail;
	}
	if (d->o.queue_size & (d->o.queue_size - 1)) {
		IOP_ERR("vduse: queue_size must be a power of two");
		rc = -EINVAL;
		goto fail;
	}
	if (!d->be->info.block_size || d->be->info.block_size & 511) {
		IOP_ERR("vduse: backend block size %u is not a multiple of 512",
			d->be->info.block_size);
		rc = -EINVAL;
		goto fail;
	}
	d->nvq = (uint32_t)d->o.queues;
	iop_vblk_init(&d->blk, d->be, cfg->read_only, (uint16_t)d->nvq);
	d->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	d->ctl_fd = open("/dev/vduse/control", O_RDWR | O_CLOEXEC);
	if (d->ctl_fd < 0) {
		rc = -errno;
		IOP_ERR("vduse: /dev/vduse/control: %s", strerror(-rc));
		goto fail;
	}
	if (ioctl(d->ctl_fd, VDUSE_SET_API_VERSION, &api)) {
		rc = -errno;
		IOP_ERR("vduse: VDUSE_SET_API_VERSION %llu: %s", (unsigned long long)api,
			strerror(-rc));
		goto fail;
	}
	dc = vduse_blk_dev_config(d->name, &d->blk, d->nvq, &dlen, &rc);
	if (!dc) {
		goto fail;
	}
	if (ioctl(d->ctl_fd, VDUSE_CREATE_DEV, dc)) {
		rc = -errno;
		IOP_ERR("vduse: VDUSE_CREATE_DEV %s: %s%s", d->name, strerror(-rc),
			rc == -EEXIST ? " (a device of that name exists)" : "");
		goto fail;
	}
	d->created = true;
	snprintf(path, sizeof(path), "/dev/vduse/%s", d->name);
	for (int i = 0; i < 200; i++) { /* udev-less systems: devtmpfs creates it shortly */
		d->dev_fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (d->dev_fd >= 0 || errno != ENOENT) {
			break;
		}
		usleep(10000);
	}
	if (d->dev_fd < 0) {
		rc = -errno;
		IOP_ERR("vduse: %s: %s", path, strerror(-rc));
		goto fail;
	}
	for (uint32_t i = 0; i < d->nvq; i++) {
		struct vduse_vq_config vc = {.index = i, .max_size = (uint16_t)d->o.queue_size};
		struct vd_vq *q = &d->vqs[i];

		if (ioctl(d->dev_fd, VDUSE_VQ_SETUP, &vc)) {
			rc = -errno;
			IOP_ERR("vduse: VDUSE_VQ_SETUP %u: %s", i, strerror(-rc));
			goto fail;
		}
		q->d = d;
		q->idx = i;
		q->kickfd = -1;
		q->reqs = calloc(d->o.queue_size, sizeof(*q->reqs));
		if (!q->reqs) {
			rc = -ENOMEM;
			goto fail;
		}
		for (uint64_t k = 0; k < d->o.queue_size; k++) {
			vd_req_put(q, &q->reqs[k]);
		}
	}
	rc = d->be->ops->chan_open(d->be, (unsigned int)(d->o.queue_size * d->nvq), &d->ch);
	if (rc) {
		IOP_ERR("vduse: backend channel: %s", strerror(-rc));
		goto fail;
	}
	free(dc);
	IOP_NOTICE("vduse device %s created (virtio-blk, %llu bytes, %u queue(s) of %llu); "
		   "attach it with: vdpa dev add name %s mgmtdev vduse", d->name,
		   (unsigned long long)d->be->info.size, d->nvq,
		   (unsigned long long)d->o.queue_size, d->name);
	*out = &d->base;
	return 0;
fail:
	free(dc);
	vd_destroy(&d->base);
	return rc;
}

static void
vd_wait(struct vd *d)
{
	struct pollfd pf[VD_MAX_VQS + 2];
	int n = 0, bfd;
	uint64_t v;

	for (uint32_t i = 0; i < d->nvq; i++) {
		struct vd_vq *q = &d->vqs[i];

		if (q->ready && iop_vq_kick_enable(&q->vq, true)) {
			return; /* entries arrived while we were enabling kicks */
		}
	}
	pf[n++] = (struct pollfd){.fd = d->dev_fd, .events = POLLIN};
	for (uint32_t i = 0; i < d->nvq; i++) {
		if (d->vqs[i].ready) {
			pf[n++] = (struct pollfd){.fd = d->vqs[i].kickfd, .events = POLLIN};
		}
	}
	bfd = d->be->ops->chan_fd ? d->be->ops->chan_fd(d->ch) : -1;
	if (bfd >= 0) {
		pf[n++] = (struct pollfd){.fd = bfd, .events = POLLIN};
	}
	poll(pf, (nfds_t)n, bfd >= 0 || !d->vqs[0].inflight ? 100 : 1);
	for (uint32_t i = 0; i < d->nvq; i++) {
		if (d->vqs[i].ready && read(d->vqs[i].kickfd, &v, sizeof(v)) < 0) {
			/* nothing pending */
		}
	}
}

/* One loop: control messages, rings, backend completions, interrupts. \return work or -errno. */
static int
vd_iterate(struct vd *d)
{
	int work, rc;

	rc = vd_ctl(d);
	if (rc < 0) {
		return rc;
	}
	work = rc;
	if (d->running) {
		for (uint32_t i = 0; i < d->nvq; i++) {
			struct vd_vq *q = &d->vqs[i];

			/* The bounce area (IOVA 0 up) appears with the driver's first DMA
			 * mapping, after the queues started: look for it then. */
			if (q->ready && !vd_mapped(d, 0) && iop_vq_has_avail(&q->vq)) {
				vd_map_all(d);
			}
			work += vd_vq_process(d, q);
		}
	}
	rc = d->be->ops->poll(d->ch, 256);
	work += rc > 0 ? rc : 0;
	for (uint32_t i = 0; i < d->nvq; i++) {
		vd_vq_flush(d, &d->vqs[i]);
	}
	if (!work && (d->interrupt || !d->running)) {
		vd_wait(d);
	}
	return work;
}

/*
 * Still attached to the vDPA bus at exit: the kernel refuses VDUSE_DESTROY_DEV then, and
 * detaching makes virtio_blk flush and reset the device, which needs us serving. So run
 * `vdpa dev del NAME` and keep serving until it is done (at most 10 s).
 */
static void
vd_detach(struct vd *d)
{
	char *argv[] = {"vdpa", "dev", "del", d->name, NULL};
	char path[VDUSE_NAME_MAX + 32];
	extern char **environ;
	uint64_t t0 = iop_now_ns();
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", d->name);
	if (access(path, F_OK)) {
		return;
	}
	if (posix_spawnp(&pid, "vdpa", NULL, NULL, argv, environ)) {
		IOP_WARN("vduse %s: still attached and no vdpa tool to detach it", d->name);
		return;
	}
	IOP_NOTICE("vduse %s: detaching from the vDPA bus (vdpa dev del %s)", d->name, d->name);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (vd_iterate(d) < 0 || iop_now_ns() - t0 > 10000000000ull) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
	}
}

static int
vd_run(struct iop_target *base, volatile sig_atomic_t *stop)
{
	struct vd *d = (struct vd *)base;
	int rc;

	while (!*stop) {
		rc = vd_iterate(d);
		if (rc < 0) {
			return rc;
		}
	}
	vd_detach(d);
	return 0;
}

static void
vd_destroy(struct iop_target *base)
{
	struct vd *d = (struct vd *)base;

	if (!d) {
		return;
	}
	if (d->dev_fd >= 0) {
		vd_vqs_stop(d);
		vd_unmap_all(d);
		close(d->dev_fd);
	}
	for (uint32_t i = 0; i < d->nvq; i++) {
		if (d->vqs[i].kickfd >= 0) {
			close(d->vqs[i].kickfd);
		}
		free(d->vqs[i].reqs);
	}
	if (d->ch) {
		d->be->ops->chan_close(d->ch);
	}
	if (d->created) {
		if (ioctl(d->ctl_fd, VDUSE_DESTROY_DEV, d->name)) {
			IOP_ERR("vduse: VDUSE_DESTROY_DEV %s: %s%s", d->name, strerror(errno),
				errno == EBUSY ? " (still attached: vdpa dev del first)" : "");
		} else {
			IOP_NOTICE("vduse device %s destroyed (%llu requests, %llu interrupts)",
				   d->name, (unsigned long long)d->nr_req,
				   (unsigned long long)d->nr_irq);
		}
	}
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
	}
	if (d->null_fd >= 0) {
		close(d->null_fd);
	}
	free(d);
}

static const struct iop_target_ops vduse_target_ops = {
	.scheme = "vduse",
	.help = "VDUSE virtio-blk device (Linux vduse + vdpa): vduse://NAME [--interrupt] "
		"[--opts queues=1,queue_size=256]; then `vdpa dev add name NAME mgmtdev vduse`",
	.create = vd_create,
	.run = vd_run,
	.destroy = vd_destroy,
};

IOP_TARGET_REGISTER(vduse_target_ops)
