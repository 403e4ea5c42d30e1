/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user back end process: UNIX listener (mode 0600), reactor threads polling the rings,
 * connection lifecycle (reconnects get a fresh device), LUN hotplug control socket for scsi. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/option.h"
#include "iopath/uri.h"
#include "targets/transport/vhost_user/server.h"

#define VHU_CHAN_DEPTH 1024

struct vhu_opts {
	uint64_t queues;
	uint64_t adaptive_us;
};

static const struct iop_option vhu_opt_rows[] = {
	{"queues", NULL, IOP_OPT_UINT, offsetof(struct vhu_opts, queues), "4", 1, 32, NULL,
	 "request queues offered (blk: virtqueues; scsi: request virtqueues)"},
	{"adaptive_us", NULL, IOP_OPT_UINT, offsetof(struct vhu_opts, adaptive_us), "32", 0, 10000,
	 NULL, "interrupt mode: keep polling this long after the last request before sleeping "
	 "(0: sleep at once, as the regression gate runs it for stable instruction counts)"},
	{NULL},
};

struct iop_backend_chan *
vhu_thread_chan(struct vhu_thread *th, unsigned int slot)
{
	struct iop_backend *be = th->tgt->slots[slot];
	struct iop_backend_chan *ch;
	int rc;

	if (iop_likely(th->chans[slot] && th->chan_be[slot] == be)) {
		return th->chans[slot];
	}
	if (!be) {
		return NULL;
	}
	if (th->chans[slot]) {
		/* LUN number reused by another backend: the old channel may still have I/O */
		if (th->nr_old < VHU_MAX_SLOTS) {
			th->old_chans[th->nr_old++] = th->chans[slot];
		}
		th->chans[slot] = NULL;
	}
	rc = be->ops->chan_open(be, VHU_CHAN_DEPTH, &ch);
	if (rc) {
		IOP_ERR("cannot open a channel on backend %s: %s", be->spec, strerror(-rc));
		return NULL;
	}
	ch->be = be;
	th->chans[slot] = ch;
	th->chan_be[slot] = be;
	return ch;
}

int
vhu_thread_poll_backends(struct vhu_thread *th)
{
	int n = 0;

	for (unsigned int i = 0; i < VHU_MAX_SLOTS; i++) {
		struct iop_backend_chan *ch = th->chans[i];

		if (ch) {
			int rc = ch->be->ops->poll(ch, 64);

			if (rc > 0) {
				n += rc;
			}
		} else if (i >= th->tgt->nr_slots) {
			break;
		}
	}
	for (unsigned int i = 0; i < th->nr_old; i++) {
		int rc = th->old_chans[i]->be->ops->poll(th->old_chans[i], 64);

		if (rc > 0) {
			n += rc;
		}
	}
	return n;
}

/* Take the rings handed over by home threads. */
static void
vhu_thread_take_inbox(struct vhu_thread *th)
{
	struct vhu_vring *list;

	if (!__atomic_load_n(&th->inbox_pending, __ATOMIC_ACQUIRE)) {
		return;
	}
	pthread_mutex_lock(&th->inbox_lock);
	list = th->inbox;
	th->inbox = NULL;
	__atomic_store_n(&th->inbox_pending, false, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&th->inbox_lock);
	while (list) {
		struct vhu_vring *vr = list;

		list = vr->next_inbox;
		vr->next_active = th->active;
		th->active = vr;
		iop_vq_kick_enable(&vr->vq, th->kicks_on);
		if (vr->kickfd >= 0) {
			int rc = iop_reactor_add_fd(th->r, vr->kickfd, EPOLLIN, vhu_kick_drain, vr);

			if (rc) {
				IOP_WARN("vring %u: cannot watch its kick fd: %s", vr->idx,
					 strerror(-rc));
			}
		}
	}
}

/* The home thread wants vr back: once nothing is in flight, publish and let go. */
static bool
vhu_thread_release(struct vhu_thread *th, struct vhu_vring *vr)
{
	if (vr->stalled) {
		/* never reached the backend: return it to the driver unanswered */
		struct vhu_req_hdr *h = vr->stalled;

		vr->stalled = NULL;
		vhu_req_complete(vr, h, h->head, 0);
	}
	if (vr->inflight) {
		return false;
	}
	iop_vq_flush(&vr->vq);
	if (vr->kickfd >= 0) {
		iop_reactor_remove_fd(th->r, vr->kickfd);
	}
	return true;
}

