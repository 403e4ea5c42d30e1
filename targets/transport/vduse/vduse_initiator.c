/* SPDX-License-Identifier: BSD-3-Clause */
/* vduse:// initiator: attach a VDUSE device to virtio_vdpa and drive its /dev/vdX block device. */
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/uri.h"
#include "iopath/util.h"
#include "targets/transport/vduse/vduse_internal.h"

/*
 * The host side of a VDUSE device is the kernel itself: the virtio_blk driver on virtio_vdpa.
 * `iopath run vduse://NAME` binds the device the daemon (`iopath target vduse://NAME`) created
 * with `vdpa dev add name NAME mgmtdev vduse` unless it is bound already, finds its block device
 * under /sys/bus/vdpa/devices/NAME/virtio*\/block/, and runs the engine on it through the local:
 * initiator with an io_uring (or libaio) backend in O_DIRECT mode. close() runs `vdpa dev del NAME`
 * when open() added it. This is what `iopath bench` measures for the vduse transport.
 */

#define VI_WAIT_MS 10000

struct vi {
	struct iop_initiator base;
	struct iop_initiator *inner;
	char name[VDUSE_NAME_MAX];
	bool added;
};

static int
vi_vdpa(const char *verb, const char *name)
{
	char *argv[] = {"vdpa", "dev", (char *)verb, "name", (char *)name, "mgmtdev", "vduse", NULL};
	extern char **environ;
	pid_t pid;
	int st, rc;

	if (strcmp(verb, "add")) {
		argv[5] = NULL; /* "vdpa dev del name NAME" */
		argv[2] = "del";
		argv[3] = (char *)name;
		argv[4] = NULL;
	}
	rc = posix_spawnp(&pid, "vdpa", NULL, NULL, argv, environ);
	if (rc) {
		IOP_ERR("vduse: cannot run vdpa (iproute2): %s", strerror(rc));
		return -rc;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		IOP_ERR("vduse: 'vdpa dev %s %s' failed", verb, name);
		return -EIO;
	}
	return 0;
}

/* /dev/vdX of the vdpa device, waiting for the virtio_blk driver to create it. */
static int
vi_find_disk(const char *name, char *out, size_t len)
{
	char dir[VDUSE_NAME_MAX + 64];

	for (int ms = 0; ms < VI_WAIT_MS; ms += 50) {
		DIR *d;
		struct dirent *e;

		snprintf(dir, sizeof(dir), "/sys/bus/vdpa/devices/%s", name);
		d = opendir(dir);
		while (d && (e = readdir(d))) {
			char bdir[VDUSE_NAME_MAX + 384];
			DIR *b;
			struct dirent *be;

			if (strncmp(e->d_name, "virtio", 6)) {
				continue;
			}
			snprintf(bdir, sizeof(bdir), "%s/%s/block", dir, e->d_name);
			b = opendir(bdir);
			while (b && (be = readdir(b))) {
				if (be->d_name[0] != '.') {
					snprintf(out, len, "/dev/%s", be->d_name);
					closedir(b);
					closedir(d);
					if (access(out, R_OK | W_OK) == 0) {
						return 0;
					}
					goto next;
				}
			}
			if (b) {
				closedir(b);
			}
		}
		if (d) {
			closedir(d);
		}
next:
		usleep(50000);
	}
	return -ENOENT;
}

static void vi_close(struct iop_initiator *base);
static const struct iop_initiator_ops vduse_initiator_ops;

