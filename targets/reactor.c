/* SPDX-License-Identifier: BSD-3-Clause */
/* Reactor threads: run pollers in a loop (polling mode) or sleep in epoll (interrupt mode). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/reactor.h"
#include "iopath/util.h"

struct iop_poller {
	iop_poller_fn fn;
	void *arg;
	bool dead;
	struct iop_poller *next;
};

struct reactor_fd {
	int fd;
	iop_fd_fn fn;
	void *arg;
	bool dead;
	struct reactor_fd *next;
};

struct reactor_msg {
	void (*fn)(void *);
	void *arg;
	struct reactor_msg *next;
};

struct iop_reactor {
	int cpu;
	bool interrupt;
	int epfd;
	int wakefd;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct iop_poller *pollers;     /* owned by the reactor thread */
	bool pollers_dirty;
	struct reactor_fd *fds;
	struct reactor_fd *dead_fds;    /* freed after the current epoll batch */
	pthread_mutex_t lock;           /* protects msgs */
	struct reactor_msg *msgs;
	atomic_bool have_msgs;
	clockid_t clock;
};

int
iop_reactor_create(int cpu, bool interrupt, struct iop_reactor **out)
{
	struct iop_reactor *r = calloc(1, sizeof(*r));
	struct epoll_event ev = {.events = EPOLLIN};

	if (!r) {
		return -ENOMEM;
	}
	r->cpu = cpu;
	r->interrupt = interrupt;
	pthread_mutex_init(&r->lock, NULL);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->epfd < 0 || r->wakefd < 0) {
		int rc = -errno;

		iop_reactor_destroy(r);
		return rc;
	}
	ev.data.ptr = NULL; /* NULL marks the wake fd */
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->wakefd, &ev);
	*out = r;
	return 0;
}

static void
reactor_drain_msgs(struct iop_reactor *r)
{
	struct reactor_msg *m, *rev = NULL;
	uint64_t v;

	if (!atomic_load_explicit(&r->have_msgs, memory_order_acquire)) {
		return;
	}
	pthread_mutex_lock(&r->lock);
	m = r->msgs;
	r->msgs = NULL;
	atomic_store(&r->have_msgs, false);
	pthread_mutex_unlock(&r->lock);
	if (read(r->wakefd, &v, sizeof(v)) < 0) {
		/* nothing pending on the eventfd: fine */
	}
	while (m) { /* restore submission order */
		struct reactor_msg *n = m->next;

		m->next = rev;
		rev = m;
		m = n;
	}
	while (rev) {
		struct reactor_msg *n = rev->next;

		rev->fn(rev->arg);
		free(rev);
		rev = n;
	}
}

static void
reactor_reap_pollers(struct iop_reactor *r)
{
	struct iop_poller **pp = &r->pollers;

	while (*pp) {
		if ((*pp)->dead) {
			struct iop_poller *d = *pp;

			*pp = d->next;
			free(d);
		} else {
			pp = &(*pp)->next;
		}
	}
	r->pollers_dirty = false;
}

static void
reactor_free_dead_fds(struct iop_reactor *r)
{
	while (r->dead_fds) {
		struct reactor_fd *f = r->dead_fds;

		r->dead_fds = f->next;
		free(f);
	}
}

static void *
reactor_main(void *arg)
{
	struct iop_reactor *r = arg;
	struct epoll_event evs[64];

	if (r->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(r->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
			IOP_WARN("cannot pin reactor to cpu %d", r->cpu);
		}
	}
	pthread_getcpuclockid(pthread_self(), &r->clock);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		int work = 0, n, timeout;

		reactor_drain_msgs(r);
		for (struct iop_poller *p = r->pollers; p; p = p->next) {
			if (!p->dead) {
				int rc = p->fn(p->arg);

				if (rc > 0) {
					work += rc;
				}
			}
		}
		if (r->pollers_dirty) {
			reactor_reap_pollers(r);
		}
		timeout = (r->interrupt && !work) ? 100 : 0;
		n = epoll_wait(r->epfd, evs, IOP_ARRAY_SIZE(evs), timeout);
		for (int i = 0; i < n; i++) {
			struct reactor_fd *f = evs[i].data.ptr;

			if (f && !f->dead) {
				f->fn(f->arg, evs[i].events);
			}
		}
		reactor_free_dead_fds(r);
	}
	reactor_drain_msgs(r);
	return NULL;
}

int
iop_reactor_start(struct iop_reactor *r)
{
	int rc = pthread_create(&r->thread, NULL, reactor_main, r);

	if (rc) {
		return -rc;
	}
	r->started = true;
	return 0;
}

void
iop_reactor_stop(struct iop_reactor *r)
{
	uint64_t one = 1;

	if (!r->started) {
		return;
	}
	atomic_store(&r->stop, true);
	if (write(r->wakefd, &one, sizeof(one)) < 0) {
		/* the thread still sees stop within 100 ms */
	}
	pthread_join(r->thread, NULL);
	r->started = false;
}

