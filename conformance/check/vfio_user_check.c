/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive vfio-user rules over a JSON Lines trace: framing, pairing, per-command payloads. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/check/msg_check.h"
#include "conformance/nvme_wire_internal.h"
#include "iopath/util.h"
#include "conformance/vfio_user_wire_internal.h"

struct vuc_pending {
	const struct iop_jmsg *m;
	uint16_t id, cmd;
	bool overlap;            /* DMA_MAP over an existing mapping */
};

struct vuc_map {
	uint64_t addr, size;
};

struct vuc_region {
	bool known;
	uint64_t size;
};

struct vuc {
	struct iop_conf_verdicts *v;
	struct vuc_pending *pend;
	size_t npend, cap;
	struct vuc_map maps[1024];
	unsigned int nmaps;
	struct vuc_region regions[64];
	uint32_t num_regions;
	bool have_info, version_cmd, any_c2s;
	uint16_t major, minor;
	uint32_t fds_limit[2];   /* what the receiver of a direction accepts */
	uint64_t xfer_limit[2];
};

static void
vuc_pos(const struct iop_jmsg *m, struct iop_conf_pos *pos)
{
	memset(pos, 0, sizeof(*pos));
	pos->offset = -1;
	pos->conn = m->conn;
	pos->dir = m->dir == IOP_J_C2S ? "c2s" : "s2c";
	pos->seq = m->seq;
	pos->line = m->line;
	pos->what = m->hdrlen >= 4 ? vu_cmd_name(cw_le16(m->hdr + 2)) : NULL;
}

/* Parse version data (payload after major/minor): NUL-terminated JSON. */
static bool
vuc_version_json(struct vuc *k, const struct iop_jmsg *m, enum iop_jdir receiver_of)
{
	const char *s = (const char *)m->payload + 4;
	size_t n = m->paylen - 4;
	json_object *o, *caps, *x;
	bool ok;

	if (m->paylen <= 4) {
		return true; /* optional */
	}
	if (s[n - 1] != '\0') {
		return false;
	}
	o = json_tokener_parse(s);
	ok = o && json_object_is_type(o, json_type_object);
	if (ok && json_object_object_get_ex(o, "capabilities", &caps)) {
		ok = json_object_is_type(caps, json_type_object);
		/* Capabilities describe what the sender can receive. */
		if (ok && json_object_object_get_ex(caps, "max_msg_fds", &x) &&
		    json_object_is_type(x, json_type_int)) {
			k->fds_limit[receiver_of] = (uint32_t)json_object_get_int64(x);
		}
		if (ok && json_object_object_get_ex(caps, "max_data_xfer_size", &x) &&
		    json_object_is_type(x, json_type_int)) {
			k->xfer_limit[receiver_of] = (uint64_t)json_object_get_int64(x);
		}
	}
	json_object_put(o);
	return ok;
}

static struct vuc_map *
vuc_map_overlap(struct vuc *k, uint64_t a, uint64_t s)
{
	for (unsigned int i = 0; i < k->nmaps; i++) {
		if (a < k->maps[i].addr + k->maps[i].size && k->maps[i].addr < a + s) {
			return &k->maps[i];
		}
	}
	return NULL;
}

static bool
vuc_in_map(struct vuc *k, uint64_t a, uint64_t s)
{
	for (unsigned int i = 0; i < k->nmaps; i++) {
		if (a >= k->maps[i].addr && a + s <= k->maps[i].addr + k->maps[i].size) {
			return true;
		}
	}
	return false;
}

