/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend registry and spec parsing ("name:k=v,k=v" -> opened backend). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/backend.h"
#include "iopath/registry.h"

static struct iop_registry g_backends = {.kind = "backend"};

void
iop_backend_register(const struct iop_backend_ops *ops)
{
	iop_registry_add(&g_backends, ops->name, ops);
}

const struct iop_backend_ops *
iop_backend_find(const char *name)
{
	return iop_registry_find(&g_backends, name);
}

void
iop_backend_foreach(void (*fn)(const struct iop_backend_ops *ops, void *arg), void *arg)
{
	for (size_t i = 0; i < g_backends.count; i++) {
		fn(g_backends.items[i], arg);
	}
}

int
iop_backend_open(const char *spec, struct iop_backend **out, char *err, size_t errlen)
{
	const struct iop_backend_ops *ops;
	const char *colon = strchr(spec, ':');
	char name[32];
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	void *opts;
	int rc;

	if (n == 0 || n >= sizeof(name)) {
		snprintf(err, errlen, "bad backend spec '%s' (expected name:k=v,...)", spec);
		return -EINVAL;
	}
	memcpy(name, spec, n);
	name[n] = '\0';
	ops = iop_backend_find(name);
	if (!ops) {
		snprintf(err, errlen, "unknown backend '%s' (see iopath --list)", name);
		return -ENOENT;
	}
	opts = calloc(1, ops->opts_size ? ops->opts_size : 1);
	if (!opts) {
		return -ENOMEM;
	}
	rc = iop_opts_defaults(ops->options, opts);
	if (!rc) {
		char e2[192] = "";

		rc = iop_opts_parse_kv(ops->options, opts, colon ? colon + 1 : "", e2, sizeof(e2));
		if (rc) {
			snprintf(err, errlen, "backend %s: %s", name, e2);
		}
	}
	if (!rc) {
		rc = ops->open(opts, out);
		if (rc) {
			snprintf(err, errlen, "backend %s: %s", spec, strerror(-rc));
		} else {
			(*out)->ops = ops;
			(*out)->spec = strdup(spec);
		}
	}
	iop_opts_free(ops->options, opts);
	free(opts);
	return rc;
}

void
iop_backend_close(struct iop_backend *be)
{
	char *spec;

	if (!be) {
		return;
	}
	spec = be->spec;
	be->ops->close(be);
	free(spec);
}
