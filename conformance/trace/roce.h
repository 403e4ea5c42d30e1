/* SPDX-License-Identifier: BSD-3-Clause */
/* RoCEv2 capture reader: BTH/RETH/IETH/AETH decode, per-QP message reassembly by PSN, CM MADs. */
#ifndef IOPATH_CONFORMANCE_ROCE_H
#define IOPATH_CONFORMANCE_ROCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Concepts
 * RoCEv2 is InfiniBand transport over UDP port 4791 (IPv4 or IPv6). A packet is addressed to a
 * destination QP only, so packets are grouped by (destination IP, destination QP, class): class 0
 * holds requests (SEND, RDMA WRITE, RDMA READ request) in the peer's PSN space, class 1 responses
 * (RDMA READ response, ACK) in this side's own PSN space. Within a group packets are ordered by
 * PSN (24-bit wraparound, relative to the first), a repeated PSN keeps its first copy
 * (retransmission), and first/middle/last packets are joined into one message; a missing PSN
 * inside a message drops that message (counted). Messages of all groups are then ordered by the
 * frame that completes them. UD SENDs to QP 1 are CM MADs (class 07h), decoded into REQ/REP/REJ
 * with their private data (REQ: after the 36-byte RDMA CM header).
 */

enum iop_roce_kind {
	IOP_ROCE_SEND,        /* RC SEND (with or without immediate) */
	IOP_ROCE_SEND_INV,    /* RC SEND with invalidate (IETH) */
	IOP_ROCE_WRITE,       /* RC RDMA WRITE (RETH from the first packet) */
	IOP_ROCE_READ_REQ,    /* RC RDMA READ request (RETH) */
	IOP_ROCE_READ_RESP,   /* RC RDMA READ response */
	IOP_ROCE_ACK,         /* RC ACK / atomic ACK */
	IOP_ROCE_CM,          /* UD SEND to QP1 carrying a CM MAD */
	IOP_ROCE_OTHER,       /* UC / UD data, atomics, CNP, ... */
};

/* CM MAD attribute IDs. */
#define IOP_CM_REQ 0x0010
#define IOP_CM_REJ 0x0012
#define IOP_CM_REP 0x0013
#define IOP_CM_RTU 0x0014

struct iop_roce_msg {
	enum iop_roce_kind kind;
	uint8_t opcode;          /* BTH opcode of the last packet */
	uint32_t frame_first, frame;
	int af;                  /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint32_t dqp, psn;       /* of the first packet */
	uint64_t va;             /* RETH */
	uint32_t rkey, dmalen;
	uint32_t inv_rkey;       /* IETH */
	uint8_t *data;           /* payload (for CM: the 256-byte MAD) */
	size_t len;
	/* CM */
	uint16_t cm_attr;
	uint32_t cm_local_id, cm_remote_id, cm_qpn;
	uint16_t cm_reason;      /* REJ */
	const uint8_t *cm_pd;    /* private data (REQ: after the RDMA CM header) */
	size_t cm_pdlen;
};

/* One decoded RoCEv2 packet, kept for the --pdus table. */
struct iop_roce_pkt {
	uint32_t frame;
	uint8_t opcode;
	bool reth, ieth;
	uint32_t dqp, psn;
	uint64_t va;             /* RETH */
	uint32_t rkey, dmalen;
	uint32_t inv;            /* IETH */
	uint16_t cm_attr;        /* CM REQ/REP: the local QPN */
	uint32_t cm_qpn;
	uint8_t cm_pd[56];       /* REQ: private data after the RDMA CM header */
	uint16_t crqsize;        /* REP: NVMe CRQSIZE */
};

struct iop_roce_trace {
	struct iop_roce_msg *msgs;
	size_t nmsgs;
	struct iop_roce_pkt *pkts;
	size_t npkts;
	uint64_t nframes;
	uint64_t dup_pkts;       /* retransmitted PSNs dropped */
	uint64_t broken_msgs;    /* messages with a missing packet */
};

/** Read a pcap/pcapng and decode every RoCEv2 packet. \return 0, -EINVAL (err), -ENOMEM. */
int iop_roce_load(const char *path, struct iop_roce_trace *t, char *err, size_t errlen);
void iop_roce_free(struct iop_roce_trace *t);
/**
 * Print one line per RoCEv2 packet in the shape of tshark -T fields -e frame.number
 * -e infiniband.bth.opcode -e infiniband.bth.destqp -e infiniband.bth.psn -e infiniband.reth.va
 * -e infiniband.reth.r_key -e infiniband.reth.dmalen -e infiniband.ieth
 * -e infiniband.cm.req.localqpn -e infiniband.cm.rep.localqpn -e infiniband.cm.req.ip_cm.private
 * -e nvme-rdma.cm.rsp.crqsize (absent fields empty).
 */
void iop_roce_pkt_table(const struct iop_roce_trace *t, FILE *f);
/** Format an address of m ("10.0.3.1"). */
const char *iop_roce_addr(int af, const uint8_t *a, char *buf, size_t len);

#endif
