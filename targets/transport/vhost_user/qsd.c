/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath target qsd-vhost-user-blk:///SOCK --backend null:size=S`: becomes qemu-storage-daemon
 * serving a vhost-user-blk export, so that the bench runs the reference back end like its own
 * targets (same pinning, same PID for CPU accounting). The initiator side is our client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "iopath/log.h"
#include "iopath/option.h"
#include "iopath/target.h"
#include "iopath/uri.h"

struct qsd_target {
	struct iop_target base;
	char *argv[16];
	char blockdev[512];
	char export[700];
	char path[512];
};

/* Same option name and default as our vhost-user-blk back end, so both offer as many queues. */
struct qsd_opts {
	uint64_t queues;
};

static const struct iop_option g_qsd_opts[] = {
	{"queues", NULL, IOP_OPT_UINT, offsetof(struct qsd_opts, queues), "4", 1, 32, NULL,
	 "virtqueues the export offers (qemu-storage-daemon num-queues)"},
	{NULL},
};

/* "null:size=1G" -> null-co of that size; "uring:path=F"/"aio:path=F" -> file F; else NULL. */
static int
qsd_blockdev(const struct iop_backend *be, char *buf, size_t len)
{
	const char *spec = be->spec ? be->spec : "";

	if (!strncmp(spec, "null", 4)) {
		snprintf(buf, len, "driver=null-co,node-name=n0,size=%llu",
			 (unsigned long long)be->info.size);
		return 0;
	}
	if (!strncmp(spec, "uring:", 6) || !strncmp(spec, "aio:", 4)) {
		const char *p = strstr(spec, "path=");
		size_t n;

		if (!p) {
			return -EINVAL;
		}
		p += 5;
		n = strcspn(p, ",");
		snprintf(buf, len, "driver=file,node-name=n0,filename=%.*s,cache.direct=on", (int)n,
			 p);
		return 0;
	}
	return -EINVAL;
}

static int
qsd_create(const struct iop_target_cfg *cfg, struct iop_target **out)
{
	struct qsd_target *q;
	struct iop_uri u;
	char err[256];
	struct qsd_opts o = {0};
	int n = 0;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err)) || !u.path[0]) {
		IOP_ERR("%s: expected qsd-vhost-user-blk:///path/to/socket", cfg->uri);
		return -EINVAL;
	}
	if (iop_opts_defaults(g_qsd_opts, &o) ||
	    iop_opts_parse_kv(g_qsd_opts, &o, cfg->opts, err, sizeof(err))) {
		IOP_ERR("qsd-vhost-user-blk: %s", err);
		return -EINVAL;
	}
	if (cfg->nr_backends != 1) {
		IOP_ERR("qsd-vhost-user-blk takes exactly one --backend");
		return -EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		return -ENOMEM;
	}
	if (qsd_blockdev(cfg->backends[0], q->blockdev, sizeof(q->blockdev))) {
		IOP_ERR("qsd-vhost-user-blk: backend %s has no qemu-storage-daemon equivalent "
			"(null, uring:path=, aio:path=)", cfg->backends[0]->spec);
		free(q);
		return -EINVAL;
	}
	snprintf(q->path, sizeof(q->path), "%s", u.path);
	{
		/* qsd refuses an existing path: remove a stale socket, never a live one */
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (strlen(q->path) >= sizeof(sa.sun_path)) {
			if (fd >= 0) {
				close(fd);
			}
			free(q);
			IOP_ERR("socket path too long: %s", u.path);
			return -ENAMETOOLONG;
		}
		memcpy(sa.sun_path, q->path, strlen(q->path) + 1);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			free(q);
			IOP_ERR("%s: another back end is listening there", u.path);
			return -EADDRINUSE;
		}
		if (fd >= 0) {
			close(fd);
		}
		unlink(q->path);
	}
	snprintf(q->export, sizeof(q->export),
		 "type=vhost-user-blk,id=e0,node-name=n0,addr.type=unix,addr.path=%s,writable=%s,"
		 "num-queues=%u", q->path, cfg->read_only ? "off" : "on", (unsigned int)o.queues);
	q->argv[n++] = "qemu-storage-daemon";
	q->argv[n++] = "--blockdev";
	q->argv[n++] = q->blockdev;
	q->argv[n++] = "--export";
	q->argv[n++] = q->export;
	q->argv[n] = NULL;
	*out = &q->base;
	return 0;
}

static int
qsd_run(struct iop_target *base, volatile sig_atomic_t *stop)
{
	struct qsd_target *q = (struct qsd_target *)base;

	/* From here this process is qemu-storage-daemon (same PID, same CPU affinity): SIGTERM
	 * stops it. Front ends retry their connect while it creates the socket. */
	fflush(NULL);
	execvp(q->argv[0], q->argv);
	IOP_ERR("cannot run qemu-storage-daemon: %s", strerror(errno));
	return -errno;
}

static void
qsd_destroy(struct iop_target *base)
{
	free(base);
}

static const struct iop_target_ops qsd_vhost_user_blk_target_ops = {
	.scheme = "qsd-vhost-user-blk",
	.help = "reference back end: becomes qemu-storage-daemon with a vhost-user-blk export "
		"(--backend null:size=S, uring:path=F or aio:path=F)",
	.create = qsd_create,
	.run = qsd_run,
	.destroy = qsd_destroy,
};
IOP_TARGET_REGISTER(qsd_vhost_user_blk_target_ops)
