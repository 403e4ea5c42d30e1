/* SPDX-License-Identifier: BSD-3-Clause */
/* Generic table-driven option parser (fio-style rows): CLI flags, job files, "k=v,k=v" specs. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "iopath/option.h"
#include "iopath/util.h"

const struct iop_option *
iop_opt_find(const struct iop_option *tbl, const char *name)
{
	for (; tbl && tbl->name; tbl++) {
		if (!strcmp(tbl->name, name) || (tbl->alias && !strcmp(tbl->alias, name))) {
			return tbl;
		}
	}
	return NULL;
}

static int
opt_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on", ""};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < IOP_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
	}
	for (size_t i = 0; i < IOP_ARRAY_SIZE(no); i++) {
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int
opt_parse_uint(const char *v, uint64_t *out)
{
	unsigned long long x;
	char *end;

	if (!*v || !isdigit((unsigned char)*v)) {
		return -EINVAL;
	}
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno == ERANGE) {
		return -ERANGE;
	}
	if (*end) {
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static int
opt_parse_time(const char *v, uint64_t *out)
{
	static const struct { const char *suf; uint64_t mult; } units[] = {
		{"", 1000000000ull}, {"s", 1000000000ull}, {"sec", 1000000000ull},
		{"ms", 1000000ull}, {"msec", 1000000ull}, {"us", 1000ull}, {"usec", 1000ull},
		{"ns", 1ull}, {"m", 60000000000ull}, {"min", 60000000000ull}, {"h", 3600000000000ull},
	};
	unsigned long long x;
	char *end;

	if (!*v || !isdigit((unsigned char)*v)) {
		return -EINVAL;
	}
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno == ERANGE) {
		return -ERANGE;
	}
	for (size_t i = 0; i < IOP_ARRAY_SIZE(units); i++) {
		if (!strcasecmp(end, units[i].suf)) {
			if (x && units[i].mult > UINT64_MAX / x) {
				return -ERANGE;
			}
			*out = x * units[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

int
iop_opt_set(const struct iop_option *tbl, void *obj, const char *name, const char *val,
	    char *err, size_t errlen)
{
	const struct iop_option *o = iop_opt_find(tbl, name);
	char *p;
	uint64_t u = 0;
	int rc = 0;

	if (!err) {
		errlen = 0;
	}
	if (!o) {
		if (errlen) {
			snprintf(err, errlen, "unknown option '%s'", name);
		}
		return -ENOENT;
	}
	p = (char *)obj + o->off;
	if (!val) {
		val = "";
	}
	switch (o->type) {
	case IOP_OPT_BOOL:
		rc = opt_parse_bool(val, (bool *)p);
		break;
	case IOP_OPT_UINT:
		rc = opt_parse_uint(val, &u);
		break;
	case IOP_OPT_SIZE:
		rc = iop_parse_size(val, &u);
		break;
	case IOP_OPT_TIME:
		rc = opt_parse_time(val, &u);
		break;
	case IOP_OPT_STR: {
		char *s = strdup(val);

		if (!s) {
			return -ENOMEM;
		}
		free(*(char **)p);
		*(char **)p = s;
		return 0;
	}
	case IOP_OPT_ENUM:
		rc = -EINVAL;
		for (int i = 0; o->choices && o->choices[i]; i++) {
			if (!strcasecmp(o->choices[i], val)) {
				*(int *)p = i;
				rc = 0;
				break;
			}
		}
		if (rc && errlen) {
			size_t n = (size_t)snprintf(err, errlen, "bad value '%s' for %s (one of:", val,
						    o->name);
			for (int i = 0; o->choices && o->choices[i] && n < errlen; i++) {
				n += (size_t)snprintf(err + n, errlen - n, " %s", o->choices[i]);
			}
			if (n < errlen) {
				snprintf(err + n, errlen - n, ")");
			}
		}
		return rc;
	}
	if (rc) {
		if (errlen) {
			snprintf(err, errlen, "bad value '%s' for %s", val, o->name);
		}
		return rc;
	}
	if (o->type != IOP_OPT_BOOL) {
		if (u < o->min || (o->max && u > o->max)) {
			if (errlen) {
				snprintf(err, errlen, "%s=%s out of range [%llu, %llu]", o->name, val,
					 (unsigned long long)o->min, (unsigned long long)o->max);
			}
			return -ERANGE;
		}
		*(uint64_t *)p = u;
	}
	return 0;
}

int
iop_opts_defaults(const struct iop_option *tbl, void *obj)
{
	for (; tbl && tbl->name; tbl++) {
		if (tbl->def) {
			int rc = iop_opt_set(tbl, obj, tbl->name, tbl->def, NULL, 0);

			if (rc) {
				return rc;
			}
		}
	}
	return 0;
}

int
iop_opts_parse_kv(const struct iop_option *tbl, void *obj, const char *kv, char *err,
		  size_t errlen)
{
	char *dup, *save = NULL, *tok;
	int rc = 0;

	if (!kv || !*kv) {
		return 0;
	}
	dup = strdup(kv);
	if (!dup) {
		return -ENOMEM;
	}
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq) {
			*eq = '\0';
		}
		rc = iop_opt_set(tbl, obj, tok, eq ? eq + 1 : NULL, err, errlen);
		if (rc) {
			break;
		}
	}
	free(dup);
	return rc;
}

void
iop_opts_free(const struct iop_option *tbl, void *obj)
{
	for (; tbl && tbl->name; tbl++) {
		if (tbl->type == IOP_OPT_STR) {
			char **p = (char **)((char *)obj + tbl->off);

			free(*p);
			*p = NULL;
		}
	}
}

void
iop_opts_help(const struct iop_option *tbl, void *f)
{
	static const char *const tn[] = {"bool", "int", "size", "time", "str", "enum"};

	for (; tbl && tbl->name; tbl++) {
		fprintf((FILE *)f, "    %-16s %-5s %s%s%s%s\n", tbl->name, tn[tbl->type],
			tbl->help ? tbl->help : "", tbl->def ? " (default " : "",
			tbl->def ? tbl->def : "", tbl->def ? ")" : "");
	}
}
