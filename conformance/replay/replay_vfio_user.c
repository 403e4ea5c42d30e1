/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user replay: resend the client commands of a JSON Lines trace, compare the replies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "conformance/nvme_wire_internal.h"
#include "conformance/probe/vfio_user_client.h"
#include "conformance/replay/replay.h"
#include "conformance/trace/jsonl.h"
#include "conformance/vfio_user_wire_internal.h"

/*
 * Substitutions: DMA_MAP file descriptors become memfds of the mapped size (offset 0), mapped
 * here too so the server's DMA_READ/DMA_WRITE commands are served from real memory; SET_IRQS
 * eventfds become fresh eventfds. Not compared (the spec lets them vary): VERSION capabilities
 * and minor version (<= proposed), region mmap offsets and capability chains, file descriptors.
 * Compared: reply command, error flag and errno, payload length and the remaining payload bytes.
 */

struct rv_map {
	uint64_t addr, size;
	uint8_t *mem;
	int fd;
};

struct rv {
	struct vucli c;
	struct rv_map maps[64];
	unsigned int nmaps;
	struct iop_replay_report *rep;
};

static uint8_t *
rv_mem(struct rv *v, uint64_t addr, uint64_t len)
{
	for (unsigned int i = 0; i < v->nmaps; i++) {
		struct rv_map *m = &v->maps[i];

		if (m->mem && addr >= m->addr && addr + len <= m->addr + m->size) {
			return m->mem + (addr - m->addr);
		}
	}
	return NULL;
}

/* Answer a server command (DMA_READ/DMA_WRITE) from our memory. */
static int
rv_serve(struct rv *v)
{
	const uint8_t *rx = v->c.rx;
	uint16_t id = cw_le16(rx), cmd = cw_le16(rx + 2);
	uint64_t addr = v->c.rxlen >= 32 ? cw_le64(rx + 16) : 0;
	uint64_t count = v->c.rxlen >= 32 ? cw_le64(rx + 24) : 0;
	uint8_t *mem = rv_mem(v, addr, count);
	uint8_t hdr[16];
	int rc;

	if (!mem || (cmd != VU_DMA_READ && cmd != VU_DMA_WRITE) || count > (1u << 20)) {
		return vucli_send(&v->c, id, cmd, VU_F_REPLY | VU_F_ERROR, NULL, 0, NULL, 0);
	}
	cw_put64(hdr, addr);
	cw_put64(hdr + 8, count);
	if (cmd == VU_DMA_WRITE) {
		memcpy(mem, rx + 32, (size_t)(count < v->c.rxlen - 32 ? count : v->c.rxlen - 32));
		return vucli_send(&v->c, id, cmd, VU_F_REPLY, hdr, 16, NULL, 0);
	}
	{
		uint8_t *b = malloc(16 + count);

		if (!b) {
			return -ENOMEM;
		}
		memcpy(b, hdr, 16);
		memcpy(b + 16, mem, count);
		rc = vucli_send(&v->c, id, cmd, VU_F_REPLY, b, 16 + count, NULL, 0);
		free(b);
	}
	return rc;
}

/* Byte ranges of a reply payload that may differ for command cmd. */
static bool
rv_ignored(uint16_t cmd, size_t off)
{
	switch (cmd) {
	case VU_VERSION:
		return off >= 2; /* minor (checked <=) and the capabilities JSON */
	case VU_DEVICE_GET_REGION_INFO:
		return off >= 12 && off < 16 ? true : off >= 24; /* cap_offset, mmap offset, caps */
	default:
		return false;
	}
}

static void
rv_compare(struct rv *v, const struct iop_jmsg *cmdm, const struct iop_jmsg *rec)
{
	const uint8_t *rx = v->c.rx;
	uint16_t cmd = cw_le16(cmdm->hdr + 2);
	uint32_t lflags = cw_le32(rx + 8), rflags = cw_le32(rec->hdr + 8);
	size_t lpl = v->c.rxlen - VU_HDR_LEN;
	char what[64], exp[128], act[128];
	const char *name = vu_cmd_name(cmd);
	bool same = true;
	size_t diff_at = SIZE_MAX;

	snprintf(what, sizeof(what), "%s (msg %u)", name ? name : "unknown", cw_le16(cmdm->hdr));
	same &= cw_le16(rx + 2) == cmd;
	same &= (lflags & VU_F_ERROR) == (rflags & VU_F_ERROR);
	same &= cw_le32(rx + 12) == cw_le32(rec->hdr + 12);
	if (same && !(lflags & VU_F_ERROR)) {
		if (cmd == VU_VERSION) {
			same = lpl >= 4 && rec->paylen >= 4 && cw_le16(rx + 16) == cw_le16(rec->payload);
		} else {
			same = lpl == rec->paylen;
			for (size_t k = 0; same && k < lpl; k++) {
				if (!rv_ignored(cmd, k) && rx[16 + k] != rec->payload[k]) {
					same = false;
					diff_at = k;
				}
			}
		}
	}
	snprintf(exp, sizeof(exp), "%s errno %u, %zu-byte payload",
		 (rflags & VU_F_ERROR) ? "error" : "ok", cw_le32(rec->hdr + 12), rec->paylen);
	snprintf(act, sizeof(act), "%s errno %u, %zu-byte payload%s", (lflags & VU_F_ERROR) ? "error" : "ok",
		 cw_le32(rx + 12), lpl, diff_at != SIZE_MAX ? " (bytes differ)" : "");
	if (diff_at != SIZE_MAX) {
		snprintf(act + strlen(act), sizeof(act) - strlen(act), " at payload byte %zu", diff_at);
	}
	iop_replay_add(v->rep, (uint64_t)(cmdm->seq >= 0 ? cmdm->seq : (int64_t)cmdm->line), what, same,
		       exp, act);
}

