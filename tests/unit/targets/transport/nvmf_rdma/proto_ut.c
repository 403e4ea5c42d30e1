/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: NVMe/RDMA CM private data checks (reject codes) and capsule SGL classification. */
#include <string.h>
#include "iopath/nvme_spec.h"
#include "targets/transport/nvmf_rdma/nvmf_rdma_internal.h"
#include "tests/common/ut.h"

static const struct nvmf_rdma_cm_limits g_lim = {
	.max_qid = 16, .max_admin_depth = 32, .max_io_depth = 128,
};

static void
test_cm_req_layout(void)
{
	struct nvmf_rdma_cm_req r;
	uint8_t raw[32];

	nvmf_rdma_cm_req_build(&r, 3, 128, 0x1234);
	memcpy(raw, &r, sizeof(raw));
	/* NVMe-oF RDMA binding: RECFMT 0-1, QID 2-3, HRQSIZE 4-5, HSQSIZE 6-7, CNTLID 8-9, LE */
	CU_ASSERT_EQUAL(raw[0] | raw[1] << 8, 0);
	CU_ASSERT_EQUAL(raw[2] | raw[3] << 8, 3);
	CU_ASSERT_EQUAL(raw[4] | raw[5] << 8, 128);
	CU_ASSERT_EQUAL(raw[6] | raw[7] << 8, 127);
	CU_ASSERT_EQUAL(raw[8] | raw[9] << 8, 0x1234);
	for (int i = 10; i < 32; i++) {
		CU_ASSERT_EQUAL(raw[i], 0);
	}
}

static void
test_cm_req_accept(void)
{
	struct nvmf_rdma_cm_req r, out;

	nvmf_rdma_cm_req_build(&r, 0, 32, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, &out), NVMF_RDMA_CM_OK);
	CU_ASSERT_EQUAL(out.hsqsize, 31);
	nvmf_rdma_cm_req_build(&r, 16, 128, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, &out), NVMF_RDMA_CM_OK);
	/* longer private data (the CM pads it) is fine */
	{
		uint8_t big[56] = {0};

		memcpy(big, &r, sizeof(r));
		CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(big, sizeof(big), &g_lim, NULL), 0);
	}
	/* a host receive queue larger than its send queue is allowed (Linux asks HRQSIZE = N,
	 * HSQSIZE = N - 1) */
	nvmf_rdma_cm_req_build(&r, 1, 64, 0);
	r.hrqsize = 100;
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL), 0);
}

static void
test_cm_req_reject(void)
{
	struct nvmf_rdma_cm_req r;

	nvmf_rdma_cm_req_build(&r, 1, 32, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(NULL, 0, &g_lim, NULL), NVMF_RDMA_CM_INVALID_LEN);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, 31, &g_lim, NULL), NVMF_RDMA_CM_INVALID_LEN);
	r.recfmt = 1;
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_RECFMT);
	nvmf_rdma_cm_req_build(&r, 17, 32, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_QID);
	/* admin queue above its depth, I/O queue above MQES, SQSIZE 0 (one entry) */
	nvmf_rdma_cm_req_build(&r, 0, 33, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_HSQSIZE);
	nvmf_rdma_cm_req_build(&r, 2, 129, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_HSQSIZE);
	nvmf_rdma_cm_req_build(&r, 2, 1, 0);
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_HSQSIZE);
	/* the host cannot receive a response for each command it may send */
	nvmf_rdma_cm_req_build(&r, 2, 64, 0);
	r.hrqsize = 63;
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_HRQSIZE);
	r.hrqsize = 0;
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_HRQSIZE);
	/* RECFMT is checked before QID and sizes */
	nvmf_rdma_cm_req_build(&r, 999, 1, 0);
	r.recfmt = 7;
	CU_ASSERT_EQUAL(nvmf_rdma_cm_req_check(&r, sizeof(r), &g_lim, NULL),
			NVMF_RDMA_CM_INVALID_RECFMT);
	CU_ASSERT_STRING_EQUAL(nvmf_rdma_cm_status_str(NVMF_RDMA_CM_INVALID_QID), "invalid QID");
	CU_ASSERT_STRING_EQUAL(nvmf_rdma_cm_status_str(200), "unknown");
}

static void
test_cm_rep_rej(void)
{
	struct nvmf_rdma_cm_rep rep;
	struct nvmf_rdma_cm_rej rej;
	uint8_t raw[32];

	nvmf_rdma_cm_rep_build(&rep, 128);
	memcpy(raw, &rep, sizeof(raw));
	CU_ASSERT_EQUAL(raw[0] | raw[1] << 8, 0);
	CU_ASSERT_EQUAL(raw[2] | raw[3] << 8, 128);
	for (int i = 4; i < 32; i++) {
		CU_ASSERT_EQUAL(raw[i], 0);
	}
	nvmf_rdma_cm_rej_build(&rej, NVMF_RDMA_CM_INVALID_HSQSIZE);
	memcpy(raw, &rej, sizeof(rej));
	CU_ASSERT_EQUAL(raw[0] | raw[1] << 8, 0);
	CU_ASSERT_EQUAL(raw[2] | raw[3] << 8, 4);
}

static uint16_t
sc(uint16_t st)
{
	return st & 0xff;
}

