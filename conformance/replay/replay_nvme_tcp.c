/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP replay: send the host half of a recorded pcap session, compare controller responses. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/nvmf_tcp_client.h"
#include "conformance/replay/replay.h"
#include "conformance/trace/nvme_tcp_pdu.h"
#include "conformance/trace/pcap_tcp.h"
#include "iopath/util.h"

/*
 * What may vary between the recording and the live target (and is therefore not compared):
 * ICResp CPDA/MAXH2CDATA and the digests the controller accepts, the controller ID (Connect DW0,
 * substituted into later I/O queue Connects), SQHD, DW0/DW1 of admin and property commands
 * (capabilities, identify contents, serial numbers), whether a read completes by C2HData SUCCESS
 * or by CapsuleResp, how writes are split into R2Ts, and how long the controller takes to become
 * ready (a recorded CSTS read showing RDY=1 is repeated until the live controller is ready). Compared: TermReq presence and FES,
 * completion status (SCT/SC), bytes returned by C2HData, and the data of NVM Read commands.
 */

struct rp {
	const struct iop_ntcp_session *s;
	struct iop_replay_report *rep;
	const char *subnqn;
	uint16_t rec_cntlid, live_cntlid;
	bool have_cntlid;
	bool *io_conn;            /* connection i carries an I/O queue (Connect QID > 0) */
	uint64_t *live_cap;       /* CAP read on connection i (0 = not read) */
	struct rp_range {
		uint32_t nsid;
		uint64_t slba, nlb;
	} written[256];           /* LBA ranges this replay wrote: reads inside them are compared */
	unsigned int nwritten;
};

static bool
rp_written(const struct rp *r, uint32_t nsid, uint64_t slba, uint64_t nlb)
{
	for (uint64_t lba = slba; lba < slba + nlb; lba++) {
		bool in = false;

		for (unsigned int i = 0; i < r->nwritten && !in; i++) {
			in = r->written[i].nsid == nsid && lba >= r->written[i].slba &&
			     lba < r->written[i].slba + r->written[i].nlb;
		}
		if (!in) {
			return false;
		}
	}
	return nlb > 0;
}

/* Index of the first c2h PDU of conn after PDU index i that completes cid (or a TermReq). */
static size_t
rp_find_completion(const struct iop_ntcp_session *s, size_t i, int conn, uint16_t cid)
{
	for (size_t j = i + 1; j < s->npdus; j++) {
		const struct iop_ntcp_pdu *p = &s->pdus[j];

		if (p->conn != conn || p->dir != IOP_NTCP_C2H || p->framing_error || p->avail < 24) {
			continue;
		}
		if (p->p[0] == CW_C2H_TERM) {
			return j;
		}
		if (p->p[0] == CW_RESP && cw_le16(p->p + 8 + CQE_CID) == cid) {
			return j;
		}
		if (p->p[0] == CW_C2H_DATA && cw_le16(p->p + 8) == cid && (p->p[1] & CW_F_SUCCESS)) {
			return j;
		}
	}
	return SIZE_MAX;
}

static uint32_t
rp_data(const struct iop_ntcp_pdu *p, const uint8_t **d)
{
	uint32_t dd = (p->p[1] & CW_F_DDGST) ? 4 : 0, pdo = p->p[3];

	*d = NULL;
	if (!pdo || p->avail != p->plen || pdo + dd > p->plen) {
		return 0;
	}
	*d = p->p + pdo;
	return p->plen - pdo - dd;
}

