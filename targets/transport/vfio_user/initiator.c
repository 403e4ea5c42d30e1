/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user initiator: the NVMe PCIe driver (admin/I/O queues in the arena, doorbells, completions). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/nvme.h"
#include "iopath/nvme_host.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "initiator_internal.h"

/* ---- registers ---- */

static int
ini_reg_read(void *ctx, uint32_t off, unsigned int size, uint64_t *val)
{
	struct vfu_ini *v = ctx;

	*val = 0;
	return vfu_client_region_read(&v->cl, VFIO_PCI_BAR0_REGION_INDEX, off, val, size);
}

static int
ini_reg_write(void *ctx, uint32_t off, unsigned int size, uint64_t val)
{
	struct vfu_ini *v = ctx;

	return vfu_client_region_write(&v->cl, VFIO_PCI_BAR0_REGION_INDEX, off, &val, size);
}

static volatile uint32_t *
ini_db(struct vfu_ini *v, uint16_t qid, bool cq)
{
	return v->db + ((2u * qid + (cq ? 1u : 0u)) << v->dstrd);
}

static void
ini_kick(struct vfu_ini *v)
{
	uint64_t one = 1;

	if (v->kick_fd >= 0 && write(v->kick_fd, &one, sizeof(one)) < 0) {
		IOP_ERR_RATELIMIT("vfio-user: doorbell kick failed: %s", strerror(errno));
	}
}

/* ---- PRPs ---- */

/* Fill PRP1/PRP2 for [iova, iova+len) using list page `list` (iova list_iova) when needed. */
static int
ini_build_prps(struct iop_nvme_cmd *cmd, uint64_t iova, uint64_t len, uint64_t *list,
	       uint64_t list_iova, bool *used_list)
{
	uint64_t first = PG - (iova & (PG - 1));
	uint64_t rest, n;

	*used_list = false;
	cmd->dptr.prp.prp1 = iova;
	cmd->dptr.prp.prp2 = 0;
	if (len <= first) {
		return 0;
	}
	rest = len - first;
	if (rest <= PG) {
		cmd->dptr.prp.prp2 = iova + first;
		return 0;
	}
	n = (rest + PG - 1) / PG;
	if (n > PG / 8 || !list) {
		return -EINVAL;
	}
	for (uint64_t i = 0; i < n; i++) {
		list[i] = iova + first + i * PG;
	}
	cmd->dptr.prp.prp2 = list_iova;
	*used_list = true;
	return 0;
}

/* ---- queues ---- */

static int
ini_queue_mem(struct vfu_ini *v, struct vfu_iq *q, uint16_t qid, uint32_t qsize, unsigned int slots)
{
	memset(q, 0, sizeof(*q));
	q->ini = v;
	q->base.ini = &v->base;
	q->qid = qid;
	q->qsize = qsize;
	q->phase = 1;
	q->efd = v->intx ? v->vec_fd[0] : qid < v->nvec ? v->vec_fd[qid] : -1;
	q->sq = vfu_hostmem_alloc(&v->mem, (size_t)qsize * sizeof(*q->sq));
	q->cq = vfu_hostmem_alloc(&v->mem, (size_t)qsize * sizeof(*q->cq));
	if (!q->sq || !q->cq) {
		return -ENOMEM;
	}
	q->sq_db = ini_db(v, qid, false);
	q->cq_db = ini_db(v, qid, true);
	if (slots) {
		q->prp = vfu_hostmem_alloc(&v->mem, (size_t)slots * PG);
		q->prp_free = calloc(slots, sizeof(*q->prp_free));
		if (!q->prp || !q->prp_free) {
			return -ENOMEM;
		}
		for (unsigned int i = 0; i < slots; i++) {
			q->prp_free[q->prp_nfree++] = (uint16_t)i;
		}
	}
	return 0;
}

static void
ini_queue_mem_free(struct vfu_ini *v, struct vfu_iq *q, unsigned int slots)
{
	vfu_hostmem_free(&v->mem, q->sq, (size_t)q->qsize * sizeof(*q->sq));
	vfu_hostmem_free(&v->mem, q->cq, (size_t)q->qsize * sizeof(*q->cq));
	vfu_hostmem_free(&v->mem, q->prp, (size_t)slots * PG);
	free(q->prp_free);
	q->sq = NULL;
	q->cq = NULL;
	q->prp = NULL;
	q->prp_free = NULL;
}

