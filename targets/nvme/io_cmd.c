/* SPDX-License-Identifier: BSD-3-Clause */
/* NVM I/O commands: Read, Write, Flush, Write Zeroes, Dataset Management -> backend I/Os. */
#include <errno.h>
#include <string.h>
#include "iopath/log.h"
#include "iopath/util.h"
#include "targets/nvme/nvme_internal.h"

#define GST(sc) NVME_ST(GENERIC, sc)

/* priv.flags */
#define IO_F_DSM        0x1     /* Dataset Management: priv.count = next range index */
#define IO_F_FLUSH_ALL  0x2     /* Flush of NSID FFFFFFFFh: priv.count = next nsid */
#define IO_F_FUA        0x4     /* Write with FUA on a volatile cache: flush after the write */

/* Only the owner thread writes qpair stats; SMART readers load them relaxed. */
#define STAT_ADD(f, v) __atomic_store_n(&(f), (f) + (v), __ATOMIC_RELAXED)

uint16_t
nvme_io_xfer_len(struct iop_nvme_ctrlr *c, const struct iop_nvme_cmd *cmd, uint32_t *len)
{
	struct iop_nvme_ns *ns;
	uint64_t bytes;

	switch (cmd->opc) {
	case IOP_NVME_OPC_READ:
	case IOP_NVME_OPC_WRITE:
		ns = nvme_ns_get(c->ss, cmd->nsid);
		if (!ns) {
			return GST(INVALID_NAMESPACE_OR_FORMAT);
		}
		bytes = (uint64_t)IOP_NVME_RW_NLB(cmd->cdw12) << ns->lba_shift;
		if (bytes > c->tgt->opts.max_io_size) {
			return GST(INVALID_FIELD);
		}
		*len = (uint32_t)bytes;
		return 0;
	case IOP_NVME_OPC_DATASET_MANAGEMENT:
		*len = IOP_NVME_DSM_NR(cmd->cdw10) * (uint32_t)sizeof(struct iop_nvme_dsm_range);
		return 0;
	default:
		*len = 0;
		return 0;
	}
}

static uint16_t
io_errno_to_status(int err, uint8_t op)
{
	switch (err) {
	case 0:
		return 0;
	case -ERANGE:
		return GST(LBA_OUT_OF_RANGE);
	case -EINVAL:
		return GST(INVALID_FIELD);
	case -ENOSPC:
		return GST(CAPACITY_EXCEEDED);
	case -EROFS:
	case -EPERM:
	case -EACCES:
		return GST(NAMESPACE_IS_WRITE_PROTECTED);
	case -EOPNOTSUPP:
		return GST(INVALID_OPCODE);
	case -ENOMEM:
	case -EAGAIN:
		return IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC, IOP_NVME_SC_COMMAND_INTERRUPTED);
	default:
		if (op == IOP_OP_READ) {
			return NVME_ST(MEDIA, UNRECOVERED_READ_ERROR);
		}
		if (op == IOP_OP_WRITE) {
			return NVME_ST(MEDIA, WRITE_FAULTS);
		}
		return GST(INTERNAL_DEVICE_ERROR);
	}
}

static void io_step(struct iop_nvme_req *req);
static void io_prep(struct iop_nvme_req *req, uint8_t op, uint64_t off, uint64_t len);

static void
io_submit(struct iop_nvme_req *req, struct iop_nvme_ns *ns)
{
	struct iop_nvme_pg *pg = req->qpair->pg;
	struct iop_backend_chan *ch = nvme_pg_chan(pg, ns);

	if (iop_unlikely(!ch)) {
		nvme_req_complete(req, GST(INTERNAL_DEVICE_ERROR));
		return;
	}
	req->priv.state = NVME_REQ_BACKEND;
	req->priv.nsid = ns->nsid;
	/* After QUEUED or DONE the request may already be completed and reused: hands off. */
	if (iop_unlikely(ns->be->ops->submit(ch, &req->priv.io) == IOP_SUBMIT_BUSY)) {
		req->priv.next = NULL;
		if (pg->busy_tail) {
			pg->busy_tail->priv.next = req;
		} else {
			pg->busy_head = req;
		}
		pg->busy_tail = req;
	}
}

