/* SPDX-License-Identifier: BSD-3-Clause */
/* Verdict collection: per-rule pass/fail counters, stored failures with positions, events. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "conformance/check/verdict.h"
#include "conformance/rules/rules.h"
#include "iopath/log.h"

int
iop_conf_init(struct iop_conf_verdicts *v, const char *source, const char *kind,
	      const char *filter)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->source, sizeof(v->source), "%s", source ? source : "");
	snprintf(v->kind, sizeof(v->kind), "%s", kind ? kind : "");
	v->filter = filter;
	v->nrules = iop_rule_count();
	v->st = calloc(v->nrules, sizeof(*v->st));
	return v->st ? 0 : -ENOMEM;
}

void
iop_conf_fini(struct iop_conf_verdicts *v)
{
	free(v->st);
	v->st = NULL;
}

static struct iop_conf_rule_state *
verdict_state(struct iop_conf_verdicts *v, const char *id)
{
	int i = iop_rule_index(id);

	if (i < 0) {
		/* A checker naming a rule that is not in the catalog is a bug in iopath. */
		IOP_ERR("conformance checker refers to unknown rule '%s'", id);
		abort();
	}
	return &v->st[i];
}

void
iop_conf_pass(struct iop_conf_verdicts *v, const char *id)
{
	verdict_state(v, id)->pass++;
}

static void
verdict_copy_pos(struct iop_conf_pos *dst, char *dir, size_t dlen, char *what, size_t wlen,
		 const struct iop_conf_pos *pos)
{
	if (!pos) {
		memset(dst, 0, sizeof(*dst));
		dst->offset = -1;
		dst->conn = -1;
		dst->seq = -1;
		return;
	}
	*dst = *pos;
	snprintf(dir, dlen, "%s", pos->dir ? pos->dir : "");
	snprintf(what, wlen, "%s", pos->what ? pos->what : "");
	dst->dir = NULL;
	dst->what = NULL;
}

static void
verdict_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
verdict_vfail(struct iop_conf_verdicts *v, const char *id, const struct iop_conf_pos *pos,
	      const char *fmt, va_list ap)
{
	struct iop_conf_rule_state *st = verdict_state(v, id);
	struct iop_conf_failure *f;
	char buf[400];
	char *bar;

	st->fail++;
	if (st->nstored >= IOP_CONF_MAX_FAILS) {
		return;
	}
	f = &st->fails[st->nstored++];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	bar = strchr(buf, '|');
	if (bar) {
		*bar = '\0';
	}
	verdict_strlcpy(f->expected, buf, sizeof(f->expected));
	verdict_strlcpy(f->actual, bar ? bar + 1 : "", sizeof(f->actual));
	verdict_copy_pos(&f->pos, f->dir, sizeof(f->dir), f->what, sizeof(f->what), pos);
}

void
iop_conf_fail(struct iop_conf_verdicts *v, const char *id, const struct iop_conf_pos *pos,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verdict_vfail(v, id, pos, fmt, ap);
	va_end(ap);
}

bool
iop_conf_expect(struct iop_conf_verdicts *v, bool ok, const char *id,
		const struct iop_conf_pos *pos, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		iop_conf_pass(v, id);
		return true;
	}
	va_start(ap, fmt);
	verdict_vfail(v, id, pos, fmt, ap);
	va_end(ap);
	return false;
}

void
iop_conf_event(struct iop_conf_verdicts *v, const struct iop_conf_pos *pos, const char *fmt, ...)
{
	struct iop_conf_event *e;
	va_list ap;

	if (v->nevents >= IOP_CONF_MAX_EVENTS) {
		return;
	}
	e = &v->events[v->nevents++];
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	{
		char what[8];

		verdict_copy_pos(&e->pos, e->dir, sizeof(e->dir), what, sizeof(what), pos);
	}
}

const char *
iop_conf_verdict_str(const struct iop_conf_verdicts *v, size_t i)
{
	if (v->st[i].fail) {
		return "fail";
	}
	return v->st[i].pass ? "pass" : "not-exercised";
}

const char *
iop_conf_pos_str(const struct iop_conf_pos *pos, const char *dir, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (pos->frame) {
		if (pos->frame_first && pos->frame_first != pos->frame) {
			n += snprintf(buf + n, len - n, "frames %" PRIu64 "-%" PRIu64, pos->frame_first,
				      pos->frame);
		} else {
			n += snprintf(buf + n, len - n, "frame %" PRIu64, pos->frame);
		}
	}
	if (pos->seq >= 0 && n < len) {
		n += snprintf(buf + n, len - n, "%sseq %" PRId64, n ? " " : "", pos->seq);
	}
	if (pos->line && n < len) {
		n += snprintf(buf + n, len - n, "%sline %" PRIu64, n ? " " : "", pos->line);
	}
	if ((pos->conn >= 0 || (dir && *dir) || pos->offset >= 0) && n < len) {
		n += snprintf(buf + n, len - n, "%s(", n ? " " : "");
		if (pos->conn >= 0 && n < len) {
			n += snprintf(buf + n, len - n, "conn %d", pos->conn);
		}
		if (dir && *dir && n < len) {
			n += snprintf(buf + n, len - n, "%s%s", pos->conn >= 0 ? " " : "", dir);
		}
		if (pos->offset >= 0 && n < len) {
			n += snprintf(buf + n, len - n, ", offset %" PRId64, pos->offset);
		}
		if (n < len) {
			snprintf(buf + n, len - n, ")");
		}
	}
	return buf;
}

unsigned int
iop_conf_must_failures(const struct iop_conf_verdicts *v)
{
	unsigned int n = 0;

	for (size_t i = 0; i < v->nrules; i++) {
		const struct iop_rule *r = iop_rule_at(i);

		if (v->st[i].fail && r->level == IOP_RULE_MUST && iop_rule_matches(r, v->filter)) {
			n++;
		}
	}
	return n;
}
