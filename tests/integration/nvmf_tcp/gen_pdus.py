#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the hex PDUs embedded in 020-bad-input.sh (not run by the tests themselves).
import struct

def crc32c(data, crc=0xffffffff):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff

def ch(t, flags, hlen, pdo, plen):
    return struct.pack('<BBBBI', t, flags, hlen, pdo, plen)

def icreq(dgst=0, pfv=0, hlen=128):
    return ch(0, 0, hlen, 0, 128) + struct.pack('<HBBI', pfv, 0, dgst, 0) + bytes(112)

NQN = b'nqn.2026-11.io.iopath:nvmftcp-test'
HOSTNQN = b'nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001'

def connect(ddgst_ok=True, cid=1, kato=0, ddgst=True):
    sqe = bytearray(64)
    sqe[0] = 0x7f; sqe[1] = 0x40
    struct.pack_into('<H', sqe, 2, cid)
    sqe[4] = 0x01                       # fctype Connect
    struct.pack_into('<QI', sqe, 24, 0, 1024); sqe[39] = 0x01  # in-capsule SGL
    struct.pack_into('<HHH', sqe, 40, 0, 0, 31)                # recfmt, qid 0, sqsize 31
    struct.pack_into('<I', sqe, 48, kato)
    data = bytearray(1024)
    data[0:16] = bytes(range(1, 17))
    struct.pack_into('<H', data, 16, 0xffff)
    data[256:256 + len(NQN)] = NQN
    data[512:512 + len(HOSTNQN)] = HOSTNQN
    if not ddgst:
        return ch(4, 0, 72, 72, 72 + 1024) + bytes(sqe) + bytes(data)
    hdr = ch(4, 0x02, 72, 72, 72 + 1024 + 4) + bytes(sqe)
    d = crc32c(data) ^ (0 if ddgst_ok else 0xdeadbeef)
    return hdr + bytes(data) + struct.pack('<I', d)

def cmd_bad_hdgst():
    sqe = bytearray(64); sqe[0] = 0x06; sqe[2] = 1
    hdr = ch(4, 0x01, 72, 0, 76) + bytes(sqe)
    return hdr + struct.pack('<I', crc32c(hdr) ^ 1)

def unknown_admin(cid=3):
    sqe = bytearray(64); sqe[0] = 0xff; sqe[1] = 0x40
    struct.pack_into('<H', sqe, 2, cid); sqe[39] = 0x5a
    return ch(4, 0, 72, 0, 72) + bytes(sqe)

out = {
    'CMD_UNKNOWN_OPC': unknown_admin(),
    'CONNECT_KATO1S': connect(cid=1, kato=1000, ddgst=False),
    'ICREQ': icreq(),
    'ICREQ_PFV1': icreq(pfv=1),
    'ICREQ_HLEN127': icreq(hlen=127),
    'ICREQ_HDGST': icreq(dgst=1),
    'ICREQ_DDGST': icreq(dgst=2),
    'CMD_NODATA': ch(4, 0, 72, 0, 72) + bytes(64),
    'TYPE_0B': ch(0x0b, 0, 24, 0, 24) + bytes(16),
    'CMD_BADPDO': ch(4, 0, 72, 16, 72 + 64) + bytes(64) + bytes(64),
    'CMD_BAD_HDGST': cmd_bad_hdgst(),
    'CONNECT_BAD_DDGST': connect(False, 1),
    'CONNECT_GOOD_DDGST': connect(True, 2),
    'H2C_NO_R2T': ch(6, 0x04, 24, 24, 28) + struct.pack('<HHIII', 1, 5, 0, 4, 0) + b'abcd',
    'H2C_TERM': ch(2, 0, 24, 0, 24) + struct.pack('<HI', 1, 0) + bytes(10),
    'TERM_PLEN200': ch(2, 0, 24, 0, 200) + bytes(16),
}
for k, v in out.items():
    print('%s=%s' % (k, v.hex()))
