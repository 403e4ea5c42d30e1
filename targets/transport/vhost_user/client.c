/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user front end + virtio driver (iopath run vhost-user-blk:// and vhost-user-scsi://): shared
 * memfd memory for rings and buffers, split rings driven from this process, eventfd kicks/calls. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_scsi.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/option.h"
#include "iopath/uri.h"
#include "targets/transport/vhost_user/proto.h"
#include "targets/transport/vhost_user/trace.h"
#include "targets/virtio/driver.h"
#include "targets/virtio/scsi.h"

#define VHUC_HDR_BYTES 256   /* per-slot request header + response area in shared memory */

struct vhuc_opts {
	uint64_t mem;
	uint64_t queue_size;
	uint64_t lun;
	bool packed;
	bool memslots;
	uint64_t reconnect_ns;
};

static const struct iop_option vhuc_opt_rows[] = {
	{"mem", NULL, IOP_OPT_SIZE, offsetof(struct vhuc_opts, mem), "256M", 1 << 20, 1ull << 40,
	 NULL, "shared memory (rings and I/O buffers) offered to the back end"},
	{"queue_size", NULL, IOP_OPT_UINT, offsetof(struct vhuc_opts, queue_size), "256", 2,
	 32768, NULL, "virtqueue size (power of 2)"},
	{"lun", NULL, IOP_OPT_UINT, offsetof(struct vhuc_opts, lun), "0", 0, 255, NULL,
	 "vhost-user-scsi: LUN to drive"},
	{"memslots", NULL, IOP_OPT_BOOL, offsetof(struct vhuc_opts, memslots), "0", 0, 0, NULL,
	 "share memory as two regions with ADD_MEM_REG (CONFIGURE_MEM_SLOTS) when offered"},
	{"packed", NULL, IOP_OPT_BOOL, offsetof(struct vhuc_opts, packed), "0", 0, 0, NULL,
	 "use packed virtqueues (VIRTIO_F_RING_PACKED) when the back end offers them"},
	{"reconnect", NULL, IOP_OPT_TIME, offsetof(struct vhuc_opts, reconnect_ns), "0", 0, 0, NULL,
	 "on back-end loss keep reconnecting this long, set the device up again with the same "
	 "memory and resubmit what was in flight (0: fail the queue)"},
	{NULL},
};

struct vhuc {
	struct iop_initiator base;
	bool scsi;
	bool interrupt;
	int fd;
	pthread_mutex_t lock;     /* control socket and the shared-memory allocator */
	int memfd;
	uint8_t *mem;
	size_t mem_size;
	size_t brk;
	uint64_t features;
	uint64_t proto;
	unsigned int nr_queues;   /* request queues the device offers */
	unsigned int queue_size;
	unsigned int lun;
	bool read_only;
	struct vhu_trace *trace;
	/* reconnect=TIME: the first queue that sees the loss reconnects (gen++), every queue
	 * then sets its vring up again on the new connection and resubmits */
	struct vhuc_opts o;
	char path[512];
	pthread_mutex_t recon_lock;
	uint32_t gen;
	int recon_err;
};

struct vhuc_slot {
	struct iop_io *io;
	uint8_t *hdr;             /* in shared memory */
};

struct vhuc_queue {
	struct iop_queue base;
	struct vhuc *c;
	unsigned int vring;
	struct iop_vdrv drv;
	int kickfd;
	int callfd;
	struct vhuc_slot *slots;
	uint16_t *free;
	unsigned int nfree;
	unsigned int depth;
	uint64_t tag;
	unsigned int empty_polls;  /* polls without completions while I/O is outstanding */
	void *ring;                /* in shared memory, kept across a reconnect */
	uint32_t gen;
	bool broken;               /* the reconnect gave up */
};

static inline uint64_t
vhuc_gpa(const struct vhuc *c, const void *p)
{
	return (uint64_t)((const uint8_t *)p - c->mem);
}

static void *
vhuc_alloc(struct vhuc *c, size_t len)
{
	void *p = NULL;

	len = IOP_ALIGN_UP(len, (size_t)4096);
	pthread_mutex_lock(&c->lock);
	if (len <= c->mem_size - c->brk) {
		p = c->mem + c->brk;
		c->brk += len;
	}
	pthread_mutex_unlock(&c->lock);
	return p;
}

/* Send a request; with REPLY_ACK every message without its own reply is acknowledged, so errors
 * surface at the message that caused them. reply (may be NULL) receives the reply. Caller holds
 * c->lock. \return 0, -EPROTO (refused or malformed reply), -errno. */
static int
vhuc_call(struct vhuc *c, uint32_t req, const void *payload, uint32_t size, const int *fds,
	  unsigned int nfds, struct vhu_msg *reply)
{
	struct vhu_msg *m = calloc(1, sizeof(*m));
	bool has_reply = reply != NULL;
	bool ack = !has_reply && (c->proto & (1ull << VHU_PROTOCOL_F_REPLY_ACK));
	int rc;

	if (!m) {
		return -ENOMEM;
	}
	m->hdr.request = req;
	m->hdr.flags = VHU_FLAG_VERSION | (ack ? VHU_FLAG_NEED_REPLY : 0);
	m->hdr.size = size;
	if (size) {
		memcpy(&m->p, payload, size);
	}
	if (nfds) {
		memcpy(m->fds, fds, sizeof(int) * nfds);
	}
	m->nfds = nfds;
	vhu_trace_msg(c->trace, 1, true, m);
	rc = vhu_send(c->fd, m);
	if (rc || (!has_reply && !ack)) {
		free(m);
		return rc;
	}
	rc = vhu_recv(c->fd, m);
	if (!rc) {
		vhu_trace_msg(c->trace, 1, false, m);
		vhu_msg_close_fds(m);
		if (m->hdr.request != req || !(m->hdr.flags & VHU_FLAG_REPLY)) {
			IOP_ERR("vhost-user: reply to %s is %s", vhu_request_name(req),
				vhu_request_name(m->hdr.request));
			rc = -EPROTO;
		} else if (ack) {
			if (m->hdr.size != 8 || m->p.u64) {
				IOP_ERR("vhost-user: back end refused %s", vhu_request_name(req));
				rc = -EPROTO;
			}
		} else {
			memcpy(reply, m, sizeof(*m));
		}
	}
	free(m);
	return rc;
}

static int
vhuc_get_u64(struct vhuc *c, uint32_t req, uint64_t *v)
{
	struct vhu_msg *r = malloc(sizeof(*r));
	int rc;

	if (!r) {
		return -ENOMEM;
	}
	rc = vhuc_call(c, req, NULL, 0, NULL, 0, r);
	if (!rc && r->hdr.size != 8) {
		rc = -EPROTO;
	}
	if (!rc) {
		*v = r->p.u64;
	}
	free(r);
	return rc;
}

static int
vhuc_set_u64(struct vhuc *c, uint32_t req, uint64_t v)
{
	return vhuc_call(c, req, &v, sizeof(v), NULL, 0, NULL);
}

static int
vhuc_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* ---- rings ---- */

static int
vhuc_vring_setup(struct vhuc *c, struct vhuc_queue *q)
{
	size_t bytes = iop_vdrv_ring_bytes((uint16_t)c->queue_size);
	void *ring = q->ring;
	struct vhu_vring_state st = {.index = q->vring};
	struct vhu_vring_addr a = {.index = q->vring};
	uint64_t idx = q->vring;
	int rc;

	if (!ring) {
		ring = q->ring = vhuc_alloc(c, bytes);
	}
	if (!ring) {
		IOP_ERR("vhost-user: shared memory exhausted (raise mem=)");
		return -ENOMEM;
	}
	iop_vdrv_fini(&q->drv); /* set up again after a reconnect */
	if (c->features & (1ull << VHU_VIRTIO_F_RING_PACKED)) {
		rc = iop_vdrv_init_packed(&q->drv, ring, (uint16_t)c->queue_size);
	} else {
		rc = iop_vdrv_init(&q->drv, ring, (uint16_t)c->queue_size,
				   c->features & (1ull << VIRTIO_RING_F_EVENT_IDX));
	}
	if (rc) {
		return rc;
	}
	if (q->kickfd < 0) {
		q->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	if (q->callfd < 0) {
		q->callfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	if (q->kickfd < 0 || q->callfd < 0) {
		return -errno;
	}
	a.desc = (uint64_t)(uintptr_t)q->drv.area_desc;
	a.avail = (uint64_t)(uintptr_t)q->drv.area_driver;
	a.used = (uint64_t)(uintptr_t)q->drv.area_device;
	iop_vdrv_irq_enable(&q->drv, false);
	pthread_mutex_lock(&c->lock);
	st.num = c->queue_size;
	rc = vhuc_call(c, VHU_SET_VRING_NUM, &st, sizeof(st), NULL, 0, NULL);
	/* packed: both wrap counters start at 1 (bit 15 of each half) */
	st.num = q->drv.packed ? 0x80008000u : 0;
	if (!rc) {
		rc = vhuc_call(c, VHU_SET_VRING_BASE, &st, sizeof(st), NULL, 0, NULL);
	}
	if (!rc) {
		rc = vhuc_call(c, VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL);
	}
	if (!rc) {
		rc = vhuc_call(c, VHU_SET_VRING_CALL, &idx, sizeof(idx), &q->callfd, 1, NULL);
	}
	if (!rc) {
		rc = vhuc_call(c, VHU_SET_VRING_KICK, &idx, sizeof(idx), &q->kickfd, 1, NULL);
	}
	if (!rc && (c->features & (1ull << VHU_F_PROTOCOL_FEATURES))) {
		st.num = 1;
		rc = vhuc_call(c, VHU_SET_VRING_ENABLE, &st, sizeof(st), NULL, 0, NULL);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static void
vhuc_vring_stop(struct vhuc *c, struct vhuc_queue *q)
{
	struct vhu_vring_state st = {.index = q->vring};
	struct vhu_msg *r = malloc(sizeof(*r));

	if (r && c->fd >= 0) {
		pthread_mutex_lock(&c->lock);
		vhuc_call(c, VHU_GET_VRING_BASE, &st, sizeof(st), NULL, 0, r);
		pthread_mutex_unlock(&c->lock);
	}
	free(r);
}

static void
vhuc_queue_free(struct vhuc_queue *q)
{
	if (q->kickfd >= 0) {
		close(q->kickfd);
	}
	if (q->callfd >= 0) {
		close(q->callfd);
	}
	iop_vdrv_fini(&q->drv);
	free(q->slots);
	free(q->free);
	free(q);
}

static void vhuc_close(struct iop_initiator *ini);
static const struct iop_initiator_ops vhost_user_blk_initiator_ops;
static const struct iop_initiator_ops vhost_user_scsi_initiator_ops;
static const struct iop_initiator_ops qsd_vhost_user_blk_initiator_ops;
static int vhuc_queue_open(struct iop_initiator *ini, unsigned int idx, unsigned int depth,
			   struct iop_queue **out);
static void vhuc_queue_close(struct iop_queue *qq);
static int vhuc_submit(struct iop_queue *qq, struct iop_io *io);
static int vhuc_poll(struct iop_queue *qq, unsigned int max, unsigned int timeout_us);

static void
vhuc_probe_cb(struct iop_io *io)
{
	*(bool *)io->cb_arg = true;
}

/* vhost-user-scsi: find the LUN's geometry with a synchronous READ CAPACITY(16). */
static int
vhuc_scsi_probe(struct vhuc *c)
{
	struct iop_queue *qq;
	struct iop_io io = {0};
	uint8_t *buf;
	bool done = false;
	int rc, n = 0;

	rc = vhuc_queue_open(&c->base, 0, 1, &qq);
	if (rc) {
		return rc;
	}
	buf = vhuc_alloc(c, 4096);
	if (!buf) {
		vhuc_queue_close(qq);
		return -ENOMEM;
	}
	io.op = IOP_OP_MAX; /* marker: READ CAPACITY */
	iop_io_set_buf(&io, buf, 32);
	io.cb = vhuc_probe_cb;
	io.cb_arg = &done;
	rc = vhuc_submit(qq, &io);
	for (uint64_t t0 = iop_now_ns(); !rc && !done && iop_now_ns() - t0 < 5000000000ull;) {
		n = vhuc_poll(qq, 1, 1000);
		if (n < 0) {
			rc = n;
		}
	}
	if (!rc && !done) {
		rc = -ETIMEDOUT;
	}
	if (!rc && io.status) {
		rc = io.status;
	}
	if (!rc) {
		uint64_t last = 0;
		uint32_t bs = 0;

		for (int i = 0; i < 8; i++) {
			last = last << 8 | buf[i];
		}
		for (int i = 8; i < 12; i++) {
			bs = bs << 8 | buf[i];
		}
		c->base.block_size = bs;
		c->base.size = (last + 1) * bs;
	}
	vhuc_queue_close(qq);
	return rc;
}

/* Features, protocol features, owner, queue count, config space, SET_FEATURES (c->lock held).
 * Used at open and by a reconnect. */
static int
vhuc_handshake(struct vhuc *c, const struct vhuc_opts *op)
{
	const struct vhuc_opts o = *op;
	uint64_t offered, want;
	int rc;

	rc = vhuc_get_u64(c, VHU_GET_FEATURES, &offered);
	if (rc) {
		return rc;
	}
	want = (1ull << VHU_VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX) |
	       (1ull << VHU_F_PROTOCOL_FEATURES) |
	       (o.packed ? 1ull << VHU_VIRTIO_F_RING_PACKED : 0);
	if (!c->scsi) {
		want |= (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
			(1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_MQ) |
			(1ull << VIRTIO_BLK_F_RO) | (1ull << VIRTIO_BLK_F_DISCARD) |
			(1ull << VIRTIO_BLK_F_WRITE_ZEROES) | (1ull << VIRTIO_BLK_F_TOPOLOGY);
	}
	if (!(offered & (1ull << VHU_VIRTIO_F_VERSION_1))) {
		IOP_ERR("vhost-user: back end does not offer VIRTIO_F_VERSION_1");
		rc = -EPROTO;
		return rc;
	}
	c->features = offered & want;
	if (c->features & (1ull << VHU_F_PROTOCOL_FEATURES)) {
		uint64_t p;

		rc = vhuc_get_u64(c, VHU_GET_PROTOCOL_FEATURES, &p);
		if (rc) {
			return rc;
		}
		p &= (1ull << VHU_PROTOCOL_F_MQ) | (1ull << VHU_PROTOCOL_F_REPLY_ACK) |
		     (1ull << VHU_PROTOCOL_F_CONFIG) |
		     (o.memslots ? 1ull << VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS : 0);
		rc = vhuc_set_u64(c, VHU_SET_PROTOCOL_FEATURES, p);
		if (rc) {
			return rc;
		}
		c->proto = p;
	}
	rc = vhuc_call(c, VHU_SET_OWNER, NULL, 0, NULL, 0, NULL);
	if (rc) {
		return rc;
	}
	c->nr_queues = 1;
	if (c->proto & (1ull << VHU_PROTOCOL_F_MQ)) {
		uint64_t nq;

		rc = vhuc_get_u64(c, VHU_GET_QUEUE_NUM, &nq);
		if (rc) {
			return rc;
		}
		c->nr_queues = c->scsi ? (nq > 2 ? (unsigned int)nq - 2 : 0) : (unsigned int)nq;
	}
	if (c->proto & (1ull << VHU_PROTOCOL_F_CONFIG)) {
		struct vhu_config cf = {.offset = 0};
		struct vhu_msg *r = malloc(sizeof(*r));

		cf.size = c->scsi ? sizeof(struct virtio_scsi_config) :
				    (uint32_t)offsetof(struct virtio_blk_config, max_secure_erase_sectors);
		rc = r ? vhuc_call(c, VHU_GET_CONFIG, &cf, 12 + cf.size, NULL, 0, r) : -ENOMEM;
		if (!rc && r->hdr.size != 12 + cf.size) {
			IOP_ERR("vhost-user: GET_CONFIG reply of %u bytes", r->hdr.size);
			rc = -EPROTO;
		}
		if (!rc && c->scsi) {
			struct virtio_scsi_config sc;

			memcpy(&sc, r->p.cfg.data, sizeof(sc));
			if (sc.num_queues && sc.num_queues < c->nr_queues) {
				c->nr_queues = sc.num_queues;
			}
		} else if (!rc) {
			struct virtio_blk_config bc = {0};

			memcpy(&bc, r->p.cfg.data, cf.size);
			c->base.size = bc.capacity * 512;
			c->base.block_size = (c->features & (1ull << VIRTIO_BLK_F_BLK_SIZE)) &&
						     bc.blk_size ? bc.blk_size : 512;
			if ((c->features & (1ull << VIRTIO_BLK_F_MQ)) && bc.num_queues &&
			    bc.num_queues < c->nr_queues) {
				c->nr_queues = bc.num_queues;
			}
		}
		free(r);
		if (rc) {
			return rc;
		}
	} else if (!c->scsi) {
		IOP_ERR("vhost-user-blk: back end without the CONFIG protocol feature: unknown size");
		rc = -EPROTO;
		return rc;
	}
	c->read_only = c->features & (1ull << VIRTIO_BLK_F_RO);
	rc = vhuc_set_u64(c, VHU_SET_FEATURES, c->features);
	if (rc) {
		return rc;
	}
	return 0;
}

/* The memory table: the whole memfd as one region, or two with ADD_MEM_REG (c->lock held). */
static int
vhuc_send_mem(struct vhuc *c)
{
	struct vhu_mem mt = {0};
	int rc;

	if (c->proto & (1ull << VHU_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		/* two regions (two halves of the memfd at their offsets), one message each */
		uint64_t slots = 0, half = c->mem_size / 2;

		rc = vhuc_get_u64(c, VHU_GET_MAX_MEM_SLOTS, &slots);
		if (!rc && slots < 2) {
			IOP_ERR("vhost-user: back end has %llu memory slots", (unsigned long long)slots);
			rc = -EPROTO;
		}
		for (unsigned int i = 0; i < 2 && !rc; i++) {
			struct vhu_mem_single r = {0};

			r.r.gpa = i * half;
			r.r.size = i ? c->mem_size - half : half;
			r.r.uva = (uint64_t)(uintptr_t)(c->mem + i * half);
			r.r.mmap_offset = i * half;
			rc = vhuc_call(c, VHU_ADD_MEM_REG, &r, sizeof(r), &c->memfd, 1, NULL);
		}
	} else {
		mt.nregions = 1;
		mt.r[0].gpa = 0;
		mt.r[0].size = c->mem_size;
		mt.r[0].uva = (uint64_t)(uintptr_t)c->mem;
		mt.r[0].mmap_offset = 0;
		rc = vhuc_call(c, VHU_SET_MEM_TABLE, &mt, 8 + sizeof(mt.r[0]), &c->memfd, 1, NULL);
	}
	return rc;
}

static int
vhuc_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	struct vhuc_opts o = {0};
	struct iop_uri u;
	struct vhuc *c;
	char err[256];
	int rc;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	iop_opts_defaults(vhuc_opt_rows, &o);
	if (cfg->opts && iop_opts_parse_kv(vhuc_opt_rows, &o, cfg->opts, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	if (!o.packed && (o.queue_size & (o.queue_size - 1))) {
		IOP_ERR("queue_size must be a power of 2 (split rings)");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->recon_lock, NULL);
	c->memfd = -1;
	c->o = o;
	snprintf(c->path, sizeof(c->path), "%s", u.path);
	c->scsi = !strcmp(u.scheme, "vhost-user-scsi");
	c->base.ops = c->scsi ? &vhost_user_scsi_initiator_ops :
		      !strcmp(u.scheme, "qsd-vhost-user-blk") ? &qsd_vhost_user_blk_initiator_ops :
								  &vhost_user_blk_initiator_ops;
	c->interrupt = cfg->interrupt;
	c->queue_size = (unsigned int)o.queue_size;
	c->lun = cfg->nsid ? cfg->nsid - 1 : (unsigned int)o.lun;
	if (cfg->trace_path) {
		rc = vhu_trace_open(cfg->trace_path, &c->trace);
		if (rc) {
			IOP_ERR("%s: %s", cfg->trace_path, strerror(-rc));
			pthread_mutex_destroy(&c->lock);
			pthread_mutex_destroy(&c->recon_lock);
			free(c);
			return rc;
		}
	}
	/* a back end that was just started may not listen yet: retry for up to 5 s */
	for (uint64_t t0 = iop_now_ns();;) {
		c->fd = vhuc_connect(u.path);
		if ((c->fd != -ENOENT && c->fd != -ECONNREFUSED) ||
		    iop_now_ns() - t0 > 5000000000ull) {
			break;
		}
		usleep(20000);
	}
	if (c->fd < 0) {
		rc = c->fd;
		IOP_ERR("%s: %s", u.path, strerror(-rc));
		goto fail;
	}
	*out = &c->base;
	pthread_mutex_lock(&c->lock);
	rc = vhuc_handshake(c, &o);
	if (rc) {
		goto fail_locked;
	}
	c->mem_size = o.mem;
	c->memfd = memfd_create("iopath-vhost-user", MFD_CLOEXEC);
	if (c->memfd < 0 || ftruncate(c->memfd, (off_t)c->mem_size)) {
		rc = -errno;
		goto fail_locked;
	}
	c->mem = mmap(NULL, c->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		rc = -errno;
		goto fail_locked;
	}
	rc = vhuc_send_mem(c);
	pthread_mutex_unlock(&c->lock);
	if (rc) {
		goto fail;
	}
	if (c->nr_queues == 0) {
		IOP_ERR("vhost-user: back end offers no request queue");
		rc = -EPROTO;
		goto fail;
	}
	if (c->scsi) {
		rc = vhuc_scsi_probe(c);
		if (rc) {
			IOP_ERR("vhost-user-scsi: LUN %u: READ CAPACITY failed: %s", c->lun,
				strerror(-rc));
			goto fail;
		}
	}
	c->base.max_io = (IOP_VQ_MAX_IOV - 2) * 4096;
	snprintf(c->base.desc, sizeof(c->base.desc), "%.20s %.60s%s (%u queues%s)", u.scheme, u.path,
		 c->read_only ? " ro" : "", c->nr_queues,
		 (c->features & (1ull << VHU_VIRTIO_F_RING_PACKED)) ? ", packed" : "");
	return 0;
fail_locked:
	pthread_mutex_unlock(&c->lock);
fail:
	vhuc_close(&c->base);
	*out = NULL;
	return rc;
}

static void
vhuc_close(struct iop_initiator *ini)
{
	struct vhuc *c = (struct vhuc *)ini;

	if (c->fd >= 0) {
		close(c->fd);
	}
	if (c->mem) {
		munmap(c->mem, c->mem_size);
	}
	if (c->memfd >= 0) {
		close(c->memfd);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->recon_lock);
	vhu_trace_close(c->trace);
	free(c);
}

static int
vhuc_queue_open(struct iop_initiator *ini, unsigned int idx, unsigned int depth,
		struct iop_queue **out)
{
	struct vhuc *c = (struct vhuc *)ini;
	struct vhuc_queue *q;
	uint8_t *hdrs;
	int rc;

	if (idx >= c->nr_queues) {
		IOP_ERR("vhost-user: queue %u requested, the back end offers %u", idx, c->nr_queues);
		return -ENOSPC;
	}
	if (depth == 0 || depth > c->queue_size / 4) {
		/* every request needs up to 4 descriptors without indirect tables */
		IOP_ERR("vhost-user: depth %u too large for queue_size %u (max %u)", depth,
			c->queue_size, c->queue_size / 4);
		return -EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		return -ENOMEM;
	}
	q->base.ini = ini;
	q->c = c;
	q->kickfd = q->callfd = -1;
	q->vring = c->scsi ? IOP_VSCSI_REQQ0 + idx : idx;
	q->depth = depth;
	q->slots = calloc(depth, sizeof(*q->slots));
	q->free = calloc(depth, sizeof(*q->free));
	hdrs = vhuc_alloc(c, (size_t)depth * VHUC_HDR_BYTES);
	if (!q->slots || !q->free || !hdrs) {
		vhuc_queue_free(q);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < depth; i++) {
		q->slots[i].hdr = hdrs + (size_t)i * VHUC_HDR_BYTES;
		q->free[i] = (uint16_t)(depth - 1 - i);
	}
	q->nfree = depth;
	rc = vhuc_vring_setup(c, q);
	if (rc) {
		vhuc_queue_free(q);
		return rc;
	}
	*out = &q->base;
	return 0;
}

static void
vhuc_queue_close(struct iop_queue *qq)
{
	struct vhuc_queue *q = (struct vhuc_queue *)qq;

	vhuc_vring_stop(q->c, q);
	vhuc_queue_free(q);
}

static void *
vhuc_buf_alloc(struct iop_queue *qq, size_t len)
{
	return vhuc_alloc(((struct vhuc_queue *)qq)->c, len);
}

static void
vhuc_buf_free(struct iop_queue *qq, void *buf, size_t len)
{
	/* bump allocator: memory returns to the pool when the endpoint closes */
}

/* Append io's data buffers to sg. \return count or -EFAULT (outside shared memory). */
static int
vhuc_data_sg(struct vhuc *c, struct iop_io *io, struct iop_vdrv_sg *sg, bool write)
{
	int n = 0;

	for (int i = 0; i < io->iovcnt; i++) {
		const uint8_t *p = io->iov[i].iov_base;

		if (p < c->mem || (size_t)(p - c->mem) + io->iov[i].iov_len > c->mem_size) {
			IOP_ERR_RATELIMIT("vhost-user: I/O buffer %p is not in shared memory "
					  "(allocate with buf_alloc)", (const void *)p);
			return -EFAULT;
		}
		if (n == IOP_VQ_MAX_IOV - 2) {
			return -E2BIG;
		}
		sg[n].addr = vhuc_gpa(c, p);
		sg[n].len = (uint32_t)io->iov[i].iov_len;
		sg[n].write = write;
		n++;
	}
	return n;
}

static int
vhuc_blk_chain(struct vhuc *c, struct iop_io *io, uint8_t *hdr, struct iop_vdrv_sg *sg)
{
	struct virtio_blk_outhdr *h = (void *)hdr;
	struct virtio_blk_discard_write_zeroes *seg = (void *)(hdr + 16);
	int n = 1, k;

	memset(h, 0, sizeof(*h));
	h->sector = io->offset / 512;
	sg[0].addr = vhuc_gpa(c, h);
	sg[0].len = sizeof(*h);
	sg[0].write = false;
	switch (io->op) {
	case IOP_OP_READ:
	case IOP_OP_WRITE:
		h->type = io->op == IOP_OP_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		k = vhuc_data_sg(c, io, &sg[1], io->op == IOP_OP_READ);
		if (k < 0) {
			return k;
		}
		n += k;
		break;
	case IOP_OP_FLUSH:
		h->type = VIRTIO_BLK_T_FLUSH;
		h->sector = 0;
		break;
	case IOP_OP_DISCARD:
	case IOP_OP_WRITE_ZEROES:
		h->type = io->op == IOP_OP_DISCARD ? VIRTIO_BLK_T_DISCARD : VIRTIO_BLK_T_WRITE_ZEROES;
		h->sector = 0;
		seg->sector = io->offset / 512;
		seg->num_sectors = (uint32_t)(io->len / 512);
		seg->flags = 0;
		sg[1].addr = vhuc_gpa(c, seg);
		sg[1].len = sizeof(*seg);
		sg[1].write = false;
		n = 2;
		break;
	default:
		return -EOPNOTSUPP;
	}
	hdr[64] = 0xff; /* status: the device must overwrite it */
	sg[n].addr = vhuc_gpa(c, hdr + 64);
	sg[n].len = 1;
	sg[n].write = true;
	return n + 1;
}

static int
vhuc_scsi_chain(struct vhuc_queue *q, struct iop_io *io, uint8_t *hdr, struct iop_vdrv_sg *sg)
{
	struct vhuc *c = q->c;
	struct virtio_scsi_cmd_req *req = (void *)hdr;
	struct virtio_scsi_cmd_resp *resp = (void *)(hdr + 64);
	uint32_t bs = c->base.block_size ? c->base.block_size : 512;
	uint64_t lba = io->offset / bs;
	uint32_t nb = (uint32_t)(io->len / bs);
	uint8_t *cdb = req->cdb;
	bool data_in = false;
	int n = 1, k = 0;

	memset(req, 0, sizeof(*req));
	iop_vscsi_lun_encode(c->lun, req->lun);
	req->tag = ++q->tag;
	switch (io->op) {
	case IOP_OP_READ:
	case IOP_OP_WRITE:
		cdb[0] = io->op == IOP_OP_READ ? 0x88 : 0x8a;
		for (int i = 0; i < 8; i++) {
			cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
		}
		for (int i = 0; i < 4; i++) {
			cdb[10 + i] = (uint8_t)(nb >> (24 - 8 * i));
		}
		data_in = io->op == IOP_OP_READ;
		break;
	case IOP_OP_FLUSH:
		cdb[0] = 0x35;
		break;
	case IOP_OP_MAX: /* READ CAPACITY(16), used by open */
		cdb[0] = 0x9e;
		cdb[1] = 0x10;
		cdb[13] = 32;
		data_in = true;
		break;
	default:
		return -EOPNOTSUPP;
	}
	sg[0].addr = vhuc_gpa(c, req);
	sg[0].len = sizeof(*req);
	sg[0].write = false;
	if (io->op == IOP_OP_WRITE) {
		k = vhuc_data_sg(c, io, &sg[1], false);
		if (k < 0) {
			return k;
		}
		n += k;
	}
	memset(resp, 0, sizeof(*resp));
	resp->response = 0xff;
	sg[n].addr = vhuc_gpa(c, resp);
	sg[n].len = sizeof(*resp);
	sg[n].write = true;
	n++;
	if (data_in) {
		k = vhuc_data_sg(c, io, &sg[n], true);
		if (k < 0) {
			return k;
		}
		n += k;
	}
	return n;
}

static int
vhuc_submit(struct iop_queue *qq, struct iop_io *io)
{
	struct vhuc_queue *q = (struct vhuc_queue *)qq;
	struct iop_vdrv_sg sg[IOP_VQ_MAX_IOV];
	struct vhuc_slot *s;
	uint16_t si;
	int n, rc;

	if (iop_unlikely(q->broken)) {
		return -ECONNRESET;
	}
	if (!q->nfree) {
		return -EAGAIN;
	}
	si = q->free[q->nfree - 1];
	s = &q->slots[si];
	n = q->c->scsi ? vhuc_scsi_chain(q, io, s->hdr, sg) : vhuc_blk_chain(q->c, io, s->hdr, sg);
	if (n < 0) {
		return n;
	}
	rc = iop_vdrv_add(&q->drv, sg, (unsigned int)n, s);
	if (rc) {
		return rc;
	}
	q->nfree--;
	s->io = io;
	if (iop_vdrv_publish(&q->drv)) {
		uint64_t one = 1;

		if (write(q->kickfd, &one, sizeof(one)) < 0) {
			return -errno;
		}
	}
	return 0;
}

static int
vhuc_io_status(struct vhuc_queue *q, struct vhuc_slot *s, uint32_t len)
{
	if (q->c->scsi) {
		struct virtio_scsi_cmd_resp *resp = (void *)(s->hdr + 64);

		if (len < sizeof(*resp) || resp->response != VIRTIO_SCSI_S_OK) {
			return -EIO;
		}
		if (resp->status) {
			/* CHECK CONDITION: ILLEGAL REQUEST -> EINVAL, DATA PROTECT -> EROFS */
			uint8_t key = resp->sense_len > 2 ? resp->sense[2] & 0xf : 0;

			return key == 0x5 ? -EINVAL : key == 0x7 ? -EROFS : -EIO;
		}
		return 0;
	}
	if (len == 0) {
		return -EIO;
	}
	switch (s->hdr[64]) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_UNSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static int
vhuc_reap(struct vhuc_queue *q, unsigned int max)
{
	unsigned int n = 0;

	while (n < max) {
		uint32_t len = 0;
		struct vhuc_slot *s = iop_vdrv_get(&q->drv, &len);
		struct iop_io *io;

		if (!s) {
			break;
		}
		io = s->io;
		s->io = NULL;
		q->free[q->nfree++] = (uint16_t)(s - q->slots);
		io->status = vhuc_io_status(q, s, len);
		io->cb(io);
		n++;
	}
	return (int)n;
}

/* Is the back end gone? Checked now and then while I/O is outstanding and nothing completes,
 * so that a dead back end fails the queue instead of hanging the caller. Nothing else may be
 * read from the socket outside vhuc_call (which holds the lock). */
static bool
vhuc_peer_gone(struct vhuc *c)
{
	char b;
	ssize_t n;

	if (pthread_mutex_trylock(&c->lock)) {
		return false;
	}
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	pthread_mutex_unlock(&c->lock);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* ---- reconnect ---- */

/* Reconnect to the socket path until the deadline and set the device up again with the same
 * memfd (c->lock held, by the first queue that saw the loss). \return 0 or the last error. */
static int
vhuc_reconnect_dev(struct vhuc *c, uint64_t deadline)
{
	uint64_t size = c->base.size, features = c->features;
	unsigned int nr_queues = c->nr_queues;
	int rc = -ECONNRESET;

	while (iop_now_ns() < deadline) {
		if (c->fd >= 0) {
			close(c->fd);
		}
		c->fd = vhuc_connect(c->path);
		if (c->fd >= 0) {
			c->proto = 0;
			rc = vhuc_handshake(c, &c->o);
			if (!rc && (c->base.size != size || c->features != features ||
				    c->nr_queues < nr_queues)) {
				IOP_ERR("vhost-user: reconnect: the back end came back different "
					"(size, features or queues)");
				c->nr_queues = nr_queues;
				return -EPROTO;
			}
			c->nr_queues = nr_queues;
			rc = rc ? rc : vhuc_send_mem(c);
			if (!rc) {
				__atomic_add_fetch(&c->gen, 1, __ATOMIC_RELEASE);
				IOP_WARN("vhost-user: reconnect: back end at %s up again", c->path);
				return 0;
			}
		} else {
			rc = c->fd;
		}
		usleep(100000);
	}
	return rc;
}

/* Set q's vring up again on the new connection and resubmit every request it had in flight
 * (writes are idempotent, reads are re-read). */
static int
vhuc_queue_revive(struct vhuc_queue *q)
{
	struct iop_io **ios = calloc(q->depth, sizeof(*ios));
	unsigned int n = 0;
	int rc;

	if (!ios) {
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < q->depth; i++) {
		if (q->slots[i].io) {
			ios[n++] = q->slots[i].io;
			q->slots[i].io = NULL;
		}
		q->free[i] = (uint16_t)(q->depth - 1 - i);
	}
	q->nfree = q->depth;
	q->empty_polls = 0;
	rc = vhuc_vring_setup(q->c, q);
	if (!rc) {
		q->gen = q->c->gen;
		IOP_WARN("vhost-user: queue %u: reconnected, resubmitting %u I/Os", q->vring, n);
	}
	for (unsigned int i = 0; i < n; i++) {
		int r = rc ? rc : vhuc_submit(&q->base, ios[i]);

		if (r) {
			ios[i]->status = r;
			ios[i]->cb(ios[i]);
		}
	}
	free(ios);
	return rc;
}

/* The back end is gone (or another queue already reconnected): reconnect if nobody did yet,
 * then bring q back. \return 0, or the error that ends the queue. */
static int
vhuc_recover(struct vhuc_queue *q)
{
	struct vhuc *c = q->c;
	int rc;

	pthread_mutex_lock(&c->recon_lock);
	if (!c->recon_err && q->gen == __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE)) {
		IOP_WARN("vhost-user: queue %u: back end lost with %u I/Os in flight: reconnecting "
			 "for up to %llu ms", q->vring, q->depth - q->nfree,
			 (unsigned long long)(c->o.reconnect_ns / 1000000));
		pthread_mutex_lock(&c->lock);
		rc = vhuc_reconnect_dev(c, iop_now_ns() + c->o.reconnect_ns);
		pthread_mutex_unlock(&c->lock);
		if (rc) {
			IOP_ERR("vhost-user: could not reconnect within %llu ms: %s",
				(unsigned long long)(c->o.reconnect_ns / 1000000), strerror(-rc));
			c->recon_err = rc;
		}
	}
	rc = c->recon_err ? c->recon_err : vhuc_queue_revive(q);
	pthread_mutex_unlock(&c->recon_lock);
	if (rc) {
		q->broken = true;
		for (unsigned int i = 0; i < q->depth; i++) {
			struct iop_io *io = q->slots[i].io;

			if (io) {
				q->slots[i].io = NULL;
				io->status = -ECONNRESET;
				io->cb(io);
			}
		}
	}
	return rc;
}

static int
vhuc_poll(struct iop_queue *qq, unsigned int max, unsigned int timeout_us)
{
	struct vhuc_queue *q = (struct vhuc_queue *)qq;
	int n;

	if (iop_unlikely(q->c->o.reconnect_ns && !q->broken &&
			 q->gen != __atomic_load_n(&q->c->gen, __ATOMIC_ACQUIRE))) {
		n = vhuc_recover(q); /* another queue reconnected: follow */
		if (n) {
			return n;
		}
	}
	n = vhuc_reap(q, max);
	if (n || q->nfree == q->depth) {
		q->empty_polls = 0;
		return n;
	}
	if (++q->empty_polls % (q->c->interrupt ? 64 : 65536) == 0 && vhuc_peer_gone(q->c)) {
		if (q->c->o.reconnect_ns && !q->broken) {
			return vhuc_recover(q);
		}
		IOP_ERR_RATELIMIT("vhost-user: back end closed the connection with %u I/Os in flight",
				  q->depth - q->nfree);
		return -EPIPE;
	}
	if (!q->c->interrupt || !timeout_us) {
		return n;
	}
	if (!iop_vdrv_irq_enable(&q->drv, true)) {
		struct pollfd p = {.fd = q->callfd, .events = POLLIN};

		if (poll(&p, 1, (int)((timeout_us + 999) / 1000)) < 0 && errno != EINTR) {
			return -errno;
		}
	}
	{
		uint64_t v;

		if (read(q->callfd, &v, sizeof(v)) < 0) {
			/* nothing signalled: fine */
		}
	}
	iop_vdrv_irq_enable(&q->drv, false);
	return vhuc_reap(q, max);
}

static const struct iop_initiator_ops vhost_user_blk_initiator_ops = {
	.scheme = "vhost-user-blk",
	.help = "vhost-user front end + virtio-blk driver (opts: mem=SIZE,queue_size=N,packed=1)",
	.open = vhuc_open,
	.close = vhuc_close,
	.queue_open = vhuc_queue_open,
	.queue_close = vhuc_queue_close,
	.buf_alloc = vhuc_buf_alloc,
	.buf_free = vhuc_buf_free,
	.submit = vhuc_submit,
	.poll = vhuc_poll,
};
IOP_INITIATOR_REGISTER(vhost_user_blk_initiator_ops)

static const struct iop_initiator_ops vhost_user_scsi_initiator_ops = {
	.scheme = "vhost-user-scsi",
	.help = "vhost-user front end + virtio-scsi driver, READ/WRITE(16) on one LUN "
		"(opts: lun=N,mem=SIZE,queue_size=N,packed=1)",
	.open = vhuc_open,
	.close = vhuc_close,
	.queue_open = vhuc_queue_open,
	.queue_close = vhuc_queue_close,
	.buf_alloc = vhuc_buf_alloc,
	.buf_free = vhuc_buf_free,
	.submit = vhuc_submit,
	.poll = vhuc_poll,
};
IOP_INITIATOR_REGISTER(vhost_user_scsi_initiator_ops)

/* The same front end, named for the qemu-storage-daemon reference back end (qsd.c). */
static const struct iop_initiator_ops qsd_vhost_user_blk_initiator_ops = {
	.scheme = "qsd-vhost-user-blk",
	.help = "vhost-user-blk front end against qemu-storage-daemon started by "
		"`iopath target qsd-vhost-user-blk://...`",
	.open = vhuc_open,
	.close = vhuc_close,
	.queue_open = vhuc_queue_open,
	.queue_close = vhuc_queue_close,
	.buf_alloc = vhuc_buf_alloc,
	.buf_free = vhuc_buf_free,
	.submit = vhuc_submit,
	.poll = vhuc_poll,
};
IOP_INITIATOR_REGISTER(qsd_vhost_user_blk_initiator_ops)
