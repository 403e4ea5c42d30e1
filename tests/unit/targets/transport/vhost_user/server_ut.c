/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vhost-user back end in-process over real UNIX sockets, memfds and eventfds: our
 * client end to end (blk, scsi, interrupt mode, reconnect), a raw front end sending bad input
 * (descriptors outside memory, loops, oversized chains, corrupt ring, unknown and oversized
 * messages) while another device keeps serving, and LUN hotplug events on the event queue. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_scsi.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/target.h"
#include "targets/transport/vhost_user/proto.h"
#include "targets/virtio/driver.h"
#include "targets/virtio/scsi.h"
#include "tests/common/ut.h"
#include "tests/unit/targets/virtio/fake_backend.h"

struct fake_opts {
	uint64_t size;
};

static const struct iop_option fake_rows[] = {
	{"size", NULL, IOP_OPT_SIZE, offsetof(struct fake_opts, size), "1M", 4096, 0, NULL, "size"},
	{NULL},
};

static int
fake_open(const void *o, struct iop_backend **out)
{
	struct fake_be *f = fake_new(((const struct fake_opts *)o)->size, 512, NULL);

	*out = &f->be;
	return 0;
}

static void
fake_close(struct iop_backend *be)
{
	fake_free((struct fake_be *)be);
}

static const struct iop_backend_ops fake_reg_ops = {
	.name = "utfake",
	.options = fake_rows,
	.opts_size = sizeof(struct fake_opts),
	.open = fake_open,
	.close = fake_close,
	.submit = fake_submit,
	.poll = fake_poll,
	.chan_open = fake_chan_open,
	.chan_close = fake_chan_close,
};
IOP_BACKEND_REGISTER(fake_reg_ops)

/* ---- a target running in a thread ---- */

struct tgt {
	const struct iop_target_ops *ops;
	struct iop_target *t;
	pthread_t th;
	volatile sig_atomic_t stop;
	char dir[64];
	char uri[192];
	char sock[128];
	struct fake_be *be[2];
};

static void *
tgt_thread(void *arg)
{
	struct tgt *g = arg;

	g->ops->run(g->t, &g->stop);
	return NULL;
}

static unsigned int g_threads = 1;

static int
tgt_start(struct tgt *g, const char *scheme, unsigned int nluns, bool interrupt, bool ro)
{
	struct iop_target_cfg cfg = {.nr_threads = g_threads, .interrupt = interrupt,
				     .read_only = ro};
	int rc;

	memset(g, 0, sizeof(*g));
	snprintf(g->dir, sizeof(g->dir), "/tmp/iop-vhu-ut.XXXXXX");
	if (!mkdtemp(g->dir)) {
		return -errno;
	}
	snprintf(g->sock, sizeof(g->sock), "%s/s.sock", g->dir);
	snprintf(g->uri, sizeof(g->uri), "%s://%s", scheme, g->sock);
	for (unsigned int i = 0; i < nluns; i++) {
		g->be[i] = fake_new(4 << 20, 512, i ? "fake:b" : "fake:a");
		g->be[i]->mode = 1; /* complete from poll: the asynchronous path */
		cfg.backends[i] = &g->be[i]->be;
	}
	cfg.nr_backends = nluns;
	cfg.uri = g->uri;
	g->ops = iop_target_find_uri(g->uri);
	rc = g->ops->create(&cfg, &g->t);
	if (rc) {
		return rc;
	}
	return pthread_create(&g->th, NULL, tgt_thread, g) ? -EAGAIN : 0;
}

static void
tgt_stop(struct tgt *g)
{
	char p[160];

	g->stop = 1;
	pthread_join(g->th, NULL);
	g->ops->destroy(g->t);
	for (unsigned int i = 0; i < 2; i++) {
		if (g->be[i]) {
			fake_free(g->be[i]);
		}
	}
	snprintf(p, sizeof(p), "%s.ctl", g->sock);
	unlink(p);
	unlink(g->sock);
	rmdir(g->dir);
}

/* ---- our client, synchronously ---- */

struct cli {
	const struct iop_initiator_ops *ops;
	struct iop_initiator *ini;
	struct iop_queue *q;
	uint8_t *buf;
};

static void
io_cb(struct iop_io *io)
{
	(*(int *)io->cb_arg)++;
}

