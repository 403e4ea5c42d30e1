/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user command validation (sizes, argsz, fds) and VERSION capability parsing. */
#include <errno.h>
#include <string.h>
#include "tests/common/ut.h"
#include "targets/transport/vfio_user/vfu_internal.h"

static int
check(uint16_t cmd, uint32_t flags, const void *p, uint32_t len, unsigned int nfds)
{
	struct vfio_user_hdr h = {.msg_id = 1, .cmd = cmd, .msg_size = 16 + len, .flags = flags};

	return vfu_cmd_check(&h, p, len, nfds, 1 << 20);
}

static void
test_sizes(void)
{
	struct vfio_user_dma_map map = {.argsz = 32, .flags = 3, .size = 4096};
	struct vfio_user_dma_unmap unmap = {.argsz = 24, .size = 4096};
	struct vfio_user_device_info di = {.argsz = 16};
	struct vfio_user_region_info ri = {.argsz = 32};
	uint8_t rw[16 + 8] = {0};
	struct vfio_user_region_access *a = (void *)rw;
	struct vfio_user_hdr h = {.cmd = VFIO_USER_DEVICE_RESET, .msg_size = 8};

	/* Test1: well-formed commands pass. */
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_MAP, 0, &map, sizeof(map), 1), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_MAP, 0, &map, sizeof(map), 0), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_UNMAP, 0, &unmap, sizeof(unmap), 0), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_INFO, 0, &di, sizeof(di), 0), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), 0), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_RESET, 0, NULL, 0, 0), 0);
	a->count = 8;
	CU_ASSERT_EQUAL(check(VFIO_USER_REGION_WRITE, 0, rw, 24, 0), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_REGION_READ, 0, rw, 16, 0), 0);
	/* Test2: wrong payload sizes, argsz, fds. */
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_MAP, 0, &map, 24, 1), EINVAL);
	map.argsz = 24;
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_MAP, 0, &map, sizeof(map), 1), EINVAL);
	map.argsz = 32;
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_MAP, 0, &map, sizeof(map), 2), EINVAL);
	map.flags = 8;
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_MAP, 0, &map, sizeof(map), 1), EINVAL);
	di.argsz = 8;
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_INFO, 0, &di, sizeof(di), 0), EINVAL);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_INFO, 0, &di, 12, 0), EINVAL);
	/* An info request padded up to argsz (libvfio-user's client does it) is accepted... */
	{
		uint8_t pad[80] = {0};

		pad[0] = 80;
		CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_REGION_INFO, 0, pad, 80, 0), 0);
		/* ...but not beyond argsz. */
		pad[0] = 64;
		CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_REGION_INFO, 0, pad, 80, 0), EINVAL);
		CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_GET_REGION_INFO, 0, pad, 24, 0), EINVAL);
	}
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_RESET, 0, rw, 4, 0), EINVAL);
	CU_ASSERT_EQUAL(check(VFIO_USER_REGION_WRITE, 0, rw, 20, 0), EINVAL); /* count 8, data 4 */
	CU_ASSERT_EQUAL(check(VFIO_USER_REGION_READ, 0, rw, 24, 0), EINVAL);
	a->count = 0;
	CU_ASSERT_EQUAL(check(VFIO_USER_REGION_READ, 0, rw, 16, 0), EINVAL);
	a->count = (1 << 20) + 1;
	CU_ASSERT_EQUAL(check(VFIO_USER_REGION_READ, 0, rw, 16, 0), EINVAL);
	/* Test3: header smaller than itself, reply where a command is due, unknown commands. */
	CU_ASSERT_EQUAL(vfu_cmd_check(&h, NULL, 0, 0, 1 << 20), EINVAL);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, NULL, 0, 0), EINVAL);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_RESET, VFIO_USER_F_ERROR, NULL, 0, 0), EINVAL);
	CU_ASSERT_EQUAL(check(99, 0, NULL, 0, 0), ENOSYS);
	CU_ASSERT_EQUAL(check(0, 0, NULL, 0, 0), ENOSYS);
	CU_ASSERT_EQUAL(check(VFIO_USER_DMA_READ, 0, rw, 16, 0), EINVAL);
	CU_ASSERT_EQUAL(check(VFIO_USER_MIG_DATA_READ, 0, rw, 8, 0), ENOTSUP);
	/* REGION_WRITE_MULTI: wr_cnt must match the entries, each 1..8 bytes. */
	{
		uint8_t wm[8 + 2 * 24] = {0};
		uint64_t cnt = 2;
		struct vfio_user_write_multi_entry *e = (void *)(wm + 8);

		memcpy(wm, &cnt, 8);
		e[0].count = 4;
		e[1].count = 8;
		CU_ASSERT_EQUAL(check(VFIO_USER_REGION_WRITE_MULTI, 0, wm, sizeof(wm), 0), 0);
		CU_ASSERT_EQUAL(check(VFIO_USER_REGION_WRITE_MULTI, 0, wm, 8 + 24, 0), EINVAL);
		e[1].count = 9;
		CU_ASSERT_EQUAL(check(VFIO_USER_REGION_WRITE_MULTI, 0, wm, sizeof(wm), 0), EINVAL);
		cnt = 0;
		memcpy(wm, &cnt, 8);
		CU_ASSERT_EQUAL(check(VFIO_USER_REGION_WRITE_MULTI, 0, wm, 8, 0), EINVAL);
	}
}

