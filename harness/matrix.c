/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix file parsing and expansion into cells (the format is described in harness/matrix.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/matrix.h"

static char *
matrix_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s)) {
		s++;
	}
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1])) {
		*--e = '\0';
	}
	return s;
}

static bool
matrix_global_only(const char *key)
{
	return !strcmp(key, "budget") || !strncmp(key, "uri.", 4);
}

static void
matrix_section_free(struct iop_matrix_section *s)
{
	for (unsigned int i = 0; i < s->naxes; i++) {
		for (unsigned int j = 0; j < s->axes[i].nvals; j++) {
			free(s->axes[i].vals[j]);
		}
		free(s->axes[i].vals);
		free(s->axes[i].key);
	}
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* Split "a, b ,c" into axis values. \return 0, -EINVAL (empty value), -ENOMEM. */
static int
matrix_axis_set(struct iop_matrix_axis *a, const char *key, char *list, unsigned int line)
{
	unsigned int n = 1;
	char *tok;

	for (const char *p = list; *p; p++) {
		n += *p == ',';
	}
	a->key = strdup(key);
	a->vals = calloc(n, sizeof(*a->vals));
	a->line = line;
	if (!a->key || !a->vals) {
		return -ENOMEM;
	}
	/* strtok_r would swallow empty items: walk by hand. */
	tok = list;
	for (unsigned int i = 0; i < n; i++) {
		char *comma = strchr(tok, ',');
		char *v;

		if (comma) {
			*comma = '\0';
		}
		v = matrix_trim(tok);
		if (!*v) {
			return -EINVAL;
		}
		a->vals[a->nvals] = strdup(v);
		if (!a->vals[a->nvals]) {
			return -ENOMEM;
		}
		a->nvals++;
		tok = comma ? comma + 1 : tok + strlen(tok);
	}
	return 0;
}

static int
matrix_add_line(struct iop_matrix *m, struct iop_matrix_section *s, char *line, unsigned int lno,
		char *err, size_t errlen)
{
	char *eq = strchr(line, '=');
	char *key, *val;
	int rc;

	if (!eq) {
		snprintf(err, errlen, "%s:%u: expected 'key = value[, value...]'", m->fname, lno);
		return -EINVAL;
	}
	*eq = '\0';
	key = matrix_trim(line);
	val = matrix_trim(eq + 1);
	if (!*key) {
		snprintf(err, errlen, "%s:%u: missing key before '='", m->fname, lno);
		return -EINVAL;
	}
	if (!strcmp(key, "transport")) {
		key = "transports";
	}
	if (s != &m->global && matrix_global_only(key)) {
		snprintf(err, errlen, "%s:%u: '%s' is only allowed in [global]", m->fname, lno,
			 key);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < s->naxes; i++) {
		if (!strcmp(s->axes[i].key, key)) {
			snprintf(err, errlen, "%s:%u: '%s' already set on line %u", m->fname, lno,
				 key, s->axes[i].line);
			return -EINVAL;
		}
	}
	if (s->naxes == IOP_MATRIX_MAX_KEYS) {
		snprintf(err, errlen, "%s:%u: more than %d keys in [%s]", m->fname, lno,
			 IOP_MATRIX_MAX_KEYS, s->name);
		return -EINVAL;
	}
	rc = matrix_axis_set(&s->axes[s->naxes++], key, val, lno);
	if (rc == -EINVAL) {
		snprintf(err, errlen, "%s:%u: empty value in the list for '%s'", m->fname, lno,
			 key);
	}
	return rc;
}

int
iop_matrix_parse(const char *text, const char *fname, struct iop_matrix *m, char *err,
		 size_t errlen)
{
	struct iop_matrix_section *cur = &m->global;
	char *buf, *line, *next;
	unsigned int lno = 0;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->fname = strdup(fname ? fname : "<matrix>");
	m->global.name = strdup("global");
	buf = strdup(text);
	if (!m->fname || !m->global.name || !buf) {
		free(buf);
		iop_matrix_free(m);
		return -ENOMEM;
	}
	for (line = buf; line && !rc; line = next) {
		char *l;

		next = strchr(line, '\n');
		if (next) {
			*next++ = '\0';
		}
		lno++;
		l = matrix_trim(line);
		if (!*l || *l == '#' || *l == ';') {
			continue;
		}
		if (*l == '[') {
			char *end = strchr(l, ']');
			struct iop_matrix_section *ns;

			if (!end || end[1] || end == l + 1) {
				snprintf(err, errlen, "%s:%u: bad section header '%s'", m->fname,
					 lno, l);
				rc = -EINVAL;
				break;
			}
			*end = '\0';
			if (!strcmp(l + 1, "global")) {
				cur = &m->global;
				continue;
			}
			for (unsigned int i = 0; i < m->nsecs; i++) {
				if (!strcmp(m->secs[i].name, l + 1)) {
					snprintf(err, errlen, "%s:%u: section [%s] defined twice",
						 m->fname, lno, l + 1);
					rc = -EINVAL;
					break;
				}
			}
			if (rc) {
				break;
			}
			ns = realloc(m->secs, (m->nsecs + 1) * sizeof(*m->secs));
			if (!ns) {
				rc = -ENOMEM;
				break;
			}
			m->secs = ns;
			cur = &m->secs[m->nsecs++];
			memset(cur, 0, sizeof(*cur));
			cur->name = strdup(l + 1);
			if (!cur->name) {
				rc = -ENOMEM;
			}
			continue;
		}
		rc = matrix_add_line(m, cur, l, lno, err, errlen);
	}
	free(buf);
	if (!rc && m->nsecs == 0) {
		snprintf(err, errlen, "%s: no sections: a matrix needs at least one [cell group]",
			 m->fname);
		rc = -EINVAL;
	}
	if (rc) {
		iop_matrix_free(m);
	}
	return rc;
}

int
iop_matrix_load(const char *path, struct iop_matrix *m, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read matrix %s: %s", path, strerror(-rc));
		return rc;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len < 0 || len > (1 << 20)) {
		fclose(f);
		snprintf(err, errlen, "matrix %s: unreadable or larger than 1 MiB", path);
		return -EINVAL;
	}
	text = calloc(1, (size_t)len + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		fclose(f);
		snprintf(err, errlen, "matrix %s: read error", path);
		return -EIO;
	}
	fclose(f);
	rc = iop_matrix_parse(text, path, m, err, errlen);
	free(text);
	return rc;
}

