/* SPDX-License-Identifier: BSD-3-Clause */
/* VDUSE device description: name rules, feature bits and the VDUSE_CREATE_DEV argument. */
#ifndef IOPATH_VDUSE_INTERNAL_H
#define IOPATH_VDUSE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "targets/transport/vduse/vduse_uapi.h"
#include "targets/virtio/blk.h"

#define VDUSE_VENDOR_ID 0x1af4  /* the virtio vendor id Linux devices use */
#define VDUSE_VQ_ALIGN 4096
#define VDUSE_NO_DEV_MSG "no /dev/vduse (needs the vduse kernel module)"

/** \return 0 when name can name a VDUSE device ([A-Za-z0-9._-], 1..255 bytes), else -EINVAL. */
int vduse_name_check(const char *name);

/** Feature bits offered for b: virtio-blk bits, VERSION_1, ACCESS_PLATFORM (VDUSE requires it),
 * INDIRECT_DESC, EVENT_IDX; never CONFIG_WCE (VDUSE config space is read-only). */
uint64_t vduse_blk_features(const struct iop_vblk *b);

/**
 * Build the VDUSE_CREATE_DEV argument for a virtio-blk device with nvq queues: header followed
 * by the virtio_blk_config. \return a calloc'd buffer (free it) with *len its size, or NULL
 * (-EINVAL: bad name or nvq 0; -ENOMEM) with *err set.
 */
struct vduse_dev_config *vduse_blk_dev_config(const char *name, const struct iop_vblk *b,
					      uint32_t nvq, size_t *len, int *err);

#endif
