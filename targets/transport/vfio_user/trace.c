/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user session recording as JSON Lines (format of shared/traces/vfio-user/README.md). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <json-c/json.h>
#include "vfu_internal.h"

int
vfu_trace_open(struct vfu_trace *t, const char *path, bool server)
{
	memset(t, 0, sizeof(*t));
	t->f = fopen(path, "a");
	if (!t->f) {
		return -errno;
	}
	t->server = server;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void
vfu_trace_close(struct vfu_trace *t)
{
	if (t->f) {
		fclose(t->f);
		t->f = NULL;
		pthread_mutex_destroy(&t->lock);
	}
}

static json_object *
trace_hex(const void *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = p;
	char *s = malloc(len * 2 + 1);
	json_object *o;

	if (!s) {
		return json_object_new_string("");
	}
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[len * 2] = 0;
	o = json_object_new_string_len(s, (int)(len * 2));
	free(s);
	return o;
}

static uint64_t
trace_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define ADD_U(o, k, v) json_object_object_add(o, k, json_object_new_uint64(v))

/* Best-effort decode of the fixed part of a payload (never on error replies). */
static json_object *
trace_decode(const struct vfio_user_hdr *h, const uint8_t *p, uint32_t len, bool reply)
{
	json_object *d = json_object_new_object();

	switch (h->cmd) {
	case VFIO_USER_VERSION:
		if (len >= 4) {
			const struct vfio_user_version *v = (const void *)p;

			ADD_U(d, "major", v->major);
			ADD_U(d, "minor", v->minor);
			if (len > 4) {
				int jl = (int)strnlen(v->data, len - 4);
				json_object *caps;

				json_object_object_add(d, "json",
						       json_object_new_string_len(v->data, jl));
				if (jl < (int)(len - 4)) { /* NUL-terminated: parse it */
					caps = json_tokener_parse(v->data);
					if (caps) {
						json_object_object_add(d, "caps", caps);
					}
				}
			}
		}
		break;
	case VFIO_USER_DMA_MAP:
		if (len >= sizeof(struct vfio_user_dma_map)) {
			const struct vfio_user_dma_map *m = (const void *)p;

			ADD_U(d, "argsz", m->argsz);
			ADD_U(d, "flags", m->flags);
			ADD_U(d, "offset", m->offset);
			ADD_U(d, "addr", m->addr);
			ADD_U(d, "size", m->size);
		}
		break;
	case VFIO_USER_DMA_UNMAP:
		if (len >= sizeof(struct vfio_user_dma_unmap)) {
			const struct vfio_user_dma_unmap *m = (const void *)p;

			ADD_U(d, "argsz", m->argsz);
			ADD_U(d, "flags", m->flags);
			ADD_U(d, "addr", m->addr);
			ADD_U(d, "size", m->size);
		}
		break;
	case VFIO_USER_DEVICE_GET_INFO:
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
	case VFIO_USER_DEVICE_GET_REGION_IO_FDS:
		if (len >= 16) {
			const uint32_t *w = (const void *)p;
			bool dev = h->cmd == VFIO_USER_DEVICE_GET_INFO;

			ADD_U(d, "argsz", w[0]);
			ADD_U(d, "flags", w[1]);
			ADD_U(d, dev ? "num_regions" : "index", w[2]);
			ADD_U(d, dev ? "num_irqs" : "count", w[3]);
		}
		break;
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		if (len >= sizeof(struct vfio_user_region_info)) {
			const struct vfio_user_region_info *r = (const void *)p;

			ADD_U(d, "argsz", r->argsz);
			ADD_U(d, "flags", r->flags);
			ADD_U(d, "index", r->index);
			ADD_U(d, "cap_offset", r->cap_offset);
			ADD_U(d, "size", r->size);
			ADD_U(d, "offset", r->offset);
		}
		break;
	case VFIO_USER_DEVICE_SET_IRQS:
		if (len >= sizeof(struct vfio_user_irq_set)) {
			const struct vfio_user_irq_set *s = (const void *)p;

			ADD_U(d, "argsz", s->argsz);
			ADD_U(d, "flags", s->flags);
			ADD_U(d, "index", s->index);
			ADD_U(d, "start", s->start);
			ADD_U(d, "count", s->count);
		}
		break;
	case VFIO_USER_REGION_READ:
	case VFIO_USER_REGION_WRITE:
		if (len >= VFIO_USER_REGION_ACCESS_HDR) {
			const struct vfio_user_region_access *a = (const void *)p;

			ADD_U(d, "offset", a->offset);
			ADD_U(d, "region", a->region);
			ADD_U(d, "count", a->count);
			ADD_U(d, "data_len", len - VFIO_USER_REGION_ACCESS_HDR);
		}
		break;
	case VFIO_USER_DMA_READ:
	case VFIO_USER_DMA_WRITE:
		if (len >= 12) {
			const struct vfio_user_dma_access *a = (const void *)p;

			ADD_U(d, "addr", a->addr);
			ADD_U(d, "count", len >= 16 ? a->count : (uint64_t)*(const uint32_t *)(p + 8));
			ADD_U(d, "data_len", len >= 16 ? len - 16 : 0);
		}
		break;
	default:
		break;
	}
	(void)reply;
	return d;
}

void
vfu_trace_msg(struct vfu_trace *t, bool sent, const struct vfio_user_hdr *h, const void *payload,
	      uint32_t len, unsigned int nfds)
{
	json_object *o;
	bool c2s = t->server ? !sent : sent;
	uint32_t type = h->flags & VFIO_USER_F_TYPE_MASK;
	bool err = h->flags & VFIO_USER_F_ERROR;

	if (!t->f) {
		return;
	}
	o = json_object_new_object();
	pthread_mutex_lock(&t->lock);
	ADD_U(o, "seq", t->seq++);
	ADD_U(o, "conn", t->conn);
	json_object_object_add(o, "dir", json_object_new_string(c2s ? "c2s" : "s2c"));
	json_object_object_add(o, "t", json_object_new_double((double)trace_wall_ns() / 1e9));
	ADD_U(o, "msg_id", h->msg_id);
	ADD_U(o, "cmd", h->cmd);
	json_object_object_add(o, "cmd_name", json_object_new_string(vfio_user_cmd_name(h->cmd)));
	ADD_U(o, "msg_size", h->msg_size);
	ADD_U(o, "flags", h->flags);
	json_object_object_add(o, "type", json_object_new_string(
		type == VFIO_USER_F_TYPE_CMD ? "command" :
		type == VFIO_USER_F_TYPE_REPLY ? "reply" : "unknown"));
	json_object_object_add(o, "no_reply",
			       json_object_new_boolean(h->flags & VFIO_USER_F_NO_REPLY));
	json_object_object_add(o, "error", json_object_new_boolean(err));
	ADD_U(o, "error_no", h->error_no);
	ADD_U(o, "nfds", nfds);
	ADD_U(o, "payload_len", len);
	json_object_object_add(o, "header_hex", trace_hex(h, sizeof(*h)));
	json_object_object_add(o, "payload_hex", trace_hex(payload, len));
	if (!err) {
		json_object_object_add(o, "decoded", trace_decode(h, payload, len,
								  type == VFIO_USER_F_TYPE_REPLY));
	}
	fprintf(t->f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(t->f);
	pthread_mutex_unlock(&t->lock);
	json_object_put(o);
}

void
vfu_trace_event(struct vfu_trace *t, const char *event, const char *detail)
{
	json_object *o;

	if (!t->f) {
		return;
	}
	o = json_object_new_object();
	pthread_mutex_lock(&t->lock);
	ADD_U(o, "seq", t->seq++);
	json_object_object_add(o, "event", json_object_new_string(event));
	ADD_U(o, "conn", t->conn);
	json_object_object_add(o, "t", json_object_new_double((double)trace_wall_ns() / 1e9));
	if (detail) {
		json_object_object_add(o, "detail", json_object_new_string(detail));
	}
	fprintf(t->f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(t->f);
	pthread_mutex_unlock(&t->lock);
	json_object_put(o);
}