static int
cli_open(struct cli *c, const char *uri, const char *opts, bool interrupt)
{
	struct iop_initiator_cfg cfg = {.uri = uri, .nr_queues = 1, .queue_depth = 8,
					.opts = opts, .interrupt = interrupt};
	int rc;

	c->ops = iop_initiator_find_uri(uri);
	rc = c->ops->open(&cfg, &c->ini);
	if (rc) {
		return rc;
	}
	rc = c->ops->queue_open(c->ini, 0, 8, &c->q);
	if (rc) {
		c->ops->close(c->ini);
		return rc;
	}
	c->buf = c->ops->buf_alloc(c->q, 65536);
	return c->buf ? 0 : -ENOMEM;
}

static void
cli_close(struct cli *c)
{
	c->ops->queue_close(c->q);
	c->ops->close(c->ini);
}

/* One synchronous I/O on c->buf. \return io status, or -ETIMEDOUT. */
static int
cli_io(struct cli *c, int op, uint64_t off, uint32_t len)
{
	struct iop_io io = {0};
	int done = 0, rc;

	io.op = (uint8_t)op;
	io.offset = off;
	iop_io_set_buf(&io, c->buf, len);
	io.cb = io_cb;
	io.cb_arg = &done;
	rc = c->ops->submit(c->q, &io);
	if (rc) {
		return rc;
	}
	for (uint64_t t0 = iop_now_ns(); !done && iop_now_ns() - t0 < 3000000000ull;) {
		c->ops->poll(c->q, 8, 1000);
	}
	return done ? io.status : -ETIMEDOUT;
}

/* write a pattern to blocks [0, n) then read them back. \return mismatching blocks. */
static int
cli_verify(struct cli *c, unsigned int n, uint8_t seed)
{
	int bad = 0;

	for (unsigned int b = 0; b < n; b++) {
		memset(c->buf, (uint8_t)(seed + b), 4096);
		if (cli_io(c, IOP_OP_WRITE, (uint64_t)b * 4096, 4096)) {
			bad++;
		}
	}
	for (unsigned int b = 0; b < n; b++) {
		memset(c->buf, 0, 4096);
		if (cli_io(c, IOP_OP_READ, (uint64_t)b * 4096, 4096) || c->buf[0] != (uint8_t)(seed + b) ||
		    c->buf[4095] != (uint8_t)(seed + b)) {
			bad++;
		}
	}
	return bad;
}

/* ---- a raw front end that can send anything ---- */

#define RAW_MEM (4u << 20)
#define RAW_QSZ 16

struct raw {
	int fd;
	int memfd;
	uint8_t *mem;
	struct iop_vdrv drv[3];
	int kick[3], call[3];
};

static int
raw_msg(struct raw *r, uint32_t req, const void *p, uint32_t size, const int *fds,
	unsigned int nfds, struct vhu_msg *reply)
{
	struct vhu_msg *m = calloc(1, sizeof(*m));
	int rc;

	m->hdr.request = req;
	m->hdr.flags = VHU_FLAG_VERSION | (reply ? 0 : VHU_FLAG_NEED_REPLY);
	m->hdr.size = size;
	if (size) {
		memcpy(&m->p, p, size);
	}
	if (nfds) {
		memcpy(m->fds, fds, nfds * sizeof(int));
	}
	m->nfds = nfds;
	rc = vhu_send(r->fd, m);
	if (!rc) {
		rc = vhu_recv(r->fd, m);
	}
	if (!rc && reply) {
		*reply = *m;
	} else if (!rc) {
		rc = m->p.u64 ? -EPROTO : 0; /* REPLY_ACK status */
	}
	free(m);
	return rc;
}