static void
ini_sq_ring(struct vfu_iq *q)
{
	q->db_pending = false;
	__atomic_store_n(q->sq_db, q->sq_tail, __ATOMIC_RELEASE);
	if (q->ini->interrupt) {
		ini_kick(q->ini);
	}
}

/*
 * Write an SQE. The tail doorbell is rung at once when ring is true (admin), otherwise by the
 * next poll(): a burst of submissions then costs one doorbell store (one cache line handed to
 * the server's core) and, in interrupt mode, one eventfd write.
 */
static void
ini_sq_push(struct vfu_iq *q, const struct iop_nvme_cmd *cmd, bool ring)
{
	memcpy(&q->sq[q->sq_tail], cmd, sizeof(*cmd));
	if (++q->sq_tail == q->qsize) {
		q->sq_tail = 0;
	}
	if (ring) {
		ini_sq_ring(q);
	} else {
		q->db_pending = true;
	}
}

/* Next CQE if its phase says it is new; advances the head (doorbell written by the caller). */
static bool
ini_cq_pop(struct vfu_iq *q, struct iop_nvme_cpl *out)
{
	struct iop_nvme_cpl *e = &q->cq[q->cq_head];
	uint16_t st = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);

	if ((st & 1) != q->phase) {
		return false;
	}
	memcpy(out, e, sizeof(*out));
	out->status = st;
	if (++q->cq_head == q->qsize) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	return true;
}

/* ---- admin ---- */

/* Completions come through shared memory, so a server that died is only seen on the socket:
 * \return true when it hung up (checked without reading, other queues share the socket). */
static bool
ini_server_gone(struct vfu_ini *v)
{
	struct pollfd pf = {.fd = v->cl.sock, .events = POLLRDHUP};

	return poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL));
}

static int
ini_admin(void *ctx, struct iop_nvme_cmd *cmd, void *data, uint32_t len, struct iop_nvme_cpl *cpl)
{
	struct vfu_ini *v = ctx;
	struct vfu_iq *q = &v->admin;
	uint64_t t0, buf_iova = vfu_hostmem_iova(&v->mem, v->admin_buf, INI_ADMIN_BUF);
	uint64_t *list = (uint64_t *)((uint8_t *)v->admin_buf + INI_ADMIN_BUF - PG);
	bool used;
	int rc = 0;
	unsigned int spins = 0;

	if (len > INI_ADMIN_BUF - PG) {
		return -EINVAL;
	}
	if (v->cl.sock < 0) {
		return -ENOTCONN; /* a reconnect gave up: nobody would answer */
	}
	pthread_mutex_lock(&v->admin_lock);
	if (len) {
		if ((cmd->opc & 3) == IOP_NVME_XFER_H2C) {
			memcpy(v->admin_buf, data, len);
		}
		ini_build_prps(cmd, buf_iova, len, list, buf_iova + INI_ADMIN_BUF - PG, &used);
	}
	ini_sq_push(q, cmd, true);
	t0 = iop_now_ns();
	for (;;) {
		if (ini_cq_pop(q, cpl)) {
			__atomic_store_n(q->cq_db, q->cq_head, __ATOMIC_RELEASE);
			if (cpl->cid != cmd->cid) {
				IOP_ERR("vfio-user: admin CQE cid %u, expected %u", cpl->cid, cmd->cid);
				rc = -EPROTO;
				break;
			}
			cpl->status >>= 1;
			if (len && (cmd->opc & 3) == IOP_NVME_XFER_C2H && cpl->status == 0) {
				memcpy(data, v->admin_buf, len);
			}
			break;
		}
		if (v->msg_dma && vfu_client_service(&v->cl) < 0) {
			rc = -EPROTO;
			break;
		}
		if (!(++spins & 1023) && ini_server_gone(v)) {
			IOP_ERR("vfio-user: admin command 0x%02x: the server is gone", cmd->opc);
			rc = -ECONNRESET;
			break;
		}
		if (iop_now_ns() - t0 > INI_TIMEOUT_NS) {
			IOP_ERR("vfio-user: admin command 0x%02x timed out", cmd->opc);
			rc = -ETIMEDOUT;
			break;
		}
		usleep(2);
	}
	pthread_mutex_unlock(&v->admin_lock);
	return rc;
}

static uint16_t g_ini_admin_cid;

