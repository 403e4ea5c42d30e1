/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: vfio-user framing over a socketpair: payloads, fds, short/oversized headers, EOF. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "tests/common/ut.h"
#include "targets/transport/vfio_user/vfu_internal.h"

static void
pair(int sv[2])
{
	struct timeval tv = {.tv_sec = 1};

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void
test_roundtrip(void)
{
	int sv[2], fds[2];
	struct vfio_user_hdr h = {.msg_id = 7, .cmd = VFIO_USER_DMA_MAP};
	struct vfu_msg m;

	pair(sv);
	vfu_msg_init(&m);
	fds[0] = open("/dev/null", O_RDONLY);
	fds[1] = open("/dev/null", O_RDONLY);
	CU_ASSERT_EQUAL(vfu_msg_send(sv[0], &h, "abcd", 4, "efgh", 4, fds, 2), 0);
	CU_ASSERT_EQUAL(h.msg_size, 24);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 4096), 0);
	CU_ASSERT_EQUAL(m.hdr.msg_id, 7);
	CU_ASSERT_EQUAL(m.len, 8);
	CU_ASSERT_EQUAL(memcmp(m.payload, "abcdefgh", 8), 0);
	CU_ASSERT_EQUAL(m.nfds, 2);
	CU_ASSERT(fcntl(m.fds[0], F_GETFD) >= 0);
	/* Header-only message. */
	h.cmd = VFIO_USER_DEVICE_RESET;
	CU_ASSERT_EQUAL(vfu_msg_send(sv[0], &h, NULL, 0, NULL, 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 4096), 0);
	CU_ASSERT_EQUAL(m.len, 0);
	CU_ASSERT_EQUAL(m.nfds, 0);
	/* EOF at a boundary. */
	close(fds[0]);
	close(fds[1]);
	close(sv[0]);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 4096), -ECONNRESET);
	vfu_msg_fini(&m);
	close(sv[1]);
}

static void
test_bad_frames(void)
{
	int sv[2];
	struct vfio_user_hdr h = {.msg_id = 3, .cmd = VFIO_USER_DEVICE_RESET, .msg_size = 8};
	uint8_t big[16 + 100] = {0};
	struct vfu_msg m;

	pair(sv);
	vfu_msg_init(&m);
	/* Test1: msg_size below 16 comes back as a header-only message with msg_size kept. */
	CU_ASSERT_EQUAL(write(sv[0], &h, sizeof(h)), 16);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 4096), 0);
	CU_ASSERT_EQUAL(m.hdr.msg_size, 8);
	CU_ASSERT_EQUAL(m.len, 0);
	/* Test2: oversized message is drained and flagged, the stream stays in sync. */
	h.msg_size = sizeof(big);
	memcpy(big, &h, sizeof(h));
	CU_ASSERT_EQUAL(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
	h.msg_size = 16;
	h.msg_id = 4;
	CU_ASSERT_EQUAL(write(sv[0], &h, sizeof(h)), 16);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 64), 0);
	CU_ASSERT(m.truncated);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 64), 0);
	CU_ASSERT_FALSE(m.truncated);
	CU_ASSERT_EQUAL(m.hdr.msg_id, 4);
	/* Test3: truncated header then EOF, and a payload cut short. */
	CU_ASSERT_EQUAL(write(sv[0], &h, 8), 8);
	shutdown(sv[0], SHUT_WR);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 64), -EPROTO);
	close(sv[0]);
	close(sv[1]);
	pair(sv);
	h.msg_size = 32;
	CU_ASSERT_EQUAL(write(sv[0], &h, sizeof(h)), 16);
	CU_ASSERT_EQUAL(vfu_msg_recv(sv[1], &m, 64), -EPROTO); /* times out after 1 s */
	vfu_msg_fini(&m);
	close(sv[0]);
	close(sv[1]);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(vfio_user_cmd_name(1), "VERSION");
	CU_ASSERT_STRING_EQUAL(vfio_user_cmd_name(13), "DEVICE_RESET");
	CU_ASSERT_STRING_EQUAL(vfio_user_cmd_name(14), "DIRTY_PAGES");
	CU_ASSERT_STRING_EQUAL(vfio_user_cmd_name(0), "UNKNOWN");
	CU_ASSERT_STRING_EQUAL(vfio_user_cmd_name(999), "UNKNOWN");
}

IOP_UT_MAIN("vfio_user_msg", IOP_UT(test_roundtrip), IOP_UT(test_bad_frames), IOP_UT(test_names))
