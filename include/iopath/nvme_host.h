/* SPDX-License-Identifier: BSD-3-Clause */
/* Host-side NVMe driver core for initiators: CID tracking, SQE building, bring-up sequence. */
#ifndef IOPATH_NVME_HOST_H
#define IOPATH_NVME_HOST_H

/*
 * Concepts
 * --------
 * struct iop_nvme_hq tracks the commands outstanding on one host queue: a CID per command, the
 * iop_io (or any context pointer) attached to it, and a free list. Initiators (NVMe/TCP,
 * vfio-user) build the SQE with iop_nvme_hq_build_io(), move it on their wire, and on a CQE call
 * iop_nvme_hq_complete() which returns the context and the errno-mapped status.
 *
 * iop_nvme_host_bringup() runs the controller bring-up over an abstract transport:
 *   fabrics: Connect (admin) -> Property Get CAP, VS -> Property Set CC (EN=1, IOSQES/IOCQES)
 *            -> wait CSTS.RDY -> Identify controller -> Set Features Number of Queues ->
 *            Identify namespace -> (keep alive is sent by the caller every KATO/2)
 *   PCIe:    read CAP, VS -> CC.EN=0, wait RDY=0 -> AQA/ASQ/ACQ (by the transport in
 *            ops->reg_write / before) -> CC.EN=1 -> wait RDY -> same admin commands.
 * The transport supplies "send this admin command and wait for its completion" and, for PCIe,
 * register read/write; for fabrics the core turns register access into Property Get/Set.
 */

#include <stdbool.h>
#include <stdint.h>
#include "iopath/io.h"
#include "iopath/nvme_spec.h"

/** One outstanding command slot. */
struct iop_nvme_hq_slot {
	void *ctx;                 /* the iop_io (I/O) or the caller's pointer */
	uint16_t next_free;
	uint16_t cid;              /* slot index in bits 11:0, a rotating generation in 15:12 */
	uint8_t busy;
	uint8_t is_io;             /* ctx is a struct iop_io */
};

/** Command tracking for one host queue. Used by one thread. */
struct iop_nvme_hq {
	uint16_t qid;
	uint16_t depth;            /* commands that may be outstanding (<= queue size - 1) */
	uint16_t outstanding;
	uint16_t free_head;        /* 0xffff = none */
	uint16_t gen;              /* rotates CIDs so a stale or duplicate CQE is detectable */
	struct iop_nvme_hq_slot *slots;
};

/** Initialise for depth outstanding commands (1..4095). \return 0, -EINVAL, -ENOMEM. */
int iop_nvme_hq_init(struct iop_nvme_hq *q, uint16_t qid, uint16_t depth);
void iop_nvme_hq_fini(struct iop_nvme_hq *q);

/**
 * Reserve a CID for ctx. \return the CID (>= 0), or -EAGAIN when depth commands are outstanding.
 */
int iop_nvme_hq_alloc(struct iop_nvme_hq *q, void *ctx, bool is_io);

/**
 * Build the SQE for io (READ, WRITE, FLUSH, WRITE_ZEROES, DISCARD is not built here: it needs a
 * DSM range buffer, see iop_nvme_host_build_dsm) on namespace nsid with 2^lba_shift byte blocks,
 * and reserve its CID (cmd->cid). The data pointer is left zero for the transport to fill.
 * \return the CID, -EAGAIN (queue full), -EINVAL (unaligned offset/len, len 0 or > 65536 blocks,
 *         unsupported op).
 */
int iop_nvme_hq_build_io(struct iop_nvme_hq *q, struct iop_io *io, uint32_t nsid,
			 unsigned int lba_shift, struct iop_nvme_cmd *cmd);

/** The context attached to an outstanding CID, or NULL when the CID is not outstanding. */
void *iop_nvme_hq_lookup(struct iop_nvme_hq *q, uint16_t cid);

/**
 * Match a CQE: release its CID and return the context. If the context is an iop_io, io->status
 * is set (0 or mapped errno) but the callback is NOT run (the caller does it, so it can unlock or
 * batch first). *status receives the NVMe status value.
 * \return the context, or NULL when the CID is not outstanding (a protocol error: the caller
 *         should fail the connection with -EPROTO).
 */
void *iop_nvme_hq_complete(struct iop_nvme_hq *q, const struct iop_nvme_cpl *cpl, uint16_t *status);

/** Iterate outstanding commands (e.g. to fail them with -ECONNRESET on a dead connection):
 * calls fn for each and releases them. \return number released. */
unsigned int iop_nvme_hq_drain(struct iop_nvme_hq *q, void (*fn)(void *ctx, bool is_io, void *arg),
			       void *arg);

/**
 * Map an NVMe status value to a negative errno (0 for success):
 * LBA out of range / capacity -> -ERANGE, invalid namespace -> -ENXIO, invalid opcode/field ->
 * -EINVAL/-EOPNOTSUPP, write protected -> -EROFS, data transfer / media errors -> -EIO,
 * aborted -> -ECANCELED, path errors -> -ENOLINK, transient transport -> -EAGAIN, ...
 */
int iop_nvme_status_to_errno(uint16_t status);

/* -- Command builders ----------------------------------------------------------------------- */

void iop_nvme_host_build_identify(struct iop_nvme_cmd *cmd, uint8_t cns, uint32_t nsid,
				  uint16_t cntid);
void iop_nvme_host_build_get_log(struct iop_nvme_cmd *cmd, uint8_t lid, uint32_t nsid,
				 uint64_t offset, uint32_t len);