/* Replay one CapsuleCmd (recorded PDU index i). \return false when the connection ended. */
static bool
rp_command(struct rp *r, struct ntcli *c, size_t i)
{
	const struct iop_ntcp_session *s = r->s;
	const struct iop_ntcp_pdu *p = &s->pdus[i];
	uint8_t sqe[64], *icd = NULL, *h2c = NULL, *c2h = NULL, *rec_c2h = NULL;
	uint32_t icd_len, sgl, rec_c2h_bytes = 0, hd = (p->p[1] & CW_F_HDGST) ? 4 : 0;
	const uint8_t *d;
	struct ntcli_cpl cpl;
	char what[96];
	uint16_t cid;
	size_t done;
	int rc;
	bool alive = true;

	memcpy(sqe, p->p + 8, 64);
	cid = cw_le16(sqe + SQE_CID);
	sgl = cw_le32(sqe + 32);
	icd_len = rp_data(p, &d);
	snprintf(what, sizeof(what), "%s CID %u",
		 sqe[0] == NVMF_OPC ? (sqe[4] == FCT_CONNECT ? "Connect" : "Fabrics command")
				    : "command", cid);
	if (icd_len) {
		icd = malloc(icd_len);
		memcpy(icd, d, icd_len);
	}
	if (icd && sqe[0] == NVMF_OPC && sqe[4] == FCT_CONNECT && icd_len >= CONNECT_DATA_LEN) {
		uint16_t qid = cw_le16(sqe + 42);

		if (r->subnqn && *r->subnqn &&
		    strcmp((const char *)icd + CONNECT_DATA_SUBNQN, DISCOVERY_NQN)) {
			memset(icd + CONNECT_DATA_SUBNQN, 0, 256);
			snprintf((char *)icd + CONNECT_DATA_SUBNQN, 256, "%.255s", r->subnqn);
		}
		r->io_conn[p->conn] = qid != 0;
		if (qid && r->have_cntlid && cw_le16(icd + CONNECT_DATA_CNTLID) == r->rec_cntlid) {
			cw_put16(icd + CONNECT_DATA_CNTLID, r->live_cntlid);
		}
	}
	/* Host-to-controller data sent in answer to the recorded R2Ts, laid out by DATAO. */
	if (!icd_len && sgl && (sqe[0] & 3) == 1) {
		h2c = calloc(1, sgl);
		for (size_t j = i + 1; h2c && j < s->npdus; j++) {
			const struct iop_ntcp_pdu *q = &s->pdus[j];
			uint32_t n, datao;

			if (q->conn != p->conn || q->dir != IOP_NTCP_H2C || q->framing_error ||
			    q->avail < 24 || q->p[0] != CW_H2C_DATA || cw_le16(q->p + 8) != cid) {
				continue;
			}
			datao = cw_le32(q->p + 12);
			n = rp_data(q, &d);
			if (d && datao < sgl) {
				memcpy(h2c + datao, d, IOP_MIN(n, sgl - datao));
			}
		}
	}
	done = rp_find_completion(s, i, p->conn, cid);
	if (sgl && (sqe[0] & 3) == 2) {
		c2h = calloc(1, sgl);
		rec_c2h = calloc(1, sgl);
		for (size_t j = i + 1; rec_c2h && j < s->npdus && j <= done; j++) {
			const struct iop_ntcp_pdu *q = &s->pdus[j];
			uint32_t n, datao;

			if (q->conn != p->conn || q->dir != IOP_NTCP_C2H || q->avail < 24 ||
			    q->p[0] != CW_C2H_DATA || cw_le16(q->p + 8) != cid) {
				continue;
			}
			datao = cw_le32(q->p + 12);
			n = rp_data(q, &d);
			rec_c2h_bytes += n;
			if (d && datao < sgl) {
				memcpy(rec_c2h + datao, d, IOP_MIN(n, sgl - datao));
			}
		}
	}
	/*
	 * A host derives CC.CSS from CAP.CSS: the recorded "all I/O command sets" (110b) becomes NVM
	 * (000b) when the live controller does not report I/O command set support (CAP bit 43).
	 */
	if (sqe[0] == NVMF_OPC && sqe[4] == FCT_PROP_SET && cw_le32(sqe + 44) == 0x14 &&
	    r->live_cap[p->conn] && ((cw_le32(sqe + 48) >> 4) & 7) == 6 &&
	    !(r->live_cap[p->conn] & (1ull << 43))) {
		cw_put32(sqe + 48, cw_le32(sqe + 48) & ~(7u << 4));
	}
	if (!r->io_conn[p->conn] && sqe[0] == ADMIN_AER) {
		/* completes when an event occurs (or at reset): sent, never waited for */
		c->force_cid = cid;
		rc = ntcli_cmd_async(c, sqe);
		iop_replay_add(r->rep, p->frame_last, what, rc == 0, "sent (completes asynchronously)",
			       rc ? strerror(-rc) : "sent");
		free(icd);
		return rc == 0;
	}
	c->force_cid = cid;
	if (hd && p->avail >= 72 + hd && iop_conf_crc32c(p->p, 72) != cw_le32(p->p + 72)) {
		c->corrupt_next = 1; /* the recording carried a bad header digest: send one too */
	}
	rc = ntcli_cmd(c, sqe, icd, icd_len, h2c, h2c ? sgl : 0, c2h, c2h ? sgl : 0, &cpl);
	/*
	 * The recorded host polled CSTS until RDY: when the recording shows RDY=1 but the live
	 * controller is not ready yet, poll the same way (timing may vary, the state may not).
	 */
	if (!rc && !cpl.status && sqe[0] == NVMF_OPC && sqe[4] == FCT_PROP_GET &&
	    cw_le32(sqe + 44) == 0x1c && done != SIZE_MAX && s->pdus[done].p[0] == CW_RESP &&
	    (cw_le32(s->pdus[done].p + 8) & 1)) {
		for (int n = 0; !rc && !cpl.status && !(cpl.dw0 & 1) && n < 200; n++) {
			usleep(10000);
			c->force_cid = cid;
			rc = ntcli_cmd(c, sqe, NULL, 0, NULL, 0, NULL, 0, &cpl);
		}
	}
	if (!rc && !cpl.status && sqe[0] == NVMF_OPC && sqe[4] == FCT_PROP_GET &&
	    cw_le32(sqe + 44) == 0) {
		r->live_cap[p->conn] = cpl.dw0 | (uint64_t)cpl.dw1 << 32;
	}
	if (done == SIZE_MAX) {
		iop_replay_add(r->rep, p->frame_last, what, rc == 0 || rc == -ETIMEDOUT,
			       "no recorded completion", rc ? strerror(-rc) : "completed");
	} else if (s->pdus[done].p[0] == CW_C2H_TERM) {
		uint16_t fes = cw_le16(s->pdus[done].p + 8);
		bool term = rc == -EPROTO && c->rx[0] == CW_C2H_TERM;
		char exp[48], act[64];

		snprintf(exp, sizeof(exp), "C2HTermReq FES %02xh", fes);
		if (term) {
			snprintf(act, sizeof(act), "C2HTermReq FES %02xh", cw_le16(c->rx + 8));
		} else {
			snprintf(act, sizeof(act), "%s", rc ? strerror(-rc) : "normal completion");
		}
		iop_replay_add(r->rep, p->frame_last, what, term && cw_le16(c->rx + 8) == fes, exp, act);
		alive = false;
	} else {
		const struct iop_ntcp_pdu *q = &s->pdus[done];
		uint16_t st = q->p[0] == CW_RESP ? (uint16_t)(cw_le16(q->p + 8 + CQE_STATUS) >> 1) : 0;
		char exp[96], act[96];

		if (q->p[0] == CW_RESP && sqe[0] == NVMF_OPC && sqe[4] == FCT_CONNECT && !st &&
		    !cw_le16(sqe + 42)) {
			r->rec_cntlid = (uint16_t)cw_le32(q->p + 8);
			if (!rc && !cpl.status) {
				r->live_cntlid = (uint16_t)cpl.dw0;
				r->have_cntlid = true;
			}
		}
		snprintf(exp, sizeof(exp), "SCT %xh SC %02xh%s", (st >> 8) & 7, st & 0xff,
			 rec_c2h_bytes ? ", data" : "");
		if (rc) {
			snprintf(act, sizeof(act), "%s", rc == -EPROTO ? "TermReq or unexpected PDU"
								   : strerror(-rc));
			iop_replay_add(r->rep, p->frame_last, what, false, exp, act);
			alive = rc != -ECONNRESET && rc != -EPROTO;
		} else {
			bool same = cpl.status == st;
			bool data_same = true;

			if (c2h && rec_c2h_bytes) {
				/*
				 * Contents only for NVM Reads on I/O queues of blocks this replay wrote
				 * (admin data and never-written blocks depend on the device).
				 */
				data_same = cpl.c2h_bytes == rec_c2h_bytes &&
					    (sqe[0] != 0x02 || !r->io_conn[p->conn] ||
					     !rp_written(r, cw_le32(sqe + SQE_NSID), cw_le64(sqe + 40),
							 (uint64_t)cw_le16(sqe + 48) + 1) ||
					     !memcmp(c2h, rec_c2h, IOP_MIN(sgl, rec_c2h_bytes)));
			}
			if (same && sqe[0] == 0x01 && r->io_conn[p->conn] &&
			    r->nwritten < IOP_ARRAY_SIZE(r->written)) {
				r->written[r->nwritten++] = (struct rp_range){
					cw_le32(sqe + SQE_NSID), cw_le64(sqe + 40),
					(uint64_t)cw_le16(sqe + 48) + 1};
			}
			snprintf(act, sizeof(act), "SCT %xh SC %02xh%s%s", NTCLI_SCT(cpl.status),
				 NTCLI_SC(cpl.status), cpl.c2h_bytes ? ", data" : "",
				 data_same ? "" : " (data differs)");
			iop_replay_add(r->rep, p->frame_last, what, same && data_same, exp, act);
		}
	}
	free(icd);
	free(h2c);
	free(c2h);
	free(rec_c2h);
	return alive;
}