void
iop_matrix_free(struct iop_matrix *m)
{
	matrix_section_free(&m->global);
	for (unsigned int i = 0; i < m->nsecs; i++) {
		matrix_section_free(&m->secs[i]);
	}
	free(m->secs);
	free(m->fname);
	memset(m, 0, sizeof(*m));
}

static const struct iop_matrix_axis *
matrix_find(const struct iop_matrix_section *s, const char *key)
{
	for (unsigned int i = 0; i < s->naxes; i++) {
		if (!strcmp(s->axes[i].key, key)) {
			return &s->axes[i];
		}
	}
	return NULL;
}

const struct iop_matrix_axis *
iop_matrix_global(const struct iop_matrix *m, const char *key)
{
	return matrix_find(&m->global, key);
}

int
iop_matrix_expand(const struct iop_matrix *m, struct iop_matrix_cell **cells)
{
	struct iop_matrix_cell *out = NULL;
	size_t total = 0, cap = 0;

	for (unsigned int s = 0; s < m->nsecs; s++) {
		const struct iop_matrix_section *sec = &m->secs[s];
		const struct iop_matrix_axis *ax[IOP_MATRIX_MAX_KEYS * 2];
		unsigned int nax = 0, idx[IOP_MATRIX_MAX_KEYS * 2] = {0};
		size_t count = 1;

		/* inherited global axes first (in their order), then the section's own */
		for (unsigned int i = 0; i < m->global.naxes; i++) {
			const struct iop_matrix_axis *g = &m->global.axes[i];

			if (!matrix_global_only(g->key) && !matrix_find(sec, g->key)) {
				ax[nax++] = g;
			}
		}
		for (unsigned int i = 0; i < sec->naxes; i++) {
			ax[nax++] = &sec->axes[i];
		}
		if (nax > IOP_MATRIX_MAX_KEYS) {
			free(out);
			return -E2BIG;
		}
		for (unsigned int i = 0; i < nax; i++) {
			count *= ax[i]->nvals;
		}
		if (total + count > cap) {
			struct iop_matrix_cell *n;

			cap = (total + count) * 2;
			n = realloc(out, cap * sizeof(*out));
			if (!n) {
				free(out);
				return -ENOMEM;
			}
			out = n;
		}
		for (size_t k = 0; k < count; k++) {
			struct iop_matrix_cell *c = &out[total++];

			c->section = sec->name;
			c->n = nax;
			for (unsigned int i = 0; i < nax; i++) {
				c->keys[i] = ax[i]->key;
				c->vals[i] = ax[i]->vals[idx[i]];
			}
			/* odometer: last axis fastest */
			for (int i = (int)nax - 1; i >= 0; i--) {
				if (++idx[i] < ax[i]->nvals) {
					break;
				}
				idx[i] = 0;
			}
		}
	}
	*cells = out;
	return (int)total;
}

const char *
iop_matrix_cell_get(const struct iop_matrix_cell *c, const char *key)
{
	for (unsigned int i = 0; i < c->n; i++) {
		if (!strcmp(c->keys[i], key)) {
			return c->vals[i];
		}
	}
	return NULL;
}
