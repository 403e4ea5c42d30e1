/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user back end: the protocol state machine of one connection (features, memory table,
 * vring setup and start/stop, config space, reply-ack). Runs on the connection's reactor thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "iopath/log.h"
#include "targets/transport/vhost_user/server.h"

#define VHU_DRAIN_TIMEOUT_NS (10ull * 1000000000ull)

static uint64_t
vhu_offered_features(struct vhu_tgt *t)
{
	return t->cls->features(t) | (1ull << VHU_VIRTIO_F_VERSION_1) |
	       (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX) |
	       (1ull << VHU_VIRTIO_F_RING_PACKED) | (1ull << VHU_F_PROTOCOL_FEATURES);
}

/* CONFIG only where the front end takes the config space from us (blk); QEMU builds the
 * virtio-scsi config itself and warns about a back end offering it. */
static uint64_t
vhu_offered_protocol(struct vhu_tgt *t)
{
	return (1ull << VHU_PROTOCOL_F_MQ) | (1ull << VHU_PROTOCOL_F_REPLY_ACK) |
	       (t->cls->config_space ? 1ull << VHU_PROTOCOL_F_CONFIG : 0) |
	       (1ull << VHU_PROTOCOL_F_RESET_DEVICE) | (1ull << VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
}

void *
vhu_req_get(struct vhu_vring *vr)
{
	if (!vr->nfree) {
		return NULL;
	}
	return vr->reqs + (size_t)vr->free[--vr->nfree] * vr->conn->tgt->cls->req_size;
}

void
vhu_req_put(struct vhu_vring *vr, void *req)
{
	vr->free[vr->nfree++] = ((struct vhu_req_hdr *)req)->slot;
}

void
vhu_req_complete(struct vhu_vring *vr, void *req, uint16_t head, uint32_t len)
{
	iop_vq_push(&vr->vq, head, len);
	vr->inflight--;
	vhu_req_put(vr, req);
}

void
vhu_vring_broken(struct vhu_conn *c, struct vhu_vring *vr)
{
	uint64_t one = 1;

	if (vr->broken_reported) {
		return;
	}
	vr->broken_reported = true;
	IOP_ERR("conn %u vring %u: ring corrupt (avail index or head out of range), stopped", c->id,
		vr->idx);
	if (vr->errfd >= 0 && write(vr->errfd, &one, sizeof(one)) < 0) {
		/* nothing more to tell */
	}
}

void
vhu_kick_drain(void *arg, uint32_t events)
{
	struct vhu_vring *vr = arg;
	uint64_t v;

	if (read(vr->kickfd, &v, sizeof(v)) < 0) {
		/* spurious wake-up: the poller checks the ring anyway */
	}
}

/* Translate the ring addresses through the current memory table. */
static int
vhu_vring_translate(struct vhu_conn *c, struct vhu_vring *vr, void **d, void **a, void **u)
{
	size_t n = vr->num;
	bool packed = c->features & (1ull << VHU_VIRTIO_F_RING_PACKED);

	/* packed: descriptor ring, driver and device event suppression areas (4 bytes each) */
	*d = iop_vmem_uva(&c->mem, vr->desc_uva, 16 * n);
	*a = iop_vmem_uva(&c->mem, vr->avail_uva, packed ? 4 : 6 + 2 * n);
	*u = iop_vmem_uva(&c->mem, vr->used_uva, packed ? 4 : 6 + 8 * n);
	if (!*d || !*a || !*u) {
		IOP_ERR("conn %u vring %u: ring addresses outside the memory table", c->id, vr->idx);
		return -EFAULT;
	}
	return 0;
}

static void
vhu_wake(void *arg)
{
	/* nothing: running at all is the point (the reactor left epoll_wait) */
}

/* Hand a started ring to its data thread. */
static void
vhu_vring_handover(struct vhu_vring *vr)
{
	struct vhu_thread *dth = vr->dth;

	__atomic_store_n(&vr->stop_req, false, __ATOMIC_RELEASE);
	__atomic_store_n(&vr->stopped, false, __ATOMIC_RELEASE);
	pthread_mutex_lock(&dth->inbox_lock);
	vr->next_inbox = dth->inbox;
	dth->inbox = vr;
	__atomic_store_n(&dth->inbox_pending, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&dth->inbox_lock);
	if (dth != vr->conn->th && !vr->conn->tgt->reactors_stopped) {
		iop_reactor_call(dth->r, vhu_wake, NULL); /* it may be asleep in epoll */
	}
}

/* Take a started ring back from its data thread; it lets go once nothing is in flight. While
 * waiting, this thread keeps doing its own passes (so a data thread that is itself waiting for
 * us still gets answered). \return 0 or -ETIMEDOUT (the ring stays with the data thread). */
static int
vhu_vring_pause(struct vhu_conn *c, struct vhu_vring *vr)
{
	uint64_t t0 = iop_now_ns();

	if (!vr->started) {
		return 0;
	}
	__atomic_store_n(&vr->stop_req, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&vr->stopped, __ATOMIC_ACQUIRE)) {
		int w = vhu_thread_poll_once(c->th);

		if (c->tgt->reactors_stopped && vr->dth != c->th) {
			w += vhu_thread_poll_once(vr->dth);
		}
		if (iop_now_ns() - t0 > VHU_DRAIN_TIMEOUT_NS) {
			IOP_ERR("conn %u vring %u: backend did not complete %u requests", c->id,
				vr->idx, vr->inflight);
			return -ETIMEDOUT;
		}
		if (!w) {
			usleep(20);
		}
	}
	return 0;
}