static int
ini_admin_simple(struct vfu_ini *v, struct iop_nvme_cmd *cmd)
{
	struct iop_nvme_cpl cpl;
	int rc;

	cmd->cid = __atomic_fetch_add(&g_ini_admin_cid, 1, __ATOMIC_RELAXED) | 0x8000;
	rc = ini_admin(v, cmd, NULL, 0, &cpl);
	if (rc) {
		return rc;
	}
	if (cpl.status) {
		IOP_ERR("vfio-user: admin %s failed: %s", iop_nvme_opc_str(cmd->opc, true),
			iop_nvme_status_str(cpl.status));
		return iop_nvme_status_to_errno(cpl.status);
	}
	return 0;
}

static int
ini_setup_admin(void *ctx, uint16_t qsize)
{
	struct vfu_ini *v = ctx;
	struct vfu_iq *q = &v->admin;
	uint32_t aqa;
	int rc;

	if (q->sq) {
		ini_queue_mem_free(v, q, 0);
	}
	rc = ini_queue_mem(v, q, 0, qsize, 0);
	if (rc) {
		return rc;
	}
	aqa = (uint32_t)(qsize - 1) | ((uint32_t)(qsize - 1) << 16);
	rc = ini_reg_write(v, IOP_NVME_REG_AQA, 4, aqa);
	rc = rc ? rc : ini_reg_write(v, IOP_NVME_REG_ASQ, 8,
				     vfu_hostmem_iova(&v->mem, q->sq, (size_t)qsize * 64));
	rc = rc ? rc : ini_reg_write(v, IOP_NVME_REG_ACQ, 8,
				     vfu_hostmem_iova(&v->mem, q->cq, (size_t)qsize * 16));
	return rc;
}

static const struct iop_nvme_host_ops ini_host_ops = {
	.admin = ini_admin,
	.reg_read = ini_reg_read,
	.reg_write = ini_reg_write,
	.setup_admin_queue = ini_setup_admin,
};


static void ini_close(struct iop_initiator *ini);
static const struct iop_initiator_ops vfio_user_initiator_ops;

/* Device set-up on a connected socket: VERSION .. SET_IRQS, then the NVMe bring-up. Used at
 * open and again by a reconnect (same memfd arena, same admin buffer). */
static int
ini_setup_dev(struct vfu_ini *v)
{
	struct vfio_user_device_info di = {.argsz = sizeof(di)};
	int rc;

	v->cl.dma_ptr = vfu_ini_dma_ptr;
	v->cl.dma_arg = v;
	rc = vfu_client_version(&v->cl);
	if (rc) {
		goto fail_proto;
	}
	rc = vfu_client_call(&v->cl, VFIO_USER_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, NULL, 0);
	if (rc) {
		goto fail_proto;
	}
	memcpy(&di, v->cl.msg.payload, IOP_MIN(v->cl.msg.len, sizeof(di)));
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) || di.num_regions < VFIO_PCI_NUM_REGIONS) {
		IOP_ERR("vfio-user: not a PCI device (flags 0x%x, %u regions)", di.flags,
			di.num_regions);
		return -EPROTO;
	}
	rc = vfu_ini_map_bar0(v);
	if (rc) {
		goto fail_proto;
	}
	if (di.flags & VFIO_DEVICE_FLAGS_RESET) {
		rc = vfu_client_call(&v->cl, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0);
		if (rc) {
			goto fail_proto;
		}
	}
	rc = vfu_ini_dma_map(v);
	if (rc) {
		goto fail_proto;
	}
	rc = vfu_ini_pci_setup(v);
	if (rc) {
		goto fail_proto;
	}
	if (v->interrupt) {
		rc = vfu_ini_irqs(v);
		if (rc) {
			goto fail_proto;
		}
		vfu_ini_io_fds(v);
	}
	if (!v->admin_buf) {
		v->admin_buf = vfu_hostmem_alloc(&v->mem, INI_ADMIN_BUF);
		if (!v->admin_buf) {
			return -ENOMEM;
		}
	}
	rc = iop_nvme_host_bringup(&ini_host_ops, v, &v->hp, &v->nc);
	if (rc) {
		IOP_ERR("vfio-user: NVMe bring-up failed: %s", strerror(-rc));
		return rc;
	}
	v->dstrd = IOP_NVME_CAP_DSTRD(v->nc.cap);
	if (v->dstrd) {
		IOP_ERR("vfio-user: doorbell stride %u not supported", v->dstrd);
		return -ENOTSUP;
	}
	return 0;
fail_proto:
	IOP_ERR("vfio-user: device setup failed: %s", strerror(-rc));
	return rc;
}

