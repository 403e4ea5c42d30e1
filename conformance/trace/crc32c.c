/* SPDX-License-Identifier: BSD-3-Clause */
/* CRC32C (Castagnoli) for NVMe/TCP digests via isa-l, and PDU type names. */
#include <isa-l/crc.h>
#include <stdio.h>
#include "conformance/nvme_wire_internal.h"

uint32_t
iop_conf_crc32c(const void *buf, size_t len)
{
	return crc32_iscsi((unsigned char *)buf, (int)len, 0xffffffffu) ^ 0xffffffffu;
}

const char *
iop_conf_pdu_name(uint8_t type)
{
	static const char *const names[] = {"ICReq", "ICResp", "H2CTermReq", "C2HTermReq",
					    "CapsuleCmd", "CapsuleResp", "H2CData", "C2HData",
					    NULL, "R2T"};
	static __thread char buf[16];

	if (type < sizeof(names) / sizeof(names[0]) && names[type]) {
		return names[type];
	}
	snprintf(buf, sizeof(buf), "type 0x%02x", type);
	return buf;
}
