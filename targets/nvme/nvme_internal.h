/* SPDX-License-Identifier: BSD-3-Clause */
/* Private structures of the NVMe controller core (targets/nvme/), shared by its files and tests. */
#ifndef IOPATH_NVME_INTERNAL_H
#define IOPATH_NVME_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "iopath/nvme.h"

#define NVME_MAX_SUBSYS     64
#define NVME_MAX_SLOTS      256     /* backend channel slots per target lifetime */
#define NVME_ERRLOG_ENTRIES 16
#define NVME_KAS_100MS      10      /* keep-alive granularity advertised: 1 s */
#define NVME_KATO_CHECK_NS  (10ull * 1000 * 1000)
#define NVME_FW_REV         "1.0"

/** KATO rounded up to the advertised granularity (KAS). */
static inline uint32_t
nvme_kato_round(uint32_t ms)
{
	uint32_t g = NVME_KAS_100MS * 100u;

	return ms > UINT32_MAX - g ? UINT32_MAX / g * g : (ms + g - 1) / g * g;
}

/* Async event bits pending on a controller (nvme_ctrlr.events). */
#define NVME_EVT_NS_ATTR    (1u << 0)
#define NVME_EVT_DISC       (1u << 1)

struct iop_nvme_ns {
	uint32_t nsid;
	uint32_t slot;              /* index into pg->chans */
	struct iop_backend *be;
	unsigned int lba_shift;
	uint64_t nblocks;
	uint8_t nguid[16];
	uint8_t uuid[16];
};

struct iop_nvme_subsys {
	struct iop_nvme_tgt *tgt;
	char nqn[IOP_NVME_NQN_MAX];
	char sn[21];
	char mn[41];
	bool discovery;
	bool allow_any;
	unsigned int nhosts;
	char *hosts[IOP_NVME_MAX_HOSTS];
	struct iop_nvme_ns *ns[IOP_NVME_MAX_NS]; /* nsid - 1; read with __atomic loads */
	struct iop_nvme_ctrlr *ctrlrs;           /* under tgt->lock */
	unsigned int nctrlrs;
	uint16_t next_cntlid;
};

struct iop_nvme_tgt {
	struct iop_nvme_tgt_opts opts;
	char serial[21];
	char model[41];
	pthread_mutex_t lock;       /* subsystems, hosts, listeners, controller lists */
	struct iop_nvme_subsys *subsys[NVME_MAX_SUBSYS];
	unsigned int nsubsys;
	struct iop_nvme_subsys *disc;
	struct iop_nvme_listener listeners[IOP_NVME_MAX_LISTENERS];
	unsigned int nlisteners;
	uint16_t next_portid;
	uint64_t genctr;            /* __atomic */
	uint32_t next_slot;
};

struct nvme_stats {
	uint64_t read_cmds;
	uint64_t write_cmds;
	uint64_t bytes_read;
	uint64_t bytes_written;
};

struct iop_nvme_ctrlr {
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_nvme_ctrlr *next;      /* in ss->ctrlrs */
	uint16_t cntlid;
	bool pcie;
	bool discovery;
	uint8_t trtype;
	char hostnqn[IOP_NVME_NQN_MAX];
	uint8_t hostid[16];

	/* registers; cc/csts written on the admin thread, read anywhere (__atomic) */
	uint64_t cap;
	uint32_t vs;
	uint32_t cc;
	uint32_t csts;
	uint32_t aqa;
	uint64_t asq;
	uint64_t acq;
	uint32_t intms;

	/* features (admin thread) */
	uint32_t kato_ms;
	uint64_t last_ka_ns;
	uint32_t aec;
	uint32_t arbitration;
	uint32_t power_mgmt;
	uint32_t int_coalescing;
	uint32_t write_atomicity;
	bool vwc_present;
	bool wce;
	uint16_t max_io_queues;           /* allocation (Number of Queues) */
	bool nq_set;
	bool kato_expired;

	/* async events */
	uint32_t events;                  /* NVME_EVT_* pending, __atomic, raised from any thread */
	uint32_t events_masked;           /* reported, waiting for the log page read (admin) */
	uint32_t changed_ns;              /* bit nsid-1: Changed Namespace List, __atomic */
	struct iop_nvme_req *aer[IOP_NVME_MAX_AER];
	unsigned int naer;

	/* error log (any thread, under lock) */
	uint64_t err_count;
	struct iop_nvme_error_log errlog[NVME_ERRLOG_ENTRIES];

	/* qpairs */
	pthread_mutex_t lock;
	struct iop_nvme_qpair *admin;
	struct iop_nvme_qpair *ioq[IOP_NVME_MAX_IO_QUEUES + 1];
	unsigned int nqpairs;
	bool admin_gone;                  /* free when nqpairs drops to 0 */

	/* stats of destroyed qpairs (under lock) */
	struct nvme_stats stats_gone;
	uint64_t create_ns;

	const struct iop_nvme_pcie_ops *pcie_ops;
	void *pcie_ctx;
};

struct iop_nvme_qpair {
	struct iop_nvme_pg *pg;
	struct iop_nvme_ctrlr *ctrlr;
	const struct iop_nvme_qpair_ops *ops;
	void *ctx;
	struct iop_nvme_qpair *pg_next;   /* admin qpairs on pg (keep-alive checks) */
	uint8_t trtype;
	bool pcie;
	bool stopped;
	bool sqfc_disabled;
	bool disconnect_sent;             /* under ctrlr->lock */
	bool on_pg_list;
	int qid;
	uint32_t qsize;
	uint16_t sqhd;
	unsigned int inflight;
	struct nvme_stats stats;          /* owner thread writes, others read (__atomic relaxed) */
};