/* Pause every started ring of c (before the memory table changes). */
static int
vhu_conn_pause(struct vhu_conn *c)
{
	for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
		int rc = vhu_vring_pause(c, &c->vr[i]);

		if (rc) {
			return rc;
		}
	}
	return 0;
}

static void
vhu_conn_resume(struct vhu_conn *c)
{
	for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
		if (c->vr[i].started) {
			vhu_vring_handover(&c->vr[i]);
		}
	}
}

static int
vhu_vring_start(struct vhu_conn *c, struct vhu_vring *vr)
{
	struct vhu_tgt *t = c->tgt;
	void *d, *a, *u;
	int rc;

	if (!vr->addr_set || !vr->num) {
		IOP_ERR("conn %u vring %u: kick before SET_VRING_NUM/ADDR", c->id, vr->idx);
		return -EINVAL;
	}
	rc = vhu_vring_translate(c, vr, &d, &a, &u);
	if (rc) {
		return rc;
	}
	if (c->features & (1ull << VHU_VIRTIO_F_RING_PACKED)) {
		rc = iop_vq_attach_packed(&vr->vq, &c->mem, vr->num, d, a, u, vr->base,
					  c->features & (1ull << VIRTIO_RING_F_INDIRECT_DESC));
	} else {
		vr->vq.packed = false;
		rc = iop_vq_attach(&vr->vq, &c->mem, vr->num, d, a, u, (uint16_t)vr->base,
				   c->features & (1ull << VIRTIO_RING_F_EVENT_IDX),
				   c->features & (1ull << VIRTIO_RING_F_INDIRECT_DESC));
	}
	if (rc) {
		IOP_ERR("conn %u vring %u: bad ring layout (num %u)", c->id, vr->idx, vr->num);
		return rc;
	}
	vr->reqs = calloc(vr->num, t->cls->req_size);
	vr->free = calloc(vr->num, sizeof(*vr->free));
	if (!vr->reqs || !vr->free) {
		free(vr->reqs);
		free(vr->free);
		vr->reqs = NULL;
		vr->free = NULL;
		iop_vq_detach(&vr->vq);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < vr->num; i++) {
		struct vhu_req_hdr *h = (void *)(vr->reqs + (size_t)i * t->cls->req_size);

		h->slot = (uint16_t)i;
		h->vr = vr;
		vr->free[i] = (uint16_t)(vr->num - 1 - i);
	}
	vr->nfree = vr->num;
	vr->stalled = NULL;
	vr->inflight = 0;
	vr->broken_reported = false;
	if (!(c->features & (1ull << VHU_F_PROTOCOL_FEATURES))) {
		__atomic_store_n(&vr->enabled, true, __ATOMIC_RELAXED);
	}
	/* request queues are spread over the threads starting at the home thread; the
	 * virtio-scsi control and event queues stay home */
	if (t->cls == &vhu_scsi_class && vr->idx < IOP_VSCSI_REQQ0) {
		vr->dth = c->th;
	} else {
		unsigned int q = t->cls == &vhu_scsi_class ? vr->idx - IOP_VSCSI_REQQ0 : vr->idx;

		vr->dth = &t->th[(c->th->idx + q) % t->nthreads];
	}
	vr->started = true;
	if (t->cls->started) {
		t->cls->started(c, vr);
	}
	vhu_vring_handover(vr);
	IOP_INFO(vhost, "conn %u vring %u started on thread %u: num %u base %u", c->id, vr->idx,
		 vr->dth->idx, vr->num, vr->base);
	return 0;
}

