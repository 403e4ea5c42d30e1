/* SPDX-License-Identifier: BSD-3-Clause */
/* Size parsing and formatting shared by the CLI, job files and module specs. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "iopath/util.h"

int
iop_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || !*s || !isdigit((unsigned char)*s)) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE) {
		return -ERANGE;
	}
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 'k': mult = 1ull << 10; break;
		case 'm': mult = 1ull << 20; break;
		case 'g': mult = 1ull << 30; break;
		case 't': mult = 1ull << 40; break;
		case 'p': mult = 1ull << 50; break;
		case 'b': mult = 1; end--; break; /* plain "b" = bytes */
		default: return -EINVAL;
		}
		end++;
		if (*end && strcasecmp(end, "ib") && strcasecmp(end, "b") && strcasecmp(end, "i")) {
			return -EINVAL;
		}
	}
	if (v && mult > UINT64_MAX / v) {
		return -ERANGE;
	}
	*out = v * mult;
	return 0;
}

const char *
iop_fmt_size(uint64_t v, char *buf, size_t len)
{
	static const char *const suf[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned int i = 0;

	while (i + 1 < IOP_ARRAY_SIZE(suf) && v && (v % 1024) == 0) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v, suf[i]);
	return buf;
}
