/* SPDX-License-Identifier: BSD-3-Clause */
/* Static HTML report (no scripts): environment, metric tables, plots, skips, conformance. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/plot_internal.h"
#include "iopath/util.h"

#define REPORT_MAX_CONFORM 32

static void
report_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

static const char *
report_jstr(json_object *o, const char *key)
{
	json_object *x;

	if (o && json_object_object_get_ex(o, key, &x) && json_object_is_type(x, json_type_string)) {
		return json_object_get_string(x);
	}
	return "";
}

static void
report_env(FILE *f, const struct plot_set *s)
{
	fputs("<h2 id=\"env\">Environment</h2>\n<table>\n<tr><th>run</th><th>commit</th>"
	      "<th>kernel</th><th>CPU model</th><th>cores</th><th>pinning</th><th>mode</th>"
	      "<th>host</th><th>started (UTC)</th><th>results</th></tr>\n", f);
	for (unsigned int i = 0; i < s->nruns; i++) {
		const struct plot_run *r = &s->runs[i];
		const struct iop_env *e = &r->env;

		fputs("<tr><td>", f);
		report_esc(f, r->id);
		fputs("</td><td><code>", f);
		report_esc(f, e->commit);
		fputs("</code></td><td>", f);
		report_esc(f, e->kernel);
		fputs("</td><td>", f);
		report_esc(f, e->cpu_model);
		fprintf(f, "</td><td>%u</td><td>", e->nproc);
		report_esc(f, e->pinning[0] ? e->pinning : "not pinned");
		fprintf(f, "</td><td>%s</td><td>", e->interrupt ? "interrupt" : "polling");
		report_esc(f, e->hostname);
		fputs("</td><td>", f);
		report_esc(f, e->time);
		fputs("</td><td><code>", f);
		report_esc(f, r->dir);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
report_workload(FILE *f, const struct plot_set *s, const char *key)
{
	bool multi = s->nruns > 1;

	fputs("<h2 id=\"w-", f);
	report_esc(f, key);
	fputs("\">Workload ", f);
	report_esc(f, key);
	fputs("</h2>\n<table>\n<tr>", f);
	if (multi) {
		fputs("<th>run</th>", f);
	}
	fputs("<th>transport</th><th>backend</th><th>QD</th><th>IOPS</th><th>MiB/s</th>"
	      "<th>mean µs</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>p99.9 µs</th>"
	      "<th>p99.99 µs</th><th>max µs</th><th>cores ini</th><th>cores tgt</th>"
	      "<th>IOPS/core</th><th>IOPS/core tgt</th><th>cores per GB/s</th>"
	      "<th>cores per GB/s tgt</th><th>errors</th></tr>\n", f);
	for (unsigned int i = 0; i < s->nrows; i++) {
		const struct plot_row *r = &s->rows[i];
		char k[160];

		plot_group_key(r, k, sizeof(k));
		if (strcmp(k, key)) {
			continue;
		}
		fputs("<tr>", f);
		if (multi) {
			fputs("<td>", f);
			report_esc(f, s->runs[r->run].id);
			fputs("</td>", f);
		}
		fprintf(f, "<td><span class=\"sw\" style=\"background:%s\"></span>",
			iop_plot_color(r->transport));
		report_esc(f, r->transport);
		fputs("</td><td>", f);
		report_esc(f, r->backend_spec);
		fprintf(f, "</td><td>%u</td><td>%.0f</td><td>%.1f</td><td>%.2f</td><td>%.2f</td>"
			   "<td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
			   "<td>%.2f</td>", r->qd, r->iops, r->bw / 1048576.0, r->mean, r->p50, r->p90,
			r->p99, r->p999, r->p9999, r->max, r->cpu_ini);
		if (r->target_measured) {
			fprintf(f, "<td>%.2f</td>", r->cpu_tgt);
		} else {
			fputs("<td>-</td>", f);
		}
		fprintf(f, "<td>%.0f</td>", r->ipc);
		if (r->target_measured) {
			fprintf(f, "<td>%.0f</td>", r->ipc_tgt);
		} else {
			fputs("<td>-</td>", f);
		}
		fprintf(f, "<td>%.3f</td>", r->cpg);
		if (r->target_measured) {
			fprintf(f, "<td>%.3f</td>", r->cpg_tgt);
		} else {
			fputs("<td>-</td>", f);
		}
		fprintf(f, "<td>%llu", (unsigned long long)(r->errors + r->verify_errors));
		if (r->error_msg[0]) {
			fputs(" (", f);
			report_esc(f, r->error_msg);
			fputs(")", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	for (unsigned int i = 0; i < s->nimgs; i++) {
		const struct plot_img *im = &s->imgs[i];

		if (strcmp(im->group, key)) {
			continue;
		}
		fputs("<figure><img src=\"", f);
		report_esc(f, im->stem);
		fputs(".png\" alt=\"", f);
		report_esc(f, im->title);
		fputs("\" width=\"1100\" height=\"600\"><figcaption>", f);
		report_esc(f, im->title);
		fputs(" (<a href=\"", f);
		report_esc(f, im->stem);
		fputs(".svg\">SVG</a>)</figcaption></figure>\n", f);
	}
}

static void
report_skipped(FILE *f, const struct plot_set *s)
{
	unsigned int rows = 0;

	fputs("<h2 id=\"skipped\">Skipped transports and cells</h2>\n<table>\n<tr><th>run</th>"
	      "<th>transport</th><th>cell</th><th>status</th><th>reason</th></tr>\n", f);
	for (unsigned int i = 0; i < s->nruns; i++) {
		char path[700];
		json_object *o, *arr;

		snprintf(path, sizeof(path), "%s/skipped.json", s->runs[i].dir);
		o = json_object_from_file(path);
		if (!o) {
			continue;
		}
		if (json_object_object_get_ex(o, "transports", &arr) &&
		    json_object_is_type(arr, json_type_array)) {
			for (size_t k = 0; k < json_object_array_length(arr); k++) {
				json_object *t = json_object_array_get_idx(arr, k);

				fputs("<tr><td>", f);
				report_esc(f, s->runs[i].id);
				fputs("</td><td>", f);
				report_esc(f, report_jstr(t, "transport"));
				fputs("</td><td>(all its cells)</td><td>skipped</td><td>", f);
				report_esc(f, report_jstr(t, "reason"));
				fputs("</td></tr>\n", f);
				rows++;
			}
		}
		if (json_object_object_get_ex(o, "cells", &arr) &&
		    json_object_is_type(arr, json_type_array)) {
			for (size_t k = 0; k < json_object_array_length(arr); k++) {
				json_object *c = json_object_array_get_idx(arr, k);

				/* whole-transport skips are listed above once */
				if (!strcmp(report_jstr(c, "status"), "skipped")) {
					continue;
				}
				fputs("<tr><td>", f);
				report_esc(f, s->runs[i].id);
				fputs("</td><td>", f);
				report_esc(f, report_jstr(c, "transport"));
				fputs("</td><td>", f);
				report_esc(f, report_jstr(c, "cell"));
				fputs("</td><td>", f);
				report_esc(f, report_jstr(c, "status"));
				fputs("</td><td>", f);
				report_esc(f, report_jstr(c, "reason"));
				fputs("</td></tr>\n", f);
				rows++;
			}
		}
		json_object_put(o);
	}
	if (!rows) {
		fputs("<tr><td colspan=\"5\">none: every transport of the matrix ran</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static int
report_conform_load(const char *dir, json_object **rep, unsigned int max)
{
	struct dirent **ents = NULL;
	unsigned int n = 0;
	int nent = dir ? scandir(dir, &ents, NULL, alphasort) : -1;

	for (int i = 0; i < nent; i++) {
		size_t len = strlen(ents[i]->d_name);
		char path[1024];
		json_object *o;

		if (n < max && len > 5 && !strcmp(ents[i]->d_name + len - 5, ".json")) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			o = json_object_from_file(path);
			if (o && !strcmp(report_jstr(o, "schema"), "iopath.conform/1")) {
				rep[n++] = o;
			} else {
				json_object_put(o);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return (int)n;
}

static const char *
report_verdict(json_object *rep, const char *id)
{
	json_object *rules, *r;

	if (!json_object_object_get_ex(rep, "rules", &rules) ||
	    !json_object_is_type(rules, json_type_array)) {
		return NULL;
	}
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		r = json_object_array_get_idx(rules, i);
		if (!strcmp(report_jstr(r, "id"), id)) {
			return report_jstr(r, "verdict");
		}
	}
	return NULL;
}

static void
report_conform(FILE *f, const char *dir)
{
	json_object *rep[REPORT_MAX_CONFORM];
	int n = report_conform_load(dir, rep, REPORT_MAX_CONFORM);
	const char **ids = NULL;
	size_t nids = 0;

	fputs("<h2 id=\"conformance\">Conformance</h2>\n", f);
	if (n <= 0) {
		fputs("<p>No conformance reports given (<code>make plots</code> runs <code>make "
		      "conformance</code> with <code>CONFORM_REPORTS=DIR</code> and passes "
		      "<code>--conform DIR</code>).</p>\n", f);
		return;
	}
	fputs("<p>P = pass, F = fail, - = not exercised, blank = rule not checked by that report."
	      " Columns:</p>\n<ol class=\"src\">\n", f);
	for (int c = 0; c < n; c++) {
		fputs("<li><code>", f);
		report_esc(f, report_jstr(rep[c], "source"));
		fputs("</code></li>\n", f);
	}
	fputs("</ol>\n<table class=\"conf\">\n<tr><th>rule</th><th>level</th>", f);
	for (int c = 0; c < n; c++) {
		fprintf(f, "<th title=\"");
		report_esc(f, report_jstr(rep[c], "source"));
		fprintf(f, "\">%d</th>", c + 1);
	}
	fputs("<th>text</th></tr>\n", f);
	for (int c = 0; c < n; c++) {
		json_object *rules;

		if (!json_object_object_get_ex(rep[c], "rules", &rules) ||
		    !json_object_is_type(rules, json_type_array)) {
			continue;
		}
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *r = json_object_array_get_idx(rules, i);
			const char *id = report_jstr(r, "id");
			bool seen = false;
			const char **nid;

			for (size_t k = 0; k < nids; k++) {
				seen |= !strcmp(ids[k], id);
			}
			if (seen || !*id) {
				continue;
			}
			nid = realloc(ids, (nids + 1) * sizeof(*ids));
			if (!nid) {
				break;
			}
			ids = nid;
			ids[nids++] = id;
			fputs("<tr><td>", f);
			report_esc(f, id);
			fputs("</td><td>", f);
			report_esc(f, report_jstr(r, "level"));
			fputs("</td>", f);
			for (int d = 0; d < n; d++) {
				const char *v = report_verdict(rep[d], id);
				const char *cls = !v ? "" : !strcmp(v, "pass") ? "P" :
							    !strcmp(v, "fail") ? "F" : "-";

				fprintf(f, "<td class=\"v%s\">%s</td>", *cls == '-' ? "n" : cls, cls);
			}
			fputs("<td>", f);
			report_esc(f, report_jstr(r, "text"));
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</table>\n", f);
	free(ids);
	for (int c = 0; c < n; c++) {
		json_object_put(rep[c]);
	}
}

int
report_write(const struct plot_set *s, const char *out_dir, const char *conform_dir, char *err,
	     size_t errlen)
{
	char path[700], tmp[720], prev[160] = "", key[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/report.html", out_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(e));
		return -e;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>iopath report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:1em 2em;color:#222}\n"
	      "table{border-collapse:collapse;margin:0.5em 0 1em;font-size:90%}\n"
	      "th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}\n"
	      "th{background:#eee}td:first-child,th:first-child{text-align:left}\n"
	      ".sw{display:inline-block;width:0.8em;height:0.8em;margin-right:4px}\n"
	      ".vP{background:#c8f0c8}.vF{background:#f4b8b8}.vn{color:#888}\n"
	      "table.conf td{text-align:center}table.conf td:first-child{white-space:nowrap}\n"
	      "table.conf td:last-child,table.conf th:last-child{text-align:left}"
	      "ol.src{font-size:85%}\n"
	      "figure{margin:0.5em 0}img{max-width:100%;height:auto;border:1px solid #ddd}\n"
	      "</style>\n</head>\n<body>\n<h1>iopath report</h1>\n<p>Runs: ", f);
	for (unsigned int i = 0; i < s->nruns; i++) {
		fputs(i ? ", " : "", f);
		report_esc(f, s->runs[i].id);
	}
	fprintf(f, " (%u result files). Latencies in µs; CPU in cores (CPU-seconds per second); "
		   "<code>tgt</code> = the target process alone.</p>\n<ul>\n"
		   "<li><a href=\"#env\">Environment</a></li>\n", s->nrows);
	for (unsigned int i = 0; i < s->nrows; i++) {
		plot_group_key(&s->rows[i], key, sizeof(key));
		if (strcmp(key, prev)) {
			fputs("<li><a href=\"#w-", f);
			report_esc(f, key);
			fputs("\">", f);
			report_esc(f, key);
			fputs("</a></li>\n", f);
			snprintf(prev, sizeof(prev), "%s", key);
		}
	}
	fputs("<li><a href=\"#skipped\">Skipped</a></li>\n"
	      "<li><a href=\"#conformance\">Conformance</a></li>\n</ul>\n", f);
	report_env(f, s);
	prev[0] = 0;
	for (unsigned int i = 0; i < s->nrows; i++) {
		plot_group_key(&s->rows[i], key, sizeof(key));
		if (strcmp(key, prev)) {
			report_workload(f, s, key);
			snprintf(prev, sizeof(prev), "%s", key);
		}
	}
	report_skipped(f, s);
	report_conform(f, conform_dir);
	fputs("</body>\n</html>\n", f);
	if (fclose(f) || rename(tmp, path)) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}