int
nvme_pg_resubmit(struct iop_nvme_pg *pg)
{
	int n = 0;

	while (pg->busy_head) {
		struct iop_nvme_req *req = pg->busy_head;
		struct iop_nvme_ns *ns = nvme_ns_get(req->qpair->ctrlr->ss, req->priv.nsid);
		struct iop_backend_chan *ch;

		if (!ns || !(ch = nvme_pg_chan(pg, ns))) {
			pg->busy_head = req->priv.next;
			if (!pg->busy_head) {
				pg->busy_tail = NULL;
			}
			nvme_req_complete(req, GST(INTERNAL_DEVICE_ERROR));
			continue;
		}
		/* Unlink first: a DONE submit may complete and reuse the request. */
		pg->busy_head = req->priv.next;
		if (!pg->busy_head) {
			pg->busy_tail = NULL;
		}
		if (ns->be->ops->submit(ch, &req->priv.io) == IOP_SUBMIT_BUSY) {
			req->priv.next = pg->busy_head;
			pg->busy_head = req;
			if (!pg->busy_tail) {
				pg->busy_tail = req;
			}
			break;
		}
		n++;
	}
	return n;
}

static void
io_done(struct iop_io *io)
{
	struct iop_nvme_req *req = iop_container_of(io, struct iop_nvme_req, priv.io);

	if (io->status) {
		nvme_req_complete(req, io_errno_to_status(io->status, io->op));
		return;
	}
	if (iop_unlikely(req->priv.flags & IO_F_FUA)) {
		/* Force Unit Access on a backend with a volatile cache: make the write durable
		 * before completing it (NVM 3.2.6: FUA). */
		struct iop_nvme_ns *ns = nvme_ns_get(req->qpair->ctrlr->ss, req->priv.nsid);

		req->priv.flags &= ~IO_F_FUA;
		io_prep(req, IOP_OP_FLUSH, 0, 0);
		io_submit(req, ns);
		return;
	}
	if (req->priv.flags & (IO_F_DSM | IO_F_FLUSH_ALL)) {
		io_step(req);
		return;
	}
	nvme_req_complete(req, 0);
}

static void
io_prep(struct iop_nvme_req *req, uint8_t op, uint64_t off, uint64_t len)
{
	struct iop_io *io = &req->priv.io;

	io->op = op;
	io->nsid = 0;
	io->offset = off;
	io->len = len;
	io->iov = NULL;
	io->iovcnt = 0;
	io->status = 0;
	io->cb = io_done;
	io->cb_arg = req;
}

/* Limit req->iov to exactly len bytes (the buffer a fabrics host offered may be larger). */
static void
io_trim_iov(struct iop_nvme_req *req, uint64_t len)
{
	uint64_t acc = 0;

	for (int i = 0; i < req->iovcnt; i++) {
		if (acc + req->iov[i].iov_len >= len) {
			req->iov[i].iov_len = (size_t)(len - acc);
			req->iovcnt = i + 1;
			return;
		}
		acc += req->iov[i].iov_len;
	}
}

static bool
io_range_ok(const struct iop_nvme_ns *ns, uint64_t slba, uint64_t nlb)
{
	return slba < ns->nblocks && nlb <= ns->nblocks - slba;
}

/* Next step of a multi-I/O command (DSM ranges, Flush of every namespace). */
static void
io_step(struct iop_nvme_req *req)
{
	struct iop_nvme_ctrlr *c = req->qpair->ctrlr;

	if (req->priv.flags & IO_F_FLUSH_ALL) {
		while (req->priv.count <= IOP_NVME_MAX_NS) {
			struct iop_nvme_ns *ns = nvme_ns_get(c->ss, req->priv.count++);

			if (ns) {
				io_prep(req, IOP_OP_FLUSH, 0, 0);
				io_submit(req, ns);
				return;
			}
		}
		nvme_req_complete(req, 0);
		return;
	}
	/* DSM deallocate */
	{
		struct iop_nvme_ns *ns = nvme_ns_get(c->ss, req->cmd.nsid);
		uint32_t nr = IOP_NVME_DSM_NR(req->cmd.cdw10);

		while (req->priv.count < nr) {
			struct iop_nvme_dsm_range r;

			iop_nvme_iov_to_buf(req->iov, req->iovcnt, req->priv.count * sizeof(r), &r,
					    sizeof(r));
			req->priv.count++;
			if (!io_range_ok(ns, r.slba, r.length)) {
				nvme_req_complete(req, GST(LBA_OUT_OF_RANGE));
				return;
			}
			if (r.length == 0 || !ns->be->info.discard) {
				continue;  /* deallocation is advisory (NVM 3.2.3.2) */
			}
			io_prep(req, IOP_OP_DISCARD, r.slba << ns->lba_shift,
				(uint64_t)r.length << ns->lba_shift);
			io_submit(req, ns);
			return;
		}
		nvme_req_complete(req, 0);
	}
}

