/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: VDUSE device names, feature bits and the VDUSE_CREATE_DEV argument for virtio-blk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include "iopath/backend.h"
#include "targets/transport/vduse/vduse_internal.h"
#include "tests/common/ut.h"

static void
test_names(void)
{
	char longname[300];

	CU_ASSERT_EQUAL(vduse_name_check("blk0"), 0);
	CU_ASSERT_EQUAL(vduse_name_check("iopath-bench_1.x"), 0);
	CU_ASSERT_NOT_EQUAL(vduse_name_check(""), 0);
	CU_ASSERT_NOT_EQUAL(vduse_name_check(NULL), 0);
	CU_ASSERT_NOT_EQUAL(vduse_name_check("a/b"), 0);
	CU_ASSERT_NOT_EQUAL(vduse_name_check("a b"), 0);
	CU_ASSERT_EQUAL(vduse_name_check(".."), 0); /* dots alone are legal names */
	memset(longname, 'x', sizeof(longname));
	longname[255] = '\0';
	CU_ASSERT_EQUAL(vduse_name_check(longname), 0);
	longname[255] = 'x';
	longname[256] = '\0';
	CU_ASSERT_NOT_EQUAL(vduse_name_check(longname), 0);
}

static struct iop_backend *
open_be(const char *spec)
{
	struct iop_backend *be = NULL;
	char err[256];

	CU_ASSERT_FATAL(iop_backend_open(spec, &be, err, sizeof(err)) == 0);
	return be;
}

static void
test_config(void)
{
	struct iop_backend *be = open_be("malloc:size=64M");
	struct vduse_dev_config *c;
	struct virtio_blk_config bc;
	struct iop_vblk b;
	size_t len;
	int err;

	iop_vblk_init(&b, be, false, 2);
	c = vduse_blk_dev_config("blk0", &b, 2, &len, &err);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(len, sizeof(*c) + sizeof(bc));
	CU_ASSERT_STRING_EQUAL(c->name, "blk0");
	CU_ASSERT_EQUAL(c->device_id, VIRTIO_ID_BLOCK);
	CU_ASSERT_EQUAL(c->vendor_id, VDUSE_VENDOR_ID);
	CU_ASSERT_EQUAL(c->vq_num, 2);
	CU_ASSERT_EQUAL(c->vq_align, 4096);
	CU_ASSERT_EQUAL(c->config_size, sizeof(bc));
	for (int i = 0; i < 13; i++) {
		CU_ASSERT_EQUAL(c->reserved[i], 0);
	}
	/* VDUSE refuses devices without ACCESS_PLATFORM and blk devices with CONFIG_WCE */
	CU_ASSERT_TRUE(!!(c->features & (1ull << VIRTIO_F_ACCESS_PLATFORM)));
	CU_ASSERT_TRUE(!!(c->features & (1ull << VIRTIO_F_VERSION_1)));
	CU_ASSERT_FALSE(!!(c->features & (1ull << VIRTIO_BLK_F_CONFIG_WCE)));
	CU_ASSERT_TRUE(!!(c->features & (1ull << VIRTIO_BLK_F_MQ)));
	CU_ASSERT_TRUE(!!(c->features & (1ull << VIRTIO_RING_F_EVENT_IDX)));
	CU_ASSERT_FALSE(!!(c->features & (1ull << VIRTIO_BLK_F_RO)));
	memcpy(&bc, c->config, sizeof(bc));
	CU_ASSERT_EQUAL(bc.capacity, 64ull * 1024 * 1024 / 512);
	CU_ASSERT_EQUAL(bc.num_queues, 2);
	CU_ASSERT_EQUAL(bc.blk_size, be->info.block_size);
	free(c);
	/* one queue: no MQ bit; read-only: RO bit */
	iop_vblk_init(&b, be, true, 1);
	c = vduse_blk_dev_config("ro", &b, 1, &len, &err);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_FALSE(!!(c->features & (1ull << VIRTIO_BLK_F_MQ)));
	CU_ASSERT_TRUE(!!(c->features & (1ull << VIRTIO_BLK_F_RO)));
	free(c);
	/* bad name, no queue */
	CU_ASSERT_PTR_NULL(vduse_blk_dev_config("a/b", &b, 1, &len, &err));
	CU_ASSERT_EQUAL(err, -EINVAL);
	CU_ASSERT_PTR_NULL(vduse_blk_dev_config("ok", &b, 0, &len, &err));
	CU_ASSERT_EQUAL(err, -EINVAL);
	iop_backend_close(be);
}

IOP_UT_MAIN("vduse_config", IOP_UT(test_names), IOP_UT(test_config))
