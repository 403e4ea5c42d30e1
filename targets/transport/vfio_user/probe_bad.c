/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath vfio-user-check bad SOCK`: malformed vfio-user messages must get the right error reply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "iopath/nvme_spec.h"
#include "iopath/util.h"
#include "vfu_internal.h"
#include "probe_internal.h"

struct bad_ctx {
	struct vfu_client cl;
	unsigned int pass, fail;
};

static void
bad_expect(struct bad_ctx *b, const char *what, int rc, int want)
{
	if (rc == want) {
		b->pass++;
		printf("ok   %-48s %s\n", what, want ? strerror(-want) : "success");
	} else {
		b->fail++;
		printf("FAIL %-48s got %d (%s), want %d (%s)\n", what, rc, strerror(-rc), want,
		       strerror(-want));
	}
}

/* Send raw bytes (header as given, no msg_size fix-up) and read one reply. */
static int
bad_raw(struct bad_ctx *b, const struct vfio_user_hdr *h, const void *p, size_t len,
	const int *fds, unsigned int nfds)
{
	struct vfio_user_hdr copy = *h;
	uint32_t size = h->msg_size;
	int rc;

	rc = vfu_msg_send(b->cl.sock, &copy, p, len, NULL, 0, fds, nfds);
	(void)size;
	if (rc) {
		return rc;
	}
	rc = vfu_msg_recv(b->cl.sock, &b->cl.msg, 1 << 21);
	if (rc) {
		return rc == -EAGAIN ? -ETIMEDOUT : rc;
	}
	if ((b->cl.msg.hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_REPLY ||
	    b->cl.msg.hdr.msg_id != h->msg_id) {
		return -EPROTO;
	}
	return b->cl.msg.hdr.flags & VFIO_USER_F_ERROR ? -(int)b->cl.msg.hdr.error_no : 0;
}

/* A header whose msg_size field lies: write the 16 bytes verbatim. */
static int
bad_lying_header(struct bad_ctx *b, uint16_t id, uint16_t cmd, uint32_t msg_size)
{
	struct vfio_user_hdr h = {.msg_id = id, .cmd = cmd, .msg_size = msg_size};
	int rc;

	if (write(b->cl.sock, &h, sizeof(h)) != sizeof(h)) {
		return -errno;
	}
	rc = vfu_msg_recv(b->cl.sock, &b->cl.msg, 1 << 21);
	if (rc) {
		return rc;
	}
	if (b->cl.msg.hdr.msg_id != id) {
		return -EPROTO;
	}
	return b->cl.msg.hdr.flags & VFIO_USER_F_ERROR ? -(int)b->cl.msg.hdr.error_no : 0;
}

static int
bad_region(struct bad_ctx *b, uint32_t region, uint64_t off, uint32_t count)
{
	uint8_t buf[8] = {0};

	return vfu_client_region_read(&b->cl, region, off, buf, count);
}

/* Minimal NVMe admin bring-up by hand, then commands whose DMA addresses are not mapped. */
static void
bad_nvme_dma(struct bad_ctx *b, int memfd, uint64_t iova)
{
	uint8_t *mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	struct iop_nvme_cmd *sq = (void *)mem;
	struct iop_nvme_cpl *cq = (void *)(mem + 4096);
	uint32_t v32, cc;
	uint64_t v64;
	int rc, i;

	if (mem == MAP_FAILED) {
		bad_expect(b, "mmap test memory", -errno, 0);
		return;
	}
	memset(mem, 0, 8192);
	v32 = 0;
	rc = vfu_client_region_write(&b->cl, 0, IOP_NVME_REG_CC, &v32, 4);
	for (i = 0; i < 1000 && !rc; i++) {
		rc = vfu_client_region_read(&b->cl, 0, IOP_NVME_REG_CSTS, &v32, 4);
		if (!(v32 & 1)) {
			break;
		}
		usleep(1000);
	}
	v32 = 3 | 3 << 16; /* 4-entry admin queues */
	rc = rc ? rc : vfu_client_region_write(&b->cl, 0, IOP_NVME_REG_AQA, &v32, 4);
	v64 = iova;
	rc = rc ? rc : vfu_client_region_write(&b->cl, 0, IOP_NVME_REG_ASQ, &v64, 8);
	v64 = iova + 4096;
	rc = rc ? rc : vfu_client_region_write(&b->cl, 0, IOP_NVME_REG_ACQ, &v64, 8);
	cc = 1 | 6u << 16 | 4u << 20;
	rc = rc ? rc : vfu_client_region_write(&b->cl, 0, IOP_NVME_REG_CC, &cc, 4);
	for (i = 0; i < 1000 && !rc; i++) {
		rc = vfu_client_region_read(&b->cl, 0, IOP_NVME_REG_CSTS, &v32, 4);
		if (v32 & 3) {
			break;
		}
		usleep(1000);
	}
	bad_expect(b, "NVMe admin queue enabled (CSTS.RDY)", rc ? rc : (v32 & 3) == 1 ? 0 : -EIO,
		   0);
	if (rc || (v32 & 3) != 1) {
		munmap(mem, 1 << 20);
		return;
	}
	/* Identify with PRP1 far outside any mapping, then one straddling the end of the map. */
	for (int t = 0; t < 3; t++) {
		static const char *const names[] = {
			"Identify, PRP1 unmapped -> Data Transfer Error",
			"Identify, PRP1 straddles map end -> DTE",
			"Create I/O CQ outside memory -> DTE",
		};
		uint16_t want = IOP_NVME_STATUS(IOP_NVME_SCT_GENERIC,
						IOP_NVME_SC_DATA_TRANSFER_ERROR);
		uint16_t st;

		memset(&sq[t], 0, sizeof(sq[t]));
		sq[t].cid = (uint16_t)(0x100 + t);
		if (t < 2) {
			sq[t].opc = IOP_NVME_OPC_IDENTIFY;
			sq[t].cdw10 = 1;
			sq[t].dptr.prp.prp1 = t == 0 ? 0x7000000000ull : iova + (1 << 20) - 2048;
		} else {
			sq[t].opc = IOP_NVME_OPC_CREATE_IO_CQ;
			sq[t].dptr.prp.prp1 = 0x7000000000ull;
			sq[t].cdw10 = 1 | 63u << 16;
			sq[t].cdw11 = 1;
		}
		v32 = (uint32_t)t + 1;
		/* ring the doorbell through REGION_WRITE: the trapped path must work too */
		rc = vfu_client_region_write(&b->cl, 0, 0x1000, &v32, 4);
		for (i = 0; i < 2000 && !rc; i++) {
			if ((__atomic_load_n(&cq[t].status, __ATOMIC_ACQUIRE) & 1) == 1) {
				break;
			}
			usleep(500);
		}
		st = cq[t].status >> 1;
		if (rc || !(cq[t].status & 1)) {
			bad_expect(b, names[t], rc ? rc : -ETIMEDOUT, 0);
			continue;
		}
		if ((st & 0x7ff) == want && cq[t].cid == 0x100 + t) {
			bad_expect(b, names[t], 0, 0);
		} else {
			printf("     status 0x%x cid 0x%x\n", st, cq[t].cid);
			bad_expect(b, names[t], -EIO, 0);
		}
		v32 = (uint32_t)t + 1;
		vfu_client_region_write(&b->cl, 0, 0x1004, &v32, 4);
	}
	/* An Async Event Request stays outstanding; then the queue memory is unmapped under it. */
	memset(&sq[3], 0, sizeof(sq[3]));
	sq[3].opc = IOP_NVME_OPC_ASYNC_EVENT_REQUEST;
	sq[3].cid = 0x200;
	v32 = 0; /* 4-entry queue: tail wraps to 0 */
	rc = vfu_client_region_write(&b->cl, 0, 0x1000, &v32, 4);
	usleep(20000);
	{
		struct vfio_user_dma_unmap um = {.argsz = sizeof(um), .addr = iova, .size = 1 << 20};
		uint64_t t0 = iop_now_ns();

		rc = rc ? rc : vfu_client_call(&b->cl, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0,
					       NULL, 0);
		bad_expect(b, "DMA_UNMAP under live queues + held AER", rc, 0);
		bad_expect(b, "... answered within 1 s", iop_now_ns() - t0 < 1000000000ull ? 0 : -1,
			   0);
		rc = vfu_client_region_read(&b->cl, 0, IOP_NVME_REG_CSTS, &v32, 4);
		bad_expect(b, "... registers still answer", rc, 0);
		/* Disabling the controller completes the AER: it must not touch the gone CQ. */
		v32 = 0;
		rc = vfu_client_region_write(&b->cl, 0, IOP_NVME_REG_CC, &v32, 4);
		bad_expect(b, "... CC.EN=0 afterwards", rc, 0);
	}
	munmap(mem, 1 << 20);
}

/* A session that offers write_multiple: REGION_WRITE_MULTI applies every write in order. */
static void
bad_write_multi(struct bad_ctx *b, const char *path)
{
	struct vfu_client cl;
	struct vfio_user_version v = {.major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR};
	static const char js[] = "{\"capabilities\":{\"max_msg_fds\":8,\"write_multiple\":true}}";
	uint8_t wm[8 + 2 * sizeof(struct vfio_user_write_multi_entry)] = {0};
	struct vfio_user_write_multi_entry *e = (void *)(wm + 8);
	uint64_t cnt = 2;
	uint8_t line = 0;
	int rc;

	if (vfu_client_connect(&cl, path, NULL)) {
		bad_expect(b, "connect for write_multiple", -ECONNREFUSED, 0);
		return;
	}
	rc = vfu_client_call(&cl, VFIO_USER_VERSION, &v, sizeof(v), js, sizeof(js), NULL, 0);
	bad_expect(b, "VERSION offering write_multiple", rc, 0);
	if (!rc) {
		bad_expect(b, "... server agrees to write_multiple",
			   strstr((const char *)cl.msg.payload + 4, "\"write_multiple\":true") ? 0
											  : -EPROTO,
			   0);
	}
	memcpy(wm, &cnt, 8);
	e[0] = (struct vfio_user_write_multi_entry){.offset = 0x3c, .region = 7, .count = 1,
						    .data = {0x2a}};
	e[1] = (struct vfio_user_write_multi_entry){.offset = 0x3c, .region = 7, .count = 1,
						    .data = {0x2b}};
	rc = vfu_client_call(&cl, VFIO_USER_REGION_WRITE_MULTI, wm, sizeof(wm), NULL, 0, NULL, 0);
	bad_expect(b, "REGION_WRITE_MULTI of 2 writes", rc, 0);
	rc = rc ? rc : vfu_client_region_read(&cl, 7, 0x3c, &line, 1);
	bad_expect(b, "... applied in order (interrupt line 0x2b)", rc ? rc : line == 0x2b ? 0 : -EIO,
		   0);
	e[1].region = 99;
	rc = vfu_client_call(&cl, VFIO_USER_REGION_WRITE_MULTI, wm, sizeof(wm), NULL, 0, NULL, 0);
	bad_expect(b, "REGION_WRITE_MULTI with a bad region -> EINVAL", rc, -EINVAL);
	vfu_client_close(&cl);
}

int
vfu_probe_bad(const char *path)
{
	struct bad_ctx b = {0};
	struct vfio_user_hdr h = {0};
	struct vfio_user_dma_map m = {.argsz = sizeof(m), .flags = 3, .addr = 0x40000000ull,
				      .size = 1 << 20};
	struct vfio_user_dma_unmap um = {.argsz = sizeof(um), .addr = 0x40000000ull};
	struct vfio_user_device_info di = {.argsz = 8};
	struct vfio_user_irq_set set = {.argsz = sizeof(set), .index = VFIO_PCI_MSIX_IRQ_INDEX};
	struct vfio_user_region_info ri = {.argsz = 32, .index = 77};
	uint8_t rw[16 + 8] = {0};
	struct vfio_user_region_access *a = (void *)rw;
	uint8_t *big;
	int memfd, rc;

	rc = vfu_client_connect(&b.cl, path, NULL);
	if (rc) {
		fprintf(stderr, "vfio-user-check: cannot connect to %s: %s\n", path, strerror(-rc));
		return 1;
	}
	/* 1. framing before anything else */
	bad_expect(&b, "msg_size 8 (< header) -> EINVAL",
		   bad_lying_header(&b, 1, VFIO_USER_DEVICE_RESET, 8), -EINVAL);
	h = (struct vfio_user_hdr){.msg_id = 2, .cmd = VFIO_USER_DEVICE_GET_INFO};
	di.argsz = 16;
	bad_expect(&b, "command before VERSION -> EINVAL", bad_raw(&b, &h, &di, 16, NULL, 0),
		   -EINVAL);
	bad_expect(&b, "VERSION", vfu_client_version(&b.cl), 0);
	bad_expect(&b, "second VERSION -> EINVAL", vfu_client_version(&b.cl), -EINVAL);
	/* 2. wrong sizes */
	memfd = memfd_create("vfu-check", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 1 << 20)) {
		perror("memfd");
		return 1;
	}
	h = (struct vfio_user_hdr){.msg_id = 3, .cmd = VFIO_USER_DMA_MAP};
	bad_expect(&b, "DMA_MAP with 24-byte payload -> EINVAL", bad_raw(&b, &h, &m, 24, &memfd, 1),
		   -EINVAL);
	di.argsz = 8;
	bad_expect(&b, "DEVICE_GET_INFO argsz 8 -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_DEVICE_GET_INFO, &di, 16, NULL, 0, NULL, 0),
		   -EINVAL);
	a->count = 8;
	bad_expect(&b, "REGION_WRITE count 8 with 4 data bytes -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_REGION_WRITE, rw, 20, NULL, 0, NULL, 0),
		   -EINVAL);
	bad_expect(&b, "DEVICE_RESET with a payload -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_DEVICE_RESET, rw, 4, NULL, 0, NULL, 0), -EINVAL);
	/* 3. unknown / unsupported / wrong-direction commands, reply instead of command */
	bad_expect(&b, "unknown command 99 -> ENOSYS",
		   vfu_client_call(&b.cl, 99, NULL, 0, NULL, 0, NULL, 0), -ENOSYS);
	bad_expect(&b, "DMA_READ from the client -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_DMA_READ, rw, 16, NULL, 0, NULL, 0), -EINVAL);
	{
		uint8_t wm1[8 + sizeof(struct vfio_user_write_multi_entry)] = {1};

		wm1[8 + 12] = 1; /* count 1 */
		bad_expect(&b, "REGION_WRITE_MULTI not negotiated -> ENOTSUP",
			   vfu_client_call(&b.cl, VFIO_USER_REGION_WRITE_MULTI, wm1, sizeof(wm1),
					   NULL, 0, NULL, 0), -ENOTSUP);
	}
	bad_expect(&b, "MIG_DATA_READ (no migration) -> ENOTSUP",
		   vfu_client_call(&b.cl, VFIO_USER_MIG_DATA_READ, rw, 8, NULL, 0, NULL, 0),
		   -ENOTSUP);
	h = (struct vfio_user_hdr){.msg_id = 4, .cmd = VFIO_USER_DEVICE_RESET,
				   .flags = VFIO_USER_F_TYPE_REPLY};
	bad_expect(&b, "reply where a command is due -> EINVAL", bad_raw(&b, &h, NULL, 0, NULL, 0),
		   -EINVAL);
	/* 4. DMA map overlap and unmap of something never mapped */
	bad_expect(&b, "DMA_MAP 1 MiB memfd",
		   vfu_client_call(&b.cl, VFIO_USER_DMA_MAP, &m, sizeof(m), NULL, 0, &memfd, 1), 0);
	m.addr += 4096;
	m.offset = 0;
	bad_expect(&b, "DMA_MAP overlapping -> EEXIST",
		   vfu_client_call(&b.cl, VFIO_USER_DMA_MAP, &m, sizeof(m), NULL, 0, &memfd, 1),
		   -EEXIST);
	m.addr -= 4096;
	um.size = 4096;
	bad_expect(&b, "DMA_UNMAP not matching a map -> ENOENT",
		   vfu_client_call(&b.cl, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, NULL, 0),
		   -ENOENT);
	/* 5. accesses outside regions */
	bad_expect(&b, "config read at 4094+4 -> EINVAL", bad_region(&b, 7, 4094, 4), -EINVAL);
	bad_expect(&b, "BAR0 read at 0x4000 -> EINVAL", bad_region(&b, 0, 0x4000, 4), -EINVAL);
	bad_expect(&b, "BAR2 (size 0) read -> EINVAL", bad_region(&b, 2, 0, 4), -EINVAL);
	bad_expect(&b, "region 99 read -> EINVAL", bad_region(&b, 99, 0, 4), -EINVAL);
	bad_expect(&b, "NVMe register read of 2 bytes -> EINVAL", bad_region(&b, 0, 0, 2), -EINVAL);
	bad_expect(&b, "REGION_INFO index 77 -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL,
				   0, NULL, 0), -EINVAL);
	set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.start = 1000;
	set.count = 1;
	bad_expect(&b, "SET_IRQS vector beyond the table -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0,
				   &memfd, 1), -EINVAL);
	/* 6. a message larger than max_data_xfer_size: rejected, stream stays in sync */
	big = calloc(1, (1 << 20) + 4096);
	a = (void *)big;
	a->region = 0;
	a->count = (1 << 20) + 4096 - 16;
	bad_expect(&b, "REGION_WRITE above max_data_xfer_size -> EINVAL",
		   vfu_client_call(&b.cl, VFIO_USER_REGION_WRITE, big, (1 << 20) + 4096, NULL, 0,
				   NULL, 0), -EINVAL);
	free(big);
	bad_expect(&b, "DEVICE_RESET still works afterwards",
		   vfu_client_call(&b.cl, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0), 0);
	/* 7. NVMe commands pointing outside the mapped memory */
	bad_nvme_dma(&b, memfd, 0x40000000ull);
	/* 8. finally a truncated header: the server must drop us and serve the next client */
	if (write(b.cl.sock, &h, 8) != 8) {
		perror("write");
	}
	shutdown(b.cl.sock, SHUT_WR);
	rc = vfu_msg_recv(b.cl.sock, &b.cl.msg, 4096);
	bad_expect(&b, "truncated header -> connection closed", rc, -ECONNRESET);
	close(memfd);
	vfu_client_close(&b.cl);
	bad_write_multi(&b, path);
	printf("%u passed, %u failed\n", b.pass, b.fail);
	return b.fail ? 1 : 0;
}

static uint64_t
fuzz_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Random messages: mostly well-framed with random command, flags and payload (sometimes a valid
 * VERSION first so deeper handlers run), sometimes lying sizes. The server may answer or close;
 * we reconnect and go on. \return exit code (1 if the server stopped accepting).
 */
int
vfu_probe_fuzz(const char *path, uint64_t seed, unsigned int iters)
{
	uint64_t x = seed * 2 + 1;
	uint8_t payload[512];
	struct vfu_client cl = {.sock = -1};
	unsigned int replies = 0, drops = 0, conns = 0;
	struct timeval tv = {.tv_usec = 100000}; /* no_reply commands get no answer */
	int rc;

	for (unsigned int i = 0; i < iters; i++) {
		struct vfio_user_hdr h;
		uint32_t len = (uint32_t)(fuzz_rand(&x) % 64);

		if (cl.sock < 0) {
			rc = vfu_client_connect(&cl, path, NULL);
			if (rc) {
				printf("FAIL reconnect %u: %s\n", conns, strerror(-rc));
				return 1;
			}
			conns++;
			setsockopt(cl.sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			if (fuzz_rand(&x) % 2 && vfu_client_version(&cl)) {
				vfu_client_close(&cl);
				continue;
			}
		}
		for (uint32_t k = 0; k < len; k++) {
			payload[k] = (uint8_t)fuzz_rand(&x);
		}
		if (len >= 4 && fuzz_rand(&x) % 2) {
			memcpy(payload, &len, 4); /* plausible argsz */
		}
		h = (struct vfio_user_hdr){.msg_id = (uint16_t)i,
					   .cmd = (uint16_t)(fuzz_rand(&x) % 20),
					   .flags = fuzz_rand(&x) % 8 ? 0 : (uint32_t)fuzz_rand(&x) & 0x3f};
		if (fuzz_rand(&x) % 64 == 0) {
			/* lying msg_size: shorter than sent (stream desync) or a bare header */
			h.msg_size = (uint32_t)(fuzz_rand(&x) % 32);
			if (write(cl.sock, &h, sizeof(h)) != sizeof(h) ||
			    write(cl.sock, payload, len) < 0) {
				/* server closed */
			}
		} else if (vfu_msg_send(cl.sock, &h, payload, len, NULL, 0, NULL, 0)) {
			vfu_client_close(&cl);
			drops++;
			continue;
		}
		rc = vfu_msg_recv(cl.sock, &cl.msg, 1 << 21);
		if (rc == -EAGAIN && (h.flags & VFIO_USER_F_NO_REPLY)) {
			continue; /* rightly unanswered */
		}
		if (rc) {
			vfu_client_close(&cl);
			drops++;
			continue;
		}
		replies++;
	}
	if (cl.sock >= 0) {
		vfu_client_close(&cl);
	}
	printf("fuzz (seed %llu): %u messages, %u replies, %u connections dropped, %u connections\n",
	       (unsigned long long)seed, iters,
	       replies, drops, conns);
	return 0;
}
