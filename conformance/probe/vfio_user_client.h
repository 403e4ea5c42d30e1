/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal raw vfio-user client for probes and replay: framed messages with SCM_RIGHTS fds. */
#ifndef IOPATH_CONFORMANCE_VFIO_USER_CLIENT_H
#define IOPATH_CONFORMANCE_VFIO_USER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define VUC_MAX_MSG (1u << 21)
#define VUC_MAX_FDS 8

struct vucli {
	int fd;
	int timeout_ms;
	uint16_t next_id;
	uint8_t *rx;           /* last message received (header + payload) */
	size_t rxlen;
	int rxfds[VUC_MAX_FDS];
	int nrxfds;
};

/** Connect to the UNIX socket path. \return 0 or negative errno. */
int vucli_open(struct vucli *c, const char *path, int timeout_ms);
void vucli_close(struct vucli *c);
/** Send raw bytes with fds. \return 0 or negative errno. */
int vucli_send_raw(struct vucli *c, const void *buf, size_t len, const int *fds, int nfds);
/** Send a message: header (id, cmd, size, flags, error) + payload. \return 0 or -errno. */
int vucli_send(struct vucli *c, uint16_t id, uint16_t cmd, uint32_t flags, const void *payload,
	       size_t len, const int *fds, int nfds);
/**
 * Receive one message into c->rx (fds into c->rxfds, closed on the next receive).
 * \return 0, -ECONNRESET on EOF, -ETIMEDOUT, -EPROTO on a malformed header.
 */
int vucli_recv(struct vucli *c);
/** Send command cmd and wait for its reply (server commands in between are answered with an
 * error reply). \return 0 with c->rx the reply, or negative errno. */
int vucli_call(struct vucli *c, uint16_t cmd, const void *payload, size_t len, const int *fds,
	       int nfds);
/** VERSION handshake (1.0 proposal... major 0 minor 2). \return 0 or negative errno. */
int vucli_version(struct vucli *c);
/** Reply fields. */
uint16_t vucli_rx_cmd(const struct vucli *c);
uint32_t vucli_rx_flags(const struct vucli *c);
uint32_t vucli_rx_errno(const struct vucli *c);

#endif