static void
test_sgl_keyed(void)
{
	struct iop_nvme_cmd cmd;
	struct nvmf_rdma_data d;

	memset(&cmd, 0, sizeof(cmd));
	iop_nvme_sgl_set_keyed(&cmd.dptr.sgl1, 0x123456789abcull, 0x20000, 0xdeadbeef,
			       IOP_NVME_SGL_SUBTYPE_ADDRESS);
	CU_ASSERT_EQUAL(nvmf_rdma_sgl_parse(&cmd, 0, &d), 0);
	CU_ASSERT_EQUAL(d.kind, NVMF_RDMA_DATA_KEYED);
	CU_ASSERT_EQUAL(d.len, 0x20000);
	CU_ASSERT_EQUAL(d.key, 0xdeadbeef);
	CU_ASSERT_EQUAL(d.addr, 0x123456789abcull);
	CU_ASSERT_FALSE(d.invalidate);
	/* subtype Fh: the host asks for SEND WITH INVALIDATE of the key */
	iop_nvme_sgl_set_keyed(&cmd.dptr.sgl1, 0x1000, 0xffffff, 7,
			       IOP_NVME_SGL_SUBTYPE_INVALIDATE_KEY);
	CU_ASSERT_EQUAL(nvmf_rdma_sgl_parse(&cmd, 0, &d), 0);
	CU_ASSERT_TRUE(d.invalidate);
	CU_ASSERT_EQUAL(d.len, 0xffffff); /* 24-bit length */
	/* zero length keyed SGL (Linux: commands without data) */
	iop_nvme_sgl_set_keyed(&cmd.dptr.sgl1, 0, 0, 0, IOP_NVME_SGL_SUBTYPE_ADDRESS);
	CU_ASSERT_EQUAL(nvmf_rdma_sgl_parse(&cmd, 0, &d), 0);
	CU_ASSERT_EQUAL(d.kind, NVMF_RDMA_DATA_NONE);
	/* reserved keyed subtype */
	iop_nvme_sgl_set_keyed(&cmd.dptr.sgl1, 0x1000, 512, 7, 0x3);
	CU_ASSERT_EQUAL(sc(nvmf_rdma_sgl_parse(&cmd, 0, &d)),
			IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
	CU_ASSERT_TRUE(nvmf_rdma_sgl_parse(&cmd, 0, &d) & IOP_NVME_STATUS_DNR);
}

static void
test_sgl_incapsule(void)
{
	struct iop_nvme_cmd cmd;
	struct nvmf_rdma_data d;

	memset(&cmd, 0, sizeof(cmd));
	iop_nvme_sgl_set_unkeyed(&cmd.dptr.sgl1, 0, 4096, IOP_NVME_SGL_ID_INCAPSULE);
	CU_ASSERT_EQUAL(nvmf_rdma_sgl_parse(&cmd, 4096, &d), 0);
	CU_ASSERT_EQUAL(d.kind, NVMF_RDMA_DATA_INCAPSULE);
	CU_ASSERT_EQUAL(d.len, 4096);
	/* an offset inside the in-capsule data */
	iop_nvme_sgl_set_unkeyed(&cmd.dptr.sgl1, 512, 1024, IOP_NVME_SGL_ID_INCAPSULE);
	CU_ASSERT_EQUAL(nvmf_rdma_sgl_parse(&cmd, 2048, &d), 0);
	CU_ASSERT_EQUAL(d.addr, 512);
	/* data past what arrived */
	CU_ASSERT_EQUAL(sc(nvmf_rdma_sgl_parse(&cmd, 1024, &d)), IOP_NVME_SC_INVALID_SGL_OFFSET);
	iop_nvme_sgl_set_unkeyed(&cmd.dptr.sgl1, ~0ull, 16, IOP_NVME_SGL_ID_INCAPSULE);
	CU_ASSERT_EQUAL(sc(nvmf_rdma_sgl_parse(&cmd, 8192, &d)), IOP_NVME_SC_INVALID_SGL_OFFSET);
	/* descriptor says in-capsule, capsule carries nothing */
	iop_nvme_sgl_set_unkeyed(&cmd.dptr.sgl1, 0, 512, IOP_NVME_SGL_ID_INCAPSULE);
	CU_ASSERT_EQUAL(sc(nvmf_rdma_sgl_parse(&cmd, 0, &d)), IOP_NVME_SC_DATA_SGL_LENGTH_INVALID);
	/* NVMe/TCP's transport data block and a plain address data block mean nothing here */
	iop_nvme_sgl_set_unkeyed(&cmd.dptr.sgl1, 0, 512, IOP_NVME_SGL_ID_TCP_HOSTBUF);
	CU_ASSERT_EQUAL(sc(nvmf_rdma_sgl_parse(&cmd, 0, &d)),
			IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
	iop_nvme_sgl_set_unkeyed(&cmd.dptr.sgl1, 0x1000, 512, 0x00);
	CU_ASSERT_EQUAL(sc(nvmf_rdma_sgl_parse(&cmd, 0, &d)),
			IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
}

IOP_UT_MAIN("nvmf_rdma_proto", IOP_UT(test_cm_req_layout), IOP_UT(test_cm_req_accept),
	    IOP_UT(test_cm_req_reject), IOP_UT(test_cm_rep_rej), IOP_UT(test_sgl_keyed),
	    IOP_UT(test_sgl_incapsule))
