/* SPDX-License-Identifier: BSD-3-Clause */
/* Endpoint URI parsing: scheme://host:port/path, scheme:///path, scheme:. */
#ifndef IOPATH_URI_H
#define IOPATH_URI_H

struct iop_uri {
	char scheme[32];
	char host[256];  /* "" when absent; IPv6 without brackets */
	int port;        /* -1 when absent */
	char path[512];  /* without the leading '/' for host URIs ("nqn..."); with it for socket
	                    URIs ("vfio-user:///run/x" -> "/run/x") */
};

/** Parse s. \return 0 or -EINVAL (message in err naming what is wrong). */
int iop_uri_parse(const char *s, struct iop_uri *u, char *err, size_t errlen);

/** Scheme of s copied into buf ("nvmf-tcp://..." -> "nvmf-tcp"). \return 0 or -EINVAL. */
int iop_uri_scheme(const char *s, char *buf, size_t len);

#endif
