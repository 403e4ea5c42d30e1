/* SPDX-License-Identifier: BSD-3-Clause */
/* VDUSE virtio-blk device description (VDUSE_CREATE_DEV argument). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include "targets/transport/vduse/vduse_internal.h"

int
vduse_name_check(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= VDUSE_NAME_MAX) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-')) {
			return -EINVAL;
		}
	}
	return 0;
}

uint64_t
vduse_blk_features(const struct iop_vblk *b)
{
	uint64_t f = iop_vblk_features(b);

	f &= ~(1ull << VIRTIO_BLK_F_CONFIG_WCE);
	f |= 1ull << VIRTIO_F_VERSION_1;
	f |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
	f |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	f |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	if (b->num_queues <= 1) {
		f &= ~(1ull << VIRTIO_BLK_F_MQ);
	}
	return f;
}

struct vduse_dev_config *
vduse_blk_dev_config(const char *name, const struct iop_vblk *b, uint32_t nvq, size_t *len,
		     int *err)
{
	struct virtio_blk_config bc;
	struct vduse_dev_config *c;
	size_t n = sizeof(*c) + sizeof(bc);

	if (vduse_name_check(name) || nvq == 0 || nvq > 0xffff) {
		*err = -EINVAL;
		return NULL;
	}
	c = calloc(1, n);
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	strcpy(c->name, name);
	c->vendor_id = VDUSE_VENDOR_ID;
	c->device_id = VIRTIO_ID_BLOCK;
	c->features = vduse_blk_features(b);
	c->vq_num = nvq;
	c->vq_align = VDUSE_VQ_ALIGN;
	iop_vblk_config(b, &bc);
	bc.num_queues = (uint16_t)nvq;
	c->config_size = sizeof(bc);
	memcpy(c->config, &bc, sizeof(bc));
	*len = n;
	*err = 0;
	return c;
}
