/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive vhost-user/virtio rules over a JSON Lines trace of the front-end <-> back-end socket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/check/msg_check.h"
#include "conformance/nvme_wire_internal.h"
#include "iopath/util.h"

/* Front-end request codes (vhost-user.rst "Front-end message types"). */
enum {
	VH_GET_FEATURES = 1, VH_SET_FEATURES = 2, VH_SET_MEM_TABLE = 5, VH_SET_VRING_NUM = 8,
	VH_SET_VRING_ADDR = 9, VH_SET_VRING_BASE = 10, VH_GET_VRING_BASE = 11,
	VH_SET_VRING_KICK = 12, VH_SET_VRING_CALL = 13, VH_SET_VRING_ERR = 14,
	VH_GET_PROTOCOL_FEATURES = 15, VH_SET_PROTOCOL_FEATURES = 16, VH_GET_QUEUE_NUM = 17,
	VH_GET_CONFIG = 24, VH_GET_INFLIGHT_FD = 31, VH_GET_MAX_MEM_SLOTS = 36, VH_GET_STATUS = 40,
};
#define VH_HDR_LEN 12u
#define VH_F_VERSION 0x1u
#define VH_F_REPLY 0x4u
#define VH_F_NEED_REPLY 0x8u
#define VH_F_PROTOCOL_FEATURES (1ull << 30)
#define VH_F_RING_PACKED (1ull << 34)
#define VH_PF_REPLY_ACK (1ull << 3)
#define VH_PF_CONFIGURE_MEM_SLOTS (1ull << 15)
#define VH_MAX_REGIONS 8u
#define VH_VRING_NOFD (1ull << 8)

struct vhc_region {
	uint64_t uaddr, size;
};

struct vhc_pending {
	const struct iop_jmsg *m;
	uint32_t req;
};

struct vhc {
	struct iop_conf_verdicts *v;
	uint64_t offered, acked, pf_offered, pf_acked;
	bool have_offered;
	struct vhc_region regions[64];
	unsigned int nregions;
	struct vhc_pending pend[256];
	unsigned int npend;
};

static bool
vhc_reply_expected(const struct vhc *k, uint32_t req, uint32_t flags)
{
	switch (req) {
	case VH_GET_FEATURES:
	case VH_GET_PROTOCOL_FEATURES:
	case VH_GET_VRING_BASE:
	case VH_GET_QUEUE_NUM:
	case VH_GET_CONFIG:
	case VH_GET_INFLIGHT_FD:
	case VH_GET_MAX_MEM_SLOTS:
	case VH_GET_STATUS:
		return true;
	default:
		return (flags & VH_F_NEED_REPLY) && (k->pf_acked & VH_PF_REPLY_ACK);
	}
}

static bool
vhc_in_table(const struct vhc *k, uint64_t a)
{
	for (unsigned int i = 0; i < k->nregions; i++) {
		if (a >= k->regions[i].uaddr && a < k->regions[i].uaddr + k->regions[i].size) {
			return true;
		}
	}
	return false;
}

static void
vhc_request(struct vhc *k, const struct iop_jmsg *m, const struct iop_conf_pos *pos)
{
	uint32_t req = cw_le32(m->hdr), flags = cw_le32(m->hdr + 4);
	const uint8_t *p = m->payload;
	size_t pl = m->paylen;

	switch (req) {
	case VH_SET_FEATURES:
		if (pl == 8) {
			uint64_t f = cw_le64(p);

			if (k->have_offered) {
				iop_conf_expect(k->v, !(f & ~k->offered), "VHU-005", pos,
						"features within 0x%llx|0x%llx", (unsigned long long)k->offered,
						(unsigned long long)f);
			}
			iop_conf_expect(k->v, f & (1ull << 32), "VHU-017", pos, "VERSION_1 set|0x%llx",
					(unsigned long long)f);
			k->acked = f;
		}
		break;
	case VH_GET_PROTOCOL_FEATURES:
	case VH_SET_PROTOCOL_FEATURES:
		iop_conf_expect(k->v, k->offered & VH_F_PROTOCOL_FEATURES, "VHU-006", pos,
				"PROTOCOL_FEATURES offered first|not offered");
		if (req == VH_SET_PROTOCOL_FEATURES && pl == 8) {
			k->pf_acked = cw_le64(p);
		}
		break;
	case VH_SET_MEM_TABLE:
		if (pl >= 8) {
			uint32_t n = cw_le32(p);
			uint32_t max = (k->pf_acked & VH_PF_CONFIGURE_MEM_SLOTS) ? 509 : VH_MAX_REGIONS;

			iop_conf_expect(k->v, n <= max && (uint32_t)m->nfds == n && pl >= 8 + 32ull * n,
					"VHU-007", pos, "<= %u regions, one fd each|%u regions, %d fds", max,
					n, m->nfds);
			k->nregions = 0;
			for (uint32_t i = 0; i < n && 8 + 32ull * (i + 1) <= pl &&
					     k->nregions < IOP_ARRAY_SIZE(k->regions); i++) {
				const uint8_t *r = p + 8 + 32 * i;

				k->regions[k->nregions++] = (struct vhc_region){cw_le64(r + 16),
										cw_le64(r + 8)};
			}
		}
		break;
	case VH_SET_VRING_KICK:
	case VH_SET_VRING_CALL:
	case VH_SET_VRING_ERR:
		if (pl == 8) {
			bool nofd = cw_le64(p) & VH_VRING_NOFD;

			iop_conf_expect(k->v, m->nfds == (nofd ? 0 : 1), "VHU-008", pos, "%d fd|%d fds",
					nofd ? 0 : 1, m->nfds);
		}
		break;
	case VH_SET_VRING_NUM:
		if (pl >= 8) {
			uint32_t num = cw_le32(p + 4);

			/* virtio 1.2: only a split ring's size must be a power of 2 */
			if (k->acked & VH_F_RING_PACKED) {
				iop_conf_expect(k->v, num && num <= 32768, "VHU-010", pos,
						"packed: 1..32768|%u", num);
			} else {
				iop_conf_expect(k->v, num && !(num & (num - 1)) && num <= 32768,
						"VHU-010", pos, "power of 2 <= 32768|%u", num);
			}
		}
		break;
	case VH_SET_VRING_ADDR:
		if (pl >= 40) {
			uint64_t desc = cw_le64(p + 8), used = cw_le64(p + 16), avail = cw_le64(p + 24);

			iop_conf_expect(k->v, !(desc % 16) && !(avail % 2) && !(used % 4), "VHU-011", pos,
					"desc%%16, avail%%2, used%%4 == 0|desc 0x%llx avail 0x%llx used 0x%llx",
					(unsigned long long)desc, (unsigned long long)avail,
					(unsigned long long)used);
			if (k->nregions) {
				iop_conf_expect(k->v, vhc_in_table(k, desc) && vhc_in_table(k, used) &&
							      vhc_in_table(k, avail), "VHU-015", pos,
						"rings inside the memory table|outside");
			}
		}
		break;
	case VH_SET_VRING_BASE:
	case VH_GET_VRING_BASE:
		iop_conf_expect(k->v, pl == 8, "VHU-012", pos, "8-byte vring state|%zu bytes", pl);
		break;
	}
	if (vhc_reply_expected(k, req, flags) && k->npend < IOP_ARRAY_SIZE(k->pend)) {
		k->pend[k->npend++] = (struct vhc_pending){m, req};
	}
}