static int
ini_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	struct vfu_ini *v;
	struct iop_uri u;
	uint64_t memsz = INI_MEM_DEFAULT, reconnect_ns = 0;
	bool msg_dma = false, intx = false;
	char err[256];
	int rc;

	rc = iop_uri_parse(cfg->uri, &u, err, sizeof(err));
	if (rc || u.path[0] != '/') {
		IOP_ERR("vfio-user: bad URI '%s' (expected vfio-user:///path/to/socket)", cfg->uri);
		return -EINVAL;
	}
	if (vfu_ini_parse_opts(cfg->opts, &memsz, &msg_dma, &intx, &reconnect_ns)) {
		IOP_ERR("vfio-user: bad options '%s' (supported: mem=SIZE (>= 4M, 4K multiple), "
			"dma=fd|msg, irq=msix|intx, reconnect=TIME)", cfg->opts);
		return -EINVAL;
	}
	if (reconnect_ns && (msg_dma || cfg->interrupt)) {
		IOP_ERR("vfio-user: reconnect=TIME is supported in polling mode with dma=fd only");
		return -EINVAL;
	}
	if (strlen(u.path) >= sizeof(((struct vfu_ini *)0)->path)) {
		return -ENAMETOOLONG;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		return -ENOMEM;
	}
	v->base.ops = &vfio_user_initiator_ops;
	v->interrupt = cfg->interrupt;
	v->kick_fd = -1;
	v->cl.sock = -1;
	v->mem.fd = -1;
	v->dmem.fd = -1;
	v->msg_dma = msg_dma;
	v->intx = intx;
	v->reconnect_ns = reconnect_ns;
	strcpy(v->path, u.path);
	for (unsigned int i = 0; i < VFU_MAX_VECTORS; i++) {
		v->vec_fd[i] = -1;
	}
	pthread_mutex_init(&v->admin_lock, NULL);
	pthread_mutex_init(&v->recon_lock, NULL);
	if (cfg->trace_path) {
		rc = vfu_trace_open(&v->trace, cfg->trace_path, false);
		if (rc) {
			IOP_ERR("vfio-user: cannot open trace %s: %s", cfg->trace_path, strerror(-rc));
			goto fail;
		}
		v->tracing = true;
	}
	rc = vfu_hostmem_init(&v->mem, memsz, INI_IOVA_BASE);
	if (!rc && msg_dma) {
		rc = vfu_hostmem_init(&v->dmem, memsz, INI_IOVA_DATA);
	}
	if (rc) {
		goto fail;
	}
	rc = vfu_client_connect(&v->cl, u.path, v->tracing ? &v->trace : NULL);
	if (rc) {
		IOP_ERR("vfio-user: cannot connect to %s: %s", u.path, strerror(-rc));
		goto fail;
	}
	v->hp.admin_qsize = INI_ADMIN_QSIZE;
	v->hp.nr_io_queues = (uint16_t)IOP_MAX(cfg->nr_queues, 1u);
	v->hp.nsid = cfg->nsid;
	rc = ini_setup_dev(v);
	if (rc) {
		goto fail;
	}
	v->base.size = v->nc.nsze << v->nc.lba_shift;
	v->base.block_size = 1u << v->nc.lba_shift;
	v->base.max_io = v->nc.max_xfer ? IOP_MIN(v->nc.max_xfer, INI_MAX_IO) : INI_MAX_IO;
	snprintf(v->base.desc, sizeof(v->base.desc), "vfio-user %.80s nsid %u (%s)", u.path,
		 v->nc.nsid, v->interrupt ? "interrupt" : "polling");
	*out = &v->base;
	return 0;
fail:
	ini_close(&v->base);
	return rc;
}