/* Stop processing vr: take it back from its data thread (in-flight requests finish and are
 * published first), remember where it stopped, release the pool. \return 0 or -ETIMEDOUT (then
 * the ring and its pool stay with the data thread, never freed while in use). */
static int
vhu_vring_stop(struct vhu_conn *c, struct vhu_vring *vr)
{
	int rc;

	if (!vr->started) {
		return 0;
	}
	rc = vhu_vring_pause(c, vr);
	if (rc) {
		return rc;
	}
	vr->started = false;
	vr->base = iop_vq_base(&vr->vq);
	free(vr->reqs);
	free(vr->free);
	iop_vq_detach(&vr->vq);
	vr->reqs = NULL;
	vr->free = NULL;
	return 0;
}

static void
vhu_close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static int
vhu_vring_reset(struct vhu_conn *c, struct vhu_vring *vr)
{
	int rc = vhu_vring_stop(c, vr);

	if (rc) {
		return rc;
	}
	vhu_close_fd(&vr->kickfd);
	vhu_close_fd(&vr->vq.callfd);
	vhu_close_fd(&vr->errfd);
	vr->addr_set = false;
	vr->enabled = false;
	vr->num = 0;
	vr->base = 0;
	return 0;
}

void
vhu_conn_destroy(struct vhu_conn *c)
{
	for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
		if (vhu_vring_reset(c, &c->vr[i])) {
			/* a data thread still holds requests of c: leak c rather than free it */
			IOP_ERR("conn %u: not freed (backend I/O never completed)", c->id);
			close(c->fd);
			c->fd = -1;
			return;
		}
	}
	iop_vmem_clear(&c->mem);
	if (c->fd >= 0) {
		close(c->fd);
	}
	free(c);
}

/* After a memory table change: find the started rings again. */
static int
vhu_retranslate(struct vhu_conn *c)
{
	for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
		struct vhu_vring *vr = &c->vr[i];
		void *d, *a, *u;
		int rc;

		if (!vr->started) {
			continue;
		}
		rc = vhu_vring_translate(c, vr, &d, &a, &u);
		if (rc) {
			return rc;
		}
		if (vr->vq.packed) {
			vr->vq.pdesc = d;
			vr->vq.drv_evt = a;
			vr->vq.dev_evt = u;
		} else {
			vr->vq.desc = d;
			vr->vq.avail = a;
			vr->vq.used = u;
		}
	}
	return 0;
}

static int
vhu_set_mem_table(struct vhu_conn *c, struct vhu_msg *m)
{
	struct vhu_mem *mem = &m->p.mem;
	int rc = 0;

	if (m->hdr.size < 8 || mem->nregions == 0 || mem->nregions > VHU_MAX_MEM_REGIONS ||
	    m->hdr.size < 8 + mem->nregions * sizeof(struct vhu_mem_region) ||
	    m->nfds != mem->nregions) {
		IOP_ERR("conn %u: SET_MEM_TABLE with %u regions, %u fds, %u bytes", c->id,
			mem->nregions, m->nfds, m->hdr.size);
		return -EINVAL;
	}
	/* Rings keep their state across a table change; they pause while it happens. */
	rc = vhu_conn_pause(c);
	if (rc) {
		return rc;
	}
	iop_vmem_clear(&c->mem);
	for (unsigned int i = 0; i < mem->nregions && !rc; i++) {
		struct vhu_mem_region *r = &mem->r[i];

		rc = iop_vmem_add_fd(&c->mem, m->fds[i], r->gpa, r->size, r->uva, r->mmap_offset);
		if (rc) {
			IOP_ERR("conn %u: cannot map region %u (gpa 0x%llx size 0x%llx): %s", c->id,
				i, (unsigned long long)r->gpa, (unsigned long long)r->size,
				strerror(-rc));
		}
	}
	if (!rc) {
		rc = vhu_retranslate(c);
	}
	if (rc) {
		/* the rings cannot be found in the new table: they stay stopped */
		for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
			vhu_vring_stop(c, &c->vr[i]);
		}
		iop_vmem_clear(&c->mem);
		return rc;
	}
	vhu_conn_resume(c);
	IOP_INFO(vhost, "conn %u: memory table with %u regions", c->id, mem->nregions);
	return 0;
}