static void
vhc_reply(struct vhc *k, const struct iop_jmsg *m, const struct iop_conf_pos *pos)
{
	uint32_t req = cw_le32(m->hdr), flags = cw_le32(m->hdr + 4);
	const uint8_t *p = m->payload;
	size_t pl = m->paylen;
	struct vhc_pending pe;

	if (!iop_conf_expect(k->v, k->npend && (flags & VH_F_REPLY) && k->pend[0].req == req,
			     "VHU-003", pos, "reply (0x4) to request %u|request %u flags 0x%x",
			     k->npend ? k->pend[0].req : 0, req, flags)) {
		return;
	}
	pe = k->pend[0];
	memmove(&k->pend[0], &k->pend[1], (k->npend - 1) * sizeof(k->pend[0]));
	k->npend--;
	switch (req) {
	case VH_GET_FEATURES:
	case VH_GET_PROTOCOL_FEATURES:
		if (iop_conf_expect(k->v, pl == 8, "VHU-004", pos, "u64 payload|%zu bytes", pl)) {
			if (req == VH_GET_FEATURES) {
				k->offered = cw_le64(p);
				k->have_offered = true;
			} else {
				k->pf_offered = cw_le64(p);
			}
		}
		return;
	case VH_GET_VRING_BASE:
		iop_conf_expect(k->v, pl == 8, "VHU-012", pos, "8-byte vring state|%zu bytes", pl);
		return;
	case VH_GET_CONFIG:
		iop_conf_expect(k->v, pl == pe.m->paylen, "VHU-016", pos, "%zu bytes|%zu bytes",
				pe.m->paylen, pl);
		return;
	}
	if ((cw_le32(pe.m->hdr + 4) & VH_F_NEED_REPLY)) {
		iop_conf_expect(k->v, pl == 8, "VHU-009", pos, "u64 ack|%zu bytes", pl);
	}
}

int
iop_conf_check_vhost_user(const struct iop_jtrace *t, struct iop_conf_verdicts *v)
{
	struct vhc *k = calloc(1, sizeof(*k));

	if (!k) {
		return -ENOMEM;
	}
	k->v = v;
	for (size_t i = 0; i < t->nmsgs; i++) {
		const struct iop_jmsg *m = &t->msgs[i];
		struct iop_conf_pos pos = {.offset = -1, .conn = m->conn, .seq = m->seq, .line = m->line};

		if (m->event) {
			continue;
		}
		pos.dir = m->dir == IOP_J_C2S ? "c2s" : "s2c";
		v->units++;
		if (!iop_conf_expect(v, m->hdrlen == VH_HDR_LEN && cw_le32(m->hdr + 8) == m->paylen,
				     "VHU-001", &pos, "12-byte header, size = payload|header %zu, size %u, payload %zu",
				     m->hdrlen, m->hdrlen >= 12 ? cw_le32(m->hdr + 8) : 0, m->paylen)) {
			continue;
		}
		iop_conf_expect(v, (cw_le32(m->hdr + 4) & 3) == VH_F_VERSION, "VHU-002", &pos,
				"version 1|flags 0x%x", cw_le32(m->hdr + 4));
		if (m->dir == IOP_J_C2S) {
			vhc_request(k, m, &pos);
		} else {
			vhc_reply(k, m, &pos);
		}
	}
	free(k);
	return 0;
}
