/* SPDX-License-Identifier: BSD-3-Clause */
/* Verdict reports: the per-rule text table and the JSON report (schema iopath.conform/1). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>
#include "conformance/check/verdict.h"
#include "conformance/rules/rules.h"

void
iop_conf_report_text(const struct iop_conf_verdicts *v, FILE *f, bool verbose)
{
	unsigned int npass = 0, nfail = 0, nne = 0;
	char where[160];

	fprintf(f, "conformance: %s (%s), %" PRIu64 " %s\n", v->source, v->kind, v->units,
		v->unit_name ? v->unit_name : !strcmp(v->kind, "nvme-tcp") ? "PDUs decoded"
									 : "messages decoded");
	for (unsigned int i = 0; i < v->nevents; i++) {
		const struct iop_conf_event *e = &v->events[i];

		iop_conf_pos_str(&e->pos, e->dir, where, sizeof(where));
		fprintf(f, "  event  %s%s%s\n", where, where[0] ? ": " : "", e->text);
	}
	for (size_t i = 0; i < v->nrules; i++) {
		const struct iop_rule *r = iop_rule_at(i);
		const struct iop_conf_rule_state *st = &v->st[i];
		const char *vs = iop_conf_verdict_str(v, i);

		if (!iop_rule_matches(r, v->filter)) {
			continue;
		}
		if (st->fail) {
			nfail++;
		} else if (st->pass) {
			npass++;
		} else {
			nne++;
			if (!verbose) {
				fprintf(f, "  %-13s %s %-6s %s\n", "not-exercised", r->id,
					iop_rule_level_str(r->level), r->text);
				continue;
			}
		}
		fprintf(f, "  %-13s %s %-6s %s", vs, r->id, iop_rule_level_str(r->level), r->text);
		if (st->pass || st->fail) {
			fprintf(f, " [%" PRIu64 " ok, %" PRIu64 " bad]", st->pass, st->fail);
		}
		fprintf(f, "\n");
		for (unsigned int k = 0; k < st->nstored; k++) {
			const struct iop_conf_failure *fl = &st->fails[k];

			fprintf(f, "      at %s%s%s: expected %s, got %s\n",
				iop_conf_pos_str(&fl->pos, fl->dir, where, sizeof(where)),
				fl->what[0] ? " " : "", fl->what, fl->expected, fl->actual);
		}
		if (st->fail > st->nstored) {
			fprintf(f, "      ... %" PRIu64 " more\n", st->fail - st->nstored);
		}
	}
	fprintf(f, "summary: %u pass, %u fail (%u MUST), %u not exercised\n", npass, nfail,
		iop_conf_must_failures(v), nne);
}

static json_object *
report_pos(const struct iop_conf_pos *p, const char *dir, const char *what)
{
	json_object *o = json_object_new_object();

	if (p->frame) {
		json_object_object_add(o, "frame", json_object_new_int64((int64_t)p->frame));
		json_object_object_add(o, "frame_first",
				       json_object_new_int64((int64_t)(p->frame_first ? p->frame_first
										      : p->frame)));
	}
	if (p->offset >= 0) {
		json_object_object_add(o, "offset", json_object_new_int64(p->offset));
	}
	if (p->conn >= 0) {
		json_object_object_add(o, "conn", json_object_new_int(p->conn));
	}
	if (dir && *dir) {
		json_object_object_add(o, "dir", json_object_new_string(dir));
	}
	if (p->seq >= 0) {
		json_object_object_add(o, "seq", json_object_new_int64(p->seq));
	}
	if (p->line) {
		json_object_object_add(o, "line", json_object_new_int64((int64_t)p->line));
	}
	if (what && *what) {
		json_object_object_add(o, "what", json_object_new_string(what));
	}
	return o;
}

int
iop_conf_report_json(const struct iop_conf_verdicts *v, const char *path)
{
	json_object *root = json_object_new_object();
	json_object *rules = json_object_new_array();
	json_object *events = json_object_new_array();
	json_object *sum = json_object_new_object();
	unsigned int npass = 0, nfail = 0, nne = 0;
	int rc = 0;

	json_object_object_add(root, "schema", json_object_new_string("iopath.conform/1"));
	json_object_object_add(root, "source", json_object_new_string(v->source));
	json_object_object_add(root, "kind", json_object_new_string(v->kind));
	json_object_object_add(root, "decoded", json_object_new_int64((int64_t)v->units));
	for (size_t i = 0; i < v->nrules; i++) {
		const struct iop_rule *r = iop_rule_at(i);
		const struct iop_conf_rule_state *st = &v->st[i];
		json_object *o, *fails;

		if (!iop_rule_matches(r, v->filter)) {
			continue;
		}
		if (st->fail) {
			nfail++;
		} else if (st->pass) {
			npass++;
		} else {
			nne++;
		}
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(r->id));
		json_object_object_add(o, "level", json_object_new_string(iop_rule_level_str(r->level)));
		json_object_object_add(o, "check",
				       json_object_new_string(iop_rule_method_str(r->method)));
		json_object_object_add(o, "spec", json_object_new_string(r->spec));
		json_object_object_add(o, "section", json_object_new_string(r->section));
		json_object_object_add(o, "text", json_object_new_string(r->text));
		json_object_object_add(o, "verdict", json_object_new_string(iop_conf_verdict_str(v, i)));
		json_object_object_add(o, "passed", json_object_new_int64((int64_t)st->pass));
		json_object_object_add(o, "failed", json_object_new_int64((int64_t)st->fail));
		fails = json_object_new_array();
		for (unsigned int k = 0; k < st->nstored; k++) {
			const struct iop_conf_failure *fl = &st->fails[k];
			json_object *fo = json_object_new_object();

			json_object_object_add(fo, "position", report_pos(&fl->pos, fl->dir, fl->what));
			json_object_object_add(fo, "expected", json_object_new_string(fl->expected));
			json_object_object_add(fo, "actual", json_object_new_string(fl->actual));
			json_object_array_add(fails, fo);
		}
		json_object_object_add(o, "failures", fails);
		json_object_array_add(rules, o);
	}
	for (unsigned int i = 0; i < v->nevents; i++) {
		json_object *eo = json_object_new_object();

		json_object_object_add(eo, "position", report_pos(&v->events[i].pos, v->events[i].dir,
								 NULL));
		json_object_object_add(eo, "text", json_object_new_string(v->events[i].text));
		json_object_array_add(events, eo);
	}
	json_object_object_add(sum, "pass", json_object_new_int((int)npass));
	json_object_object_add(sum, "fail", json_object_new_int((int)nfail));
	json_object_object_add(sum, "must_fail", json_object_new_int((int)iop_conf_must_failures(v)));
	json_object_object_add(sum, "not_exercised", json_object_new_int((int)nne));
	json_object_object_add(root, "summary", sum);
	json_object_object_add(root, "events", events);
	json_object_object_add(root, "rules", rules);
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)) {
		rc = -EIO;
	}
	json_object_put(root);
	return rc;
}