static int
raw_connect(struct raw *r, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(r, 0, sizeof(*r));
	strcpy(sa.sun_path, path);
	r->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	return connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

static uint64_t
raw_gpa(struct raw *r, const void *p)
{
	return (uint64_t)((const uint8_t *)p - r->mem);
}

/* Negotiate, share memory and start vrings [first, first + n). */
static int
raw_setup(struct raw *r, const char *path, uint64_t dev_features, unsigned int first,
	  unsigned int n)
{
	struct vhu_msg *rep = calloc(1, sizeof(*rep));
	uint64_t v;
	struct vhu_mem mt = {.nregions = 1};
	int rc;

	rc = raw_connect(r, path);
	if (!rc) {
		rc = raw_msg(r, VHU_GET_FEATURES, NULL, 0, NULL, 0, rep);
	}
	v = (1ull << VHU_PROTOCOL_F_REPLY_ACK) | (1ull << VHU_PROTOCOL_F_MQ);
	/* protocol features first, so every later message is acknowledged */
	if (!rc) {
		struct vhu_msg *m = calloc(1, sizeof(*m));

		m->hdr.request = VHU_SET_PROTOCOL_FEATURES;
		m->hdr.flags = VHU_FLAG_VERSION;
		m->hdr.size = 8;
		m->p.u64 = v;
		rc = vhu_send(r->fd, m);
		free(m);
	}
	if (!rc) {
		rc = raw_msg(r, VHU_SET_OWNER, NULL, 0, NULL, 0, NULL);
	}
	v = (1ull << VHU_VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
	    (1ull << VHU_F_PROTOCOL_FEATURES) | dev_features;
	if (!rc) {
		rc = raw_msg(r, VHU_SET_FEATURES, &v, 8, NULL, 0, NULL);
	}
	r->memfd = memfd_create("raw", 0);
	if (ftruncate(r->memfd, RAW_MEM)) {
		rc = -errno;
	}
	r->mem = mmap(NULL, RAW_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
	mt.r[0] = (struct vhu_mem_region){0, RAW_MEM, (uint64_t)(uintptr_t)r->mem, 0};
	if (!rc) {
		rc = raw_msg(r, VHU_SET_MEM_TABLE, &mt, 8 + 32, &r->memfd, 1, NULL);
	}
	for (unsigned int i = 0; i < n && !rc; i++) {
		unsigned int idx = first + i;
		struct vhu_vring_state st = {idx, RAW_QSZ};
		struct vhu_vring_addr a = {.index = idx};
		uint64_t u = idx;

		iop_vdrv_init(&r->drv[i], r->mem + i * 65536, RAW_QSZ, false);
		a.desc = (uint64_t)(uintptr_t)r->drv[i].desc;
		a.avail = (uint64_t)(uintptr_t)r->drv[i].avail;
		a.used = (uint64_t)(uintptr_t)r->drv[i].used;
		r->kick[i] = eventfd(0, EFD_NONBLOCK);
		r->call[i] = eventfd(0, EFD_NONBLOCK);
		rc = raw_msg(r, VHU_SET_VRING_NUM, &st, 8, NULL, 0, NULL);
		st.num = 0;
		rc = rc ? rc : raw_msg(r, VHU_SET_VRING_BASE, &st, 8, NULL, 0, NULL);
		rc = rc ? rc : raw_msg(r, VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL);
		rc = rc ? rc : raw_msg(r, VHU_SET_VRING_CALL, &u, 8, &r->call[i], 1, NULL);
		rc = rc ? rc : raw_msg(r, VHU_SET_VRING_KICK, &u, 8, &r->kick[i], 1, NULL);
		st.num = 1;
		rc = rc ? rc : raw_msg(r, VHU_SET_VRING_ENABLE, &st, 8, NULL, 0, NULL);
	}
	free(rep);
	return rc;
}

static void
raw_close(struct raw *r)
{
	close(r->fd);
	for (unsigned int i = 0; i < 3; i++) {
		if (r->drv[i].cookie) {
			iop_vdrv_fini(&r->drv[i]);
			close(r->kick[i]);
			close(r->call[i]);
		}
	}
	munmap(r->mem, RAW_MEM);
	close(r->memfd);
}

/* Wait for a used entry on ring i. \return cookie or NULL after 2 s. */
static void *
raw_wait(struct raw *r, unsigned int i, uint32_t *len)
{
	for (uint64_t t0 = iop_now_ns(); iop_now_ns() - t0 < 2000000000ull;) {
		void *c = iop_vdrv_get(&r->drv[i], len);

		if (c) {
			return c;
		}
		usleep(100);
	}
	return NULL;
}

/* A virtio-blk read of len bytes at sector 0 with the data buffer at gpa. */
static void
raw_blk_read(struct raw *r, uint64_t data_gpa, uint32_t len, void *cookie)
{
	struct virtio_blk_outhdr *h = (void *)(r->mem + 1048576);
	struct iop_vdrv_sg sg[3] = {
		{raw_gpa(r, h), 16, false}, {data_gpa, len, true}, {raw_gpa(r, h) + 64, 1, true}};

	memset(h, 0, 16);
	h->type = VIRTIO_BLK_T_IN;
	r->mem[1048576 + 64] = 0xee;
	CU_ASSERT_EQUAL(iop_vdrv_add(&r->drv[0], sg, 3, cookie), 0);
	iop_vdrv_publish(&r->drv[0]);
}

/* ---- tests ---- */

static void
test_blk_end_to_end(void)
{
	struct tgt g;
	struct cli c;

	for (int irq = 0; irq < 2; irq++) {
		CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, irq, false), 0);
		{
			struct stat st;

			CU_ASSERT_EQUAL(stat(g.sock, &st), 0);
			CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
		}
		CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, irq), 0);
		CU_ASSERT_EQUAL(c.ini->size, 4 << 20);
		CU_ASSERT_EQUAL(c.ini->block_size, 512);
		CU_ASSERT_EQUAL(cli_verify(&c, 16, (uint8_t)(0x40 + irq)), 0);
		CU_ASSERT_EQUAL(g.be[0]->data[4096], (uint8_t)(0x41 + irq));
		CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_FLUSH, 0, 0), 0);
		CU_ASSERT_EQUAL(g.be[0]->nr_flush, 1);
		CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_WRITE_ZEROES, 0, 4096), 0);
		CU_ASSERT_EQUAL(g.be[0]->data[0], 0);
		CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_DISCARD, 8192, 4096), 0);
		CU_ASSERT_EQUAL(g.be[0]->nr_discard, 1);
		/* past the end: an error, not a hang */
		CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_READ, 4 << 20, 4096), -EIO);
		cli_close(&c);
		/* reconnect: a fresh device on the same data */
		CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, irq), 0);
		CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_READ, 4096, 4096), 0);
		CU_ASSERT_EQUAL(c.buf[0], (uint8_t)(0x41 + irq));
		cli_close(&c);
		tgt_stop(&g);
	}
}

