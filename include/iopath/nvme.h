/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe controller core shared by all NVMe transports: subsystems, controllers, qpairs, commands. */
#ifndef IOPATH_NVME_H
#define IOPATH_NVME_H

/*
 * Concepts
 * --------
 * target (struct iop_nvme_tgt)
 *   holds subsystems (NQN, serial, model, namespaces = iop_backend pointers, allowed hosts) and
 *   the discovery subsystem (IOP_NVME_DISC_NQN). Transports register the addresses they listen on
 *   (listeners); the discovery log page lists every (subsystem, listener) pair the connecting
 *   host may use. Any change bumps the discovery generation counter and raises a Discovery Log
 *   Page Change async event on discovery controllers that asked for it.
 *
 * poll group (struct iop_nvme_pg)
 *   one per reactor thread. Owns that thread's backend channels (opened lazily, one per
 *   namespace) and the retry list for I/Os a backend reported BUSY. The transport calls
 *   iop_nvme_pg_poll() from its poller: it reaps backend completions (running req->done), retries
 *   busy I/Os and checks the keep-alive timers of admin qpairs on this group.
 *
 * qpair (struct iop_nvme_qpair)
 *   one submission/completion queue pair, driven by exactly one thread (the one of its poll
 *   group). Fabrics: created unbound on a new connection; the first command must be Connect, which
 *   creates a controller (qid 0, dynamic CNTLID) or binds to an existing one (qid > 0).
 *   PCIe (vfio-user): the transport creates the controller itself and binds qpairs with
 *   iop_nvme_qpair_create_pcie() when the host enables the controller / creates I/O queues.
 *
 * controller (struct iop_nvme_ctrlr)
 *   created by admin Connect (fabrics) or iop_nvme_ctrlr_create_pcie(). Its state (CC, CSTS,
 *   features, KATO) is changed only from its admin qpair's thread; I/O qpairs on other threads only
 *   read it (atomics). It lives until its admin qpair is destroyed and every I/O qpair is gone.
 *   Keep-alive expiry or a controller reset makes the core call qpair_ops->disconnect on each
 *   affected qpair (possibly from another thread: see struct iop_nvme_qpair_ops).
 *
 * request (struct iop_nvme_req)
 *   owned by the transport (embed or pool them). Life of one command:
 *     1. copy the SQE into req->cmd, set req->qpair, req->done, req->ctx;
 *     2. iop_nvme_req_prepare(req): the core decides direction and length of the data; PCIe
 *        qpairs with a translate hook get req->iov filled from PRPs/SGLs in guest memory;
 *     3. fabrics: point req->iov/iovcnt at a buffer of req->data_len bytes (filled with the
 *        host's data for H2C: in-capsule or via R2T/H2CData; an empty buffer for C2H);
 *     4. iop_nvme_req_exec(req): the core runs the command and completes it inline or later, in
 *        both cases by filling req->cpl and calling req->done(req) on the qpair's thread. For C2H
 *        commands the transport then returns req->data_len bytes of the iov to the host (on
 *        success; on error no data need be sent).
 *   Never touch a request between exec and done.
 *
 * Errors: setup functions return 0 or a negative errno. Command outcomes are NVMe status values
 * (IOP_NVME_STATUS(sct, sc) plus IOP_NVME_STATUS_DNR) placed in req->cpl, never errnos.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include "iopath/backend.h"
#include "iopath/io.h"
#include "iopath/nvme_spec.h"

struct iop_nvme_tgt;
struct iop_nvme_subsys;
struct iop_nvme_ctrlr;
struct iop_nvme_qpair;
struct iop_nvme_pg;
struct iop_nvme_req;

#define IOP_NVME_MAX_NS          32      /* namespaces per subsystem (NSIDs 1..32) */
#define IOP_NVME_MAX_HOSTS       64      /* allowed host NQNs per subsystem */
#define IOP_NVME_MAX_LISTENERS   16
#define IOP_NVME_MAX_IO_QUEUES   128     /* per controller */
#define IOP_NVME_MAX_AER         4       /* outstanding Async Event Requests (AERL + 1) */
#define IOP_NVME_IN_PROGRESS     0xffffu /* status placeholder: completion comes later */