static void
ini_close(struct iop_initiator *ini)
{
	struct vfu_ini *v = (struct vfu_ini *)ini;

	if (v->cl.sock >= 0 && v->admin.sq && v->nc.cc) {
		/* normal shutdown, then disable so the queues are gone before the memory */
		iop_nvme_host_shutdown(&ini_host_ops, v, &v->nc);
		ini_reg_write(v, IOP_NVME_REG_CC, 4, 0);
	}
	if (v->cl.sock >= 0 && v->mem.base) {
		struct vfio_user_dma_unmap um = {.argsz = sizeof(um), .addr = v->mem.iova,
						 .size = v->mem.size};

		vfu_client_call(&v->cl, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, NULL, 0);
		if (v->msg_dma && v->dmem.base) {
			um.addr = v->dmem.iova;
			um.size = v->dmem.size;
			vfu_client_call(&v->cl, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, NULL,
					0);
		}
	}
	if (v->cl.sock >= 0 || v->cl.msg.buf) {
		vfu_client_close(&v->cl);
	}
	if (v->bar0_map) {
		munmap(v->bar0_map, v->bar0_map_len);
	}
	for (unsigned int i = 0; i < v->nold_map; i++) {
		munmap(v->old_map[i], v->old_map_len[i]);
	}
	for (unsigned int i = 0; i < VFU_MAX_VECTORS; i++) {
		if (v->vec_fd[i] >= 0) {
			close(v->vec_fd[i]);
		}
	}
	if (v->kick_fd >= 0) {
		close(v->kick_fd);
	}
	vfu_hostmem_fini(&v->mem);
	if (v->dmem.base) {
		vfu_hostmem_fini(&v->dmem);
	}
	if (v->tracing) {
		vfu_trace_close(&v->trace);
	}
	pthread_mutex_destroy(&v->admin_lock);
	pthread_mutex_destroy(&v->recon_lock);
	free(v);
}

/* Create I/O CQ + SQ of q on the controller. */
static int
ini_create_qpair(struct vfu_ini *v, struct vfu_iq *q)
{
	struct iop_nvme_cmd cmd;
	uint16_t qid = q->qid;
	uint32_t qsize = q->qsize;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_CREATE_IO_CQ;
	cmd.dptr.prp.prp1 = vfu_hostmem_iova(&v->mem, q->cq, (size_t)qsize * 16);
	cmd.cdw10 = qid | (qsize - 1) << 16;
	cmd.cdw11 = 1u | (v->interrupt && q->efd >= 0 ?
				  2u | (v->intx ? 0u : (uint32_t)qid << 16) : 0u);
	rc = ini_admin_simple(v, &cmd);
	if (rc) {
		return rc;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_CREATE_IO_SQ;
	cmd.dptr.prp.prp1 = vfu_hostmem_iova(&v->mem, q->sq, (size_t)qsize * 64);
	cmd.cdw10 = qid | (qsize - 1) << 16;
	cmd.cdw11 = 1u | (uint32_t)qid << 16;
	rc = ini_admin_simple(v, &cmd);
	if (rc) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.opc = IOP_NVME_OPC_DELETE_IO_CQ;
		cmd.cdw10 = qid;
		ini_admin_simple(v, &cmd);
		return rc;
	}
	return 0;
}

/* ---- reconnect ---- */

/* Reconnect to the socket path until the deadline and bring the device up again (called with
 * recon_lock held by the first queue that saw the loss). \return 0 or the last error. */
static int
ini_reconnect_dev(struct vfu_ini *v, uint64_t deadline)
{
	uint64_t size = v->base.size;
	int rc = -ECONNRESET;

	while (iop_now_ns() < deadline) {
		if (v->cl.sock >= 0 || v->cl.msg.buf) {
			vfu_client_close(&v->cl);
		}
		if (v->bar0_map) {
			/* other queues may still store to their old doorbells until they notice */
			if (v->nold_map < IOP_ARRAY_SIZE(v->old_map)) {
				v->old_map[v->nold_map] = v->bar0_map;
				v->old_map_len[v->nold_map++] = v->bar0_map_len;
			}
			v->bar0_map = NULL;
		}
		rc = vfu_client_connect(&v->cl, v->path, v->tracing ? &v->trace : NULL);
		if (rc == 0) {
			rc = ini_setup_dev(v);
			if (rc == 0 && (v->nc.nsze << v->nc.lba_shift != size ||
					v->nc.nr_io_queues < v->hp.nr_io_queues)) {
				IOP_ERR("vfio-user: reconnect: the controller came back different "
					"(size or queues)");
				return -EPROTO;
			}
			if (rc == 0) {
				__atomic_add_fetch(&v->gen, 1, __ATOMIC_RELEASE);
				IOP_WARN("vfio-user: reconnect: controller at %s up again", v->path);
				return 0;
			}
		}
		usleep(100000);
	}
	return rc;
}

static void
ini_collect_io(void *ctx, bool is_io, void *arg)
{
	struct iop_io ***pp = arg;

	if (is_io && ctx) {
		*(*pp)++ = ctx;
	}
}

static int ini_submit(struct iop_queue *iq, struct iop_io *io);
static void ini_fail_io(void *ctx, bool is_io, void *arg);

