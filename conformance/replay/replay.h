/* SPDX-License-Identifier: BSD-3-Clause */
/* Replay of a recorded session's client half against a live target, with per-exchange verdicts. */
#ifndef IOPATH_CONFORMANCE_REPLAY_H
#define IOPATH_CONFORMANCE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include "iopath/uri.h"

struct iop_replay_item {
	uint64_t pos;          /* recorded frame (pcap) or seq (jsonl) of the request */
	char what[96];
	bool match;
	char expected[128];
	char actual[128];
};

struct iop_replay_report {
	struct iop_replay_item *items;
	size_t n, cap;
	unsigned int nmatch, ndiffer;
};

/** Append one compared exchange. */
void iop_replay_add(struct iop_replay_report *r, uint64_t pos, const char *what, bool match,
		    const char *expected, const char *actual);
void iop_replay_free(struct iop_replay_report *r);

/**
 * Replay the host PDUs of an NVMe/TCP pcap against nvmf-tcp URI (SUBNQN and controller IDs are
 * substituted). \return 0 when the replay ran (differences are in rep), negative errno otherwise.
 */
int iop_replay_nvme_tcp(const char *trace, const struct iop_uri *uri, int timeout_ms,
			struct iop_replay_report *rep);
/**
 * Replay the client commands of a vfio-user JSON Lines trace against vfio-user URI (DMA_MAP fds
 * replaced by memfds of the recorded size). \return as iop_replay_nvme_tcp.
 */
int iop_replay_vfio_user(const char *trace, const struct iop_uri *uri, int timeout_ms,
			 struct iop_replay_report *rep);

#endif