/* ------------------------------------------------------------------------------------------ */
/* Target, subsystems, namespaces, listeners                                                  */

struct iop_nvme_tgt_opts {
	uint32_t max_io_size;      /* bytes, power of two >= 4096 -> MDTS; default 128 KiB */
	uint16_t max_queue_depth;  /* entries per I/O queue (CAP.MQES + 1); default 128 */
	uint16_t max_admin_depth;  /* entries in the admin queue; default 32 */
	uint16_t max_io_queues;    /* per controller; default 16, max IOP_NVME_MAX_IO_QUEUES */
	uint32_t kato_default_ms;  /* KATO used when Connect asks for 0 on an I/O ctrlr: 0 = off */
	uint32_t in_capsule_data;  /* bytes of in-capsule data the transport accepts (IOCCSZ) */
	uint32_t sgls;             /* Identify SGLS for fabrics controllers; 0 = core default
				    * (SGL supported, offset, transport data block) */
	uint8_t msdbd;             /* max SGL data block descriptors per command; default 1 */
	const char *serial;        /* default serial for new subsystems; NULL = "IOPATH0000" */
	const char *model;         /* default model; NULL = "iopath NVMe" */
};

/** Fill opts with the defaults listed above. */
void iop_nvme_tgt_opts_default(struct iop_nvme_tgt_opts *opts);

/**
 * Create a target with an empty subsystem list (the discovery subsystem always exists).
 * \param opts NULL for defaults.
 * \return 0, -EINVAL (bad option, logged), -ENOMEM.
 */
int iop_nvme_tgt_create(const struct iop_nvme_tgt_opts *opts, struct iop_nvme_tgt **out);

/**
 * Destroy the target and its subsystems. Every qpair must have been destroyed first; the
 * backends attached as namespaces are NOT closed (the caller owns them).
 */
void iop_nvme_tgt_destroy(struct iop_nvme_tgt *tgt);

/** The options in force (after defaults). */
const struct iop_nvme_tgt_opts *iop_nvme_tgt_opts(const struct iop_nvme_tgt *tgt);

/**
 * Add an NVM subsystem. serial/model: NULL uses the target defaults. A new subsystem allows no
 * host until iop_nvme_subsys_allow_any_host() or iop_nvme_subsys_add_host() is called.
 * \return 0, -EEXIST (NQN taken), -EINVAL (NQN empty, too long, or the discovery NQN), -ENOMEM.
 */
int iop_nvme_subsys_create(struct iop_nvme_tgt *tgt, const char *nqn, const char *serial,
			   const char *model, struct iop_nvme_subsys **out);

/** Remove a subsystem. Must not race with Connects to it (remove listeners first).
 * \return 0, -EBUSY (controllers still connected), -EINVAL (the discovery subsystem). */
int iop_nvme_subsys_destroy(struct iop_nvme_subsys *ss);

/** Look up by NQN (the discovery NQN included). NULL if absent. */
struct iop_nvme_subsys *iop_nvme_subsys_find(struct iop_nvme_tgt *tgt, const char *nqn);

/** NQN of a subsystem. */
const char *iop_nvme_subsys_nqn(const struct iop_nvme_subsys *ss);

/**
 * Attach a backend as namespace nsid (1..IOP_NVME_MAX_NS; 0 = lowest free). The backend's
 * block size becomes the LBA size; NGUID/UUID are derived from the subsystem NQN and NSID
 * (stable across restarts). Connected controllers get a Namespace Attribute Changed event.
 * \return 0 and *nsid_out (may be NULL), -EEXIST (nsid used), -ENOSPC (no free nsid),
 *         -EINVAL (nsid out of range, block size not a power of two in 512..65536, backend
 *         max_io below the target's max_io_size: the core does not split I/Os).
 */