struct nvme_chan {
	struct iop_backend *be;
	struct iop_backend_chan *ch;
};

struct iop_nvme_pg {
	struct iop_nvme_tgt *tgt;
	unsigned int depth;
	struct nvme_chan chans[NVME_MAX_SLOTS];
	uint32_t open_slots[NVME_MAX_SLOTS];
	unsigned int nopen;
	struct iop_nvme_req *busy_head;
	struct iop_nvme_req *busy_tail;
	struct iop_nvme_qpair *admins;
	uint64_t last_tick_ns;
	unsigned int polls;
	unsigned int nqpairs;
};

/* request private state */
enum nvme_req_state {
	NVME_REQ_IDLE = 0,
	NVME_REQ_EXEC,
	NVME_REQ_BACKEND,
	NVME_REQ_HELD,
};

/* subsys.c */
struct iop_nvme_ns *nvme_ns_get(struct iop_nvme_subsys *ss, uint32_t nsid);
/** Raise evt (and mark nsids in ns_mask as changed) on every controller of ss. */
void nvme_subsys_raise_event(struct iop_nvme_subsys *ss, uint32_t evt, uint32_t ns_mask);
void nvme_tgt_raise_disc_event(struct iop_nvme_tgt *tgt);
void nvme_fill_padded(char *dst, size_t len, const char *src);
/** Host check with tgt->lock held. */
bool nvme_subsys_host_allowed_locked(struct iop_nvme_subsys *ss, const char *hostnqn);

/* ctrlr.c */
int nvme_ctrlr_alloc(struct iop_nvme_subsys *ss, bool pcie, const char *hostnqn,
		     const uint8_t hostid[16], struct iop_nvme_ctrlr **out);
void nvme_ctrlr_put_qpair(struct iop_nvme_ctrlr *c, struct iop_nvme_qpair *qp);
int nvme_ctrlr_attach_qpair(struct iop_nvme_ctrlr *c, struct iop_nvme_qpair *qp, uint16_t qid);
uint16_t nvme_ctrlr_prop_get(struct iop_nvme_ctrlr *c, uint32_t ofst, unsigned int size,
			     uint64_t *val);
uint16_t nvme_ctrlr_prop_set(struct iop_nvme_ctrlr *c, uint32_t ofst, unsigned int size,
			     uint64_t val);
void nvme_ctrlr_disconnect_all(struct iop_nvme_ctrlr *c, bool include_admin, int reason);
bool nvme_ctrlr_check_kato(struct iop_nvme_ctrlr *c, uint64_t now_ns);
void nvme_ctrlr_deliver_events(struct iop_nvme_ctrlr *c);
void nvme_ctrlr_record_error(struct iop_nvme_ctrlr *c, const struct iop_nvme_req *req,
			     uint16_t status);
void nvme_ctrlr_stats(struct iop_nvme_ctrlr *c, struct nvme_stats *out);
void nvme_req_complete(struct iop_nvme_req *req, uint16_t status);
uint32_t nvme_ctrlr_page_size(const struct iop_nvme_ctrlr *c);
struct iop_backend_chan *nvme_pg_chan(struct iop_nvme_pg *pg, struct iop_nvme_ns *ns);
void nvme_qpair_bound_admin(struct iop_nvme_qpair *qp);

/* Status value with DNR from short names: NVME_ST(GENERIC, INVALID_FIELD). */
#define NVME_ST(sct, sc) \
	(IOP_NVME_STATUS(IOP_NVME_SCT_##sct, IOP_NVME_SC_##sc) | IOP_NVME_STATUS_DNR)

static inline uint32_t
nvme_csts(const struct iop_nvme_ctrlr *c)
{
	return __atomic_load_n(&c->csts, __ATOMIC_ACQUIRE);
}

/* admin_cmd.c */
void nvme_admin_exec(struct iop_nvme_req *req);
void nvme_aer_abort_all(struct iop_nvme_ctrlr *c);
uint16_t nvme_admin_xfer_len(struct iop_nvme_ctrlr *c, const struct iop_nvme_cmd *cmd,
			     uint32_t *len);
/** Copy a generated log/identify image to the request honouring offset; zero-fill the rest. */
uint16_t nvme_req_copy_out(struct iop_nvme_req *req, const void *img, size_t img_len,
			   uint64_t offset, uint32_t want);

/* io_cmd.c */
void nvme_io_exec(struct iop_nvme_req *req);
uint16_t nvme_io_xfer_len(struct iop_nvme_ctrlr *c, const struct iop_nvme_cmd *cmd,
			  uint32_t *len);
int nvme_pg_resubmit(struct iop_nvme_pg *pg);

/* fabrics_cmd.c */
void nvme_fabrics_exec(struct iop_nvme_req *req);

/* discovery.c */
/** Build the discovery log page for hostnqn into a malloc'd buffer. \return 0 or -ENOMEM. */
int nvme_disc_log_build(struct iop_nvme_tgt *tgt, const char *hostnqn, void **buf, size_t *len);

#endif
