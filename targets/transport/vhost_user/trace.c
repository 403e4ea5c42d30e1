/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user session recording as JSON Lines (one framed message or connection event per line).
 * Record fields: seq, conn, dir ("f2b" front end -> back end, "b2f"), t_rel (s since open),
 * request, req_name, flags, type ("request"/"reply"), need_reply, size, nfds, payload_hex and a
 * best-effort "decoded" object. Events: {"seq", "conn", "t_rel", "event", "detail"}. */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "iopath/util.h"
#include "targets/transport/vhost_user/trace.h"

struct vhu_trace {
	FILE *f;
	pthread_mutex_t lock;
	uint64_t seq;
	uint64_t t0;
};

int
vhu_trace_open(const char *path, struct vhu_trace **out)
{
	struct vhu_trace *t = calloc(1, sizeof(*t));

	if (!t) {
		return -ENOMEM;
	}
	t->f = fopen(path, "w");
	if (!t->f) {
		int rc = -errno;

		free(t);
		return rc;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->t0 = iop_now_ns();
	*out = t;
	return 0;
}

void
vhu_trace_close(struct vhu_trace *t)
{
	if (!t) {
		return;
	}
	fclose(t->f);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static void
trace_add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *
trace_decode(const struct vhu_msg *m, bool reply)
{
	json_object *d = json_object_new_object();
	uint32_t sz = m->hdr.size;

	switch (m->hdr.request) {
	case VHU_GET_FEATURES:
	case VHU_GET_PROTOCOL_FEATURES:
	case VHU_GET_QUEUE_NUM:
	case VHU_SET_FEATURES:
	case VHU_SET_PROTOCOL_FEATURES:
		if (sz == 8) {
			trace_add_u64(d, "u64", m->p.u64);
		}
		break;
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
		if (sz == 8) {
			trace_add_u64(d, "index", m->p.u64 & VHU_VRING_IDX_MASK);
			json_object_object_add(d, "nofd",
					       json_object_new_boolean(m->p.u64 & VHU_VRING_NOFD));
		}
		break;
	case VHU_SET_VRING_NUM:
	case VHU_SET_VRING_BASE:
	case VHU_GET_VRING_BASE:
	case VHU_SET_VRING_ENABLE:
		if (sz == sizeof(m->p.state)) {
			trace_add_u64(d, "index", m->p.state.index);
			trace_add_u64(d, "num", m->p.state.num);
		}
		break;
	case VHU_SET_VRING_ADDR:
		if (sz == sizeof(m->p.addr)) {
			trace_add_u64(d, "index", m->p.addr.index);
			trace_add_u64(d, "flags", m->p.addr.flags);
			trace_add_u64(d, "desc", m->p.addr.desc);
			trace_add_u64(d, "used", m->p.addr.used);
			trace_add_u64(d, "avail", m->p.addr.avail);
			trace_add_u64(d, "log", m->p.addr.log);
		}
		break;
	case VHU_SET_MEM_TABLE:
		if (sz >= 8 && m->p.mem.nregions <= VHU_MAX_MEM_REGIONS &&
		    sz >= 8 + m->p.mem.nregions * sizeof(struct vhu_mem_region)) {
			json_object *a = json_object_new_array();

			for (uint32_t i = 0; i < m->p.mem.nregions; i++) {
				json_object *r = json_object_new_object();

				trace_add_u64(r, "gpa", m->p.mem.r[i].gpa);
				trace_add_u64(r, "size", m->p.mem.r[i].size);
				trace_add_u64(r, "uva", m->p.mem.r[i].uva);
				trace_add_u64(r, "mmap_offset", m->p.mem.r[i].mmap_offset);
				json_object_array_add(a, r);
			}
			json_object_object_add(d, "regions", a);
		}
		break;
	case VHU_GET_CONFIG:
	case VHU_SET_CONFIG:
		if (sz >= 12) {
			trace_add_u64(d, "offset", m->p.cfg.offset);
			trace_add_u64(d, "size", m->p.cfg.size);
			trace_add_u64(d, "flags", m->p.cfg.flags);
		}
		break;
	default:
		if (reply && sz == 8) {
			trace_add_u64(d, "u64", m->p.u64);
		}
		break;
	}
	return d;
}

static void
trace_write(struct vhu_trace *t, json_object *o)
{
	pthread_mutex_lock(&t->lock);
	json_object_object_add(o, "seq", json_object_new_uint64(t->seq++));
	fprintf(t->f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(t->f);
	pthread_mutex_unlock(&t->lock);
	json_object_put(o);
}

void
vhu_trace_msg(struct vhu_trace *t, unsigned int conn, bool from_front, const struct vhu_msg *m)
{
	static const char hex[] = "0123456789abcdef";
	bool reply = m->hdr.flags & VHU_FLAG_REPLY;
	uint32_t n = IOP_MIN(m->hdr.size, (uint32_t)VHU_MAX_PAYLOAD);
	json_object *o;
	char *h;

	if (!t) {
		return;
	}
	o = json_object_new_object();
	trace_add_u64(o, "conn", conn);
	json_object_object_add(o, "dir", json_object_new_string(from_front ? "f2b" : "b2f"));
	json_object_object_add(o, "t_rel", json_object_new_double((double)(iop_now_ns() - t->t0) / 1e9));
	trace_add_u64(o, "request", m->hdr.request);
	json_object_object_add(o, "req_name",
			       json_object_new_string(vhu_request_name(m->hdr.request)));
	trace_add_u64(o, "flags", m->hdr.flags);
	json_object_object_add(o, "type", json_object_new_string(reply ? "reply" : "request"));
	json_object_object_add(o, "need_reply",
			       json_object_new_boolean(m->hdr.flags & VHU_FLAG_NEED_REPLY));
	trace_add_u64(o, "size", m->hdr.size);
	trace_add_u64(o, "nfds", m->nfds);
	h = malloc(2 * (size_t)n + 1);
	if (h) {
		const uint8_t *p = (const uint8_t *)&m->p;

		for (uint32_t i = 0; i < n; i++) {
			h[2 * i] = hex[p[i] >> 4];
			h[2 * i + 1] = hex[p[i] & 15];
		}
		h[2 * n] = '\0';
		json_object_object_add(o, "payload_hex", json_object_new_string(h));
		free(h);
	}
	json_object_object_add(o, "decoded", trace_decode(m, reply));
	trace_write(t, o);
}

void
vhu_trace_event(struct vhu_trace *t, unsigned int conn, const char *event, const char *detail)
{
	json_object *o;

	if (!t) {
		return;
	}
	o = json_object_new_object();
	trace_add_u64(o, "conn", conn);
	json_object_object_add(o, "t_rel", json_object_new_double((double)(iop_now_ns() - t->t0) / 1e9));
	json_object_object_add(o, "event", json_object_new_string(event));
	if (detail) {
		json_object_object_add(o, "detail", json_object_new_string(detail));
	}
	trace_write(t, o);
}