static void
vuc_command(struct vuc *k, const struct iop_jmsg *m, const struct iop_conf_pos *pos)
{
	uint16_t id = cw_le16(m->hdr), cmd = cw_le16(m->hdr + 2);
	uint32_t flags = cw_le32(m->hdr + 8);
	const uint8_t *p = m->payload;
	const char *name = vu_cmd_name(cmd);
	struct vuc_pending *pe;
	bool overlap = false;

	iop_conf_expect(k->v, cw_le32(m->hdr + 12) == 0, "VFU-008", pos, "Error 0 in a command|%u",
			cw_le32(m->hdr + 12));
	if (m->dir == IOP_J_C2S && !k->any_c2s) {
		k->any_c2s = true;
		iop_conf_expect(k->v, cmd == VU_VERSION, "VFU-002", pos, "VERSION first|%s",
				name ? name : "unknown command");
	}
	if (name) {
		bool s2c = cmd == VU_DMA_READ || cmd == VU_DMA_WRITE;

		iop_conf_expect(k->v, s2c == (m->dir == IOP_J_S2C), "VFU-011", pos,
				"%s sent %s|sent %s", name, s2c ? "server->client" : "client->server",
				m->dir == IOP_J_S2C ? "server->client" : "client->server");
	}
	switch (cmd) {
	case VU_VERSION:
		k->version_cmd = true;
		if (m->paylen >= 4) {
			k->major = cw_le16(p);
			k->minor = cw_le16(p + 2);
		}
		iop_conf_expect(k->v, m->paylen >= 4 && vuc_version_json(k, m, IOP_J_S2C), "VFU-004",
				pos, "NUL-terminated JSON object|malformed version data");
		break;
	case VU_DMA_MAP:
		if (iop_conf_expect(k->v, m->paylen == 32 && cw_le32(p) == 32 && !(cw_le32(p + 4) & ~3u),
				    "VFU-012", pos, "argsz 32, size 48, flags <= 3|argsz %u size %zu flags 0x%x",
				    m->paylen >= 4 ? cw_le32(p) : 0, m->paylen + 16,
				    m->paylen >= 8 ? cw_le32(p + 4) : 0)) {
			overlap = vuc_map_overlap(k, cw_le64(p + 16), cw_le64(p + 24)) != NULL;
		}
		iop_conf_expect(k->v, m->nfds <= 1, "VFU-013", pos, "at most 1 fd|%d fds", m->nfds);
		break;
	case VU_DMA_UNMAP:
		if (m->paylen >= 24) {
			uint64_t a = cw_le64(p + 8), s = cw_le64(p + 16);
			bool exact = false;

			for (unsigned int i = 0; i < k->nmaps; i++) {
				exact |= k->maps[i].addr == a && k->maps[i].size == s;
			}
			iop_conf_expect(k->v, exact, "VFU-015", pos,
					"an exact previous mapping|flags 0x%x addr 0x%llx size 0x%llx",
					cw_le32(p + 4), (unsigned long long)a, (unsigned long long)s);
		}
		break;
	case VU_REGION_READ:
	case VU_REGION_WRITE:
		if (m->paylen >= 16) {
			uint32_t count = cw_le32(p + 12);

			iop_conf_expect(k->v, count <= k->xfer_limit[IOP_J_C2S], "VFU-023", pos,
					"count <= %llu|count %u",
					(unsigned long long)k->xfer_limit[IOP_J_C2S], count);
			if (cmd == VU_REGION_WRITE) {
				iop_conf_expect(k->v, m->paylen == 16 + (size_t)count, "VFU-019", pos,
						"%u data bytes|%zu", count, m->paylen - 16);
			}
		}
		break;
	case VU_DMA_READ:
	case VU_DMA_WRITE:
		if (m->paylen >= 16) {
			uint64_t a = cw_le64(p), count = cw_le64(p + 8);

			iop_conf_expect(k->v, vuc_in_map(k, a, count), "VFU-021", pos,
					"range inside a DMA_MAP region|addr 0x%llx count %llu",
					(unsigned long long)a, (unsigned long long)count);
			iop_conf_expect(k->v, count <= k->xfer_limit[IOP_J_S2C], "VFU-023", pos,
					"count <= %llu|count %llu",
					(unsigned long long)k->xfer_limit[IOP_J_S2C],
					(unsigned long long)count);
		}
		break;
	case VU_DEVICE_SET_IRQS:
		if (m->paylen >= 20) {
			uint32_t f = cw_le32(p + 4), count = cw_le32(p + 16);
			uint32_t data = f & 7, action = (f >> 3) & 7;
			bool one = data && !(data & (data - 1)) && action && !(action & (action - 1));
			bool fds = !(data & 4) || m->nfds == 0 || (uint32_t)m->nfds == count;

			iop_conf_expect(k->v, one && fds, "VFU-026", pos,
					"one DATA, one ACTION flag, 0 or count fds|flags 0x%x, %d fds for count %u",
					f, m->nfds, count);
		}
		break;
	}
	if (flags & VU_F_NO_REPLY) {
		return;
	}
	if (k->npend == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 64;
		void *n = realloc(k->pend, ncap * sizeof(*k->pend));

		if (!n) {
			return;
		}
		k->pend = n;
		k->cap = ncap;
	}
	pe = &k->pend[k->npend++];
	pe->m = m;
	pe->id = id;
	pe->cmd = cmd;
	pe->overlap = overlap;
}