int iop_nvme_subsys_add_ns(struct iop_nvme_subsys *ss, struct iop_backend *be, uint32_t nsid,
			   uint32_t *nsid_out);

/** Detach a namespace. \return 0, -ENOENT, -EBUSY (controllers connected). */
int iop_nvme_subsys_remove_ns(struct iop_nvme_subsys *ss, uint32_t nsid);

/** Allow (true) any host NQN to connect. */
void iop_nvme_subsys_allow_any_host(struct iop_nvme_subsys *ss, bool allow);

/** Allow one host NQN. \return 0, -EEXIST, -ENOSPC, -EINVAL (bad NQN). */
int iop_nvme_subsys_add_host(struct iop_nvme_subsys *ss, const char *hostnqn);

/**
 * The setup every fabrics target does: create the target from opts, then one subsystem nqn
 * with backends[0..nr) as namespaces 1..nr. allow_hosts: '+'-separated host NQNs allowed to
 * connect, NULL = any host. *tgt and *ss are set as soon as created, so on failure the
 * caller's teardown (iop_nvme_tgt_destroy(*tgt)) releases them. \return 0 or negative errno
 * (logged).
 */
int iop_nvme_tgt_setup_subsys(const struct iop_nvme_tgt_opts *opts, const char *nqn,
			      const char *allow_hosts, struct iop_backend *const *backends,
			      unsigned int nr, struct iop_nvme_tgt **tgt,
			      struct iop_nvme_subsys **ss);

/** \return true when hostnqn may connect to ss (the discovery subsystem allows everyone). */
bool iop_nvme_subsys_host_allowed(struct iop_nvme_subsys *ss, const char *hostnqn);

/** A transport address listed in the discovery log page. */
struct iop_nvme_listener {
	uint8_t trtype;            /* enum iop_nvmf_trtype */
	uint8_t adrfam;            /* enum iop_nvmf_adrfam */
	uint8_t treq;              /* IOP_NVMF_TREQ_* */
	uint16_t portid;           /* 0 = assigned by the core */
	char traddr[IOP_NVMF_TRADDR_MAX];
	char trsvcid[IOP_NVMF_TRSVCID_MAX];
	uint8_t tsas[256];         /* transport specific (TCP: sectype in byte 0) */
};

/** Register a listen address (all subsystems are reachable on it). Bumps the generation.
 * \return 0, -EEXIST (same trtype/traddr/trsvcid), -ENOSPC, -EINVAL. */
int iop_nvme_tgt_add_listener(struct iop_nvme_tgt *tgt, const struct iop_nvme_listener *l);

/** Remove a listen address. \return 0 or -ENOENT. */
int iop_nvme_tgt_remove_listener(struct iop_nvme_tgt *tgt, uint8_t trtype, const char *traddr,
				 const char *trsvcid);

/** Discovery generation counter (bumped on every subsystem/namespace/host/listener change). */
uint64_t iop_nvme_tgt_genctr(struct iop_nvme_tgt *tgt);

/* ------------------------------------------------------------------------------------------ */
/* Poll groups                                                                                */

/**
 * Create a poll group for the calling thread. chan_depth: in-flight I/O room asked of each
 * backend channel (e.g. max_queue_depth * qpairs per group).
 * \return 0, -ENOMEM.
 */
int iop_nvme_pg_create(struct iop_nvme_tgt *tgt, unsigned int chan_depth, struct iop_nvme_pg **out);

/** Destroy (from its thread) after every qpair on it is destroyed; closes the channels. */
void iop_nvme_pg_destroy(struct iop_nvme_pg *pg);

/**
 * Reap backend completions (running req->done callbacks), resubmit I/Os that were BUSY, and
 * check keep-alive timers of admin qpairs on this group (at most every ~10 ms).
 * Call it from the group's thread, in polling mode on every loop, in interrupt mode at least
 * every 100 ms and whenever a channel fd (iop_nvme_pg_fds) is readable.
 * \return units of work done (>= 0).
 */