static void
test_set_irqs(void)
{
	uint8_t buf[32] = {0};
	struct vfio_user_irq_set *s = (void *)buf;

	s->argsz = 20;
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->count = 2;
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_SET_IRQS, 0, buf, 20, 2), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_SET_IRQS, 0, buf, 20, 0), 0); /* de-assign */
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_SET_IRQS, 0, buf, 20, 1), EINVAL);
	s->flags |= VFIO_IRQ_SET_DATA_BOOL;
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_SET_IRQS, 0, buf, 20, 2), EINVAL);
	s->flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->argsz = 22;
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_SET_IRQS, 0, buf, 22, 0), 0);
	CU_ASSERT_EQUAL(check(VFIO_USER_DEVICE_SET_IRQS, 0, buf, 21, 0), EINVAL);
}

static void
test_version(void)
{
	uint8_t buf[256];
	struct vfio_user_version *v = (void *)buf;
	const char *js = "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":4096,"
			 "\"migration\":{\"pgsize\":4096},\"future\":true}}";
	struct vfu_caps c;
	uint16_t maj, min;
	char out[256];

	v->major = 0;
	v->minor = 2;
	strcpy(v->data, js);
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4 + strlen(js) + 1, &maj, &min, &c), 0);
	CU_ASSERT_EQUAL(min, 2);
	CU_ASSERT_EQUAL(c.max_msg_fds, 8);
	CU_ASSERT_EQUAL(c.max_data_xfer_size, 4096);
	CU_ASSERT_EQUAL(c.migration_pgsize, 4096);
	CU_ASSERT_EQUAL(c.max_dma_maps, VFIO_USER_DEF_MAX_DMA_MAPS);
	CU_ASSERT_FALSE(c.write_multiple);
	/* No JSON at all: defaults. */
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4, &maj, &min, &c), 0);
	CU_ASSERT_EQUAL(c.max_msg_fds, 1);
	/* Not NUL terminated, wrong type, not an object, short. */
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4 + strlen(js), &maj, &min, &c), -EINVAL);
	strcpy(v->data, "{\"capabilities\":{\"max_msg_fds\":\"8\"}}");
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4 + strlen(v->data) + 1, &maj, &min, &c), -EINVAL);
	strcpy(v->data, "{\"capabilities\":{\"write_multiple\":true}}");
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4 + strlen(v->data) + 1, &maj, &min, &c), 0);
	CU_ASSERT(c.write_multiple);
	strcpy(v->data, "{\"capabilities\":{\"write_multiple\":1}}");
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4 + strlen(v->data) + 1, &maj, &min, &c), -EINVAL);
	strcpy(v->data, "[1]");
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 8, &maj, &min, &c), -EINVAL);
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 3, &maj, &min, &c), -EINVAL);
	/* Our own JSON round-trips. */
	vfu_caps_default(&c);
	c.max_msg_fds = 32;
	CU_ASSERT(vfu_caps_json(&c, out, sizeof(out)) > 0);
	strcpy(v->data, out);
	CU_ASSERT_EQUAL(vfu_version_parse(buf, 4 + strlen(out) + 1, &maj, &min, &c), 0);
	CU_ASSERT_EQUAL(c.max_msg_fds, 32);
	CU_ASSERT_EQUAL(vfu_caps_json(&c, out, 10), -ENOSPC);
}

IOP_UT_MAIN("vfio_user_proto", IOP_UT(test_sizes), IOP_UT(test_set_irqs), IOP_UT(test_version))
