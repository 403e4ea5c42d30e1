/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user back end internals shared by the protocol handler (server.c), the listener and
 * threads (target.c) and the device classes (dev_blk.c, dev_scsi.c). */
#ifndef IOPATH_VHOST_USER_SERVER_H
#define IOPATH_VHOST_USER_SERVER_H

#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include "iopath/backend.h"
#include "iopath/reactor.h"
#include "iopath/target.h"
#include "targets/transport/vhost_user/proto.h"
#include "targets/transport/vhost_user/trace.h"
#include "targets/virtio/blk.h"
#include "targets/virtio/mem.h"
#include "targets/virtio/scsi.h"
#include "targets/virtio/virtqueue.h"

#define VHU_MAX_VRINGS 34     /* virtio-scsi: control + event + 32 request queues */
#define VHU_MAX_SLOTS IOP_SCSI_MAX_LUNS
#define VHU_MAX_THREADS 64
#define VHU_BATCH 32          /* requests popped per ring per poll */

struct vhu_tgt;
struct vhu_conn;
struct vhu_thread;

/** One virtqueue of a connection, as configured by SET_VRING_* messages. */
struct vhu_vring {
	struct iop_vq vq;
	struct vhu_conn *conn;
	unsigned int idx;
	uint16_t num;
	uint32_t base;        /* split: next avail index; packed: see iop_vq_attach_packed */
	uint32_t addr_flags;
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	bool started;         /* kick fd received, rings attached */
	bool enabled;         /* SET_VRING_ENABLE (or implicitly without protocol features) */
	int kickfd;
	int errfd;
	/* request pool: num entries of cls->req_size bytes */
	uint8_t *reqs;
	uint16_t *free;
	unsigned int nfree;
	void *stalled;        /* popped request the backend refused (BUSY): resubmit first */
	unsigned int inflight;
	bool broken_reported;
	/*
	 * Threads: the connection's home thread (conn->th) handles its messages; the ring's data
	 * thread (dth) pops and completes its requests. Request queues are spread over the reactor
	 * threads; control/event queues stay home. The home thread hands a started ring over
	 * through dth's inbox and takes it back with stop_req, which dth acknowledges (stopped)
	 * once nothing is in flight. Whoever waits keeps running its own thread's passes, so two
	 * threads waiting on each other still make progress.
	 */
	struct vhu_thread *dth;
	struct vhu_vring *next_active;  /* dth's list (dth only) */
	struct vhu_vring *next_inbox;   /* dth's inbox (under its lock) */
	bool stop_req;                  /* home -> dth (atomic) */
	bool stopped;                   /* dth -> home (atomic) */
};

/** Every class's request starts with this. */
struct vhu_req_hdr {
	struct vhu_vring *vr;
	uint16_t head;
	uint16_t slot;        /* index in the ring's pool (set once) */
};

/** Device class: what differs between vhost-user-blk and vhost-user-scsi. */
struct vhu_class {
	const char *scheme;
	/** Build the device model from cfg->backends. \return 0 or negative errno (logged). */
	int (*init)(struct vhu_tgt *t);
	void (*fini)(struct vhu_tgt *t);
	/** Device-specific virtio feature bits. */
	uint64_t (*features)(struct vhu_tgt *t);
	/** Fill config space into buf (up to len). \return config space size. */
	size_t (*config)(struct vhu_tgt *t, void *buf, size_t len);
	/** Number of vrings a front end may use. */
	unsigned int (*max_vrings)(struct vhu_tgt *t);
	size_t req_size;
	bool config_space;        /* offer VHOST_USER_PROTOCOL_F_CONFIG */
	/** Pop and start requests of vr (reactor thread). \return requests handled. */
	int (*process)(struct vhu_conn *c, struct vhu_vring *vr);
	/** Optional: ring vr just started (event queue bookkeeping). */
	void (*started)(struct vhu_conn *c, struct vhu_vring *vr);
};

/** One front-end connection = one virtio device instance. Lives on one reactor thread. */
struct vhu_conn {
	struct vhu_tgt *tgt;
	struct vhu_thread *th;
	struct vhu_conn *next;
	int fd;
	unsigned int id;
	bool dead;
	uint64_t features;        /* acked virtio features */
	uint64_t proto_features;  /* acked protocol features */
	bool owner;
	struct iop_vmem mem;
	struct vhu_vring vr[VHU_MAX_VRINGS];
	/* virtio-scsi event queue: hotplug events waiting for a driver buffer */
	uint32_t ev_pending[16][2];
	unsigned int nr_ev_pending;
	bool ev_missed;
};

