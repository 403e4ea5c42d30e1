/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging to stderr: IOP_ERR/WARN/NOTICE always, IOP_INFO/DEBUG per component (--log=comp,...). */
#ifndef IOPATH_LOG_H
#define IOPATH_LOG_H

#include <stdbool.h>

enum iop_log_level { IOP_LOG_ERR, IOP_LOG_WARN, IOP_LOG_NOTICE, IOP_LOG_INFO, IOP_LOG_DEBUG };

/** Print one log line "file:line func(): msg". Preserves errno. */
void iop_log(enum iop_log_level lvl, const char *comp, const char *file, int line, const char *func,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/** Enable INFO/DEBUG output for a comma-separated list of components ("all" for every one).
 * \return 0 always (unknown names simply never match). */
int iop_log_enable(const char *list);
/** \return true when component comp has INFO/DEBUG output enabled. */
bool iop_log_enabled(const char *comp);
/** Silence NOTICE lines (used by tests and --quiet). */
void iop_log_set_quiet(bool quiet);

#define IOP_ERR(...)    iop_log(IOP_LOG_ERR, NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define IOP_WARN(...)   iop_log(IOP_LOG_WARN, NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define IOP_NOTICE(...) iop_log(IOP_LOG_NOTICE, NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define IOP_INFO(comp, ...)                                                                  \
	do {                                                                                 \
		if (iop_log_enabled(#comp))                                                  \
			iop_log(IOP_LOG_INFO, #comp, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)
#ifdef DEBUG
#define IOP_DEBUG(comp, ...)                                                                  \
	do {                                                                                  \
		if (iop_log_enabled(#comp))                                                   \
			iop_log(IOP_LOG_DEBUG, #comp, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)
#else
#define IOP_DEBUG(comp, ...) do { } while (0)
#endif

/** Rate-limited error for hot paths: at most one line per second per call site. */
#define IOP_ERR_RATELIMIT(...)                                                  \
	do {                                                                    \
		static long long iop_rl_last_;                                  \
		long long iop_rl_now_ = iop_log_now_sec();                      \
		if (iop_rl_now_ != iop_rl_last_) {                              \
			iop_rl_last_ = iop_rl_now_;                             \
			IOP_ERR(__VA_ARGS__);                                   \
		}                                                               \
	} while (0)
/** Monotonic seconds, for IOP_ERR_RATELIMIT. */
long long iop_log_now_sec(void);

#endif