static void
vuc_reply_ok(struct vuc *k, const struct vuc_pending *pe, const struct iop_jmsg *m,
	     const struct iop_conf_pos *pos)
{
	const uint8_t *q = pe->m->payload, *p = m->payload;
	size_t ql = pe->m->paylen, pl = m->paylen;

	switch (pe->cmd) {
	case VU_VERSION:
		iop_conf_expect(k->v, pl >= 4 && cw_le16(p) == k->major && cw_le16(p + 2) <= k->minor,
				"VFU-003", pos, "version %u.<=%u|%u.%u", k->major, k->minor,
				pl >= 2 ? cw_le16(p) : 0, pl >= 4 ? cw_le16(p + 2) : 0);
		iop_conf_expect(k->v, pl >= 4 && vuc_version_json(k, m, IOP_J_C2S), "VFU-004", pos,
				"NUL-terminated JSON object|malformed version data");
		break;
	case VU_DMA_MAP:
		iop_conf_expect(k->v, !pe->overlap, "VFU-014", pos, "EEXIST for an overlapping map|success");
		if (ql >= 32 && k->nmaps < IOP_ARRAY_SIZE(k->maps) && !pe->overlap) {
			k->maps[k->nmaps++] = (struct vuc_map){cw_le64(q + 16), cw_le64(q + 24)};
		}
		break;
	case VU_DMA_UNMAP:
		if (ql >= 24) {
			uint64_t a = cw_le64(q + 8), s = cw_le64(q + 16);

			iop_conf_expect(k->v, pl >= 24 && cw_le64(p + 8) == a && cw_le64(p + 16) == s,
					"VFU-029", pos, "the original DMA entry|%zu-byte payload", pl);
			for (unsigned int i = 0; i < k->nmaps; i++) {
				if (k->maps[i].addr == a && k->maps[i].size == s) {
					k->maps[i] = k->maps[--k->nmaps];
					break;
				}
			}
		}
		break;
	case VU_DEVICE_GET_INFO:
		if (iop_conf_expect(k->v, pl >= 16 && cw_le32(p) >= 16 && (cw_le32(p + 4) & 2), "VFU-016",
				    pos, "argsz >= 16, PCI flag|argsz %u flags 0x%x",
				    pl >= 4 ? cw_le32(p) : 0, pl >= 8 ? cw_le32(p + 4) : 0)) {
			k->have_info = true;
			k->num_regions = cw_le32(p + 8);
		}
		break;
	case VU_DEVICE_GET_REGION_INFO:
		if (ql >= 12 && pl >= 32) {
			uint32_t idx = cw_le32(q + 8), fl = cw_le32(p + 4);
			bool full = cw_le32(p) <= cw_le32(q);

			iop_conf_expect(k->v, cw_le32(p + 8) == idx && (!(fl & 4) || !full || m->nfds >= 1),
					"VFU-017", pos, "index %u, fd with MMAP|index %u flags 0x%x %d fds",
					idx, cw_le32(p + 8), fl, m->nfds);
			if (idx < IOP_ARRAY_SIZE(k->regions)) {
				k->regions[idx].known = true;
				k->regions[idx].size = cw_le64(p + 16);
			}
		}
		break;
	case VU_REGION_READ:
	case VU_REGION_WRITE:
		if (ql >= 16) {
			uint32_t count = cw_le32(q + 12);
			bool echo = pl >= 16 && !memcmp(p, q, 16);

			if (pe->cmd == VU_REGION_READ) {
				iop_conf_expect(k->v, echo && pl == 16 + (size_t)count, "VFU-018", pos,
						"echo + %u data bytes|%s, %zu data bytes", count,
						echo ? "echo ok" : "no echo", pl >= 16 ? pl - 16 : 0);
			} else {
				iop_conf_expect(k->v, echo && pl == 16, "VFU-019", pos,
						"echo, no data|%s, %zu-byte payload",
						echo ? "echo ok" : "no echo", pl);
			}
		}
		break;
	case VU_DMA_READ:
		if (ql >= 16) {
			uint64_t count = cw_le64(q + 8);

			iop_conf_expect(k->v, pl >= 16 && !memcmp(p, q, 16) && pl == 16 + count, "VFU-022",
					pos, "echo + %llu data bytes|%zu-byte payload",
					(unsigned long long)count, pl);
		}
		break;
	case VU_DEVICE_GET_IRQ_INFO:
		if (ql >= 12) {
			iop_conf_expect(k->v, pl >= 16 && cw_le32(p + 8) == cw_le32(q + 8) &&
						      cw_le32(p) >= 16, "VFU-025", pos,
					"index %u, argsz >= 16|index %u argsz %u", cw_le32(q + 8),
					pl >= 12 ? cw_le32(p + 8) : 0, pl >= 4 ? cw_le32(p) : 0);
		}
		break;
	}
}

