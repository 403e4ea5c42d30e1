/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user JSON Lines trace: fields, direction from either end, hex, decode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "tests/common/ut.h"
#include "targets/transport/vfio_user/vfu_internal.h"

static json_object *
last_line(const char *path)
{
	static char line[65536];
	FILE *f = fopen(path, "r");
	char *last = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		free(last);
		last = strdup(line);
	}
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	json_object *o = json_tokener_parse(last);
	free(last);
	return o;
}

static const char *
str(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static int64_t
num(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : -1;
}

static void
test_records(void)
{
	char path[] = "/tmp/vfu_trace_utXXXXXX";
	int fd = mkstemp(path);
	struct vfu_trace t;
	struct vfio_user_dma_map m = {.argsz = 32, .flags = 3, .offset = 0, .addr = 0x1000,
				      .size = 0x2000};
	struct vfio_user_hdr h = {.msg_id = 0x1234, .cmd = VFIO_USER_DMA_MAP, .msg_size = 48};
	json_object *o, *d;

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	/* Test1: server receiving a command = c2s, decoded DMA_MAP. */
	CU_ASSERT_EQUAL_FATAL(vfu_trace_open(&t, path, true), 0);
	vfu_trace_msg(&t, false, &h, &m, sizeof(m), 1);
	o = last_line(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(str(o, "dir"), "c2s");
	CU_ASSERT_STRING_EQUAL(str(o, "cmd_name"), "DMA_MAP");
	CU_ASSERT_STRING_EQUAL(str(o, "type"), "command");
	CU_ASSERT_STRING_EQUAL(str(o, "header_hex"), "34120200300000000000000000000000");
	CU_ASSERT_EQUAL(num(o, "nfds"), 1);
	CU_ASSERT_EQUAL(num(o, "payload_len"), 32);
	CU_ASSERT_EQUAL(num(o, "seq"), 0);
	CU_ASSERT(json_object_object_get_ex(o, "decoded", &d));
	CU_ASSERT_EQUAL(num(d, "size"), 0x2000);
	CU_ASSERT_EQUAL(num(d, "addr"), 0x1000);
	json_object_put(o);
	/* Test2: server sending an error reply = s2c, no decoded member. */
	h.flags = VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR;
	h.error_no = 17;
	h.msg_size = 16;
	vfu_trace_msg(&t, true, &h, NULL, 0, 0);
	o = last_line(path);
	CU_ASSERT_STRING_EQUAL(str(o, "dir"), "s2c");
	CU_ASSERT_STRING_EQUAL(str(o, "type"), "reply");
	CU_ASSERT_EQUAL(num(o, "error_no"), 17);
	CU_ASSERT_STRING_EQUAL(str(o, "error"), "true");
	CU_ASSERT_FALSE(json_object_object_get_ex(o, "decoded", &d));
	CU_ASSERT_EQUAL(num(o, "seq"), 1);
	json_object_put(o);
	vfu_trace_close(&t);
	/* Test3: a client sending = c2s. */
	CU_ASSERT_EQUAL_FATAL(vfu_trace_open(&t, path, false), 0);
	h.flags = 0;
	h.cmd = VFIO_USER_DEVICE_RESET;
	vfu_trace_msg(&t, true, &h, NULL, 0, 0);
	o = last_line(path);
	CU_ASSERT_STRING_EQUAL(str(o, "dir"), "c2s");
	CU_ASSERT_STRING_EQUAL(str(o, "no_reply"), "false");
	json_object_put(o);
	vfu_trace_close(&t);
	unlink(path);
}

IOP_UT_MAIN("vfio_user_trace", IOP_UT(test_records))