void
iop_reactor_destroy(struct iop_reactor *r)
{
	if (!r) {
		return;
	}
	iop_reactor_stop(r);
	r->pollers_dirty = true;
	for (struct iop_poller *p = r->pollers; p; p = p->next) {
		p->dead = true;
	}
	reactor_reap_pollers(r);
	while (r->fds) {
		struct reactor_fd *f = r->fds;

		r->fds = f->next;
		free(f);
	}
	reactor_free_dead_fds(r);
	while (r->msgs) {
		struct reactor_msg *m = r->msgs;

		r->msgs = m->next;
		free(m);
	}
	if (r->epfd >= 0) {
		close(r->epfd);
	}
	if (r->wakefd >= 0) {
		close(r->wakefd);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int
iop_reactor_call(struct iop_reactor *r, void (*fn)(void *), void *arg)
{
	struct reactor_msg *m = malloc(sizeof(*m));
	uint64_t one = 1;

	if (!m) {
		return -ENOMEM;
	}
	m->fn = fn;
	m->arg = arg;
	pthread_mutex_lock(&r->lock);
	m->next = r->msgs;
	r->msgs = m;
	atomic_store_explicit(&r->have_msgs, true, memory_order_release);
	pthread_mutex_unlock(&r->lock);
	if (write(r->wakefd, &one, sizeof(one)) < 0) {
		/* counter saturated: a wake-up is already pending */
	}
	return 0;
}

static void
reactor_add_poller_cb(void *arg)
{
	struct iop_poller *p = arg;
	struct iop_reactor *r = (struct iop_reactor *)p->next;

	p->next = r->pollers;
	r->pollers = p;
}

struct iop_poller *
iop_reactor_add_poller(struct iop_reactor *r, iop_poller_fn fn, void *arg)
{
	struct iop_poller *p = calloc(1, sizeof(*p));

	if (!p) {
		return NULL;
	}
	p->fn = fn;
	p->arg = arg;
	if (!r->started || pthread_equal(pthread_self(), r->thread)) {
		p->next = r->pollers;
		r->pollers = p;
		return p;
	}
	p->next = (struct iop_poller *)r; /* carried to the callback, replaced there */
	if (iop_reactor_call(r, reactor_add_poller_cb, p)) {
		free(p);
		return NULL;
	}
	return p;
}

void
iop_reactor_remove_poller(struct iop_reactor *r, struct iop_poller *p)
{
	p->dead = true;
	r->pollers_dirty = true;
}

int
iop_reactor_add_fd(struct iop_reactor *r, int fd, uint32_t events, iop_fd_fn fn, void *arg)
{
	struct reactor_fd *f = calloc(1, sizeof(*f));
	struct epoll_event ev = {.events = events};

	if (!f) {
		return -ENOMEM;
	}
	f->fd = fd;
	f->fn = fn;
	f->arg = arg;
	ev.data.ptr = f;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int rc = -errno;

		free(f);
		return rc;
	}
	f->next = r->fds;
	r->fds = f;
	return 0;
}

static struct reactor_fd *
reactor_find_fd(struct iop_reactor *r, int fd)
{
	for (struct reactor_fd *f = r->fds; f; f = f->next) {
		if (f->fd == fd) {
			return f;
		}
	}
	return NULL;
}

int
iop_reactor_mod_fd(struct iop_reactor *r, int fd, uint32_t events)
{
	struct reactor_fd *f = reactor_find_fd(r, fd);
	struct epoll_event ev = {.events = events};

	if (!f) {
		return -ENOENT;
	}
	ev.data.ptr = f;
	return epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void
iop_reactor_remove_fd(struct iop_reactor *r, int fd)
{
	struct reactor_fd **pp = &r->fds;

	epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
	while (*pp) {
		if ((*pp)->fd == fd) {
			struct reactor_fd *d = *pp;

			*pp = d->next;
			/* Events of the current epoll batch may still point at d: free it after. */
			d->dead = true;
			d->next = r->dead_fds;
			r->dead_fds = d;
			return;
		}
		pp = &(*pp)->next;
	}
}

void
iop_reactor_cpu(struct iop_reactor *r, uint64_t *usr_ns, uint64_t *sys_ns)
{
	struct timespec ts;

	/* The thread CPU clock gives usr+sys together; split from /proc when needed. */
	if (r->started && !clock_gettime(r->clock, &ts)) {
		*usr_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	} else {
		*usr_ns = 0;
	}
	*sys_ns = 0;
}

int
iop_cpulist_parse(const char *s, int *cpus, int max)
{
	int n = 0;

	while (s && *s) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0) {
			return -EINVAL;
		}
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a) {
				return -EINVAL;
			}
		}
		for (long c = a; c <= b; c++) {
			if (n == max) {
				return -EINVAL;
			}
			cpus[n++] = (int)c;
		}
		s = end;
		if (*s == ',') {
			s++;
		} else if (*s) {
			return -EINVAL;
		}
	}
	return n;
}