/* Re-create q on the (new) controller and resubmit every I/O it had in flight. */
static int
ini_queue_revive(struct vfu_iq *q)
{
	struct vfu_ini *v = q->ini;
	struct iop_io **ios, **end;
	unsigned int n;
	int rc;

	ios = calloc(q->qsize, sizeof(*ios));
	if (!ios) {
		return -ENOMEM;
	}
	end = ios;
	iop_nvme_hq_drain(&q->hq, ini_collect_io, &end);
	n = (unsigned int)(end - ios);
	for (unsigned int i = 0; i < n; i++) {
		if (ios[i]->priv[0]) {
			q->prp_free[q->prp_nfree++] = (uint16_t)(ios[i]->priv[0] - 1);
			ios[i]->priv[0] = 0;
		}
	}
	memset(q->sq, 0, (size_t)q->qsize * sizeof(*q->sq));
	memset(q->cq, 0, (size_t)q->qsize * sizeof(*q->cq));
	q->sq_tail = 0;
	q->cq_head = 0;
	q->phase = 1;
	q->sq_db = ini_db(v, q->qid, false);
	q->cq_db = ini_db(v, q->qid, true);
	q->db_pending = false;
	q->broken = false;
	q->idle_polls = 0;
	rc = ini_create_qpair(v, q);
	if (rc == 0) {
		q->gen = v->gen;
		for (unsigned int i = 0; i < n; i++) {
			rc = ini_submit(&q->base, ios[i]);
			if (rc) {
				ios[i]->status = rc;
				ios[i]->cb(ios[i]);
			}
		}
		rc = 0;
		if (q->db_pending) {
			ini_sq_ring(q);
		}
		IOP_WARN("vfio-user: queue %u: reconnected, resubmitted %u I/Os", q->qid, n);
	} else {
		for (unsigned int i = 0; i < n; i++) {
			ios[i]->status = -ECONNRESET;
			ios[i]->cb(ios[i]);
		}
	}
	free(ios);
	return rc;
}

/* The server is gone (or another queue already reconnected): reconnect if nobody did yet,
 * then bring q back. \return 0, or the error that ends the queue. */
static int
ini_recover(struct vfu_iq *q)
{
	struct vfu_ini *v = q->ini;
	int rc;

	pthread_mutex_lock(&v->recon_lock);
	if (!v->recon_err && q->gen == __atomic_load_n(&v->gen, __ATOMIC_ACQUIRE)) {
		IOP_WARN("vfio-user: queue %u: server lost with %u commands outstanding: "
			 "reconnecting for up to %llu ms", q->qid, q->hq.outstanding,
			 (unsigned long long)(v->reconnect_ns / 1000000));
		rc = ini_reconnect_dev(v, iop_now_ns() + v->reconnect_ns);
		if (rc) {
			IOP_ERR("vfio-user: could not reconnect within %llu ms: %s",
				(unsigned long long)(v->reconnect_ns / 1000000), strerror(-rc));
			v->recon_err = rc;
		}
	}
	rc = v->recon_err ? v->recon_err : ini_queue_revive(q);
	pthread_mutex_unlock(&v->recon_lock);
	if (rc) {
		q->broken = true;
		iop_nvme_hq_drain(&q->hq, ini_fail_io, NULL);
	}
	return rc;
}

/* ---- I/O queues ---- */

static void ini_intx_unmask(struct vfu_ini *v);

static int
ini_queue_open(struct iop_initiator *ini, unsigned int idx, unsigned int depth,
	       struct iop_queue **out)
{
	struct vfu_ini *v = (struct vfu_ini *)ini;
	struct vfu_iq *q;
	uint16_t qid = (uint16_t)(idx + 1);
	uint32_t qsize;
	int rc;

	if (idx >= v->nc.nr_io_queues || qid >= VFU_MAX_VECTORS || v->queues[qid]) {
		return -ENOSPC;
	}
	if (!depth) {
		depth = 1;
	}
	qsize = IOP_MIN(depth + 1, v->nc.mqes);
	if (qsize < 2) {
		return -EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		return -ENOMEM;
	}
	rc = ini_queue_mem(v, q, qid, qsize, qsize - 1);
	if (rc) {
		goto fail_mem;
	}
	rc = iop_nvme_hq_init(&q->hq, qid, (uint16_t)(qsize - 1));
	if (rc) {
		goto fail_mem;
	}
	rc = ini_create_qpair(v, q);
	if (rc) {
		goto fail_hq;
	}
	q->gen = v->gen;
	v->queues[qid] = q;
	if (v->intx) {
		/* the admin completions above fired (and automasked) INTx: re-arm it */
		uint64_t val;

		if (read(q->efd, &val, sizeof(val)) < 0) {
			/* nothing pending */
		}
		ini_intx_unmask(v);
	}
	*out = &q->base;
	return 0;
fail_hq:
	iop_nvme_hq_fini(&q->hq);
fail_mem:
	ini_queue_mem_free(v, q, qsize - 1);
	free(q);
	return rc;
}