/* CONFIGURE_MEM_SLOTS: one region more or less. */
static int
vhu_mem_reg(struct vhu_conn *c, struct vhu_msg *m, bool add)
{
	struct vhu_mem_region *r = &m->p.mreg.r;
	int rc;

	if (m->hdr.size != sizeof(m->p.mreg) || (add && m->nfds != 1)) {
		IOP_ERR("conn %u: %s with %u bytes, %u fds", c->id, add ? "ADD_MEM_REG" : "REM_MEM_REG",
			m->hdr.size, m->nfds);
		return -EINVAL;
	}
	/* the data threads read the table: pause the rings (requests in flight may also point
	 * into a region being removed) */
	rc = vhu_conn_pause(c);
	if (rc) {
		return rc;
	}
	if (add) {
		rc = iop_vmem_add_fd(&c->mem, m->fds[0], r->gpa, r->size, r->uva, r->mmap_offset);
		if (rc) {
			IOP_ERR("conn %u: cannot add region gpa 0x%llx size 0x%llx: %s", c->id,
				(unsigned long long)r->gpa, (unsigned long long)r->size, strerror(-rc));
		}
	} else {
		rc = iop_vmem_remove(&c->mem, r->gpa, r->size);
		if (rc) {
			IOP_ERR("conn %u: REM_MEM_REG: no region gpa 0x%llx size 0x%llx", c->id,
				(unsigned long long)r->gpa, (unsigned long long)r->size);
		} else {
			rc = vhu_retranslate(c);
			if (rc) {
				for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
					vhu_vring_stop(c, &c->vr[i]);
				}
				return rc;
			}
		}
	}
	vhu_conn_resume(c);
	return rc;
}

static struct vhu_vring *
vhu_vring_get(struct vhu_conn *c, uint32_t idx)
{
	if (idx >= c->tgt->cls->max_vrings(c->tgt) || idx >= VHU_MAX_VRINGS) {
		IOP_ERR("conn %u: vring index %u out of range", c->id, idx);
		return NULL;
	}
	return &c->vr[idx];
}

/* SET_VRING_KICK/CALL/ERR: u64 with index and "no fd" flag, fd in ancillary data. */
static int
vhu_vring_fd(struct vhu_conn *c, struct vhu_msg *m, struct vhu_vring **vrp, int *fd)
{
	bool nofd;

	if (m->hdr.size != sizeof(uint64_t)) {
		return -EINVAL;
	}
	nofd = m->p.u64 & VHU_VRING_NOFD;
	*vrp = vhu_vring_get(c, (uint32_t)(m->p.u64 & VHU_VRING_IDX_MASK));
	if (!*vrp || (nofd ? m->nfds != 0 : m->nfds != 1)) {
		return -EINVAL;
	}
	*fd = nofd ? -1 : m->fds[0];
	m->nfds = 0; /* now owned by the ring */
	return 0;
}

static void
vhu_reply(struct vhu_conn *c, struct vhu_msg *m, uint32_t size)
{
	int rc;

	m->hdr.flags = VHU_FLAG_VERSION | VHU_FLAG_REPLY;
	m->hdr.size = size;
	m->nfds = 0;
	vhu_trace_msg(c->tgt->trace, c->id, false, m);
	rc = vhu_send(c->fd, m);
	if (rc) {
		IOP_ERR("conn %u: cannot send reply: %s", c->id, strerror(-rc));
		c->dead = true;
	}
}

static void
vhu_reply_u64(struct vhu_conn *c, struct vhu_msg *m, uint64_t v)
{
	m->p.u64 = v;
	vhu_reply(c, m, sizeof(uint64_t));
}

static int
vhu_get_config(struct vhu_conn *c, struct vhu_msg *m)
{
	struct vhu_tgt *t = c->tgt;
	struct vhu_config *cf = &m->p.cfg;
	uint8_t cfg[VHU_MAX_CONFIG];
	size_t len;

	if (!(c->proto_features & (1ull << VHU_PROTOCOL_F_CONFIG))) {
		IOP_ERR("conn %u: GET_CONFIG without the CONFIG protocol feature", c->id);
		return -EPROTO;
	}
	len = t->cls->config(t, cfg, sizeof(cfg));
	if (m->hdr.size < 12 || cf->size > VHU_MAX_CONFIG || cf->offset > len ||
	    cf->size > len - cf->offset) {
		IOP_ERR("conn %u: GET_CONFIG offset %u size %u (config is %zu bytes)", c->id,
			cf->offset, cf->size, len);
		cf->size = 0;
		vhu_reply(c, m, 12);
		return 1;
	}
	memcpy(cf->data, cfg + cf->offset, cf->size);
	vhu_reply(c, m, 12 + cf->size);
	return 1;
}

