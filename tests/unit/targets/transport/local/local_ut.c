/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: the local: initiator: URI and option checks, queue per thread on a backend
 * channel, inline and polled completions, data through the buffer arena. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "tests/common/ut.h"

static const struct iop_initiator_ops *
local_ops(void)
{
	const struct iop_initiator_ops *ops = iop_initiator_find_uri("local:");

	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	return ops;
}

static void
test_open_errors(void)
{
	const struct iop_initiator_ops *ops = local_ops();
	struct iop_initiator *ini = NULL;
	struct iop_initiator_cfg cfg = {.uri = "local:", .backend = "null:size=1M"};

	/* Test1: no backend */
	cfg.backend = NULL;
	CU_ASSERT_EQUAL(ops->open(&cfg, &ini), -EINVAL);
	/* Test2: unknown backend / bad backend option */
	cfg.backend = "nosuch:size=1M";
	CU_ASSERT_EQUAL(ops->open(&cfg, &ini), -ENOENT);
	cfg.backend = "null:size=12q";
	CU_ASSERT_EQUAL(ops->open(&cfg, &ini), -EINVAL);
	/* Test3: something after "local:" */
	cfg.backend = "null:size=1M";
	cfg.uri = "local://host/x";
	CU_ASSERT_EQUAL(ops->open(&cfg, &ini), -EINVAL);
	cfg.uri = "local:foo";
	CU_ASSERT_EQUAL(ops->open(&cfg, &ini), -EINVAL);
	/* Test4: transport options are not accepted */
	cfg.uri = "local:";
	cfg.opts = "hdgst=1";
	CU_ASSERT_EQUAL(ops->open(&cfg, &ini), -EINVAL);
	/* Test5: good */
	cfg.opts = NULL;
	CU_ASSERT_EQUAL_FATAL(ops->open(&cfg, &ini), 0);
	CU_ASSERT_EQUAL(ini->size, 1 << 20);
	CU_ASSERT_EQUAL(ini->block_size, 512);
	CU_ASSERT_PTR_NOT_NULL(strstr(ini->desc, "null:size=1M"));
	ops->close(ini);
}

static unsigned int g_done;

static void
count_cb(struct iop_io *io)
{
	CU_ASSERT_EQUAL(io->status, 0);
	g_done++;
}

static void
rw_cycle(const char *backend, bool check_data)
{
	const struct iop_initiator_ops *ops = local_ops();
	struct iop_initiator_cfg cfg = {.uri = "local:", .backend = backend};
	struct iop_initiator *ini;
	struct iop_queue *q;
	struct iop_io io[4];
	void *buf[4];
	unsigned int submitted = 0;

	CU_ASSERT_EQUAL_FATAL(ops->open(&cfg, &ini), 0);
	CU_ASSERT_EQUAL_FATAL(ops->queue_open(ini, 0, 4, &q), 0);
	for (int i = 0; i < 4; i++) {
		buf[i] = ops->buf_alloc(q, 4096);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf[i]);
		CU_ASSERT_EQUAL((uintptr_t)buf[i] % 4096, 0);
		memset(&io[i], 0, sizeof(io[i]));
		memset(buf[i], 'a' + i, 4096);
		iop_io_set_buf(&io[i], buf[i], 4096);
		io[i].op = IOP_OP_WRITE;
		io[i].offset = (uint64_t)i * 4096;
		io[i].cb = count_cb;
	}
	/* write 4 blocks, then read them back into the same buffers after clearing them */
	for (int pass = 0; pass < 2; pass++) {
		g_done = 0;
		submitted = 0;
		for (int i = 0; i < 4; i++) {
			if (pass) {
				io[i].op = IOP_OP_READ;
				memset(buf[i], 0, 4096);
			}
			CU_ASSERT_EQUAL(ops->submit(q, &io[i]), 0);
			submitted++;
		}
		for (int spin = 0; g_done < submitted && spin < 10000000; spin++) {
			if (ops->poll(q, 4, 0) < 0) {
				CU_FAIL("poll failed");
				break;
			}
		}
		CU_ASSERT_EQUAL(g_done, 4);
	}
	if (check_data) {
		for (int i = 0; i < 4; i++) {
			CU_ASSERT_EQUAL(((uint8_t *)buf[i])[0], 'a' + i);
			CU_ASSERT_EQUAL(((uint8_t *)buf[i])[4095], 'a' + i);
		}
	}
	for (int i = 0; i < 4; i++) {
		ops->buf_free(q, buf[i], 4096);
	}
	/* a buffer of another size still works (plain heap memory) */
	buf[0] = ops->buf_alloc(q, 8192);
	CU_ASSERT_PTR_NOT_NULL(buf[0]);
	ops->buf_free(q, buf[0], 8192);
	ops->queue_close(q);
	ops->close(ini);
}

static void
test_data_paths(void)
{
	char path[] = "/tmp/iopath-local-ut-XXXXXX", spec[128];
	int fd = mkstemp(path);

	/* Test1: null, inline completion */
	rw_cycle("null:size=1M", false);
	/* Test2: malloc, completions from poll: data round trip */
	rw_cycle("malloc:size=1M,completion=poll", true);
	/* Test3: io_uring on a file: buffers from the registered arena */
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "uring:path=%s", path);
	rw_cycle(spec, true);
	unlink(path);
}

IOP_UT_MAIN("local", IOP_UT(test_open_errors), IOP_UT(test_data_paths))
