/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON Lines trace reader: one framed message (or event) per line, raw bytes as hex. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/trace/jsonl.h"

static int
jl_hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int
iop_hex_decode(const char *hex, uint8_t **out, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *b;

	if (n % 2) {
		return -EINVAL;
	}
	b = malloc(n / 2 + 1);
	if (!b) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = jl_hexval(hex[2 * i]), lo = jl_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return -EINVAL;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*len = n / 2;
	return 0;
}

static const char *
jl_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
		return NULL;
	}
	return json_object_get_string(v);
}

static bool
jl_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		return false;
	}
	*out = json_object_get_int64(v);
	return true;
}

static void
jl_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

/*
 * Records without header_hex (the vhost-user target's --trace: "request", "flags", "size"; or
 * vfio-user fields "msg_id", "cmd", "msg_size", "flags", "error_no") get their header rebuilt
 * from the fields. \return 0 or -EINVAL.
 */
static int
jl_synth_header(json_object *o, struct iop_jmsg *m)
{
	int64_t a, b, c, d, e;

	if (jl_int(o, "request", &a) && jl_int(o, "flags", &b) && jl_int(o, "size", &c)) {
		m->hdr = calloc(1, 12);
		if (!m->hdr) {
			return -ENOMEM;
		}
		jl_put32(m->hdr, (uint32_t)a);
		jl_put32(m->hdr + 4, (uint32_t)b);
		jl_put32(m->hdr + 8, (uint32_t)c);
		m->hdrlen = 12;
		return 0;
	}
	if (jl_int(o, "msg_id", &a) && jl_int(o, "cmd", &b) && jl_int(o, "msg_size", &c) &&
	    jl_int(o, "flags", &d)) {
		e = 0;
		jl_int(o, "error_no", &e);
		m->hdr = calloc(1, 16);
		if (!m->hdr) {
			return -ENOMEM;
		}
		jl_put32(m->hdr, (uint32_t)(a & 0xffff) | (uint32_t)(b & 0xffff) << 16);
		jl_put32(m->hdr + 4, (uint32_t)c);
		jl_put32(m->hdr + 8, (uint32_t)d);
		jl_put32(m->hdr + 12, (uint32_t)e);
		m->hdrlen = 16;
		return 0;
	}
	return -EINVAL;
}

static int
jl_record(struct iop_jtrace *t, json_object *o, uint64_t line, char *err, size_t errlen)
{
	struct iop_jmsg *m;
	const char *s;
	int64_t iv;

	if (t->nmsgs == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		void *n = realloc(t->msgs, ncap * sizeof(*t->msgs));

		if (!n) {
			return -ENOMEM;
		}
		t->msgs = n;
		t->cap = ncap;
	}
	m = &t->msgs[t->nmsgs];
	memset(m, 0, sizeof(*m));
	m->line = line;
	m->seq = jl_int(o, "seq", &iv) ? iv : -1;
	m->conn = jl_int(o, "conn", &iv) ? (int)iv : 0;
	if ((s = jl_str(o, "event"))) {
		m->event = true;
		snprintf(m->event_name, sizeof(m->event_name), "%s", s);
		s = jl_str(o, "dir");
		m->dir = s && !strcmp(s, "s2c") ? IOP_J_S2C : IOP_J_C2S;
		t->nmsgs++;
		return 0;
	}
	s = jl_str(o, "dir");
	if (!s || (strcmp(s, "c2s") && strcmp(s, "s2c") && strcmp(s, "f2b") && strcmp(s, "b2f"))) {
		snprintf(err, errlen, "line %llu: \"dir\" must be \"c2s\"/\"f2b\" or \"s2c\"/\"b2f\"",
			 (unsigned long long)line);
		return -EINVAL;
	}
	m->dir = !strcmp(s, "s2c") || !strcmp(s, "b2f") ? IOP_J_S2C : IOP_J_C2S;
	s = jl_str(o, "header_hex");
	if (s) {
		if (iop_hex_decode(s, &m->hdr, &m->hdrlen)) {
			snprintf(err, errlen, "line %llu: bad \"header_hex\"", (unsigned long long)line);
			return -EINVAL;
		}
	} else if (jl_synth_header(o, m)) {
		snprintf(err, errlen, "line %llu: no \"header_hex\" and no header fields",
			 (unsigned long long)line);
		return -EINVAL;
	}
	s = jl_str(o, "payload_hex");
	if (s && *s && iop_hex_decode(s, &m->payload, &m->paylen)) {
		free(m->hdr);
		snprintf(err, errlen, "line %llu: bad \"payload_hex\"", (unsigned long long)line);
		return -EINVAL;
	}
	m->nfds = jl_int(o, "nfds", &iv) ? (int)iv : 0;
	if (t->proto == IOP_JPROTO_UNKNOWN) {
		s = jl_str(o, "proto");
		if (s && !strcmp(s, "vhost-user")) {
			t->proto = IOP_JPROTO_VHOST_USER;
		} else if (s && !strcmp(s, "vfio-user")) {
			t->proto = IOP_JPROTO_VFIO_USER;
		} else if (m->hdrlen == 16) {
			t->proto = IOP_JPROTO_VFIO_USER;
		} else if (m->hdrlen == 12) {
			t->proto = IOP_JPROTO_VHOST_USER;
		}
	}
	t->nmsgs++;
	return 0;
}

int
iop_jsonl_load(const char *path, struct iop_jtrace *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	uint64_t lno = 0;
	ssize_t n;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -ENOENT;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		json_object *o;

		lno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
			line[--n] = '\0';
		}
		if (!n) {
			continue;
		}
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			snprintf(err, errlen, "line %llu: not a JSON object", (unsigned long long)lno);
			rc = -EINVAL;
			break;
		}
		rc = jl_record(t, o, lno, err, errlen);
		json_object_put(o);
		if (rc) {
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc) {
		iop_jsonl_free(t);
	}
	return rc;
}

void
iop_jsonl_free(struct iop_jtrace *t)
{
	for (size_t i = 0; i < t->nmsgs; i++) {
		free(t->msgs[i].hdr);
		free(t->msgs[i].payload);
	}
	free(t->msgs);
	memset(t, 0, sizeof(*t));
}
