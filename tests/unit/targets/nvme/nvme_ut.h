/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared fixtures of the NVMe core unit tests: an in-test RAM backend and command helpers. */
#ifndef IOPATH_TESTS_NVME_UT_H
#define IOPATH_TESTS_NVME_UT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/backend.h"
#include "iopath/nvme.h"
#include "iopath/nvme_host.h"
#include "tests/common/ut.h"

#define UT_UNUSED __attribute__((unused))

/*
 * ut_ram: a tiny RAM backend private to the tests (the tree's malloc/null backends live on
 * another branch). Completions are queued and delivered by poll() unless ut_ram_inline is set;
 * ut_ram_busy makes the next N submits return BUSY.
 */
struct ut_ram {
	struct iop_backend be;
	uint8_t *data;
};

struct ut_ram_chan {
	struct iop_backend_chan ch;
	struct iop_io *q[256];
	unsigned int n;
};

static int ut_ram_inline;
static int ut_ram_busy;
static unsigned int ut_ram_submits;
static unsigned int ut_ram_ops[IOP_OP_MAX];

UT_UNUSED static int
ut_ram_chan_open(struct iop_backend *be, unsigned int depth, struct iop_backend_chan **out)
{
	struct ut_ram_chan *c = calloc(1, sizeof(*c));

	(void)depth;
	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	*out = &c->ch;
	return 0;
}

UT_UNUSED static void
ut_ram_chan_close(struct iop_backend_chan *ch)
{
	free(ch);
}

UT_UNUSED static void
ut_ram_do(struct ut_ram *r, struct iop_io *io)
{
	uint64_t off = io->offset;

	io->status = 0;
	if (io->offset + io->len > r->be.info.size) {
		io->status = -ERANGE;
		return;
	}
	ut_ram_ops[io->op]++;
	switch (io->op) {
	case IOP_OP_READ:
	case IOP_OP_WRITE:
		for (int i = 0; i < io->iovcnt; i++) {
			if (io->op == IOP_OP_READ) {
				memcpy(io->iov[i].iov_base, r->data + off, io->iov[i].iov_len);
			} else {
				memcpy(r->data + off, io->iov[i].iov_base, io->iov[i].iov_len);
			}
			off += io->iov[i].iov_len;
		}
		if (off - io->offset != io->len) {
			io->status = -EINVAL;
		}
		break;
	case IOP_OP_WRITE_ZEROES:
	case IOP_OP_DISCARD:
		memset(r->data + off, 0, io->len);
		break;
	default:
		break;
	}
}

UT_UNUSED static enum iop_submit_status
ut_ram_submit(struct iop_backend_chan *ch, struct iop_io *io)
{
	struct ut_ram_chan *c = (struct ut_ram_chan *)ch;

	if (ut_ram_busy > 0) {
		ut_ram_busy--;
		return IOP_SUBMIT_BUSY;
	}
	ut_ram_submits++;
	if (ut_ram_inline) {
		ut_ram_do((struct ut_ram *)ch->be, io);
		io->cb(io);
		return IOP_SUBMIT_DONE;
	}
	if (c->n == 256) {
		return IOP_SUBMIT_BUSY;
	}
	c->q[c->n++] = io;
	return IOP_SUBMIT_QUEUED;
}

UT_UNUSED static int
ut_ram_poll(struct iop_backend_chan *ch, unsigned int max)
{
	struct ut_ram_chan *c = (struct ut_ram_chan *)ch;
	unsigned int n = 0;

	while (c->n && n < max) {
		struct iop_io *io = c->q[0];

		memmove(c->q, c->q + 1, (c->n - 1) * sizeof(c->q[0]));
		c->n--;
		ut_ram_do((struct ut_ram *)ch->be, io);
		io->cb(io);
		n++;
	}
	return (int)n;
}

static void ut_ram_close(struct iop_backend *be);

static const struct iop_backend_ops ut_ram_ops_tbl = {
	.name = "ut_ram",
	.close = ut_ram_close,
	.chan_open = ut_ram_chan_open,
	.chan_close = ut_ram_chan_close,
	.submit = ut_ram_submit,
	.poll = ut_ram_poll,
};

