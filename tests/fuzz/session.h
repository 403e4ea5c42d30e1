/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer helper: run a real target in-process and feed each input to it as one client session. */
#ifndef IOPATH_FUZZ_SESSION_H
#define IOPATH_FUZZ_SESSION_H

#include <stddef.h>
#include <stdint.h>

/*
 * fuzz_session_start() opens the backend, creates the target for uri (a "%d" in it is replaced
 * by a free TCP port; "%s" by a fresh temp directory) and runs it on a thread. Each
 * fuzz_session_feed() connects a new client, sends the bytes, shuts down its write side and reads
 * until the target closes the connection or replies stop for 50 ms. The target must survive
 * every input: a crash, sanitizer report or a target that stops accepting is a finding.
 */
void fuzz_session_start(const char *uri, const char *backend, const char *opts);
void fuzz_session_feed(const uint8_t *data, size_t size);

#endif