static void
test_blk_packed(void)
{
	struct tgt g;
	struct cli c;

	CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, false, false), 0);
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, "packed=1,queue_size=48,memslots=1,mem=4M", false),
			      0);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.ini->desc, "packed"));
	CU_ASSERT_EQUAL(cli_verify(&c, 64, 0x21), 0);
	CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_READ, 4 << 20, 4096), -EIO);
	cli_close(&c);
	/* reconnect with a split ring on the same data */
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, false), 0);
	CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_READ, 63 * 4096, 4096), 0);
	CU_ASSERT_EQUAL(c.buf[0], (uint8_t)(0x21 + 63));
	cli_close(&c);
	tgt_stop(&g);
}

/* Two reactor threads, two front ends with two queues each: the rings of one device are spread
 * over both threads; a queue closed with I/O in flight is drained first. */
static void
test_blk_threads(void)
{
	struct iop_initiator_cfg cfg = {.nr_queues = 2, .queue_depth = 8};
	struct iop_queue *q[2][2];
	struct iop_initiator *ini[2];
	struct iop_io io[2][2][8];
	uint8_t *buf[2][2];
	int done = 0;
	struct tgt g;

	g_threads = 2;
	for (int irq = 0; irq < 2; irq++) {
		CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, irq, false), 0);
		cfg.uri = g.uri;
		cfg.interrupt = irq;
		for (int d = 0; d < 2; d++) {
			const struct iop_initiator_ops *ops = iop_initiator_find_uri(g.uri);

			CU_ASSERT_EQUAL_FATAL(ops->open(&cfg, &ini[d]), 0);
			for (int k = 0; k < 2; k++) {
				CU_ASSERT_EQUAL_FATAL(ops->queue_open(ini[d], (unsigned int)k, 8, &q[d][k]),
						      0);
				buf[d][k] = ops->buf_alloc(q[d][k], 8 * 4096);
			}
		}
		/* every queue writes its own 8 blocks at once, then reads them back */
		for (int op = 0; op < 2; op++) {
			done = 0;
			for (int d = 0; d < 2; d++) {
				for (int k = 0; k < 2; k++) {
					for (int i = 0; i < 8; i++) {
						struct iop_io *x = &io[d][k][i];
						uint8_t *b = buf[d][k] + i * 4096;

						memset(x, 0, sizeof(*x));
						x->op = op ? IOP_OP_READ : IOP_OP_WRITE;
						x->offset = (uint64_t)(((d * 2 + k) * 8 + i) * 4096);
						memset(b, op ? 0 : (uint8_t)(d * 16 + k * 8 + i + 1), 4096);
						iop_io_set_buf(x, b, 4096);
						x->cb = io_cb;
						x->cb_arg = &done;
						CU_ASSERT_EQUAL(ini[d]->ops->submit(q[d][k], x), 0);
					}
				}
			}
			for (uint64_t t0 = iop_now_ns(); done < 32 && iop_now_ns() - t0 < 5000000000ull;) {
				for (int d = 0; d < 2; d++) {
					for (int k = 0; k < 2; k++) {
						ini[d]->ops->poll(q[d][k], 8, 100);
					}
				}
			}
			if (done != 32) {
				printf("irq %d op %d: %d of 32 done\n", irq, op, done);
			}
			CU_ASSERT_EQUAL(done, 32);
		}
		for (int d = 0; d < 2; d++) {
			for (int k = 0; k < 2; k++) {
				for (int i = 0; i < 8; i++) {
					CU_ASSERT_EQUAL(io[d][k][i].status, 0);
					CU_ASSERT_EQUAL(buf[d][k][i * 4096 + 4095], (uint8_t)(d * 16 + k * 8 + i + 1));
				}
			}
		}
		/* close queue 1 of device 0 with I/O in flight: the back end drains before answering */
		done = 0;
		for (int i = 0; i < 8; i++) {
			io[0][1][i].op = IOP_OP_READ;
			CU_ASSERT_EQUAL(ini[0]->ops->submit(q[0][1], &io[0][1][i]), 0);
		}
		ini[0]->ops->queue_close(q[0][1]);
		/* the other queues and the other device still work */
		done = 0;
		io[1][1][0].op = IOP_OP_READ;
		CU_ASSERT_EQUAL(ini[1]->ops->submit(q[1][1], &io[1][1][0]), 0);
		for (uint64_t t0 = iop_now_ns(); !done && iop_now_ns() - t0 < 3000000000ull;) {
			ini[1]->ops->poll(q[1][1], 8, 100);
		}
		CU_ASSERT_EQUAL(done, 1);
		ini[0]->ops->queue_close(q[0][0]);
		for (int k = 0; k < 2; k++) {
			ini[1]->ops->queue_close(q[1][k]);
		}
		for (int d = 0; d < 2; d++) {
			ini[d]->ops->close(ini[d]);
		}
		tgt_stop(&g);
	}
	g_threads = 1;
}

