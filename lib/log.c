/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging implementation: stderr lines with location, per-component enable list. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "iopath/log.h"

static char g_log_enabled[512];
static bool g_log_all;
static bool g_log_quiet;

int
iop_log_enable(const char *list)
{
	if (!list) {
		return 0;
	}
	snprintf(g_log_enabled, sizeof(g_log_enabled), ",%s,", list);
	g_log_all = strstr(g_log_enabled, ",all,") != NULL;
	return 0;
}

bool
iop_log_enabled(const char *comp)
{
	char key[64];

	if (g_log_all) {
		return true;
	}
	if (!g_log_enabled[0]) {
		return false;
	}
	snprintf(key, sizeof(key), ",%s,", comp);
	return strstr(g_log_enabled, key) != NULL;
}

void
iop_log_set_quiet(bool quiet)
{
	g_log_quiet = quiet;
}

long long
iop_log_now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

void
iop_log(enum iop_log_level lvl, const char *comp, const char *file, int line, const char *func,
	const char *fmt, ...)
{
	static const char *const names[] = {"ERROR", "WARN", "NOTICE", "INFO", "DEBUG"};
	int saved = errno;
	char msg[1024];
	va_list ap;
	size_t n;

	if (lvl == IOP_LOG_NOTICE && g_log_quiet) {
		errno = saved;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n') {
		msg[--n] = '\0';
	}
	if (lvl == IOP_LOG_NOTICE) {
		fprintf(stderr, "%s\n", msg);
	} else {
		fprintf(stderr, "%s:%d %s(): %s%s%s: %s\n", file, line, func, comp ? comp : "",
			comp ? " " : "", names[lvl], msg);
	}
	errno = saved;
}