static void
ini_fail_io(void *ctx, bool is_io, void *arg)
{
	struct iop_io *io = ctx;

	if (is_io && io) {
		io->status = -ECONNRESET;
		io->cb(io);
	}
}

static void
ini_queue_close(struct iop_queue *iq)
{
	struct vfu_iq *q = (struct vfu_iq *)iq;
	struct vfu_ini *v = q->ini;
	struct iop_nvme_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_DELETE_IO_SQ;
	cmd.cdw10 = q->qid;
	ini_admin_simple(v, &cmd);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = IOP_NVME_OPC_DELETE_IO_CQ;
	cmd.cdw10 = q->qid;
	ini_admin_simple(v, &cmd);
	iop_nvme_hq_drain(&q->hq, ini_fail_io, NULL);
	iop_nvme_hq_fini(&q->hq);
	v->queues[q->qid] = NULL;
	ini_queue_mem_free(v, q, q->qsize - 1);
	free(q);
}

static void *
ini_buf_alloc(struct iop_queue *iq, size_t len)
{
	struct vfu_iq *q = (struct vfu_iq *)iq;

	return vfu_hostmem_alloc(q->ini->msg_dma ? &q->ini->dmem : &q->ini->mem, len);
}

static void
ini_buf_free(struct iop_queue *iq, void *buf, size_t len)
{
	struct vfu_iq *q = (struct vfu_iq *)iq;

	vfu_hostmem_free(q->ini->msg_dma ? &q->ini->dmem : &q->ini->mem, buf, len);
}

static int
ini_submit(struct iop_queue *iq, struct iop_io *io)
{
	struct vfu_iq *q = (struct vfu_iq *)iq;
	struct vfu_ini *v = q->ini;
	struct iop_nvme_cmd cmd;
	uint64_t iova = 0;
	int cid;

	if (iop_unlikely(q->broken)) {
		return -ECONNRESET;
	}
	if (io->op == IOP_OP_READ || io->op == IOP_OP_WRITE) {
		if (io->iovcnt != 1 || io->iov[0].iov_len != io->len) {
			return -EINVAL; /* one contiguous buffer per I/O */
		}
		iova = vfu_hostmem_iova(&v->mem, io->iov[0].iov_base, io->len);
		if (!iova && v->msg_dma) {
			iova = vfu_hostmem_iova(&v->dmem, io->iov[0].iov_base, io->len);
		}
		if (!iova) {
			IOP_ERR_RATELIMIT("vfio-user: I/O buffer not in shared memory (use buf_alloc)");
			return -EFAULT;
		}
		if (io->len > v->base.max_io) {
			return -EINVAL;
		}
	} else if (io->op == IOP_OP_DISCARD) {
		return -EOPNOTSUPP;
	}
	if (iop_unlikely(!q->prp_nfree)) {
		return -EAGAIN;
	}
	memset(&cmd, 0, sizeof(cmd));
	cid = iop_nvme_hq_build_io(&q->hq, io, v->nc.nsid, v->nc.lba_shift, &cmd);
	if (cid < 0) {
		return cid;
	}
	io->priv[0] = 0;
	if (iova) {
		uint16_t pg = q->prp_free[q->prp_nfree - 1];
		uint8_t *list = q->prp + (size_t)pg * PG;
		bool used;

		ini_build_prps(&cmd, iova, io->len, (uint64_t *)list,
			       vfu_hostmem_iova(&v->mem, list, PG), &used);
		if (used) {
			q->prp_nfree--;
			io->priv[0] = (uint64_t)pg + 1;
		}
	}
	ini_sq_push(q, &cmd, false);
	return 0;
}