static void
test_blk_read_only(void)
{
	struct tgt g;
	struct cli c;

	CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, false, true), 0);
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, false), 0);
	CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_WRITE, 0, 4096), -EIO);
	CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_READ, 0, 4096), 0);
	CU_ASSERT_EQUAL(g.be[0]->nr_submit, 1);
	cli_close(&c);
	tgt_stop(&g);
}

static void
test_bad_frontend(void)
{
	struct vring_desc *tbl;
	struct vhu_msg *rep = calloc(1, sizeof(*rep));
	struct tgt g;
	struct cli c;
	struct raw r;
	uint32_t len = 99;
	uint64_t v;

	CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, false, false), 0);
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, false), 0);
	CU_ASSERT_EQUAL_FATAL(raw_setup(&r, g.sock, 0, 0, 1), 0);

	/* Test 1: a good request on the raw device works */
	raw_blk_read(&r, 2 << 20, 4096, (void *)1);
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)1);
	CU_ASSERT_EQUAL(len, 4097);
	CU_ASSERT_EQUAL(r.mem[1048576 + 64], VIRTIO_BLK_S_OK);

	/* Test 2: data buffer outside the shared memory: chain returned with length 0 */
	raw_blk_read(&r, RAW_MEM - 2048, 4096, (void *)2);
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)2);
	CU_ASSERT_EQUAL(len, 0);

	/* Test 3: a loop in the chain */
	raw_blk_read(&r, 2 << 20, 4096, (void *)3);
	{
		uint16_t head = r.drv[0].avail->ring[(r.drv[0].avail_idx - 1) & (RAW_QSZ - 1)];
		uint16_t second = r.drv[0].desc[head].next;
		uint16_t third = r.drv[0].desc[second].next;

		r.drv[0].desc[third].flags |= VRING_DESC_F_NEXT;
		r.drv[0].desc[third].next = head;
	}
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)3);
	CU_ASSERT_EQUAL(len, 0);

	/* Test 4: oversized request: 200 segments through an indirect table */
	tbl = (void *)(r.mem + (3 << 20));
	for (unsigned int i = 0; i < 200; i++) {
		tbl[i] = (struct vring_desc){i == 0 ? raw_gpa(&r, r.mem + 1048576) : 2 << 20,
					     i == 0 ? 16 : 512,
					     (uint16_t)((i ? VRING_DESC_F_WRITE : 0) |
							(i < 199 ? VRING_DESC_F_NEXT : 0)),
					     (uint16_t)(i + 1)};
	}
	{
		struct iop_vdrv_sg sg = {raw_gpa(&r, tbl), 200 * 16, false};

		CU_ASSERT_EQUAL(iop_vdrv_add(&r.drv[0], &sg, 1, (void *)4), 0);
		r.drv[0].desc[r.drv[0].avail->ring[(r.drv[0].avail_idx - 1) & (RAW_QSZ - 1)]].flags |=
			VRING_DESC_F_INDIRECT;
		iop_vdrv_publish(&r.drv[0]);
	}
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)4);
	CU_ASSERT_EQUAL(len, 0);

	/* Test 4b: ADD_MEM_REG a second region, use it, REM_MEM_REG it: then it is out of range */
	{
		int mfd = memfd_create("extra", 0);
		struct vhu_mem_single mr = {0};

		CU_ASSERT_EQUAL(ftruncate(mfd, 1 << 20), 0);
		mr.r = (struct vhu_mem_region){8 << 20, 1 << 20, 0x600000000000ull, 0};
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_ADD_MEM_REG, &mr, sizeof(mr), &mfd, 1, NULL), 0);
		raw_blk_read(&r, (8 << 20) + 4096, 4096, (void *)40);
		CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)40);
		CU_ASSERT_EQUAL(len, 4097);
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_REM_MEM_REG, &mr, sizeof(mr), &mfd, 1, NULL), 0);
		raw_blk_read(&r, (8 << 20) + 4096, 4096, (void *)41);
		CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)41);
		CU_ASSERT_EQUAL(len, 0);
		/* removing it twice is refused */
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_REM_MEM_REG, &mr, sizeof(mr), NULL, 0, NULL), -EPROTO);
		close(mfd);
	}

	/* the raw device still serves good requests */
	raw_blk_read(&r, 2 << 20, 512, (void *)5);
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)5);
	CU_ASSERT_EQUAL(len, 513);

	/* Test 5: a refused message with REPLY_ACK: nonzero status, connection stays */
	{
		struct vhu_vring_state st = {77, 16};

		CU_ASSERT_EQUAL(raw_msg(&r, VHU_SET_VRING_NUM, &st, 8, NULL, 0, NULL), -EPROTO);
		v = 0;
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_GET_FEATURES, NULL, 0, NULL, 0, rep), 0);
		/* a ring/transport bit that was never offered is refused ... */
		v = rep->p.u64 | (1ull << 40);
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_SET_FEATURES, &v, 8, NULL, 0, NULL), -EPROTO);
		/* ... a device-class bit QEMU handles itself is tolerated */
		v = (rep->p.u64 & ~(1ull << VHU_VIRTIO_F_RING_PACKED)) | (1ull << 23);
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_SET_FEATURES, &v, 8, NULL, 0, NULL), 0);
	}

	/* Test 6: corrupt ring (avail index far ahead): that ring stops, nothing hangs */
	r.drv[0].avail->idx = (uint16_t)(r.drv[0].avail_idx + 100);
	usleep(20000);
	CU_ASSERT_PTR_NULL(iop_vdrv_get(&r.drv[0], &len));

	/* Test 7: unknown message: the back end closes that connection only */
	CU_ASSERT_NOT_EQUAL(raw_msg(&r, 999, NULL, 0, NULL, 0, NULL), 0);
	raw_close(&r);
	CU_ASSERT_EQUAL(cli_verify(&c, 8, 0x70), 0);

	/* Test 8: a header announcing an oversized payload */
	CU_ASSERT_EQUAL_FATAL(raw_connect(&r, g.sock), 0);
	{
		struct vhu_hdr h = {VHU_SET_MEM_TABLE, VHU_FLAG_VERSION, 1u << 20};
		char b;

		CU_ASSERT_EQUAL(send(r.fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
		CU_ASSERT_EQUAL(recv(r.fd, &b, 1, 0), 0); /* closed */
	}
	close(r.fd);

	/* Test 9: SET_MEM_TABLE whose fd count does not match: refused */
	CU_ASSERT_EQUAL_FATAL(raw_connect(&r, g.sock), 0);
	v = 1ull << VHU_PROTOCOL_F_REPLY_ACK;
	{
		struct vhu_msg *m = calloc(1, sizeof(*m));
		struct vhu_mem mt = {.nregions = 2};

		m->hdr.request = VHU_SET_PROTOCOL_FEATURES;
		m->hdr.flags = VHU_FLAG_VERSION;
		m->hdr.size = 8;
		m->p.u64 = v;
		CU_ASSERT_EQUAL(vhu_send(r.fd, m), 0);
		free(m);
		CU_ASSERT_EQUAL(raw_msg(&r, VHU_SET_MEM_TABLE, &mt, 8 + 64, NULL, 0, NULL), -EPROTO);
	}
	close(r.fd);

	/* the well-behaved device never noticed */
	CU_ASSERT_EQUAL(cli_verify(&c, 8, 0x90), 0);
	cli_close(&c);
	tgt_stop(&g);
	free(rep);
}

static int
ctl(const char *sock, const char *cmd, char *out, size_t outlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n, got = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.ctl", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	if (send(fd, cmd, strlen(cmd), 0) < 0) {
		close(fd);
		return -errno;
	}
	while ((n = recv(fd, out + got, outlen - 1 - (size_t)got, 0)) > 0) {
		got += n;
	}
	out[got] = '\0';
	close(fd);
	return 0;
}