int iop_nvme_pg_poll(struct iop_nvme_pg *pg);

/** Completion fds of the group's open backend channels (interrupt mode). \return count. */
int iop_nvme_pg_fds(struct iop_nvme_pg *pg, int *fds, int max);

/* ------------------------------------------------------------------------------------------ */
/* Queue pairs                                                                                */

/** Callbacks a transport attaches to each qpair. */
struct iop_nvme_qpair_ops {
	/**
	 * Ask the transport to tear this qpair down (close the connection / delete the queue):
	 * keep-alive expiry, controller reset (CC.EN 1->0) or destruction of its controller's admin
	 * qpair. MAY BE CALLED FROM ANY THREAD (the thread that noticed), at most once per qpair,
	 * while the qpair is still valid; the transport must forward it to the qpair's own thread
	 * (e.g. iop_reactor_call) and there run iop_nvme_qpair_stop/destroy as usual.
	 * It runs with the controller's qpair lock held: it must not call into the core itself.
	 * reason: -ETIMEDOUT (KATO), -ECONNRESET (controller reset/teardown), -ESHUTDOWN
	 * (Disconnect command: send its response first, then close).
	 */
	void (*disconnect)(struct iop_nvme_qpair *qp, void *ctx, int reason);
};

/**
 * Create an unbound fabrics qpair on the calling thread's poll group (new connection).
 * trtype: IOP_NVMF_TRTYPE_* (recorded in the error log). The first command must be Connect;
 * anything else fails with Command Sequence Error.
 * \return 0, -ENOMEM.
 */
int iop_nvme_qpair_create(struct iop_nvme_pg *pg, uint8_t trtype,
			  const struct iop_nvme_qpair_ops *ops, void *ctx,
			  struct iop_nvme_qpair **out);

/**
 * Stop a qpair on its thread (connection gone or disconnect requested): held requests (Async
 * Event Requests) complete now with Aborted - SQ Deletion (done is called), no new command is
 * accepted (exec completes them with Command Sequence Error). Requests already in a backend
 * complete later through iop_nvme_pg_poll(). Idempotent.
 * \return number of requests still in flight (the transport must keep polling until 0 before
 *         iop_nvme_qpair_destroy()).
 */
unsigned int iop_nvme_qpair_stop(struct iop_nvme_qpair *qp);

/** Requests of this qpair the core still holds (backend I/O, held AERs). */
unsigned int iop_nvme_qpair_inflight(const struct iop_nvme_qpair *qp);

/**
 * Destroy a stopped qpair with nothing in flight. Destroying an admin qpair tears down its
 * controller: every I/O qpair still bound gets ops->disconnect(-ECONNRESET) and the controller
 * is freed when the last of them is destroyed.
 */
void iop_nvme_qpair_destroy(struct iop_nvme_qpair *qp);

/** qid once bound (0 admin), or -1 while unbound. */
int iop_nvme_qpair_qid(const struct iop_nvme_qpair *qp);
/** Entries in the queue (Connect SQSIZE + 1, or PCIe QSIZE); 0 while unbound. */
uint32_t iop_nvme_qpair_size(const struct iop_nvme_qpair *qp);
/** Controller the qpair is bound to, or NULL. */
struct iop_nvme_ctrlr *iop_nvme_qpair_ctrlr(const struct iop_nvme_qpair *qp);
/** Whether Connect asked to disable SQ flow control (SQHD then reads FFFFh, TCP C2H SUCCESS). */
bool iop_nvme_qpair_sqfc_disabled(const struct iop_nvme_qpair *qp);
/** The ctx given at creation. */
void *iop_nvme_qpair_ctx(const struct iop_nvme_qpair *qp);

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                   */

