/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: whole nvmf_tcp target session (every message/PDU handler) fed one client's bytes. */
#include <stdint.h>
#include "tests/fuzz/session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_session_start("nvmf-tcp://127.0.0.1:%d/nqn.2024-01.io.example:harness-subsys", "malloc:size=4M", NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_session_feed(data, size);
	return 0;
}
