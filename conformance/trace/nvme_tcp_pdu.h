/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP PDU stream decoder: splits reassembled TCP streams into PDUs with frame positions. */
#ifndef IOPATH_CONFORMANCE_NVME_TCP_PDU_H
#define IOPATH_CONFORMANCE_NVME_TCP_PDU_H

#include <stdbool.h>
#include <stdint.h>
#include "conformance/trace/pcap_tcp.h"

enum iop_ntcp_dir { IOP_NTCP_H2C = 0, IOP_NTCP_C2H = 1 };

struct iop_ntcp_pdu {
	int conn;                  /* index in iop_ntcp_session.conns */
	enum iop_ntcp_dir dir;
	uint64_t off;              /* offset in the direction's stream */
	uint32_t frame_first, frame_last;
	const uint8_t *p;          /* PDU bytes (points into the stream) */
	uint32_t plen;             /* CH.PLEN */
	uint32_t avail;            /* bytes present (< plen when the capture ends inside it) */
	bool framing_error;        /* PLEN < 8 or absurd: the stream cannot be followed further */
};

struct iop_ntcp_conn {
	const struct iop_tcp_conn *tcp;
	int host_side;             /* side (0/1) of tcp that is the host */
};

struct iop_ntcp_session {
	struct iop_ntcp_conn *conns;
	size_t nconns;
	struct iop_ntcp_pdu *pdus; /* every PDU of every connection, in capture order */
	size_t npdus;
};

/**
 * Find the NVMe/TCP connections of t (stream starting with an ICReq, or port 4420/8009/extra_port)
 * and split both directions into PDUs ordered by the frame that completes them.
 * \return 0 or -ENOMEM.
 */
int iop_ntcp_decode(const struct iop_tcp_trace *t, int extra_port, struct iop_ntcp_session *s);
void iop_ntcp_session_free(struct iop_ntcp_session *s);

#endif
