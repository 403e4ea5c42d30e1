/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user session recording as JSON Lines (one framed message or connection event per line). */
#ifndef IOPATH_VHOST_USER_TRACE_H
#define IOPATH_VHOST_USER_TRACE_H

#include <stdbool.h>
#include "targets/transport/vhost_user/proto.h"

struct vhu_trace;

/** Create/truncate path. \return 0 or negative errno. */
int vhu_trace_open(const char *path, struct vhu_trace **out);
void vhu_trace_close(struct vhu_trace *t);
/** Record message m of connection conn; from_front: sent by the front end. Thread-safe; t may be
 * NULL (no recording). */
void vhu_trace_msg(struct vhu_trace *t, unsigned int conn, bool from_front, const struct vhu_msg *m);
/** Record "connect", "close", "error" for conn (detail may be NULL). */
void vhu_trace_event(struct vhu_trace *t, unsigned int conn, const char *event, const char *detail);

#endif