void
nvme_io_exec(struct iop_nvme_req *req)
{
	struct iop_nvme_qpair *qp = req->qpair;
	struct iop_nvme_ctrlr *c = qp->ctrlr;
	const struct iop_nvme_cmd *cmd = &req->cmd;
	struct iop_nvme_ns *ns = nvme_ns_get(c->ss, cmd->nsid);
	uint64_t slba, nlb, bytes;

	req->priv.flags = 0;
	switch (cmd->opc) {
	case IOP_NVME_OPC_READ:
	case IOP_NVME_OPC_WRITE:
		if (iop_unlikely(!ns)) {
			break;
		}
		slba = iop_nvme_cmd_slba(cmd);
		nlb = IOP_NVME_RW_NLB(cmd->cdw12);
		if (iop_unlikely(!io_range_ok(ns, slba, nlb))) {
			nvme_req_complete(req, GST(LBA_OUT_OF_RANGE));
			return;
		}
		bytes = nlb << ns->lba_shift;
		if (iop_unlikely(bytes > c->tgt->opts.max_io_size)) {
			nvme_req_complete(req, GST(INVALID_FIELD));   /* MDTS */
			return;
		}
		if (iop_unlikely(bytes > req->data_len)) {
			nvme_req_complete(req, GST(DATA_SGL_LENGTH_INVALID));
			return;
		}
		if (req->data_len != bytes) {
			io_trim_iov(req, bytes);
			req->data_len = (uint32_t)bytes;
		}
		if (cmd->opc == IOP_NVME_OPC_READ) {
			io_prep(req, IOP_OP_READ, slba << ns->lba_shift, bytes);
			STAT_ADD(qp->stats.read_cmds, 1);
			STAT_ADD(qp->stats.bytes_read, bytes);
		} else {
			if (iop_unlikely(cmd->cdw12 & IOP_NVME_RW_FUA) && ns->be->info.volatile_cache) {
				req->priv.flags = IO_F_FUA;
			}
			io_prep(req, IOP_OP_WRITE, slba << ns->lba_shift, bytes);
			STAT_ADD(qp->stats.write_cmds, 1);
			STAT_ADD(qp->stats.bytes_written, bytes);
		}
		req->priv.io.iov = req->iov;
		req->priv.io.iovcnt = req->iovcnt;
		io_submit(req, ns);
		return;
	case IOP_NVME_OPC_FLUSH:
		if (cmd->nsid == 0xffffffff) {
			req->priv.flags = IO_F_FLUSH_ALL;
			req->priv.count = 1;
			io_step(req);
			return;
		}
		if (!ns) {
			break;
		}
		io_prep(req, IOP_OP_FLUSH, 0, 0);
		io_submit(req, ns);
		return;
	case IOP_NVME_OPC_WRITE_ZEROES:
		if (!ns) {
			break;
		}
		slba = iop_nvme_cmd_slba(cmd);
		nlb = IOP_NVME_RW_NLB(cmd->cdw12);
		if (!io_range_ok(ns, slba, nlb)) {
			nvme_req_complete(req, GST(LBA_OUT_OF_RANGE));
			return;
		}
		io_prep(req, IOP_OP_WRITE_ZEROES, slba << ns->lba_shift, nlb << ns->lba_shift);
		io_submit(req, ns);
		return;
	case IOP_NVME_OPC_DATASET_MANAGEMENT:
		if (!ns) {
			break;
		}
		if (!(cmd->cdw11 & IOP_NVME_DSM_AD)) {
			nvme_req_complete(req, 0);  /* attribute hints only */
			return;
		}
		if (req->data_len < IOP_NVME_DSM_NR(cmd->cdw10) * sizeof(struct iop_nvme_dsm_range)) {
			nvme_req_complete(req, GST(DATA_SGL_LENGTH_INVALID));
			return;
		}
		req->priv.flags = IO_F_DSM;
		req->priv.count = 0;
		io_step(req);
		return;
	default:
		nvme_req_complete(req, GST(INVALID_OPCODE));
		return;
	}
	nvme_req_complete(req, GST(INVALID_NAMESPACE_OR_FORMAT));
}