int
vhu_thread_poll_once(struct vhu_thread *th)
{
	struct vhu_tgt *t = th->tgt;
	int work;

	vhu_thread_take_inbox(th);
	work = vhu_thread_poll_backends(th);
	for (struct vhu_vring **pp = &th->active; *pp;) {
		struct vhu_vring *vr = *pp;

		if (__atomic_load_n(&vr->stop_req, __ATOMIC_ACQUIRE)) {
			if (vhu_thread_release(th, vr)) {
				*pp = vr->next_active;
				__atomic_store_n(&vr->stopped, true, __ATOMIC_RELEASE);
				work++;
				continue;
			}
		} else if (__atomic_load_n(&vr->enabled, __ATOMIC_RELAXED) && !vr->vq.broken) {
			work += t->cls->process(vr->conn, vr);
		}
		pp = &vr->next_active;
	}
	for (struct vhu_vring *vr = th->active; vr; vr = vr->next_active) {
		iop_vq_flush(&vr->vq);
	}
	return work;
}

/*
 * Polling mode: while rings are busy, spin inside this poller in slices of VHU_SPIN_NS (one
 * epoll_wait per slice for control messages and hotplug calls, not one per pass); after
 * VHU_IDLE_NS without a request, ask for kicks and let the reactor (always created in interrupt
 * mode) sleep in epoll until a kick, a message or a call arrives: an idle device costs no CPU.
 * Interrupt mode: the same with one pass at a time and an adaptive_us window (default 32 us),
 * as QEMU's adaptive polling does.
 */
#define VHU_SPIN_NS 50000
/* Polling mode: sleep (kicks on) only after this long without any request. */
#define VHU_IDLE_NS 2000000

static int
vhu_thread_poll(void *arg)
{
	struct vhu_thread *th = arg;
	struct vhu_tgt *t = th->tgt;
	int work;

	work = vhu_thread_poll_once(th);
	if (work && th->kicks_on) {
		/* busy again: the driver need not kick while we poll */
		for (struct vhu_vring *vr = th->active; vr; vr = vr->next_active) {
			iop_vq_kick_enable(&vr->vq, false);
		}
		th->kicks_on = false;
	}
	if (!t->interrupt && !th->kicks_on && th->active) {
		uint64_t t0 = iop_now_ns();

		do {
			for (int i = 0; i < 32; i++) { /* read the clock once per 32 passes */
				work += vhu_thread_poll_once(th);
			}
		} while (iop_now_ns() - t0 < VHU_SPIN_NS);
	}
	if (work) {
		th->last_work_ns = iop_now_ns();
		return work;
	}
	if (th->inflight) {
		return 1; /* backend completions are polled, not signalled */
	}
	if (!th->kicks_on &&
	    iop_now_ns() - th->last_work_ns < (t->interrupt ? t->adaptive_ns : VHU_IDLE_NS)) {
		return 1; /* keep polling: more requests tend to follow shortly */
	}
	th->kicks_on = true;
	for (struct vhu_vring *vr = th->active; vr; vr = vr->next_active) {
		if (iop_vq_kick_enable(&vr->vq, true)) {
			work++;
		}
	}
	return work;
}