void iop_nvme_host_build_set_features(struct iop_nvme_cmd *cmd, uint8_t fid, uint32_t cdw11);
void iop_nvme_host_build_get_features(struct iop_nvme_cmd *cmd, uint8_t fid, uint32_t cdw11);
void iop_nvme_host_build_keep_alive(struct iop_nvme_cmd *cmd);
/** Property Get (size 4 or 8) / Set. */
void iop_nvme_host_build_prop_get(struct iop_nvme_cmd *cmd, uint32_t ofst, unsigned int size);
void iop_nvme_host_build_prop_set(struct iop_nvme_cmd *cmd, uint32_t ofst, unsigned int size,
				  uint64_t value);
/** Connect SQE + data. cntlid: IOP_NVMF_CNTLID_DYNAMIC for qid 0. kato in ms. */
void iop_nvme_host_build_connect(struct iop_nvme_cmd *cmd, struct iop_nvmf_connect_data *data,
				 uint16_t qid, uint16_t qsize, uint16_t cntlid, uint32_t kato_ms,
				 const char *subnqn, const char *hostnqn, const uint8_t hostid[16]);
void iop_nvme_host_build_disconnect(struct iop_nvme_cmd *cmd);
/** Dataset Management deallocate of one range from io (DISCARD); range is the 16-byte buffer
 * the transport sends as data. \return the CID, -EAGAIN, -EINVAL. */
int iop_nvme_hq_build_dsm(struct iop_nvme_hq *q, struct iop_io *io, uint32_t nsid,
			  unsigned int lba_shift, struct iop_nvme_dsm_range *range,
			  struct iop_nvme_cmd *cmd);

/* -- Bring-up ------------------------------------------------------------------------------ */

struct iop_nvme_host_ops {
	/**
	 * Send cmd on the admin queue and wait for its completion. cmd->cid is set by the caller
	 * (the bring-up uses its own small CID counter). data/len: buffer for the command's data in
	 * the direction of its opcode (len 0 = none); the transport builds the data pointer.
	 * \return 0 and *cpl filled (whatever the NVMe status), or negative errno when the
	 *         transport failed (-ETIMEDOUT, -ECONNRESET, -EPROTO).
	 */
	int (*admin)(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len,
		     struct iop_nvme_cpl *cpl);
	/**
	 * PCIe only (NULL for fabrics, where Property Get/Set over admin() are used): read/write a
	 * 4- or 8-byte register. \return 0 or negative errno.
	 */
	int (*reg_read)(void *ctx, uint32_t off, unsigned int size, uint64_t *val);
	int (*reg_write)(void *ctx, uint32_t off, unsigned int size, uint64_t val);
	/** PCIe only: program AQA/ASQ/ACQ for an admin queue of qsize entries (called with
	 * CC.EN=0). NULL for fabrics. \return 0 or negative errno. */
	int (*setup_admin_queue)(void *ctx, uint16_t qsize);
};

struct iop_nvme_host_params {
	bool fabrics;              /* true: Connect + Property Get/Set; false: registers */
	const char *subnqn;        /* fabrics */
	const char *hostnqn;       /* fabrics; NULL = a default derived from hostid */
	uint8_t hostid[16];        /* fabrics; all zero = generate a random one */
	uint16_t admin_qsize;      /* entries; default 32 */
	uint16_t nr_io_queues;     /* wanted; the granted count may be lower */
	uint32_t kato_ms;          /* fabrics; 0 = none */
	uint32_t nsid;             /* namespace to identify (0 = first active) */
	uint32_t timeout_ms;       /* ready wait cap; 0 = from CAP.TO */
};

/** What the bring-up learned. */
struct iop_nvme_host_ctrlr {
	uint64_t cap;
	uint32_t vs;
	uint32_t cc;
	uint16_t cntlid;
	uint16_t nr_io_queues;     /* granted */
	uint32_t mqes;             /* max entries per queue (1-based) */
	uint32_t max_xfer;         /* bytes (MDTS), 0 = unlimited */
	uint32_t nn;
	uint32_t sgls;
	uint32_t ioccsz;           /* bytes of a command capsule (fabrics) */
	uint32_t kato_ms;
	uint32_t nsid;
	uint64_t nsze;             /* blocks */
	unsigned int lba_shift;
	uint16_t oncs;
	uint8_t vwc;
	char hostnqn[IOP_NVME_NQN_MAX];
	uint8_t hostid[16];
	char subnqn[IOP_NVME_NQN_MAX];
	char sn[21];
	char mn[41];
	char fr[9];
};

/**
 * Run the bring-up sequence described above.
 * \return 0, -EPROTO (controller answered with an unexpected value, logged), -ECONNREFUSED
 *         (Connect rejected; the status is logged), -ETIMEDOUT (CSTS.RDY never set), -EIO
 *         (CSTS.CFS set), -ENXIO (no such or no active namespace), or the transport's errno.
 */
int iop_nvme_host_bringup(const struct iop_nvme_host_ops *ops, void *ctx,
			  const struct iop_nvme_host_params *p, struct iop_nvme_host_ctrlr *out);

/**
 * Fabrics I/O queue Connect over a "send and wait" on that queue's connection.
 * \return 0, -ECONNREFUSED (rejected), or the transport's errno.
 */
int iop_nvme_host_connect_io(int (*send)(void *ctx, struct iop_nvme_cmd *cmd, void *data,
					 uint32_t len, struct iop_nvme_cpl *cpl),
			     void *ctx, const struct iop_nvme_host_ctrlr *c, uint16_t qid,
			     uint16_t qsize);

/** Normal shutdown: CC.SHN=01b, wait CSTS.SHST=10b (bounded). \return 0 or negative errno. */
int iop_nvme_host_shutdown(const struct iop_nvme_host_ops *ops, void *ctx,
			   struct iop_nvme_host_ctrlr *c);

#endif