UT_UNUSED static struct iop_backend *
ut_ram_new(uint64_t size, uint32_t bs)
{
	struct ut_ram *r = calloc(1, sizeof(*r));

	r->data = calloc(1, size);
	r->be.ops = &ut_ram_ops_tbl;
	r->be.info.size = size;
	r->be.info.block_size = bs;
	r->be.info.write_zeroes = true;
	r->be.info.discard = true;
	r->be.info.volatile_cache = true;
	return &r->be;
}

UT_UNUSED static void
ut_ram_close(struct iop_backend *be)
{
	struct ut_ram *r = (struct ut_ram *)be;

	free(r->data);
	free(r);
}

UT_UNUSED static uint8_t *
ut_ram_data(struct iop_backend *be)
{
	return ((struct ut_ram *)be)->data;
}

/* ------------------------------------------------------------------------------------------ */
/* Command helpers                                                                            */

#define UT_NQN  "nqn.2024-01.io.iopath:ut"
#define UT_HOST "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001"

struct ut_qp {
	struct iop_nvme_qpair *qp;
	int disconnects;
	int last_reason;
};

UT_UNUSED static void
ut_disconnect(struct iop_nvme_qpair *qp, void *ctx, int reason)
{
	struct ut_qp *u = ctx;

	(void)qp;
	u->disconnects++;
	u->last_reason = reason;
}

static const struct iop_nvme_qpair_ops ut_qp_ops = {.disconnect = ut_disconnect};

struct ut_req {
	struct iop_nvme_req req;
	struct iovec iov[64];
	int done;
};

UT_UNUSED static void
ut_req_done(struct iop_nvme_req *req)
{
	((struct ut_req *)req)->done++;
}

/* Fabrics-style: SGL1 is a transport data block of len bytes; buf is the data buffer. */
UT_UNUSED static void
ut_submit(struct iop_nvme_qpair *qp, struct ut_req *r, const struct iop_nvme_cmd *cmd, void *buf,
	  uint32_t len)
{
	memset(r, 0, sizeof(*r));
	r->req.cmd = *cmd;
	/* as NVMe/TCP hosts do: PSDT 01b on every capsule, a transport data block for data */
	r->req.cmd.flags |= IOP_NVME_PSDT_SGL_MPTR_CONTIG << IOP_NVME_PSDT_SHIFT;
	iop_nvme_sgl_set_unkeyed(&r->req.cmd.dptr.sgl1, 0, len, IOP_NVME_SGL_ID_TCP_HOSTBUF);
	r->req.qpair = qp;
	r->req.done = ut_req_done;
	r->req.iov = r->iov;
	r->req.iovmax = 64;
	iop_nvme_req_prepare(&r->req);
	if (r->req.data_len) {
		r->iov[0].iov_base = buf;
		r->iov[0].iov_len = r->req.data_len;
		r->req.iovcnt = 1;
	}
	iop_nvme_req_exec(&r->req);
}

/* Run one command to completion; returns the status value (no phase). */
UT_UNUSED static uint16_t
ut_cmd(struct iop_nvme_pg *pg, struct iop_nvme_qpair *qp, const struct iop_nvme_cmd *cmd,
       void *buf, uint32_t len, struct iop_nvme_cpl *cpl)
{
	static struct ut_req r;

	ut_submit(qp, &r, cmd, buf, len);
	for (int i = 0; i < 1000 && !r.done; i++) {
		iop_nvme_pg_poll(pg);
	}
	CU_ASSERT_EQUAL(r.done, 1);
	if (cpl) {
		*cpl = r.req.cpl;
	}
	return iop_nvme_cpl_status(&r.req.cpl);
}

/* Status without DNR/More, for comparisons. */
#define UT_SC(st) ((uint16_t)((st) & 0x7ff))
#define UT_STATUS(sct, sc) IOP_NVME_STATUS(sct, sc)

UT_UNUSED static uint16_t
ut_connect(struct iop_nvme_pg *pg, struct iop_nvme_qpair *qp, uint16_t qid, uint16_t sqsize,
	   uint16_t cntlid, const char *subnqn, const char *hostnqn, uint32_t kato,
	   struct iop_nvme_cpl *cpl)
{
	struct iop_nvme_cmd cmd;
	struct iop_nvmf_connect_data d;
	static const uint8_t hostid[16] = {1, 2, 3, 4};

