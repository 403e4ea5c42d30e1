/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON Lines trace reader for framed socket protocols (vfio-user, vhost-user). */
#ifndef IOPATH_CONFORMANCE_JSONL_H
#define IOPATH_CONFORMANCE_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Format (shared/traces/vfio-user/README.md): one JSON object per line. Message records have
 * "dir" ("c2s" or "f2b": client/front-end -> server/back-end, "s2c" or "b2f": the other way),
 * "header_hex" (the raw header: 16 bytes for vfio-user, 12 for vhost-user), "payload_hex",
 * "nfds" and optionally "seq", "conn", "t". Without header_hex the header is rebuilt from
 * "request"/"flags"/"size" (vhost-user) or "msg_id"/"cmd"/"msg_size"/"flags"/"error_no"
 * (vfio-user). Other records carry "event" (connect/eof/close/error). The protocol comes from an
 * optional "proto" member ("vfio-user"/"vhost-user") or else from the header length. The raw
 * bytes are authoritative: decoded/cmd_name members are ignored.
 */

enum iop_jproto { IOP_JPROTO_UNKNOWN, IOP_JPROTO_VFIO_USER, IOP_JPROTO_VHOST_USER };
enum iop_jdir { IOP_J_C2S = 0, IOP_J_S2C = 1 };

struct iop_jmsg {
	uint64_t line;        /* 1-based line in the file */
	int64_t seq;          /* "seq" or -1 */
	int conn;             /* "conn" or 0 */
	bool event;           /* an event record, not a message */
	char event_name[16];
	enum iop_jdir dir;
	uint8_t *hdr;
	size_t hdrlen;
	uint8_t *payload;
	size_t paylen;
	int nfds;
};

struct iop_jtrace {
	enum iop_jproto proto;
	struct iop_jmsg *msgs;
	size_t nmsgs, cap;
};

/** Load path. \return 0, or -EINVAL with the line and reason in err, -ENOENT, -ENOMEM. */
int iop_jsonl_load(const char *path, struct iop_jtrace *t, char *err, size_t errlen);
void iop_jsonl_free(struct iop_jtrace *t);
/** Decode hex (even length, [0-9a-fA-F]) into a new buffer. \return 0 or -EINVAL/-ENOMEM. */
int iop_hex_decode(const char *hex, uint8_t **out, size_t *len);

#endif