/** Core-private part of a request; do not touch. */
struct iop_nvme_req_priv {
	struct iop_io io;          /* the backend I/O of Read/Write/Flush/Zeroes/DSM */
	struct iop_nvme_req *next; /* busy retry list / held AER list */
	uint16_t status;           /* status decided by prepare() (0 = ok) */
	uint8_t state;
	uint8_t flags;
	uint32_t nsid;
	uint32_t count;            /* DSM ranges outstanding */
	uint64_t submit_ns;
};

struct iop_nvme_req {
	struct iop_nvme_cmd cmd;   /* in: the SQE as received */
	struct iop_nvme_cpl cpl;   /* out: filled by the core before done() (cid, sqhd, sqid for
				    * fabrics; PCIe transports set sqhd/sqid/phase themselves) */
	struct iovec *iov;         /* data buffer(s); transport storage, see iovmax */
	int iovcnt;
	int iovmax;                /* capacity of iov (prepare() fills up to this for PCIe) */
	uint32_t data_len;         /* bytes of data the command moves (set by prepare()) */
	uint8_t xfer;              /* enum iop_nvme_xfer (set by prepare()) */
	uint8_t rsvd[3];
	struct iop_nvme_qpair *qpair;
	void (*done)(struct iop_nvme_req *req); /* completion, on the qpair's thread */
	void *ctx;                 /* transport's */
	struct iop_nvme_req_priv priv;
};

/**
 * Mandatory before every iop_nvme_req_exec() (it also resets the core-private state).
 * Work out direction and length of the data of req->cmd before it runs (sets req->xfer and
 * req->data_len). Fabrics: from the opcode (or FCTYPE) bits 1:0 and the SGL1 length; PSDT other
 * than 01b or FUSE bits on a non-Fabrics command (Invalid Field), an SGL the core cannot accept
 * or a length above MDTS make the command fail at exec (xfer NONE, length 0, no data should be
 * moved). The core may later shrink data_len (and trim the iov) to what the command really
 * moves, e.g. a Read whose SGL offers more than NLB blocks. PCIe qpairs with a translate hook: the length follows from the
 * command (NLB * LBA size, 4096 for Identify, NUMD * 4 ...), and the PRPs/SGLs are walked into
 * req->iov (up to req->iovmax entries), guest memory that is not mapped failing the command with
 * Data Transfer Error (never touching other memory).
 * \return 0 when the command can go on, otherwise the NVMe status it will complete with (the
 *         transport still calls iop_nvme_req_exec(), which completes it without data).
 */
uint16_t iop_nvme_req_prepare(struct iop_nvme_req *req);

/**
 * Execute a prepared request. The core completes it, inline or later, by filling req->cpl and
 * calling req->done(req) on the qpair's thread. The iov must hold req->data_len bytes (H2C: the
 * data; C2H: room for it).
 */
void iop_nvme_req_exec(struct iop_nvme_req *req);

/**
 * Complete a request the core handed to the transport with IOP_NVME_IN_PROGRESS (PCIe queue
 * create/delete callbacks), on the admin qpair's thread.
 */
void iop_nvme_req_complete(struct iop_nvme_req *req, uint16_t status);

/* ------------------------------------------------------------------------------------------ */
/* Controllers                                                                                */

/** Controller ID. */
uint16_t iop_nvme_ctrlr_cntlid(const struct iop_nvme_ctrlr *c);
/** Subsystem of the controller. */
struct iop_nvme_subsys *iop_nvme_ctrlr_subsys(const struct iop_nvme_ctrlr *c);
/** Host NQN given at Connect (empty for PCIe). */
const char *iop_nvme_ctrlr_hostnqn(const struct iop_nvme_ctrlr *c);
/** Current CC / CSTS. */
uint32_t iop_nvme_ctrlr_cc(const struct iop_nvme_ctrlr *c);
uint32_t iop_nvme_ctrlr_csts(const struct iop_nvme_ctrlr *c);
/** Keep-alive timeout in ms in force (0 = disabled). */
uint32_t iop_nvme_ctrlr_kato(const struct iop_nvme_ctrlr *c);

