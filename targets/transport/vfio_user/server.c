/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user server: socket (mode 0600), one session at a time, the polling/interrupt loop. */
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
#include "server_internal.h"

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
	vfu_srv_irq_close_all(s);
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
	err = rc == -EBADMSG ? EINVAL : vfu_srv_dispatch(s);
	if (err && err != EIO) {
		if ((s->msg.hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_CMD &&
		    (s->msg.hdr.flags & VFIO_USER_F_NO_REPLY)) {
			IOP_WARN("vfio-user: no_reply %s failed: %s",
				 vfio_user_cmd_name(s->msg.hdr.cmd), strerror(err));
		} else if (vfu_srv_reply_err(s, err)) {
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
			if (++iter % SRV_SOCK_EVERY) {
				continue;
			}
		} else if (s->interrupt) {
			/* Nothing to do: sleep until a doorbell kick, a message or a backend
			 * completion. A client without the kick eventfd, or work that waits on
			 * CQ room, gets a 1 ms doorbell scan instead. */
			int to = s->peer_has_ioeventfd && !vfu_nvme_busy(s->nvme) ? 100 : 1;

			if (srv_sock_readable(s, to)) {
				srv_handle_one(s);
			}
			continue;
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
				    .irq = vfu_srv_irq, .arg = s, .dma_rw = vfu_srv_dma_rw};
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
	vfu_srv_irq_close_all(s);
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