/* Substitute fds for a recorded command; \return number of fds in fds[]. */
static int
rv_fds(struct rv *v, const struct iop_jmsg *m, uint8_t *payload, int *fds)
{
	uint16_t cmd = cw_le16(m->hdr + 2);
	int n = 0;

	if (cmd == VU_DMA_MAP && m->nfds == 1 && m->paylen >= 32 && v->nmaps < 64) {
		uint64_t size = cw_le64(payload + 24);
		struct rv_map *mp = &v->maps[v->nmaps];
		int fd = memfd_create("iopath-replay-dma", MFD_CLOEXEC);

		if (fd < 0 || size > (1ull << 32) || ftruncate(fd, (off_t)size)) {
			if (fd >= 0) {
				close(fd);
			}
			return 0;
		}
		mp->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mp->mem == MAP_FAILED) {
			mp->mem = NULL;
		}
		mp->addr = cw_le64(payload + 16);
		mp->size = size;
		mp->fd = fd;
		v->nmaps++;
		cw_put64(payload + 8, 0);
		fds[n++] = fd;
		return n;
	}
	for (int i = 0; i < m->nfds && i < VUC_MAX_FDS; i++) {
		int fd = eventfd(0, EFD_CLOEXEC);

		if (fd >= 0) {
			fds[n++] = fd;
		}
	}
	return n;
}

int
iop_replay_vfio_user(const char *trace, const struct iop_uri *uri, int timeout_ms,
		     struct iop_replay_report *rep)
{
	struct iop_jtrace t;
	struct rv *v;
	char err[256];
	int rc;

	rc = iop_jsonl_load(trace, &t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "iopath conform replay: %s: %s\n", trace, err);
		return rc;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		iop_jsonl_free(&t);
		return -ENOMEM;
	}
	v->rep = rep;
	rc = vucli_open(&v->c, uri->path, timeout_ms);
	if (rc) {
		fprintf(stderr, "iopath conform replay: %s: %s\n", uri->path, strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < t.nmsgs; i++) {
		const struct iop_jmsg *m = &t.msgs[i], *rec = NULL;
		uint8_t *payload;
		int fds[VUC_MAX_FDS], nfds, own = 0;
		uint16_t id;

		if (m->event || m->dir != IOP_J_C2S || m->hdrlen != VU_HDR_LEN ||
		    (cw_le32(m->hdr + 8) & VU_F_TYPE_MASK) != 0) {
			continue;
		}
		id = cw_le16(m->hdr);
		for (size_t j = i + 1; j < t.nmsgs; j++) {
			const struct iop_jmsg *q = &t.msgs[j];

			if (!q->event && q->dir == IOP_J_S2C && q->hdrlen == VU_HDR_LEN &&
			    (cw_le32(q->hdr + 8) & VU_F_TYPE_MASK) == VU_F_REPLY && cw_le16(q->hdr) == id) {
				rec = q;
				break;
			}
		}
		payload = malloc(m->paylen + 1);
		if (!payload) {
			rc = -ENOMEM;
			break;
		}
		if (m->paylen) {
			memcpy(payload, m->payload, m->paylen);
		}
		nfds = rv_fds(v, m, payload, fds);
		own = cw_le16(m->hdr + 2) == VU_DMA_MAP ? 0 : nfds; /* DMA memfds stay open */
		rc = vucli_send(&v->c, id, cw_le16(m->hdr + 2), cw_le32(m->hdr + 8), payload,
				m->paylen, fds, nfds);
		free(payload);
		for (int k = 0; k < own; k++) {
			close(fds[k]);
		}
		if (rc) {
			iop_replay_add(rep, (uint64_t)m->seq, "send", false, "sent", strerror(-rc));
			break;
		}
		if (cw_le32(m->hdr + 8) & VU_F_NO_REPLY) {
			continue;
		}
		for (;;) {
			rc = vucli_recv(&v->c);
			if (rc || (vucli_rx_flags(&v->c) & VU_F_TYPE_MASK) == VU_F_REPLY) {
				break;
			}
			rc = rv_serve(v);
			if (rc) {
				break;
			}
		}
		if (rc) {
			iop_replay_add(rep, (uint64_t)m->seq, vu_cmd_name(cw_le16(m->hdr + 2)) ?
							  vu_cmd_name(cw_le16(m->hdr + 2)) : "unknown",
				       false, rec ? "a reply" : "no reply recorded", strerror(-rc));
			break;
		}
		if (rec) {
			rv_compare(v, m, rec);
		}
	}
	rc = 0;
out:
	vucli_close(&v->c);
	for (unsigned int i = 0; i < v->nmaps; i++) {
		if (v->maps[i].mem) {
			munmap(v->maps[i].mem, v->maps[i].size);
		}
		close(v->maps[i].fd);
	}
	free(v);
	iop_jsonl_free(&t);
	return rc;
}
