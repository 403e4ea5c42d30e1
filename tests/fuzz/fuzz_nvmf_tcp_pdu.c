/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: NVMe/TCP receive parser (pdu.c) fed a byte stream in chunks, both directions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "targets/transport/nvmf_tcp/nvmf_tcp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: byte 0 = parameters (bit0 controller, bit1 ic_done, bit2 hdgst, bit3 ddgst, bits 4-6
 * pda/4-1), byte 1 = chunk size seed; the rest is the stream as recv() would deliver it.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sink[1 << 17];
	struct nvmf_tcp_rx rx;
	struct iovec iov;
	size_t pos = 2, chunk;

	if (size < 2) {
		return 0;
	}
	if (nvmf_tcp_rx_init(&rx, 8192, data[0] & 1)) {
		return 0;
	}
	rx.p.ic_done = data[0] & 2;
	rx.p.hdgst = data[0] & 4;
	rx.p.ddgst = data[0] & 8;
	rx.p.pda = (((data[0] >> 4) & 7) + 1) * 4;
	rx.p.max_data = 1 << 17;
	chunk = (size_t)data[1] * 37 + 1;
	while (pos < size) {
		uint32_t space = nvmf_tcp_rx_space(&rx);
		size_t n = size - pos;
		int ev;

		if (n > chunk) {
			n = chunk;
		}
		if (n > space) {
			n = space;
		}
		if (!n) {
			break;
		}
		memcpy(rx.buf + rx.end, data + pos, n);
		rx.end += (uint32_t)n;
		pos += n;
		while ((ev = nvmf_tcp_rx_step(&rx)) > 0) {
			if (ev == NVMF_TCP_RX_HDR && rx.hdr[0] <= 1) {
				rx.p.ic_done = true; /* ICReq/ICResp handled: as the connection does */
			}
			if (ev == NVMF_TCP_RX_HDR && rx.data_len) {
				iov.iov_base = sink;
				iov.iov_len = rx.data_len <= sizeof(sink) ? rx.data_len : sizeof(sink);
				/* a buffer shorter than the data: the parser must not run past it */
				nvmf_tcp_rx_set_dst(&rx, rx.data_len <= sizeof(sink) ? &iov : NULL,
						    rx.data_len <= sizeof(sink) ? 1 : 0, 0);
			}
		}
		if (ev < 0) {
			break;
		}
	}
	nvmf_tcp_rx_fini(&rx);
	return 0;
}