/** A reactor thread with its backend channels and connections. */
struct vhu_thread {
	struct vhu_tgt *tgt;
	struct iop_reactor *r;
	struct iop_poller *poller;
	struct vhu_conn *conns;
	struct iop_backend_chan *chans[VHU_MAX_SLOTS];
	struct iop_backend *chan_be[VHU_MAX_SLOTS];
	struct iop_backend_chan *old_chans[VHU_MAX_SLOTS];
	unsigned int nr_old;
	unsigned int inflight;    /* backend I/Os outstanding on this thread */
	struct iop_vscsi scsi;    /* this thread's view of the LUN table (hotplug updates it) */
	unsigned int idx;
	struct vhu_vring *active; /* rings this thread processes */
	pthread_mutex_t inbox_lock;
	struct vhu_vring *inbox;  /* rings handed over, not yet active */
	bool inbox_pending;       /* atomic */
	bool kicks_on;            /* interrupt mode: rings ask for kicks (we are about to sleep) */
	uint64_t last_work_ns;    /* interrupt mode: adaptive polling window */
};

struct vhu_tgt {
	struct iop_target base;
	const struct vhu_class *cls;
	char path[108];
	char ctl_path[120];
	int lfd;
	int ctlfd;
	struct vhu_trace *trace;  /* --trace FILE, or NULL */
	bool interrupt;
	bool read_only;
	unsigned int queues;      /* request queues (blk: all vrings; scsi: vrings - 2) */
	uint64_t adaptive_ns;     /* interrupt mode: poll this long after work before sleeping */
	unsigned int nvrings;     /* vrings a front end may use (cls->max_vrings) */
	bool reactors_stopped;    /* destroy: waits run the data threads' passes themselves */
	unsigned int nthreads;
	unsigned int next_thread;
	unsigned int next_conn_id;
	struct vhu_thread th[VHU_MAX_THREADS];
	/* device model */
	struct iop_vblk blk;
	struct iop_vscsi scsi;
	struct iop_backend *slots[VHU_MAX_SLOTS]; /* backend per LUN (blk: slot 0) */
	bool slot_owned[VHU_MAX_SLOTS];           /* opened by us (hotplug): close at exit */
	struct iop_scsi_lun *luns[VHU_MAX_SLOTS]; /* scsi: kept until exit (in-flight safety) */
	struct iop_backend *old_be[VHU_MAX_SLOTS];  /* replaced hotplug backends, closed at exit */
	unsigned int nr_old_be;
	struct iop_scsi_lun *old_luns[VHU_MAX_SLOTS];
	unsigned int nr_old_luns;
	unsigned int nr_slots;
};

extern const struct vhu_class vhu_blk_class;
extern const struct vhu_class vhu_scsi_class;

/** Handle one message on c (reactor thread). \return 0, or negative errno: close c. */
int vhu_conn_message(struct vhu_conn *c, struct vhu_msg *m);
/** Stop every ring, unmap memory, free c (reactor thread). */
void vhu_conn_destroy(struct vhu_conn *c);
/** Backend channel of slot on th (opened on first use). NULL if it cannot be opened. */
struct iop_backend_chan *vhu_thread_chan(struct vhu_thread *th, unsigned int slot);
/** Poll th's backend channels once. \return completions. */
int vhu_thread_poll_backends(struct vhu_thread *th);
/** One pass of th's data plane (inbox, backends, active rings, stop requests, used flush).
 * \return work done. */
int vhu_thread_poll_once(struct vhu_thread *th);

/** Request pool of a ring. */
void *vhu_req_get(struct vhu_vring *vr);
void vhu_req_put(struct vhu_vring *vr, void *req);
/** Complete a request: used entry with len bytes, then return it to the pool. */
void vhu_req_complete(struct vhu_vring *vr, void *req, uint16_t head, uint32_t len);

/** Kick eventfd handler (interrupt mode): drains the counter; the poller does the work. */
void vhu_kick_drain(void *arg, uint32_t events);
/** A ring turned out corrupt: log once, signal the error fd. */
void vhu_vring_broken(struct vhu_conn *c, struct vhu_vring *vr);
/** Deliver queued virtio-scsi events on c's event queue (reactor thread). */
void vhu_scsi_deliver_events(struct vhu_conn *c);

#endif
