/* SPDX-License-Identifier: BSD-3-Clause */
/* Endpoint URI parsing (scheme://host:port/path, scheme:///socket/path, scheme:). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/uri.h"

int
iop_uri_scheme(const char *s, char *buf, size_t len)
{
	const char *c = s ? strchr(s, ':') : NULL;
	size_t n;

	if (!c || c == s) {
		return -EINVAL;
	}
	n = (size_t)(c - s);
	if (n >= len) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '+')) {
			return -EINVAL;
		}
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int
iop_uri_parse(const char *s, struct iop_uri *u, char *err, size_t errlen)
{
	const char *p, *hend, *pstart;

	memset(u, 0, sizeof(*u));
	u->port = -1;
	if (iop_uri_scheme(s, u->scheme, sizeof(u->scheme))) {
		snprintf(err, errlen, "'%s' is not an endpoint URI (expected scheme://...)", s ? s : "");
		return -EINVAL;
	}
	p = s + strlen(u->scheme) + 1;
	if (strncmp(p, "//", 2)) {
		/* "local:" or "scheme:opaque" */
		if (strlen(p) >= sizeof(u->path)) {
			snprintf(err, errlen, "URI path too long");
			return -EINVAL;
		}
		strcpy(u->path, p);
		return 0;
	}
	p += 2;
	if (*p == '/') {
		/* scheme:///abs/path */
		if (strlen(p) >= sizeof(u->path)) {
			snprintf(err, errlen, "socket path too long (max %zu)", sizeof(u->path) - 1);
			return -EINVAL;
		}
		strcpy(u->path, p);
		return 0;
	}
	pstart = strchr(p, '/');
	if (!pstart) {
		pstart = p + strlen(p);
	}
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(pstart - p));
		if (!hend) {
			snprintf(err, errlen, "unterminated IPv6 address in '%s'", s);
			return -EINVAL;
		}
		if ((size_t)(hend - p - 1) >= sizeof(u->host)) {
			goto toolong;
		}
		memcpy(u->host, p + 1, (size_t)(hend - p - 1));
		hend++;
	} else {
		hend = p;
		while (hend < pstart && *hend != ':') {
			hend++;
		}
		if ((size_t)(hend - p) >= sizeof(u->host)) {
			goto toolong;
		}
		memcpy(u->host, p, (size_t)(hend - p));
	}
	if (hend < pstart && *hend == ':') {
		char *end;
		long port = strtol(hend + 1, &end, 10);

		if (end != pstart || end == hend + 1 || port <= 0 || port > 65535) {
			snprintf(err, errlen, "bad port in '%s' (1..65535)", s);
			return -EINVAL;
		}
		u->port = (int)port;
	} else if (hend != pstart) {
		snprintf(err, errlen, "bad host in '%s'", s);
		return -EINVAL;
	}
	if (!u->host[0]) {
		snprintf(err, errlen, "missing host in '%s'", s);
		return -EINVAL;
	}
	if (*pstart == '/') {
		pstart++;
	}
	if (strlen(pstart) >= sizeof(u->path)) {
		goto toolong;
	}
	strcpy(u->path, pstart);
	return 0;
toolong:
	snprintf(err, errlen, "URI component too long in '%s'", s);
	return -EINVAL;
}
