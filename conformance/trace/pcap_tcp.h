/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap reader with per-direction TCP reassembly independent of segmentation. */
#ifndef IOPATH_CONFORMANCE_PCAP_TCP_H
#define IOPATH_CONFORMANCE_PCAP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Concepts
 * The whole capture is read (offline), TCP segments are grouped by connection (4-tuple; a new SYN
 * on a used tuple starts a new connection) and, per direction, ordered by sequence number
 * (32-bit wraparound handled) to rebuild the byte stream. Retransmitted or overlapping bytes keep
 * their first copy; out-of-order segments land at their place; a hole stops that direction's
 * stream (gap recorded). Every stream byte remembers the frame that delivered it, so a PDU can
 * be reported by frame number whatever the segmentation was. Link types: Ethernet (with
 * 802.1Q), Linux cooked v1/v2, BSD loopback, raw IP. IPv4 and IPv6 (no extension headers).
 */

struct iop_tcp_chunk {
	uint64_t off;     /* offset in the direction's stream */
	uint32_t len;
	uint32_t frame;   /* 1-based pcap frame number */
};

struct iop_tcp_seg;

struct iop_tcp_stream {
	uint8_t *data;
	size_t len;
	struct iop_tcp_chunk *chunks;
	size_t nchunks, chunk_cap;
	bool gap;            /* stream stops at a hole at offset len */
	uint64_t retrans;    /* segments entirely duplicated */
	uint64_t ooo;        /* segments that arrived before earlier-sequence data */
	uint32_t fin_frame;  /* frame of the FIN (0 none) */
	/* loading state */
	struct iop_tcp_seg *segs;
	size_t nsegs, seg_cap;
	bool have_seq, syn;
	uint32_t last_seq;
	int64_t last_rel, syn_rel, min_rel;
};

struct iop_tcp_conn {
	int af;                 /* 4 or 6 */
	uint8_t addr[2][16];    /* [0] = initiator (SYN sender, else first sender) */
	uint16_t port[2];
	struct iop_tcp_stream dir[2];  /* dir[i] = bytes sent by side i */
	uint32_t first_frame;
	bool syn_seen;
};

struct iop_tcp_trace {
	struct iop_tcp_conn *conns;
	size_t nconns, cap;
	uint64_t nframes;
	uint64_t skipped;       /* frames that are not IPv4/IPv6 TCP */
	int linktype;
};

/**
 * Read a pcap (or pcapng, as libpcap allows) file and reassemble every TCP connection.
 * \return 0, -ENOENT/-EINVAL (message in err), -ENOMEM.
 */
int iop_pcap_tcp_load(const char *path, struct iop_tcp_trace *t, char *err, size_t errlen);
void iop_pcap_tcp_free(struct iop_tcp_trace *t);
/** \return the frame that delivered byte off of s (0 when off is beyond the stream). */
uint32_t iop_tcp_stream_frame(const struct iop_tcp_stream *s, uint64_t off);
/**
 * Find the IP header of a frame of the given link type (shared with the RoCEv2 reader).
 * \return its offset and the IP version in *ver, or -1.
 */
long iop_pcap_l3(int linktype, const uint8_t *p, uint32_t caplen, int *ver);
/** Format the address/port of side i of c as "127.0.0.1:4420". */
const char *iop_tcp_conn_endpoint(const struct iop_tcp_conn *c, int side, char *buf, size_t len);

#endif