static void
test_scsi(void)
{
	struct virtio_scsi_event *ev;
	struct iop_vdrv_sg sg;
	struct tgt g;
	struct cli c, c2;
	struct raw r;
	char out[512], uri[200];
	uint32_t len;

	CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-scsi", 2, false, false), 0);
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, "lun=1", false), 0);
	CU_ASSERT_EQUAL(c.ini->size, 4 << 20);
	CU_ASSERT_EQUAL(cli_verify(&c, 8, 0x11), 0);
	CU_ASSERT_EQUAL(g.be[1]->data[4096], 0x12);
	CU_ASSERT_EQUAL(g.be[0]->data[4096], 0);
	CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_FLUSH, 0, 0), 0);
	CU_ASSERT_EQUAL(cli_io(&c, IOP_OP_READ, 4 << 20, 4096), -EINVAL);
	/* no LUN 5 */
	{
		struct iop_initiator *ini;
		struct iop_initiator_cfg cfg = {.uri = g.uri, .opts = "lun=5"};

		CU_ASSERT_NOT_EQUAL(c.ops->open(&cfg, &ini), 0);
	}

	/* hotplug: a raw driver with event-queue buffers sees the events */
	CU_ASSERT_EQUAL_FATAL(raw_setup(&r, g.sock, 1ull << VIRTIO_SCSI_F_HOTPLUG, IOP_VSCSI_EVENTQ,
					1), 0);
	ev = (void *)(r.mem + (2 << 20));
	for (int i = 0; i < 2; i++) {
		sg = (struct iop_vdrv_sg){raw_gpa(&r, &ev[i]), sizeof(ev[i]), true};
		CU_ASSERT_EQUAL(iop_vdrv_add(&r.drv[0], &sg, 1, &ev[i]), 0);
	}
	iop_vdrv_publish(&r.drv[0]);
	CU_ASSERT_EQUAL(ctl(g.sock, "add 3 utfake:size=2M\n", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok\n");
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), &ev[0]);
	CU_ASSERT_EQUAL(len, sizeof(*ev));
	CU_ASSERT_EQUAL(ev[0].event, VIRTIO_SCSI_T_TRANSPORT_RESET);
	CU_ASSERT_EQUAL(iop_vscsi_lun_decode(ev[0].lun), 3);
	CU_ASSERT_EQUAL(ev[0].reason, VIRTIO_SCSI_EVT_RESET_RESCAN);
	CU_ASSERT_EQUAL(ctl(g.sock, "add 3 utfake:size=2M\n", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(strncmp(out, "error", 5), 0);
	CU_ASSERT_EQUAL(ctl(g.sock, "list\n", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "3 utfake:size=2M\n"));
	snprintf(uri, sizeof(uri), "%s", g.uri);
	CU_ASSERT_EQUAL_FATAL(cli_open(&c2, uri, "lun=3", false), 0);
	CU_ASSERT_EQUAL(c2.ini->size, 2 << 20);
	CU_ASSERT_EQUAL(cli_verify(&c2, 4, 0x33), 0);
	CU_ASSERT_EQUAL(ctl(g.sock, "remove 3\n", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok\n");
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), &ev[1]);
	CU_ASSERT_EQUAL(ev[1].reason, VIRTIO_SCSI_EVT_RESET_REMOVED);
	/* the removed LUN answers LOGICAL UNIT NOT SUPPORTED; the others keep working */
	CU_ASSERT_EQUAL(cli_io(&c2, IOP_OP_READ, 0, 4096), -EINVAL);
	CU_ASSERT_EQUAL(cli_verify(&c, 4, 0x55), 0);
	CU_ASSERT_EQUAL(ctl(g.sock, "remove 3\n", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(strncmp(out, "error", 5), 0);
	CU_ASSERT_EQUAL(ctl(g.sock, "bogus\n", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(strncmp(out, "error", 5), 0);
	cli_close(&c2);
	raw_close(&r);
	cli_close(&c);
	tgt_stop(&g);
}

static uint64_t g_rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)g_rng;
}

/* Random messages (any request code, random sizes, payloads with small indices, random fds) on
 * short-lived connections: the back end must stay up and keep serving a good front end. */
static void
test_fuzz_messages(void)
{
	struct vhu_msg *m = calloc(1, sizeof(*m));
	struct tgt g;
	struct cli c;
	struct raw r;
	int memfd = memfd_create("fuzz", 0);

	CU_ASSERT_EQUAL(ftruncate(memfd, 1 << 20), 0);
	CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, false, false), 0);
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, false), 0);
	for (int conn = 0; conn < 40; conn++) {
		struct timeval tv = {.tv_usec = 2000};

		if (raw_connect(&r, g.sock)) {
			CU_FAIL("connect");
			break;
		}
		setsockopt(r.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		for (int i = 0; i < 25; i++) {
			int efd = -1;

			memset(m, 0, sizeof(*m));
			m->hdr.request = rnd() % 42;
			m->hdr.flags = VHU_FLAG_VERSION | (rnd() & VHU_FLAG_NEED_REPLY);
			m->hdr.size = (rnd() % 4) ? rnd() % 48 : rnd() % 300;
			for (uint32_t k = 0; k < m->hdr.size; k++) {
				m->p.raw[k] = (uint8_t)rnd();
			}
			if (m->hdr.size >= 8 && rnd() % 2) {
				m->p.state.index = rnd() % 4; /* small vring index / region count */
				m->p.state.num = (rnd() % 2) ? 1u << (rnd() % 10) : rnd();
			}
			if (rnd() % 3 == 0) {
				efd = eventfd(0, 0);
				m->fds[m->nfds++] = (rnd() % 2) ? efd : memfd;
			}
			if (vhu_send(r.fd, m)) {
				if (efd >= 0) {
					close(efd);
				}
				break; /* the back end closed this connection: fine */
			}
			if (efd >= 0) {
				close(efd);
			}
		}
		close(r.fd);
		if (conn % 10 == 9) {
			CU_ASSERT_EQUAL(cli_verify(&c, 4, (uint8_t)conn), 0);
		}
	}
	CU_ASSERT_EQUAL(cli_verify(&c, 8, 0x77), 0);
	cli_close(&c);
	/* and new front ends are still accepted */
	CU_ASSERT_EQUAL_FATAL(cli_open(&c, g.uri, NULL, false), 0);
	CU_ASSERT_EQUAL(cli_verify(&c, 4, 0x78), 0);
	cli_close(&c);
	tgt_stop(&g);
	close(memfd);
	free(m);
}

