/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user active probes: one malformed or out-of-sequence message per rule, error replies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/probe.h"
#include "conformance/probe/vfio_user_client.h"
#include "conformance/vfio_user_wire_internal.h"

/* Reactions a rule accepts besides an error reply. */
#define VP_OK_CLOSE 0x1

static int
vp_session(struct iop_probe_ctx *ctx, struct vucli *c, bool version)
{
	int rc = vucli_open(c, ctx->uri.path, ctx->timeout_ms);

	if (!rc && version) {
		rc = vucli_version(c);
	}
	return rc;
}

static void
vp_survived(struct iop_probe_ctx *ctx, const char *after)
{
	struct vucli c;
	struct iop_conf_pos pos;
	uint8_t info[16] = {16};
	char what[96];
	int rc = vp_session(ctx, &c, true);

	if (!rc) {
		rc = vucli_call(&c, VU_DEVICE_GET_INFO, info, sizeof(info), NULL, 0);
		rc = rc ? rc : (vucli_rx_flags(&c) & VU_F_ERROR) ? -EIO : 0;
	}
	vucli_close(&c);
	snprintf(what, sizeof(what), "good client after %s", after);
	iop_probe_pos(&pos, what);
	if (iop_conf_expect(ctx->v, rc == 0, "VFU-030", &pos, "VERSION and GET_INFO served|%s",
			    strerror(-rc))) {
		ctx->nsurvived++;
	}
	ctx->nprobes++;
}

/*
 * Judge the reaction to the message just sent: an error reply (errno want, 0 = any non-zero
 * errno accepted and reported) passes; a disconnect passes when VP_OK_CLOSE.
 */
static void
vp_expect_error(struct iop_probe_ctx *ctx, struct vucli *c, const char *rule, uint32_t want,
		unsigned int ok, const char *what)
{
	struct iop_conf_pos pos;
	int rc = vucli_recv(c);

	iop_probe_pos(&pos, what);
	if (rc == -ECONNRESET) {
		iop_conf_event(ctx->v, &pos, "%s: server closed the connection", what);
		iop_conf_expect(ctx->v, ok & VP_OK_CLOSE, rule, &pos, "error reply%s|disconnect",
				want ? " with that errno" : "");
		return;
	}
	if (rc) {
		iop_conf_fail(ctx->v, rule, &pos, "error reply|%s", strerror(-rc));
		return;
	}
	if (!(vucli_rx_flags(c) & VU_F_ERROR)) {
		iop_conf_fail(ctx->v, rule, &pos, "error reply|success reply (flags 0x%x)",
			      vucli_rx_flags(c));
		return;
	}
	iop_conf_event(ctx->v, &pos, "%s: error reply, errno %u (%s)", what, vucli_rx_errno(c),
		       strerror((int)vucli_rx_errno(c)));
	iop_conf_expect(ctx->v, c->rxlen == VU_HDR_LEN, "VFU-009", &pos, "header only|%zu bytes",
			c->rxlen);
	iop_conf_expect(ctx->v, want ? vucli_rx_errno(c) == want : vucli_rx_errno(c) != 0, rule, &pos,
			"errno %s%u|errno %u", want ? "" : "non-zero, e.g. ", want ? want : EINVAL,
			vucli_rx_errno(c));
}

static void
vp_framing(struct iop_probe_ctx *ctx)
{
	struct vucli c;
	uint8_t b[64] = {0};

	/* Not VERSION first. */
	if (!vp_session(ctx, &c, false)) {
		b[0] = 16;
		vucli_send(&c, 1, VU_DEVICE_GET_INFO, 0, b, 16, NULL, 0);
		vp_expect_error(ctx, &c, "VFU-002", 0, VP_OK_CLOSE, "GET_INFO before VERSION");
	}
	vucli_close(&c);
	vp_survived(ctx, "GET_INFO before VERSION");

	/* Header claiming a message size of 8 (< 16). */
	if (!vp_session(ctx, &c, true)) {
		cw_put16(b, 7);
		cw_put16(b + 2, VU_DEVICE_GET_INFO);
		cw_put32(b + 4, 8);
		cw_put32(b + 8, 0);
		cw_put32(b + 12, 0);
		vucli_send_raw(&c, b, 16, NULL, 0);
		vp_expect_error(ctx, &c, "VFU-001", 0, VP_OK_CLOSE, "message size 8");
	}
	vucli_close(&c);
	vp_survived(ctx, "message size 8");

	/* REGION_READ whose size leaves only 4 of its 16 payload bytes. */
	if (!vp_session(ctx, &c, true)) {
		memset(b, 0, sizeof(b));
		cw_put16(b, 8);
		cw_put16(b + 2, VU_REGION_READ);
		cw_put32(b + 4, 20);
		vucli_send_raw(&c, b, 20, NULL, 0);
		vp_expect_error(ctx, &c, "VFU-027", EINVAL, VP_OK_CLOSE, "REGION_READ size 20");
	}
	vucli_close(&c);
	vp_survived(ctx, "REGION_READ size 20");

	/* Unknown command 99. */
	if (!vp_session(ctx, &c, true)) {
		vucli_send(&c, 9, 99, 0, NULL, 0, NULL, 0);
		vp_expect_error(ctx, &c, "VFU-010", 0, 0, "unknown command 99");
	}
	vucli_close(&c);
	vp_survived(ctx, "unknown command 99");

	/* A reply where a command is due: must be rejected, never executed or silently eaten. */
	if (!vp_session(ctx, &c, true)) {
		uint8_t info[16] = {16};
		struct iop_conf_pos pos;
		int rc;

		memset(b, 0, sizeof(b));
		vucli_send(&c, 10, VU_REGION_READ, VU_F_REPLY, b, 16, NULL, 0);
		vucli_send(&c, 11, VU_DEVICE_GET_INFO, 0, info, sizeof(info), NULL, 0);
		rc = vucli_recv(&c);
		iop_probe_pos(&pos, "reply instead of a command");
		if (rc == -ECONNRESET) {
			iop_conf_pass(ctx->v, "VFU-028");
		} else if (rc) {
			iop_conf_fail(ctx->v, "VFU-028", &pos, "error reply or disconnect|%s",
				      strerror(-rc));
		} else {
			iop_conf_expect(ctx->v, cw_le16(c.rx) == 10 && (vucli_rx_flags(&c) & VU_F_ERROR),
					"VFU-028", &pos,
					"error reply to msg 10 or disconnect|%s (msg %u, flags 0x%x)",
					cw_le16(c.rx) == 11 ? "reply silently ignored" : "other message",
					cw_le16(c.rx), vucli_rx_flags(&c));
		}
	}
	vucli_close(&c);
	vp_survived(ctx, "reply instead of a command");
}