/* -- PCIe controllers (vfio-user) ---------------------------------------------------------- */

/** Decoded Create I/O CQ / SQ command, handed to the PCIe transport. */
struct iop_nvme_pcie_queue {
	uint16_t qid;
	uint32_t qsize;            /* entries (already 1-based) */
	uint64_t prp1;             /* queue base (physically contiguous: PC=1 required) */
	bool ien;                  /* CQ: interrupts enabled */
	uint16_t iv;               /* CQ: interrupt vector */
	uint16_t cqid;             /* SQ: the CQ it posts to */
	uint8_t qprio;             /* SQ */
};

/** Hooks of a PCIe-style transport (registers in BAR0, queues in guest memory). */
struct iop_nvme_pcie_ops {
	/**
	 * CC.EN 0->1 was written; AQA/ASQ/ACQ are valid (read them with iop_nvme_ctrlr_reg_read).
	 * The transport maps the admin queues and creates the admin qpair (iop_nvme_qpair_create_pcie).
	 * \return 0 (CSTS.RDY becomes 1) or negative errno (CSTS.CFS becomes 1).
	 */
	int (*enable)(void *ctx, struct iop_nvme_ctrlr *c);
	/**
	 * CC.EN 1->0 (controller reset): drop every queue (the core has already failed
	 * held AERs of the admin qpair). The transport must stop/destroy all its qpairs of c before
	 * the host re-enables. Runs on the thread that wrote the register.
	 */
	void (*disable)(void *ctx, struct iop_nvme_ctrlr *c);
	/** CC.SHN written (normal or abrupt); CSTS.SHST becomes "complete" when this returns. */
	void (*shutdown)(void *ctx, struct iop_nvme_ctrlr *c);
	/**
	 * Create I/O CQ / SQ and Delete I/O SQ / CQ admin commands after the core's checks (qid in
	 * 1..number of queues, size in 2..MQES+1, PC set, CQ exists for SQ, ...). Return an NVMe
	 * status (0 = success) to complete now, or IOP_NVME_IN_PROGRESS and call
	 * iop_nvme_req_complete(req, status) later (e.g. Delete SQ waiting for in-flight I/O).
	 */
	uint16_t (*create_cq)(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q);
	uint16_t (*create_sq)(void *ctx, struct iop_nvme_req *req, const struct iop_nvme_pcie_queue *q);
	uint16_t (*delete_sq)(void *ctx, struct iop_nvme_req *req, uint16_t qid);
	uint16_t (*delete_cq)(void *ctx, struct iop_nvme_req *req, uint16_t qid);
	/**
	 * Translate guest address addr..addr+len-1 into a host pointer, or NULL if any byte of it
	 * is not mapped (or not writable when write is true). Used by iop_nvme_req_prepare().
	 */
	void *(*translate)(void *ctx, uint64_t addr, uint64_t len, bool write);
};

/**
 * Create a PCIe controller on subsystem ss (one per vfio-user device). CAP advertises
 * max_queue_depth, DSTRD 0, MPSMIN 0 (4 KiB), TO 1 s (`CAP.TO` of the target options).
 * \return 0, -ENOMEM, -ENOSPC (no controller ID left).
 */
int iop_nvme_ctrlr_create_pcie(struct iop_nvme_subsys *ss, const struct iop_nvme_pcie_ops *ops,
			       void *ctx, struct iop_nvme_ctrlr **out);

/** Destroy a PCIe controller after all its qpairs are destroyed. */
void iop_nvme_ctrlr_destroy_pcie(struct iop_nvme_ctrlr *c);

/**
 * Read a register of BAR0 below the doorbells (offset < IOP_NVME_REG_SPACE_SIZE), len 4 or 8,
 * naturally aligned. Unimplemented registers read as zero.
 * \return 0, -EINVAL (bad alignment/size), -ERANGE (offset in/after the doorbells).
 */
int iop_nvme_ctrlr_reg_read(struct iop_nvme_ctrlr *c, uint32_t off, void *buf, uint32_t len);