static void
vhu_conn_teardown(struct vhu_conn *c)
{
	struct vhu_thread *th = c->th;

	iop_reactor_remove_fd(th->r, c->fd);
	for (struct vhu_conn **pp = &th->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	IOP_NOTICE("vhost-user: front end %u disconnected", c->id);
	vhu_conn_destroy(c);
}

static void
vhu_conn_readable(void *arg, uint32_t events)
{
	struct vhu_conn *c = arg;
	struct vhu_msg *m;
	int rc;

	m = malloc(sizeof(*m));
	if (!m) {
		return;
	}
	rc = vhu_recv(c->fd, m);
	if (!rc) {
		vhu_trace_msg(c->tgt->trace, c->id, true, m);
		rc = vhu_conn_message(c, m);
		if (rc) {
			IOP_ERR("vhost-user: closing front end %u after %s: %s", c->id,
				vhu_request_name(m->hdr.request), strerror(-rc));
		}
	} else if (rc != -EPIPE) {
		IOP_ERR("vhost-user: front end %u: bad message: %s", c->id, strerror(-rc));
	}
	free(m);
	if (rc) {
		vhu_trace_event(c->tgt->trace, c->id, rc == -EPIPE ? "eof" : "close", strerror(-rc));
		vhu_conn_teardown(c);
	}
}

static void
vhu_conn_attach(void *arg)
{
	struct vhu_conn *c = arg;
	struct vhu_thread *th = c->th;
	int rc;

	rc = iop_reactor_add_fd(th->r, c->fd, EPOLLIN, vhu_conn_readable, c);
	if (rc) {
		IOP_ERR("vhost-user: cannot watch connection: %s", strerror(-rc));
		vhu_conn_destroy(c);
		return;
	}
	c->next = th->conns;
	th->conns = c;
}

static void
vhu_accept(struct vhu_tgt *t)
{
	struct timeval tv = {.tv_sec = 2};
	struct vhu_conn *c;
	int fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		IOP_WARN("vhost-user: accept: %s", strerror(errno));
		return;
	}
	/* A front end that stops halfway through a message must not stall the reactor. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->tgt = t;
	c->fd = fd;
	c->id = ++t->next_conn_id;
	for (unsigned int i = 0; i < VHU_MAX_VRINGS; i++) {
		c->vr[i].conn = c;
		c->vr[i].idx = i;
		c->vr[i].kickfd = -1;
		c->vr[i].errfd = -1;
		c->vr[i].vq.callfd = -1;
	}
	c->th = &t->th[t->next_thread++ % t->nthreads];
	IOP_NOTICE("vhost-user: front end %u connected on %s", c->id, t->path);
	vhu_trace_event(t->trace, c->id, "connect", t->path);
	if (iop_reactor_call(c->th->r, vhu_conn_attach, c)) {
		close(fd);
		free(c);
	}
}

/* ---- LUN hotplug (vhost-user-scsi): "add N SPEC", "remove N", "list" on PATH.ctl ---- */

struct vhu_hotplug {
	struct vhu_thread *th;
	unsigned int lun;
	struct iop_scsi_lun *l;   /* NULL: remove */
};

static void
vhu_hotplug_apply(void *arg)
{
	struct vhu_hotplug *h = arg;
	struct vhu_thread *th = h->th;
	struct iop_vscsi *s = &th->scsi;
	uint32_t reason = VIRTIO_SCSI_EVT_RESET_REMOVED;

	if (h->l) {
		if (!vhu_thread_chan(th, h->lun)) {
			free(h);
			return;
		}
		s->luns[h->lun] = h->l;
		s->present[h->lun] = true;
		if (h->lun >= s->nr_luns) {
			s->nr_luns = h->lun + 1;
		}
		reason = VIRTIO_SCSI_EVT_RESET_RESCAN;
	} else {
		s->luns[h->lun] = NULL;
		s->present[h->lun] = false;
	}
	for (struct vhu_conn *c = th->conns; c; c = c->next) {
		if (c->nr_ev_pending == IOP_ARRAY_SIZE(c->ev_pending)) {
			c->ev_missed = true;
			continue;
		}
		c->ev_pending[c->nr_ev_pending][0] = VIRTIO_SCSI_T_TRANSPORT_RESET;
		c->ev_pending[c->nr_ev_pending][1] = h->lun | reason << 16;
		c->nr_ev_pending++;
		vhu_scsi_deliver_events(c);
	}
	free(h);
}

static int
vhu_hotplug_post(struct vhu_tgt *t, unsigned int lun, struct iop_scsi_lun *l)
{
	for (unsigned int i = 0; i < t->nthreads; i++) {
		struct vhu_hotplug *h = malloc(sizeof(*h));

		if (!h) {
			return -ENOMEM;
		}
		h->th = &t->th[i];
		h->lun = lun;
		h->l = l;
		if (iop_reactor_call(t->th[i].r, vhu_hotplug_apply, h)) {
			free(h);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
vhu_ctl_cmd(struct vhu_tgt *t, char *line, char *out, size_t outlen)
{
	char *save = NULL, *cmd = strtok_r(line, " \t\r\n", &save);
	char *arg1 = strtok_r(NULL, " \t\r\n", &save), *arg2 = strtok_r(NULL, " \t\r\n", &save);
	char err[256], *end = NULL;
	long lun = arg1 ? strtol(arg1, &end, 10) : -1;
	int rc;

	if (cmd && !strcmp(cmd, "list")) {
		size_t o = 0;

		for (unsigned int i = 0; i < t->nr_slots && o < outlen; i++) {
			if (t->slots[i] && t->luns[i]) {
				o += (size_t)snprintf(out + o, outlen - o, "%u %s\n", i,
						      t->slots[i]->spec);
			}
		}
		if (o < outlen) {
			snprintf(out + o, outlen - o, "ok\n");
		}
		return;
	}
	if (!cmd || !arg1 || *end || lun < 0 || lun >= VHU_MAX_SLOTS) {
		snprintf(out, outlen, "error: usage: add LUN SPEC | remove LUN | list\n");
		return;
	}
	if (!strcmp(cmd, "add") && arg2) {
		struct iop_backend *be;
		struct iop_scsi_lun *l;

		if (lun < (long)t->nr_slots && t->luns[lun] && t->scsi.present[lun]) {
			snprintf(out, outlen, "error: LUN %ld exists\n", lun);
			return;
		}
		rc = iop_backend_open(arg2, &be, err, sizeof(err));
		if (rc) {
			snprintf(out, outlen, "error: %s\n", err);
			return;
		}
		l = calloc(1, sizeof(*l));
		if (!l || iop_scsi_lun_init(l, be, t->read_only, (unsigned int)lun)) {
			free(l);
			iop_backend_close(be);
			snprintf(out, outlen, "error: unsupported backend geometry\n");
			return;
		}
		/* The previous backend of this LUN number (if removed earlier) stays open until
		 * exit: a thread may still hold a channel with I/O on it. */
		if (t->slots[lun] && t->slot_owned[lun] && t->nr_old_be < VHU_MAX_SLOTS) {
			t->old_be[t->nr_old_be++] = t->slots[lun];
		}
		if (t->luns[lun] && t->nr_old_luns < VHU_MAX_SLOTS) {
			t->old_luns[t->nr_old_luns++] = t->luns[lun];
		}
		t->slots[lun] = be;
		t->slot_owned[lun] = true;
		t->luns[lun] = l;
		t->scsi.luns[lun] = l;
		t->scsi.present[lun] = true;
		if ((unsigned int)lun >= t->nr_slots) {
			t->nr_slots = (unsigned int)lun + 1;
		}
		rc = vhu_hotplug_post(t, (unsigned int)lun, l);
		snprintf(out, outlen, rc ? "error: %s\n" : "ok\n", strerror(-rc));
		IOP_NOTICE("vhost-user-scsi: LUN %ld added (%s)", lun, arg2);
		return;
	}
	if (!strcmp(cmd, "remove")) {
		if (lun >= (long)t->nr_slots || !t->scsi.present[lun]) {
			snprintf(out, outlen, "error: no LUN %ld\n", lun);
			return;
		}
		t->scsi.present[lun] = false;
		t->scsi.luns[lun] = NULL;
		rc = vhu_hotplug_post(t, (unsigned int)lun, NULL);
		snprintf(out, outlen, rc ? "error: %s\n" : "ok\n", strerror(-rc));
		IOP_NOTICE("vhost-user-scsi: LUN %ld removed", lun);
		return;
	}
	snprintf(out, outlen, "error: usage: add LUN SPEC | remove LUN | list\n");
}

static void
vhu_ctl_accept(struct vhu_tgt *t)
{
	struct timeval tv = {.tv_sec = 1};
	char line[512], out[4096];
	ssize_t n;
	size_t got = 0;
	int fd = accept4(t->ctlfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < sizeof(line) - 1 && (n = recv(fd, line + got, sizeof(line) - 1 - got, 0)) > 0) {
		got += (size_t)n;
		if (memchr(line, '\n', got)) {
			break;
		}
	}
	line[got] = '\0';
	vhu_ctl_cmd(t, line, out, sizeof(out));
	if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0) {
		/* the client went away */
	}
	close(fd);
}

static int
vhu_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		IOP_ERR("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	/* A socket file nobody listens on is a leftover of a killed target: replace it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		IOP_ERR("%s: another back end is listening there", path);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	{
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			unlink(path);
		}
	}
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(path, 0600) || listen(fd, 16)) {
		rc = -errno;
		IOP_ERR("%s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

static void vhu_destroy(struct iop_target *base);

static int
vhu_create(const struct iop_target_cfg *cfg, struct iop_target **out)
{
	struct vhu_opts o = {0};
	struct iop_uri u;
	char err[256];
	struct vhu_tgt *t;
	int cpus[VHU_MAX_THREADS], ncpus = 0, rc;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	if (!u.path[0] || u.host[0]) {
		IOP_ERR("%s: expected %s:///path/to/socket", cfg->uri, u.scheme);
		return -EINVAL;
	}
	if (cfg->nr_backends == 0) {
		return -EINVAL;
	}
	iop_opts_defaults(vhu_opt_rows, &o);
	if (cfg->opts && iop_opts_parse_kv(vhu_opt_rows, &o, cfg->opts, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	if (cfg->cpus) {
		ncpus = iop_cpulist_parse(cfg->cpus, cpus, VHU_MAX_THREADS);
		if (ncpus < 0) {
			IOP_ERR("bad cpu list '%s'", cfg->cpus);
			return -EINVAL;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	t->lfd = -1;
	t->ctlfd = -1;
	t->cls = strcmp(u.scheme, "vhost-user-scsi") ? &vhu_blk_class : &vhu_scsi_class;
	if (strlen(u.path) >= sizeof(t->path) - 4) {
		IOP_ERR("socket path too long: %s", u.path);
		free(t);
		return -ENAMETOOLONG;
	}
	memcpy(t->path, u.path, strlen(u.path) + 1);
	t->interrupt = cfg->interrupt;
	t->read_only = cfg->read_only;
	t->queues = (unsigned int)o.queues;
	t->adaptive_ns = o.adaptive_us * 1000;
	t->nthreads = IOP_MIN(cfg->nr_threads ? cfg->nr_threads : 1, VHU_MAX_THREADS);
	for (unsigned int i = 0; i < cfg->nr_backends; i++) {
		t->slots[i] = cfg->backends[i];
	}
	t->nr_slots = cfg->nr_backends;
	*out = &t->base;
	if (cfg->trace_path) {
		rc = vhu_trace_open(cfg->trace_path, &t->trace);
		if (rc) {
			IOP_ERR("%s: %s", cfg->trace_path, strerror(-rc));
			goto fail;
		}
	}
	rc = t->cls->init(t);
	if (rc) {
		goto fail;
	}
	t->nvrings = t->cls->max_vrings(t);
	for (unsigned int i = 0; i < t->nthreads; i++) {
		struct vhu_thread *th = &t->th[i];

		th->tgt = t;
		th->idx = i;
		th->scsi = t->scsi;
		pthread_mutex_init(&th->inbox_lock, NULL);
		rc = iop_reactor_create(ncpus ? cpus[i % (unsigned int)ncpus] : -1, true, &th->r);
		if (rc) {
			goto fail;
		}
		th->poller = iop_reactor_add_poller(th->r, vhu_thread_poll, th);
		if (!th->poller) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = vhu_listen(t->path);
	if (rc < 0) {
		goto fail;
	}
	t->lfd = rc;
	if (t->cls == &vhu_scsi_class) {
		snprintf(t->ctl_path, sizeof(t->ctl_path), "%s.ctl", t->path);
		rc = vhu_listen(t->ctl_path);
		if (rc < 0) {
			t->ctl_path[0] = '\0';
			goto fail;
		}
		t->ctlfd = rc;
	}
	for (unsigned int i = 0; i < t->nthreads; i++) {
		rc = iop_reactor_start(t->th[i].r);
		if (rc) {
			goto fail;
		}
	}
	return 0;
fail:
	vhu_destroy(&t->base);
	*out = NULL;
	return rc;
}

static void
vhu_thread_open_chans(void *arg)
{
	struct vhu_thread *th = arg;

	for (unsigned int i = 0; i < th->tgt->nr_slots; i++) {
		if (th->tgt->slots[i] && !vhu_thread_chan(th, i) && th->tgt->cls == &vhu_scsi_class) {
			th->scsi.present[i] = false; /* unusable here: report it absent */
			th->scsi.luns[i] = NULL;
		}
	}
}

static int
vhu_run(struct iop_target *base, volatile sig_atomic_t *stop)
{
	struct vhu_tgt *t = iop_container_of(base, struct vhu_tgt, base);

	for (unsigned int i = 0; i < t->nthreads; i++) {
		iop_reactor_call(t->th[i].r, vhu_thread_open_chans, &t->th[i]);
	}
	while (!*stop) {
		struct pollfd p[2] = {{.fd = t->lfd, .events = POLLIN},
				      {.fd = t->ctlfd, .events = POLLIN}};
		int n = poll(p, t->ctlfd >= 0 ? 2 : 1, 200);

		if (n < 0 && errno != EINTR) {
			return -errno;
		}
		if (n > 0 && (p[0].revents & POLLIN)) {
			vhu_accept(t);
		}
		if (n > 0 && t->ctlfd >= 0 && (p[1].revents & POLLIN)) {
			vhu_ctl_accept(t);
		}
	}
	return 0;
}

static void
vhu_destroy(struct iop_target *base)
{
	struct vhu_tgt *t = iop_container_of(base, struct vhu_tgt, base);

	for (unsigned int i = 0; i < t->nthreads; i++) {
		if (t->th[i].r) {
			iop_reactor_stop(t->th[i].r);
		}
	}
	t->reactors_stopped = true; /* from here this thread runs the passes itself */
	for (unsigned int i = 0; i < t->nthreads; i++) {
		struct vhu_thread *th = &t->th[i];

		while (th->conns) {
			struct vhu_conn *c = th->conns;

			th->conns = c->next;
			vhu_conn_destroy(c);
		}
		for (unsigned int s = 0; s < VHU_MAX_SLOTS; s++) {
			if (th->chans[s]) {
				th->chans[s]->be->ops->chan_close(th->chans[s]);
			}
		}
		for (unsigned int s = 0; s < th->nr_old; s++) {
			th->old_chans[s]->be->ops->chan_close(th->old_chans[s]);
		}
		if (th->r) {
			iop_reactor_destroy(th->r);
			pthread_mutex_destroy(&th->inbox_lock);
		}
	}
	if (t->lfd >= 0) {
		close(t->lfd);
		unlink(t->path);
	}
	if (t->ctlfd >= 0) {
		close(t->ctlfd);
		unlink(t->ctl_path);
	}
	for (unsigned int s = 0; s < VHU_MAX_SLOTS; s++) {
		if (t->slot_owned[s] && t->slots[s]) {
			iop_backend_close(t->slots[s]);
		}
	}
	for (unsigned int s = 0; s < t->nr_old_be; s++) {
		iop_backend_close(t->old_be[s]);
	}
	for (unsigned int s = 0; s < t->nr_old_luns; s++) {
		free(t->old_luns[s]);
	}
	t->cls->fini(t);
	vhu_trace_close(t->trace);
	free(t);
}

static const struct iop_target_ops vhost_user_blk_target_ops = {
	.scheme = "vhost-user-blk",
	.help = "vhost-user-blk back end on a UNIX socket (opts: queues=N)",
	.create = vhu_create,
	.run = vhu_run,
	.destroy = vhu_destroy,
};
IOP_TARGET_REGISTER(vhost_user_blk_target_ops)

static const struct iop_target_ops vhost_user_scsi_target_ops = {
	.scheme = "vhost-user-scsi",
	.help = "vhost-user-scsi back end on a UNIX socket, one LUN per --backend; LUN hotplug "
		"via PATH.ctl (\"add N SPEC\", \"remove N\", \"list\") (opts: queues=N)",
	.create = vhu_create,
	.run = vhu_run,
	.destroy = vhu_destroy,
};
IOP_TARGET_REGISTER(vhost_user_scsi_target_ops)