/* QEMU replaces the call fds after enabling the rings, while the driver may already have been
 * served: a completion signalled on the old call fd must be signalled again on the new one. */
static void
test_call_fd_replaced(void)
{
	struct tgt g;
	struct raw r;
	uint32_t len = 0;
	uint64_t v = 0, idx = 0;
	int newcall;

	CU_ASSERT_EQUAL_FATAL(tgt_start(&g, "vhost-user-blk", 1, false, false), 0);
	CU_ASSERT_EQUAL_FATAL(raw_setup(&r, g.sock, 0, 0, 1), 0);
	raw_blk_read(&r, 2 << 20, 4096, (void *)1);
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)1);
	CU_ASSERT_EQUAL(len, 4097);
	/* the completion went to the old call fd (the driver did not suppress interrupts) */
	CU_ASSERT_EQUAL(read(r.call[0], &v, sizeof(v)), (ssize_t)sizeof(v));
	newcall = eventfd(0, EFD_NONBLOCK);
	CU_ASSERT_EQUAL_FATAL(raw_msg(&r, VHU_SET_VRING_CALL, &idx, 8, &newcall, 1, NULL), 0);
	/* acknowledged (REPLY_ACK) after the swap: the new fd has been signalled once */
	v = 0;
	CU_ASSERT_EQUAL(read(newcall, &v, sizeof(v)), (ssize_t)sizeof(v));
	CU_ASSERT_EQUAL(v, 1);
	/* and it is the one used from now on */
	raw_blk_read(&r, 2 << 20, 4096, (void *)2);
	CU_ASSERT_PTR_EQUAL(raw_wait(&r, 0, &len), (void *)2);
	v = 0;
	for (int i = 0; i < 2000 && read(newcall, &v, sizeof(v)) != (ssize_t)sizeof(v); i++) {
		usleep(1000);
	}
	CU_ASSERT_EQUAL(v, 1);
	close(newcall);
	raw_close(&r);
	tgt_stop(&g);
}

static void
quiet(void)
{
	iop_log_set_quiet(true);
}

IOP_UT_MAIN("vhost-user", IOP_UT(quiet), IOP_UT(test_blk_end_to_end), IOP_UT(test_blk_packed), IOP_UT(test_blk_threads),
	    IOP_UT(test_blk_read_only), IOP_UT(test_call_fd_replaced),
	    IOP_UT(test_bad_frontend), IOP_UT(test_scsi), IOP_UT(test_fuzz_messages))