int
iop_replay_nvme_tcp(const char *trace, const struct iop_uri *uri, int timeout_ms,
		    struct iop_replay_report *rep)
{
	struct iop_tcp_trace t;
	struct iop_ntcp_session s;
	struct ntcli *live;
	bool *dead, *io_conn = NULL;
	uint64_t *live_cap = NULL;
	char err[256];
	int rc;

	rc = iop_pcap_tcp_load(trace, &t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "iopath conform replay: %s: %s\n", trace, err);
		return rc;
	}
	rc = iop_ntcp_decode(&t, 0, &s);
	if (rc) {
		iop_pcap_tcp_free(&t);
		return rc;
	}
	live = calloc(s.nconns ? s.nconns : 1, sizeof(*live));
	dead = calloc(s.nconns ? s.nconns : 1, sizeof(*dead));
	io_conn = calloc(s.nconns ? s.nconns : 1, sizeof(*io_conn));
	live_cap = calloc(s.nconns ? s.nconns : 1, sizeof(*live_cap));
	if (!live || !dead || !io_conn || !live_cap) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < s.nconns; k++) {
		live[k].fd = -1;
	}
	{
		struct rp r = {.s = &s, .rep = rep, .subnqn = uri->path, .io_conn = io_conn,
				.live_cap = live_cap};

		for (size_t i = 0; i < s.npdus; i++) {
			const struct iop_ntcp_pdu *p = &s.pdus[i];
			struct ntcli *c = &live[p->conn];

			if (p->dir != IOP_NTCP_H2C || dead[p->conn] || p->framing_error || p->avail < 8) {
				continue;
			}
			switch (p->p[0]) {
			case CW_ICREQ: {
				int r2;

				if (p->avail < CW_IC_LEN) {
					break;
				}
				r2 = ntcli_open(c, uri->host, uri->port > 0 ? uri->port : 4420, timeout_ms);
				if (r2) {
					fprintf(stderr, "iopath conform replay: connect: %s\n", strerror(-r2));
					rc = r2;
					goto out;
				}
				r2 = ntcli_icreq(c, cw_le16(p->p + 8), p->p[10], p->p[11] & 3);
				iop_replay_add(rep, p->frame_last, "ICReq/ICResp", r2 == 0, "ICResp",
					       r2 ? (r2 == -EPROTO ? "TermReq or other PDU" : strerror(-r2))
						  : "ICResp");
				dead[p->conn] = r2 != 0;
				break;
			}
			case CW_CMD:
				if (c->fd < 0 || p->avail < 72) {
					break;
				}
				dead[p->conn] = !rp_command(&r, c, i);
				break;
			case CW_H2C_TERM:
				if (c->fd >= 0) {
					ntcli_send(c, p->p, p->avail);
					dead[p->conn] = true;
				}
				break;
			default:
				break; /* H2CData is sent with its command */
			}
		}
	}
	rc = 0;
out:
	for (size_t k = 0; live && k < s.nconns; k++) {
		if (live[k].rx) {
			ntcli_close(&live[k]);
		}
	}
	free(live);
	free(dead);
	free(io_conn);
	free(live_cap);
	iop_ntcp_session_free(&s);
	iop_pcap_tcp_free(&t);
	return rc;
}
