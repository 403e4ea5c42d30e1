/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath vhost-check URI`: drive any initiator directly (no engine) to verify data end to end and
 * take quick IOPS/latency/CPU numbers; used by the vhost-user integration tests and benchmarks. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "iopath/cmd.h"
#include "iopath/initiator.h"
#include "iopath/log.h"
#include "iopath/util.h"

struct chk_slot {
	struct iop_io io;
	uint8_t *buf;
	bool busy;
	bool check;          /* compare with the pattern when this read completes */
};

struct chk {
	struct iop_queue *q;
	const struct iop_initiator_ops *ops;
	unsigned int qd, bs;
	uint64_t blocks;     /* bs-sized blocks in the tested region */
	struct chk_slot *slots;
	uint64_t done, errors, lat_sum, lat_max, bad;
	uint8_t *want;
	uint64_t rng;
	uint32_t seed;
};

static uint64_t
chk_rand(struct chk *k)
{
	k->rng ^= k->rng << 13;
	k->rng ^= k->rng >> 7;
	k->rng ^= k->rng << 17;
	return k->rng;
}

static void
chk_fill(uint8_t *buf, unsigned int len, uint64_t off, uint32_t seed)
{
	for (unsigned int i = 0; i < len; i += 8) {
		uint64_t v = (off + i) * 0x9e3779b97f4a7c15ull ^ seed;

		memcpy(buf + i, &v, 8);
	}
}

static void
chk_cb(struct iop_io *io)
{
	struct chk_slot *s = io->cb_arg;

	s->busy = false;
}

static int
chk_io(struct chk *k, struct chk_slot *s, int op, uint64_t off, unsigned int len)
{
	int rc;

	memset(&s->io, 0, sizeof(s->io));
	s->io.op = (uint8_t)op;
	s->io.offset = off;
	iop_io_set_buf(&s->io, s->buf, len);
	if (op == IOP_OP_FLUSH) {
		s->io.len = 0;
	}
	s->io.cb = chk_cb;
	s->io.cb_arg = s;
	s->io.start_ns = iop_now_ns();
	s->busy = true;
	while ((rc = k->ops->submit(k->q, &s->io)) == -EAGAIN) {
		k->ops->poll(k->q, 1, 100);
	}
	if (rc) {
		s->busy = false;
	}
	return rc;
}

static int
chk_wait_slot(struct chk *k, bool interrupt, struct chk_slot **out)
{
	for (;;) {
		for (unsigned int i = 0; i < k->qd; i++) {
			struct chk_slot *s = &k->slots[i];

			if (!s->busy && s->io.start_ns) {
				uint64_t lat = iop_now_ns() - s->io.start_ns;

				/* completion noticed: account it once */
				k->lat_sum += lat;
				if (lat > k->lat_max) {
					k->lat_max = lat;
				}
				s->io.start_ns = 0;
				k->done++;
				if (s->io.status) {
					k->errors++;
				} else if (s->check) {
					chk_fill(k->want, k->bs, s->io.offset, k->seed);
					if (memcmp(k->want, s->buf, k->bs) && k->bad++ < 5) {
						IOP_ERR("verify: mismatch at offset %llu",
							(unsigned long long)s->io.offset);
					}
				}
				s->check = false;
			}
			if (!s->busy && out) {
				*out = s;
				return 0;
			}
		}
		if (!out) {
			bool any = false;

			for (unsigned int i = 0; i < k->qd; i++) {
				any |= k->slots[i].busy;
			}
			if (!any) {
				return 0;
			}
		}
		int n = k->ops->poll(k->q, k->qd, interrupt ? 1000 : 0);

		if (n < 0) {
			return n;
		}
	}
}

static int
chk_verify(struct chk *k, bool interrupt, struct iop_initiator *ini, bool read_only)
{
	struct chk_slot *s;
	int rc;

	/* pass 0 writes every block, a flush follows, pass 1 reads back; reads are compared
	 * as they complete (chk_wait_slot) */
	for (int pass = read_only ? 1 : 0; pass < 2; pass++) {
		for (uint64_t b = 0; b < k->blocks; b++) {
			rc = chk_wait_slot(k, interrupt, &s);
			if (rc) {
				return rc;
			}
			if (pass == 0) {
				chk_fill(s->buf, k->bs, b * k->bs, k->seed);
			} else {
				memset(s->buf, 0, k->bs);
			}
			s->check = pass == 1;
			rc = chk_io(k, s, pass ? IOP_OP_READ : IOP_OP_WRITE, b * k->bs, k->bs);
			if (rc) {
				return rc;
			}
		}
		chk_wait_slot(k, interrupt, NULL);
		if (pass == 0) {
			rc = chk_wait_slot(k, interrupt, &s);
			s->check = false;
			if (!rc) {
				rc = chk_io(k, s, IOP_OP_FLUSH, 0, 0);
			}
			if (rc) {
				return rc;
			}
			chk_wait_slot(k, interrupt, NULL);
		}
	}
	printf("verify: %llu blocks of %u bytes %s, %llu mismatches, %llu I/O errors\n",
	       (unsigned long long)k->blocks, k->bs,
	       read_only ? "read back" : "written and read back", (unsigned long long)k->bad,
	       (unsigned long long)k->errors);
	/* an out-of-range read must fail, not hang or succeed */
	rc = chk_wait_slot(k, interrupt, &s);
	s->check = false;
	if (!rc) {
		rc = chk_io(k, s, IOP_OP_READ, ini->size, k->bs);
	}
	if (!rc) {
		uint64_t errs = k->errors;

		chk_wait_slot(k, interrupt, NULL);
		printf("read past the end: %s\n", s->io.status ? "failed as expected" : "SUCCEEDED");
		if (!s->io.status) {
			k->bad++;
		}
		k->errors = errs;
	}
	return rc < 0 ? rc : (k->bad || k->errors ? 1 : 0);
}

static int
chk_perf(struct chk *k, bool interrupt, bool write, double seconds)
{
	uint64_t t0 = iop_now_ns(), end = t0 + (uint64_t)(seconds * 1e9);
	struct rusage r0, r1;
	struct chk_slot *s;
	double el, usr, sys;
	int rc;

	getrusage(RUSAGE_SELF, &r0);
	k->done = k->errors = k->lat_sum = k->lat_max = 0;
	while (iop_now_ns() < end) {
		rc = chk_wait_slot(k, interrupt, &s);
		if (rc) {
			return rc;
		}
		rc = chk_io(k, s, write ? IOP_OP_WRITE : IOP_OP_READ, (chk_rand(k) % k->blocks) * k->bs,
			    k->bs);
		if (rc) {
			return rc;
		}
	}
	chk_wait_slot(k, interrupt, NULL);
	el = (double)(iop_now_ns() - t0) / 1e9;
	getrusage(RUSAGE_SELF, &r1);
	usr = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
	      (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6;
	sys = (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	      (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
	printf("%s bs=%u qd=%u: iops=%.0f lat_mean_us=%.2f lat_max_us=%.1f errors=%llu "
	       "initiator_cores=%.2f\n", write ? "randwrite" : "randread", k->bs, k->qd,
	       (double)k->done / el, k->done ? (double)k->lat_sum / (double)k->done / 1e3 : 0.0,
	       (double)k->lat_max / 1e3, (unsigned long long)k->errors, (usr + sys) / el);
	return k->errors ? 1 : 0;
}

static int
chk_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"qd", required_argument, NULL, 'q'}, {"bs", required_argument, NULL, 's'},
		{"mode", required_argument, NULL, 'm'}, {"time", required_argument, NULL, 't'},
		{"region", required_argument, NULL, 'R'}, {"interrupt", no_argument, NULL, 'i'},
		{"opts", required_argument, NULL, 'o'}, {"nsid", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iop_initiator_cfg cfg = {.nr_queues = 1, .queue_depth = 1};
	const char *mode = "verify";
	struct iop_initiator *ini = NULL;
	struct chk k = {.qd = 1, .bs = 4096, .rng = 0x12345678abcdefull, .seed = 0x5eed};
	uint64_t region = 16 << 20;
	double seconds = 2;
	int c, rc, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "q:s:m:t:R:io:n:S:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'q': k.qd = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': k.bs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': mode = optarg; break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'R': iop_parse_size(optarg, &region); break;
		case 'i': cfg.interrupt = true; break;
		case 'o': cfg.opts = optarg; break;
		case 'n': cfg.nsid = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'S': k.seed = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h':
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: iopath vhost-check URI [--mode verify|check|randread|randwrite] "
				"[--qd N] [--bs BYTES] [--time S] [--region SIZE] [--interrupt] "
				"[--opts K=V] [--nsid N] [--seed N]\n"
				"  verify: write a pattern over --region, flush, read back, compare;\n"
				"  check: only read back and compare (data written by an earlier verify)\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1 || !k.qd || k.qd > 64 || !k.bs || k.bs % 512) {
		fprintf(stderr, "iopath vhost-check: one URI; qd 1..64; bs a multiple of 512\n");
		return 2;
	}
	cfg.uri = argv[optind];
	cfg.queue_depth = k.qd;
	k.ops = iop_initiator_find_uri(cfg.uri);
	if (!k.ops) {
		fprintf(stderr, "iopath vhost-check: no initiator for %s\n", cfg.uri);
		return 2;
	}
	rc = k.ops->open(&cfg, &ini);
	if (rc) {
		fprintf(stderr, "iopath vhost-check: open %s: %s\n", cfg.uri, strerror(-rc));
		return 1;
	}
	printf("opened %s: %llu bytes, block %u\n", ini->desc, (unsigned long long)ini->size,
	       ini->block_size);
	k.blocks = IOP_MIN(region, ini->size) / k.bs;
	rc = k.ops->queue_open(ini, 0, k.qd, &k.q);
	if (rc) {
		fprintf(stderr, "iopath vhost-check: queue: %s\n", strerror(-rc));
		goto out_close;
	}
	k.slots = calloc(k.qd, sizeof(*k.slots));
	k.want = malloc(k.bs);
	for (unsigned int i = 0; k.slots && k.want && i < k.qd; i++) {
		k.slots[i].buf = k.ops->buf_alloc ? k.ops->buf_alloc(k.q, k.bs) : aligned_alloc(4096, k.bs);
		if (!k.slots[i].buf) {
			fprintf(stderr, "iopath vhost-check: no buffer memory\n");
			goto out_queue;
		}
		k.slots[i].io.cb_arg = NULL;
	}
	if (!k.blocks) {
		goto out_queue;
	}
	if (!strcmp(mode, "verify") || !strcmp(mode, "check")) {
		rc = chk_verify(&k, cfg.interrupt, ini, !strcmp(mode, "check"));
	} else if (!strcmp(mode, "randread") || !strcmp(mode, "randwrite")) {
		rc = chk_perf(&k, cfg.interrupt, !strcmp(mode, "randwrite"), seconds);
	} else {
		fprintf(stderr, "iopath vhost-check: unknown mode %s\n", mode);
		rc = 2;
	}
	ret = rc < 0 ? 1 : rc;
	if (rc < 0) {
		fprintf(stderr, "iopath vhost-check: %s\n", strerror(-rc));
	}
out_queue:
	k.ops->queue_close(k.q);
out_close:
	k.ops->close(ini);
	free(k.slots);
	free(k.want);
	return ret;
}

static const struct iop_cmd vhost_check_cmd = {
	.name = "vhost-check",
	.summary = "write/read-verify or quick random I/O on an endpoint without the engine",
	.main = chk_main,
};
IOP_CMD_REGISTER(vhost_check_cmd)
