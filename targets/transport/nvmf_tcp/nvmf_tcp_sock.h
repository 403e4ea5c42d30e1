/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP socket helpers (sock.c): listen/connect, non-blocking recv into the PDU parser. */
#ifndef IOPATH_NVMF_TCP_SOCK_H
#define IOPATH_NVMF_TCP_SOCK_H

#include <sys/types.h>
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"

/** Listen on host:port (port 0: any). *port_out (may be NULL) gets the bound port.
 * \return the listening fd or negative errno. */
int nvmf_tcp_sock_listen(const char *host, int port, int *port_out);
/** Blocking connect, then TCP_NODELAY + O_NONBLOCK. \return fd or negative errno. */
int nvmf_tcp_sock_connect(const char *host, int port);
/** TCP_NODELAY + O_NONBLOCK on an accepted socket. \return 0 or negative errno. */
int nvmf_tcp_sock_tune(int fd);
/** One non-blocking recv into rx's free space, recorded to rec in direction dir.
 * \return bytes (> 0), -EAGAIN (nothing now), -ECONNRESET (peer closed), other -errno. */
ssize_t nvmf_tcp_sock_recv(int fd, struct nvmf_tcp_rx *rx, struct nvmf_tcp_pcap *rec, int dir);

struct iop_option;
/**
 * Split "NQN?k=v&k=v" (or "?k=v,k=v") in place: path keeps the NQN, each known key of tbl is set
 * in obj, keys tbl does not know are skipped (the other end of the transport may know them, so
 * one URI serves both `iopath target` and `iopath run`).
 * \return 0, or the iop_opt_set error of a known key with a bad value (message in err).
 */
int nvmf_tcp_uri_query(char *path, const struct iop_option *tbl, void *obj, char *err,
		       size_t errlen);

#endif