static void
vp_dma(struct iop_probe_ctx *ctx)
{
	struct vucli c;
	uint8_t m[32];
	int mfd = memfd_create("iopath-probe-dma", MFD_CLOEXEC);
	struct iop_conf_pos pos;

	iop_probe_pos(&pos, "DMA_MAP");
	if (mfd < 0 || ftruncate(mfd, 4 * 4096)) {
		if (mfd >= 0) {
			close(mfd);
		}
		return;
	}
	if (vp_session(ctx, &c, true)) {
		vucli_close(&c);
		close(mfd);
		return;
	}
	memset(m, 0, sizeof(m));
	cw_put32(m, 32);
	cw_put32(m + 4, 3);
	cw_put64(m + 8, 0);
	cw_put64(m + 16, 0x10000000);
	cw_put64(m + 24, 2 * 4096);
	if (vucli_call(&c, VU_DMA_MAP, m, 32, &mfd, 1) || (vucli_rx_flags(&c) & VU_F_ERROR)) {
		iop_conf_event(ctx->v, &pos, "DMA_MAP of a memfd refused (errno %u): DMA probes skipped",
			       c.rxlen ? vucli_rx_errno(&c) : 0);
	} else {
		cw_put64(m + 8, 4096);
		cw_put64(m + 16, 0x10001000);
		vucli_send(&c, 20, VU_DMA_MAP, 0, m, 32, &mfd, 1);
		vp_expect_error(ctx, &c, "VFU-014", EEXIST, 0, "overlapping DMA_MAP");
		memset(m, 0, sizeof(m));
		cw_put32(m, 24);
		cw_put64(m + 8, 0x20000000);
		cw_put64(m + 16, 4096);
		vucli_send(&c, 21, VU_DMA_UNMAP, 0, m, 24, NULL, 0);
		vp_expect_error(ctx, &c, "VFU-015", 0, 0, "DMA_UNMAP of nothing mapped");
	}
	vucli_close(&c);
	close(mfd);
	vp_survived(ctx, "DMA probes");
}

static void
vp_region(struct iop_probe_ctx *ctx)
{
	struct vucli c;
	uint8_t info[16] = {16}, ri[32] = {32}, rr[16];
	uint32_t nreg;
	uint64_t size;
	struct iop_conf_pos pos;

	iop_probe_pos(&pos, "region probes");
	if (vp_session(ctx, &c, true) || vucli_call(&c, VU_DEVICE_GET_INFO, info, 16, NULL, 0) ||
	    c.rxlen < 32) {
		vucli_close(&c);
		return;
	}
	nreg = cw_le32(c.rx + 16 + 8);
	cw_put32(ri + 8, 0);
	if (vucli_call(&c, VU_DEVICE_GET_REGION_INFO, ri, 32, NULL, 0) || c.rxlen < 48 ||
	    (vucli_rx_flags(&c) & VU_F_ERROR)) {
		iop_conf_event(ctx->v, &pos, "GET_REGION_INFO 0 failed: region probes skipped");
		vucli_close(&c);
		return;
	}
	size = cw_le64(c.rx + 16 + 16);
	memset(rr, 0, sizeof(rr));
	cw_put64(rr, size);
	cw_put32(rr + 8, 0);
	cw_put32(rr + 12, 4);
	vucli_send(&c, 30, VU_REGION_READ, 0, rr, 16, NULL, 0);
	vp_expect_error(ctx, &c, "VFU-020", 0, 0, "REGION_READ at the end of BAR0");
	cw_put64(rr, 0);
	cw_put32(rr + 8, nreg + 3);
	vucli_send(&c, 31, VU_REGION_READ, 0, rr, 16, NULL, 0);
	vp_expect_error(ctx, &c, "VFU-020", 0, 0, "REGION_READ of region num_regions+3");
	vucli_close(&c);
	vp_survived(ctx, "region probes");
}

static int
vp_run(struct iop_probe_ctx *ctx)
{
	struct vucli c;
	int rc = vp_session(ctx, &c, true);

	vucli_close(&c);
	if (rc) {
		fprintf(stderr, "iopath conform probe: %s: VERSION handshake failed (%s)\n",
			ctx->uri_str, strerror(-rc));
		return rc;
	}
	vp_framing(ctx);
	vp_dma(ctx);
	vp_region(ctx);
	return 0;
}

const struct iop_probe_suite iop_probe_vfio_user = {
	.scheme = "vfio-user",
	.kind = "vfio-user",
	.rules = "VFU",
	.run = vp_run,
};