/* VFU-020: an access outside a known region must fail; inside, it may succeed. */
static void
vuc_region_bounds(struct vuc *k, const struct vuc_pending *pe, bool err,
		  const struct iop_conf_pos *pos)
{
	const uint8_t *q = pe->m->payload;
	uint64_t off;
	uint32_t idx, count;
	bool out;

	if ((pe->cmd != VU_REGION_READ && pe->cmd != VU_REGION_WRITE) || pe->m->paylen < 16) {
		return;
	}
	off = cw_le64(q);
	idx = cw_le32(q + 8);
	count = cw_le32(q + 12);
	if (k->have_info && idx >= k->num_regions) {
		out = true;
	} else if (idx < IOP_ARRAY_SIZE(k->regions) && k->regions[idx].known) {
		out = off + count > k->regions[idx].size;
	} else {
		return;
	}
	if (out) {
		iop_conf_expect(k->v, err, "VFU-020", pos,
				"error reply for region %u offset 0x%llx count %u|success", idx,
				(unsigned long long)off, count);
	}
}

static void
vuc_reply(struct vuc *k, const struct iop_jmsg *m, const struct iop_conf_pos *pos)
{
	uint16_t id = cw_le16(m->hdr), cmd = cw_le16(m->hdr + 2);
	uint32_t flags = cw_le32(m->hdr + 8), errno_ = cw_le32(m->hdr + 12);
	bool err = flags & VU_F_ERROR;
	struct vuc_pending pe;
	size_t i;

	for (i = 0; i < k->npend; i++) {
		if (k->pend[i].id == id && k->pend[i].m->dir != m->dir) {
			break;
		}
	}
	if (i == k->npend) {
		iop_conf_fail(k->v, "VFU-005", pos, "reply to an outstanding command|msg_id %u cmd %u",
			      id, cmd);
		iop_conf_fail(k->v, "VFU-006", pos, "no reply without a command|unsolicited reply");
		return;
	}
	pe = k->pend[i];
	memmove(&k->pend[i], &k->pend[i + 1], (k->npend - i - 1) * sizeof(*k->pend));
	k->npend--;
	iop_conf_pass(k->v, "VFU-006");
	iop_conf_expect(k->v, cmd == pe.cmd, "VFU-005", pos, "Command %u echoed|%u", pe.cmd, cmd);
	iop_conf_expect(k->v, err || errno_ == 0, "VFU-008", pos,
			"Error 0 without the Error flag|%u", errno_);
	if (!vu_cmd_name(pe.cmd)) {
		iop_conf_expect(k->v, err, "VFU-010", pos, "error reply for command %u|success", pe.cmd);
	}
	vuc_region_bounds(k, &pe, err, pos);
	if (err) {
		iop_conf_event(k->v, pos, "error reply to %s: errno %u",
			       vu_cmd_name(pe.cmd) ? vu_cmd_name(pe.cmd) : "unknown command", errno_);
		iop_conf_expect(k->v, m->paylen == 0, "VFU-009", pos, "header only|%zu-byte payload",
				m->paylen);
		if (pe.cmd == VU_DMA_MAP && pe.overlap) {
			iop_conf_expect(k->v, errno_ == EEXIST, "VFU-014", pos, "EEXIST (%d)|errno %u",
					EEXIST, errno_);
		}
		return;
	}
	vuc_reply_ok(k, &pe, m, pos);
}