/* \return 1 when the message got its own reply, 0 when not, negative errno on failure. */
static int
vhu_handle(struct vhu_conn *c, struct vhu_msg *m)
{
	struct vhu_tgt *t = c->tgt;
	struct vhu_vring *vr;
	int fd, rc;

	switch (m->hdr.request) {
	case VHU_GET_FEATURES:
		vhu_reply_u64(c, m, vhu_offered_features(t));
		return 1;
	case VHU_SET_FEATURES: {
		uint64_t extra;

		if (m->hdr.size != 8) {
			return -EINVAL;
		}
		extra = m->p.u64 & ~vhu_offered_features(t);
		/* QEMU passes device-class bits it implements itself (virtio-scsi CHANGE, for
		 * one) whether or not we offered them: tolerate device bits (0-23), nothing that
		 * changes the rings or the transport. */
		if (extra & ~0xffffffull) {
			IOP_ERR("conn %u: SET_FEATURES 0x%llx: bits 0x%llx were not offered", c->id,
				(unsigned long long)m->p.u64, (unsigned long long)extra);
			return -EINVAL;
		}
		if (extra) {
			IOP_WARN("conn %u: SET_FEATURES acks device bits 0x%llx that were not offered; "
				 "ignored", c->id, (unsigned long long)extra);
		}
		c->features = m->p.u64 & ~extra;
		return 0;
	}
	case VHU_GET_PROTOCOL_FEATURES:
		vhu_reply_u64(c, m, vhu_offered_protocol(t));
		return 1;
	case VHU_SET_PROTOCOL_FEATURES:
		if (m->hdr.size != 8 || (m->p.u64 & ~vhu_offered_protocol(t))) {
			return -EINVAL;
		}
		c->proto_features = m->p.u64;
		return 0;
	case VHU_SET_OWNER:
		c->owner = true;
		return 0;
	case VHU_RESET_OWNER:
	case VHU_RESET_DEVICE:
		for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
			rc = vhu_vring_reset(c, &c->vr[i]);
			if (rc) {
				return rc;
			}
		}
		c->features = 0;
		return 0;
	case VHU_GET_QUEUE_NUM:
		vhu_reply_u64(c, m, t->cls->max_vrings(t));
		return 1;
	case VHU_SET_MEM_TABLE:
		return vhu_set_mem_table(c, m);
	case VHU_GET_MAX_MEM_SLOTS:
		vhu_reply_u64(c, m, IOP_VMEM_MAX_REGIONS);
		return 1;
	case VHU_ADD_MEM_REG:
		return vhu_mem_reg(c, m, true);
	case VHU_REM_MEM_REG:
		return vhu_mem_reg(c, m, false);
	case VHU_SET_VRING_NUM:
		if (m->hdr.size != sizeof(m->p.state) || !(vr = vhu_vring_get(c, m->p.state.index))) {
			return -EINVAL;
		}
		/* split rings need a power of 2; packed rings any size up to 32768 */
		if (!m->p.state.num || m->p.state.num > IOP_VQ_MAX_SIZE || vr->started ||
		    (!(c->features & (1ull << VHU_VIRTIO_F_RING_PACKED)) &&
		     (m->p.state.num & (m->p.state.num - 1)))) {
			IOP_ERR("conn %u vring %u: bad size %u", c->id, vr->idx, m->p.state.num);
			return -EINVAL;
		}
		vr->num = (uint16_t)m->p.state.num;
		return 0;
	case VHU_SET_VRING_BASE:
		if (m->hdr.size != sizeof(m->p.state) || !(vr = vhu_vring_get(c, m->p.state.index)) ||
		    vr->started) {
			return -EINVAL;
		}
		vr->base = m->p.state.num;
		return 0;
	case VHU_SET_VRING_ADDR: {
		struct vhu_vring_addr *a = &m->p.addr;

		if (m->hdr.size != sizeof(*a) || !(vr = vhu_vring_get(c, a->index))) {
			return -EINVAL;
		}
		vr->desc_uva = a->desc;
		vr->avail_uva = a->avail;
		vr->used_uva = a->used;
		vr->addr_flags = a->flags;
		vr->addr_set = true;
		if (vr->started) {
			rc = vhu_vring_pause(c, vr);
			if (!rc) {
				rc = vhu_retranslate(c);
			}
			if (rc) {
				vhu_vring_stop(c, vr);
				return rc;
			}
			vhu_vring_handover(vr);
		}
		return 0;
	}
	case VHU_GET_VRING_BASE:
		if (m->hdr.size != sizeof(m->p.state) || !(vr = vhu_vring_get(c, m->p.state.index))) {
			return -EINVAL;
		}
		rc = vhu_vring_stop(c, vr);
		if (rc) {
			return rc;
		}
		vhu_close_fd(&vr->kickfd);
		m->p.state.num = vr->base;
		vhu_reply(c, m, sizeof(m->p.state));
		return 1;
	case VHU_SET_VRING_KICK:
		rc = vhu_vring_fd(c, m, &vr, &fd);
		if (rc) {
			return rc;
		}
		if (vr->started) {
			/* the data thread watches the kick fd: swap it while the ring is paused */
			rc = vhu_vring_pause(c, vr);
			if (rc) {
				if (fd >= 0) {
					close(fd);
				}
				return rc;
			}
			vhu_close_fd(&vr->kickfd);
			vr->kickfd = fd;
			vhu_vring_handover(vr);
			return 0;
		}
		vhu_close_fd(&vr->kickfd);
		vr->kickfd = fd;
		return vhu_vring_start(c, vr);
	case VHU_SET_VRING_CALL:
		rc = vhu_vring_fd(c, m, &vr, &fd);
		if (rc) {
			return rc;
		}
		if (vr->started) {
			/* the data thread signals it: swap it while the ring is paused */
			rc = vhu_vring_pause(c, vr);
			if (rc) {
				if (fd >= 0) {
					close(fd);
				}
				return rc;
			}
			vhu_close_fd(&vr->vq.callfd);
			vr->vq.callfd = fd;
			/* Completions published before this message (QEMU sends SET_VRING_CALL only
			 * after SET_VRING_ENABLE, and the driver may already have kicked) were
			 * signalled on the old call fd, or on none after a reset: the front end no
			 * longer listens there. Signal the new one once; a spurious interrupt only
			 * makes the driver look at the used ring. */
			iop_vq_signal(&vr->vq);
			vhu_vring_handover(vr);
			return 0;
		}
		vhu_close_fd(&vr->vq.callfd);
		vr->vq.callfd = fd;
		return 0;
	case VHU_SET_VRING_ERR:
		rc = vhu_vring_fd(c, m, &vr, &fd);
		if (rc) {
			return rc;
		}
		vhu_close_fd(&vr->errfd);
		vr->errfd = fd;
		return 0;
	case VHU_SET_VRING_ENABLE:
		if (m->hdr.size != sizeof(m->p.state) || !(vr = vhu_vring_get(c, m->p.state.index)) ||
		    m->p.state.num > 1) {
			return -EINVAL;
		}
		__atomic_store_n(&vr->enabled, m->p.state.num != 0, __ATOMIC_RELAXED);
		return 0;
	case VHU_GET_CONFIG:
		return vhu_get_config(c, m);
	case VHU_SET_CONFIG:
		/* Only blk's wce is writable in principle; the cache mode is the backend's. */
		return m->hdr.size >= 12 ? 0 : -EINVAL;
	default:
		IOP_ERR("conn %u: unsupported request %u (%s)", c->id, m->hdr.request,
			vhu_request_name(m->hdr.request));
		return -EOPNOTSUPP;
	}
}

int
vhu_conn_message(struct vhu_conn *c, struct vhu_msg *m)
{
	bool need_ack = (m->hdr.flags & VHU_FLAG_NEED_REPLY) &&
			(c->proto_features & (1ull << VHU_PROTOCOL_F_REPLY_ACK));
	int rc;

	IOP_INFO(vhost, "conn %u: %s size %u fds %u", c->id, vhu_request_name(m->hdr.request),
		 m->hdr.size, m->nfds);
	rc = vhu_handle(c, m);
	vhu_msg_close_fds(m);
	if (rc == 1) {
		return c->dead ? -EPIPE : 0;
	}
	if (need_ack) {
		vhu_reply_u64(c, m, rc ? 1 : 0);
		/* A refused request the front end was told about does not end the session,
		 * unless it was not understood at all. */
		if (rc && rc != -EOPNOTSUPP) {
			rc = 0;
		}
	}
	return c->dead ? -EPIPE : rc;
}
