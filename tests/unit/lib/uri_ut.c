/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: endpoint URI parsing for every scheme shape, and rejection of malformed ones. */
#include <errno.h>
#include <string.h>
#include "iopath/uri.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

static void
test_good(void)
{
	struct iop_uri u;
	char err[128];

	CU_ASSERT_EQUAL(iop_uri_parse("nvmf-tcp://127.0.0.1:4420/nqn.2014-08.org.x:sub", &u, err,
				      sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.scheme, "nvmf-tcp");
	CU_ASSERT_STRING_EQUAL(u.host, "127.0.0.1");
	CU_ASSERT_EQUAL(u.port, 4420);
	CU_ASSERT_STRING_EQUAL(u.path, "nqn.2014-08.org.x:sub");
	CU_ASSERT_EQUAL(iop_uri_parse("vfio-user:///run/iopath/nvme0", &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.path, "/run/iopath/nvme0");
	CU_ASSERT_EQUAL(u.host[0], '\0');
	CU_ASSERT_EQUAL(iop_uri_parse("local:", &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.scheme, "local");
	CU_ASSERT_EQUAL(iop_uri_parse("nvmf-tcp://[::1]:4420/n", &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT_EQUAL(iop_uri_parse("vduse://blk0", &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "blk0");
	CU_ASSERT_EQUAL(u.port, -1);
}

static void
test_bad(void)
{
	static const char *const bad[] = {
		"", "nvmf-tcp", "://x", "nvmf-tcp://127.0.0.1:0/n", "nvmf-tcp://127.0.0.1:99999/n",
		"nvmf-tcp://127.0.0.1:44x/n", "nvmf-tcp://:4420/n", "nvmf-tcp://[::1/n", "NVMF://x",
	};
	struct iop_uri u;
	char err[128];

	for (size_t i = 0; i < IOP_ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(iop_uri_parse(bad[i], &u, err, sizeof(err)), -EINVAL);
		CU_ASSERT_NOT_EQUAL(err[0], '\0');
	}
}

IOP_UT_MAIN("uri", IOP_UT(test_good), IOP_UT(test_bad))