int
iop_conf_check_vfio_user(const struct iop_jtrace *t, struct iop_conf_verdicts *v)
{
	struct vuc *k = calloc(1, sizeof(*k));
	bool closed = false;

	if (!k) {
		return -ENOMEM;
	}
	k->v = v;
	k->fds_limit[0] = k->fds_limit[1] = VU_DEFAULT_MAX_FDS;
	k->xfer_limit[0] = k->xfer_limit[1] = VU_DEFAULT_MAX_XFER;
	for (size_t i = 0; i < t->nmsgs; i++) {
		const struct iop_jmsg *m = &t->msgs[i];
		struct iop_conf_pos pos;
		uint32_t size, type;

		if (m->event) {
			closed |= !strcmp(m->event_name, "eof") || !strcmp(m->event_name, "close");
			continue;
		}
		vuc_pos(m, &pos);
		v->units++;
		if (!iop_conf_expect(v, m->hdrlen == VU_HDR_LEN &&
						(size = cw_le32(m->hdr + 4)) >= VU_HDR_LEN &&
						size == VU_HDR_LEN + m->paylen, "VFU-001", &pos,
				     "16-byte header, size = 16 + payload|header %zu bytes, size %u, payload %zu",
				     m->hdrlen, m->hdrlen >= 8 ? cw_le32(m->hdr + 4) : 0, m->paylen)) {
			continue;
		}
		type = cw_le32(m->hdr + 8) & VU_F_TYPE_MASK;
		if (!iop_conf_expect(v, type <= 1, "VFU-007", &pos, "Type 0 or 1|Type %u", type)) {
			continue;
		}
		/* A sender announces what it can receive: the limit for messages sent to it. */
		iop_conf_expect(v, (uint32_t)m->nfds <= k->fds_limit[m->dir], "VFU-024", &pos,
				"<= %u fds|%d fds", k->fds_limit[m->dir], m->nfds);
		if (type == 0) {
			vuc_command(k, m, &pos);
		} else {
			vuc_reply(k, m, &pos);
		}
	}
	if (closed) {
		for (size_t i = 0; i < k->npend; i++) {
			struct iop_conf_pos pos;

			vuc_pos(k->pend[i].m, &pos);
			iop_conf_fail(v, "VFU-006", &pos, "one reply|none before the connection closed");
		}
	}
	free(k->pend);
	free(k);
	return 0;
}