/**
 * Write a register (CC runs the enable/reset/shutdown state machine and the pcie_ops hooks;
 * AQA/ASQ/ACQ are latched while CC.EN = 0; INTMS/INTMC set/clear the mask; read-only registers
 * and NSSR (CAP.NSSRS = 0) ignore writes).
 * Doorbells (>= 0x1000) are the transport's business.
 * \return 0, -EINVAL (bad alignment/size), -ERANGE (doorbell range).
 */
int iop_nvme_ctrlr_reg_write(struct iop_nvme_ctrlr *c, uint32_t off, const void *buf, uint32_t len);

/**
 * Create a qpair on the calling thread's poll group, already bound to PCIe controller c as
 * queue qid (0 = admin) with qsize entries (no Connect).
 * \return 0, -EEXIST (qid bound), -EINVAL (qid beyond the queue count), -ENOMEM.
 */
int iop_nvme_qpair_create_pcie(struct iop_nvme_pg *pg, struct iop_nvme_ctrlr *c, uint16_t qid,
			       uint32_t qsize, const struct iop_nvme_qpair_ops *ops, void *ctx,
			       struct iop_nvme_qpair **out);

/* -- PRP / SGL walking (PCIe) --------------------------------------------------------------- */

/** Translation hook: host pointer for guest [addr, addr+len) or NULL when unmapped. */
typedef void *(*iop_nvme_translate_fn)(void *ctx, uint64_t addr, uint64_t len, bool write);

/**
 * Turn PRP1/PRP2 describing len bytes into iovecs (B 4.1.1). page_size is the host memory page
 * size (CC.MPS). PRP lists are read through tr as well; a list may chain to the next list page
 * through its last entry. write: the controller will write the memory (C2H).
 * \return 0 and *iovcnt, or an NVMe status: Invalid PRP Offset (list entry or PRP2 not page
 *         aligned, bad offset in list pointer), Data Transfer Error (address not mapped),
 *         Invalid Field (len 0 or more entries than iovmax).
 */
uint16_t iop_nvme_prp_to_iov(uint64_t prp1, uint64_t prp2, uint32_t len, uint32_t page_size,
			     iop_nvme_translate_fn tr, void *ctx, bool write,
			     struct iovec *iov, int iovmax, int *iovcnt);

/**
 * Turn an SGL (SGL1 from the SQE, possibly pointing at segments in guest memory) describing
 * len bytes into iovecs. Data Block and Last Segment/Segment descriptors are supported; Bit
 * Bucket descriptors are rejected (SGL Descriptor Type Invalid).
 * \return 0 and *iovcnt, or an NVMe status: Data SGL Length Invalid (descriptors cover less than
 *         len), SGL Descriptor Type Invalid, Invalid SGL Segment Descriptor, Data Transfer Error
 *         (unmapped), Invalid Number of SGL Descriptors (more than iovmax).
 */
uint16_t iop_nvme_sgl_to_iov(const struct iop_nvme_sgl_desc *sgl1, uint32_t len,
			     iop_nvme_translate_fn tr, void *ctx, bool write,
			     struct iovec *iov, int iovmax, int *iovcnt);

/* -- helpers for transports ---------------------------------------------------------------- */

/** Copy len bytes from buf into an iovec at byte offset off. \return bytes copied. */
size_t iop_nvme_iov_from_buf(const struct iovec *iov, int iovcnt, size_t off, const void *buf,
			     size_t len);
/** Copy len bytes from an iovec at byte offset off into buf. \return bytes copied. */
size_t iop_nvme_iov_to_buf(const struct iovec *iov, int iovcnt, size_t off, void *buf, size_t len);

/** Human name of a status value ("Invalid Field in Command"). */
const char *iop_nvme_status_str(uint16_t status);
/** Human name of an opcode ("Identify"); admin selects the admin table. */
const char *iop_nvme_opc_str(uint8_t opc, bool admin);

#endif