	iop_nvme_host_build_connect(&cmd, &d, qid, sqsize + 1, cntlid, kato, subnqn, hostnqn,
				    hostid);
	return ut_cmd(pg, qp, &cmd, &d, sizeof(d), cpl);
}

UT_UNUSED static uint16_t
ut_prop_set(struct iop_nvme_pg *pg, struct iop_nvme_qpair *qp, uint32_t ofst, uint64_t v)
{
	struct iop_nvme_cmd cmd;

	iop_nvme_host_build_prop_set(&cmd, ofst, ofst == IOP_NVME_REG_CAP ? 8 : 4, v);
	return ut_cmd(pg, qp, &cmd, NULL, 0, NULL);
}

UT_UNUSED static uint64_t
ut_prop_get(struct iop_nvme_pg *pg, struct iop_nvme_qpair *qp, uint32_t ofst, unsigned int size,
	    uint16_t *st)
{
	struct iop_nvme_cmd cmd;
	struct iop_nvme_cpl cpl;

	iop_nvme_host_build_prop_get(&cmd, ofst, size);
	*st = ut_cmd(pg, qp, &cmd, NULL, 0, &cpl);
	return cpl.cdw0 | (uint64_t)cpl.cdw1 << 32;
}

#define UT_CC_ENABLE (IOP_NVME_CC_EN | (6u << IOP_NVME_CC_IOSQES_SHIFT) | \
		      (4u << IOP_NVME_CC_IOCQES_SHIFT))

/* A target with one subsystem (any host) holding one 1 MiB namespace of 512-byte blocks. */
struct ut_env {
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_subsys *ss;
	struct iop_backend *be;
	struct iop_nvme_pg *pg;
	struct ut_qp admin;
	struct ut_qp io;
	uint16_t cntlid;
};

UT_UNUSED static void
ut_env_init(struct ut_env *e, uint32_t kato)
{
	struct iop_nvme_cpl cpl;

	memset(e, 0, sizeof(*e));
	ut_ram_inline = 0;
	ut_ram_busy = 0;
	CU_ASSERT_EQUAL_FATAL(iop_nvme_tgt_create(NULL, &e->tgt), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_subsys_create(e->tgt, UT_NQN, "SN1", "MODEL1", &e->ss), 0);
	iop_nvme_subsys_allow_any_host(e->ss, true);
	e->be = ut_ram_new(1 << 20, 512);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_subsys_add_ns(e->ss, e->be, 0, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_pg_create(e->tgt, 0, &e->pg), 0);
	CU_ASSERT_EQUAL_FATAL(iop_nvme_qpair_create(e->pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &e->admin,
						    &e->admin.qp), 0);
	CU_ASSERT_EQUAL_FATAL(ut_connect(e->pg, e->admin.qp, 0, 31, 0xffff, UT_NQN, UT_HOST, kato,
					 &cpl), 0);
	e->cntlid = (uint16_t)cpl.cdw0;
	CU_ASSERT_EQUAL(ut_prop_set(e->pg, e->admin.qp, IOP_NVME_REG_CC, UT_CC_ENABLE), 0);
}

UT_UNUSED static void
ut_env_io(struct ut_env *e, uint16_t qid)
{
	CU_ASSERT_EQUAL_FATAL(iop_nvme_qpair_create(e->pg, IOP_NVMF_TRTYPE_TCP, &ut_qp_ops, &e->io,
						    &e->io.qp), 0);
	CU_ASSERT_EQUAL_FATAL(ut_connect(e->pg, e->io.qp, qid, 127, e->cntlid, UT_NQN, UT_HOST, 0,
					 NULL), 0);
}

UT_UNUSED static void
ut_env_fini(struct ut_env *e)
{
	if (e->io.qp) {
		iop_nvme_qpair_stop(e->io.qp);
		iop_nvme_qpair_destroy(e->io.qp);
	}
	if (e->admin.qp) {
		iop_nvme_qpair_stop(e->admin.qp);
		iop_nvme_qpair_destroy(e->admin.qp);
	}
	iop_nvme_pg_destroy(e->pg);
	iop_nvme_tgt_destroy(e->tgt);
	ut_ram_close(e->be);
}

#endif