static int
vi_open(const struct iop_initiator_cfg *cfg, struct iop_initiator **out)
{
	const struct iop_initiator_ops *local = iop_initiator_find_uri("local:");
	struct iop_initiator_cfg lc = *cfg;
	char err[256], disk[300], spec[400], path[VDUSE_NAME_MAX + 64];
	const char *name;
	struct iop_uri u;
	struct vi *vi;
	int rc;

	if (iop_uri_parse(cfg->uri, &u, err, sizeof(err))) {
		IOP_ERR("%s", err);
		return -EINVAL;
	}
	name = u.host[0] ? u.host : (u.path[0] == '/' ? u.path + 1 : u.path);
	if (vduse_name_check(name) || !local) {
		IOP_ERR("vduse: bad device name '%s' (vduse://NAME)", name);
		return -EINVAL;
	}
	if (access("/dev/vduse/control", F_OK)) {
		IOP_ERR("%s", VDUSE_NO_DEV_MSG);
		return -ENODEV;
	}
	vi = calloc(1, sizeof(*vi));
	if (!vi) {
		return -ENOMEM;
	}
	vi->base.ops = &vduse_initiator_ops;
	memcpy(vi->name, name, strlen(name) + 1);
	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", vi->name);
	if (access(path, F_OK)) {
		rc = vi_vdpa("add", name);
		if (rc) {
			goto fail;
		}
		vi->added = true;
	}
	rc = vi_find_disk(name, disk, sizeof(disk));
	if (rc) {
		IOP_ERR("vduse: no block device appeared for %s (is virtio_vdpa + virtio_blk loaded?)",
			name);
		goto fail;
	}
	snprintf(spec, sizeof(spec), "%s:path=%s,direct=1",
		 iop_backend_find("uring") ? "uring" : "aio", disk);
	lc.uri = "local:";
	lc.backend = spec;
	rc = local->open(&lc, &vi->inner);
	if (rc) {
		goto fail;
	}
	vi->inner->ops = local; /* modules need not set it: the engine keeps the ops itself */
	vi->base.size = vi->inner->size;
	vi->base.block_size = vi->inner->block_size;
	vi->base.max_io = vi->inner->max_io;
	snprintf(vi->base.desc, sizeof(vi->base.desc), "vduse %.60s (%.40s)", name, disk);
	*out = &vi->base;
	return 0;
fail:
	vi_close(&vi->base);
	return rc;
}

static void
vi_close(struct iop_initiator *base)
{
	struct vi *vi = (struct vi *)base;

	if (vi->inner) {
		vi->inner->ops->close(vi->inner);
	}
	if (vi->added) {
		vi_vdpa("del", vi->name);
	}
	free(vi);
}

static int
vi_queue_open(struct iop_initiator *base, unsigned int idx, unsigned int depth,
	      struct iop_queue **out)
{
	struct vi *vi = (struct vi *)base;

	return vi->inner->ops->queue_open(vi->inner, idx, depth, out);
}

/* The queues belong to the inner local: initiator (q->ini is it). */
static void
vi_queue_close(struct iop_queue *q)
{
	q->ini->ops->queue_close(q);
}

static void *
vi_buf_alloc(struct iop_queue *q, size_t len)
{
	return q->ini->ops->buf_alloc ? q->ini->ops->buf_alloc(q, len) : aligned_alloc(4096, len);
}

static void
vi_buf_free(struct iop_queue *q, void *buf, size_t len)
{
	if (q->ini->ops->buf_free) {
		q->ini->ops->buf_free(q, buf, len);
	} else {
		free(buf);
	}
}

static int
vi_submit(struct iop_queue *q, struct iop_io *io)
{
	return q->ini->ops->submit(q, io);
}

static int
vi_poll(struct iop_queue *q, unsigned int max, unsigned int timeout_us)
{
	return q->ini->ops->poll(q, max, timeout_us);
}

static const struct iop_initiator_ops vduse_initiator_ops = {
	.scheme = "vduse",
	.help = "VDUSE device through the kernel's virtio_blk: vduse://NAME (binds it with "
		"`vdpa dev add` if needed; O_DIRECT io_uring on its /dev/vdX)",
	.open = vi_open,
	.close = vi_close,
	.queue_open = vi_queue_open,
	.queue_close = vi_queue_close,
	.buf_alloc = vi_buf_alloc,
	.buf_free = vi_buf_free,
	.submit = vi_submit,
	.poll = vi_poll,
};
IOP_INITIATOR_REGISTER(vduse_initiator_ops)
