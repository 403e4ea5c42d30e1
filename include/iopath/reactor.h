/* SPDX-License-Identifier: BSD-3-Clause */
/* Reactor: one thread running pollers (busy polling) or waiting in epoll (interrupt mode). */
#ifndef IOPATH_REACTOR_H
#define IOPATH_REACTOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct iop_reactor;
struct iop_poller;

/** Poller body. \return amount of work done (> 0 busy, 0 idle) or negative errno to log. */
typedef int (*iop_poller_fn)(void *arg);
/** fd handler; events are EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits. */
typedef void (*iop_fd_fn)(void *arg, uint32_t events);

/**
 * Create a reactor. cpu >= 0 pins its thread there. interrupt: when every poller is idle,
 * sleep in epoll_wait instead of spinning.
 * \return 0 or negative errno.
 */
int iop_reactor_create(int cpu, bool interrupt, struct iop_reactor **out);
/** Start the thread. \return 0 or negative errno. */
int iop_reactor_start(struct iop_reactor *r);
/** Ask the thread to stop and join it. */
void iop_reactor_stop(struct iop_reactor *r);
void iop_reactor_destroy(struct iop_reactor *r);

/** Add a poller run on every loop. Thread-safe (queued and applied by the reactor thread).
 * \return the poller or NULL on -ENOMEM. */
struct iop_poller *iop_reactor_add_poller(struct iop_reactor *r, iop_poller_fn fn, void *arg);
/** Remove a poller; safe to call from inside a poller/fd callback on the same reactor. */
void iop_reactor_remove_poller(struct iop_reactor *r, struct iop_poller *p);

/** Watch fd (epoll, level triggered). \return 0 or negative errno. */
int iop_reactor_add_fd(struct iop_reactor *r, int fd, uint32_t events, iop_fd_fn fn, void *arg);
int iop_reactor_mod_fd(struct iop_reactor *r, int fd, uint32_t events);
void iop_reactor_remove_fd(struct iop_reactor *r, int fd);

/** Run fn(arg) on the reactor thread soon (thread-safe). \return 0 or -ENOMEM. */
int iop_reactor_call(struct iop_reactor *r, void (*fn)(void *), void *arg);

/** CPU time (usr, sys) in ns of the reactor thread so far. */
void iop_reactor_cpu(struct iop_reactor *r, uint64_t *usr_ns, uint64_t *sys_ns);

/** Parse "0-1,3" into cpu numbers. \return count or -EINVAL. */
int iop_cpulist_parse(const char *s, int *cpus, int max);

#endif