static int
ini_reap(struct vfu_iq *q, unsigned int max)
{
	struct iop_nvme_cpl cpl;
	unsigned int n = 0;

	while (n < max && ini_cq_pop(q, &cpl)) {
		struct iop_io *io;
		uint16_t status;

		cpl.status >>= 1;
		io = iop_nvme_hq_complete(&q->hq, &cpl, &status);
		if (!io) {
			IOP_ERR("vfio-user: CQE for unknown cid %u on qid %u", cpl.cid, q->qid);
			q->broken = true;
			__atomic_store_n(q->cq_db, q->cq_head, __ATOMIC_RELEASE);
			return -EPROTO;
		}
		if (io->priv[0]) {
			q->prp_free[q->prp_nfree++] = (uint16_t)(io->priv[0] - 1);
		}
		io->cb(io);
		n++;
	}
	if (n) {
		__atomic_store_n(q->cq_db, q->cq_head, __ATOMIC_RELEASE);
	}
	return (int)n;
}

/* INTx automasks when it fires: unmask it (another queue's thread may do it first). */
static void
ini_intx_unmask(struct vfu_ini *v)
{
	struct vfio_user_irq_set set = {.argsz = sizeof(set),
					.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
					.index = VFIO_PCI_INTX_IRQ_INDEX, .count = 1};
	int rc;

	pthread_mutex_lock(&v->cl.lock);
	rc = vfu_client_call(&v->cl, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0, NULL,
			     0);
	pthread_mutex_unlock(&v->cl.lock);
	if (rc) {
		IOP_ERR_RATELIMIT("vfio-user: INTx unmask failed: %s", strerror(-rc));
	}
}

static int
ini_poll(struct iop_queue *iq, unsigned int max, unsigned int timeout_us)
{
	struct vfu_iq *q = (struct vfu_iq *)iq;
	struct pollfd pf[2];
	uint64_t val;
	int n;

	if (iop_unlikely(q->ini->reconnect_ns && !q->broken &&
			 q->gen != __atomic_load_n(&q->ini->gen, __ATOMIC_ACQUIRE))) {
		n = ini_recover(q); /* another queue reconnected: follow */
		if (n) {
			return n;
		}
	}
	if (q->db_pending) {
		ini_sq_ring(q);
	}
	if (q->ini->msg_dma) {
		n = vfu_client_service(&q->ini->cl);
		if (n < 0) {
			q->broken = true;
			return n;
		}
	}
	n = ini_reap(q, max);
	if (n) {
		q->idle_polls = 0;
	} else if (q->hq.outstanding && !(++q->idle_polls & 1023) && ini_server_gone(q->ini)) {
		if (q->ini->reconnect_ns) {
			return ini_recover(q);
		}
		IOP_ERR("vfio-user: queue %u: server closed the connection with %u commands "
			"outstanding", q->qid, q->hq.outstanding);
		q->broken = true;
		return -ECONNRESET;
	}
	if (n || !timeout_us || !q->ini->interrupt || q->efd < 0) {
		return n;
	}
	pf[0] = (struct pollfd){.fd = q->efd, .events = POLLIN};
	/* dma=msg: the server may be waiting for us to answer a DMA_READ/DMA_WRITE */
	pf[1] = (struct pollfd){.fd = q->ini->cl.sock, .events = POLLIN};
	if (poll(pf, q->ini->msg_dma ? 2 : 1, (int)((timeout_us + 999) / 1000)) > 0) {
		if ((pf[0].revents & POLLIN) && read(q->efd, &val, sizeof(val)) == sizeof(val) &&
		    q->ini->intx) {
			ini_intx_unmask(q->ini);
		}
		if (q->ini->msg_dma && (pf[1].revents & POLLIN) &&
		    vfu_client_service(&q->ini->cl) < 0) {
			q->broken = true;
			return -EPROTO;
		}
	}
	return ini_reap(q, max);
}

static const struct iop_initiator_ops vfio_user_initiator_ops = {
	.scheme = "vfio-user",
	.help = "vfio-user client driving an NVMe PCIe controller (vfio-user:///path/to/sock); "
		"opts: mem=SIZE shared memory arena (default 256M), dma=msg: I/O buffers mapped "
		"without an fd (server uses DMA_READ/DMA_WRITE), irq=intx: legacy INTx instead of MSI-X, "
		"reconnect=TIME: on server loss reconnect, bring the controller up again and "
		"resubmit (polling, dma=fd)",
	.open = ini_open,
	.close = ini_close,
	.queue_open = ini_queue_open,
	.queue_close = ini_queue_close,
	.buf_alloc = ini_buf_alloc,
	.buf_free = ini_buf_free,
	.submit = ini_submit,
	.poll = ini_poll,
};
IOP_INITIATOR_REGISTER(vfio_user_initiator_ops)
