/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath vfio-user-check write|verify|hammer|bench`: data checks and QD/latency runs via the initiator. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "iopath/cmd.h"
#include "iopath/initiator.h"
#include "iopath/util.h"
#include "probe_internal.h"

/* Block i of seed s: every 8-byte word encodes (seed, block, word) so misplaced data shows. */
static void
data_fill(uint8_t *buf, uint32_t bs, uint64_t seed, uint64_t blk)
{
	uint64_t *w = (uint64_t *)buf;

	for (uint32_t i = 0; i < bs / 8; i++) {
		w[i] = (seed * 0x9e3779b97f4a7c15ull) ^ (blk << 20) ^ i;
	}
}

struct data_slot {
	struct iop_io io;
	uint8_t *buf;
	bool busy;
	unsigned int *done;
};

static void
data_cb(struct iop_io *io)
{
	struct data_slot *s = io->cb_arg;

	s->busy = false;
	(*s->done)++;
}

/* Run one I/O synchronously on q. \return io status. */
static int
data_sync(const struct iop_initiator_ops *ops, struct iop_queue *q, struct data_slot *s, int op,
	  uint64_t off, uint32_t len)
{
	unsigned int done = 0;
	int rc;

	memset(&s->io, 0, sizeof(s->io));
	s->io.op = (uint8_t)op;
	s->io.offset = off;
	iop_io_set_buf(&s->io, s->buf, len);
	s->io.cb = data_cb;
	s->io.cb_arg = s;
	s->done = &done;
	s->busy = true;
	rc = ops->submit(q, &s->io);
	if (rc) {
		return rc;
	}
	while (!done) {
		rc = ops->poll(q, 1, 1000);
		if (rc < 0) {
			return rc;
		}
	}
	return s->io.status;
}

static uint64_t
data_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static double
data_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Closed-loop random I/O at o->qd for o->secs: latency mean and IOPS. */
static int
data_bench(const struct iop_initiator_ops *ops, struct iop_initiator *ini, struct iop_queue *q,
	   const struct vfu_probe_data_opts *o, bool hammer)
{
	struct data_slot *slots = calloc(o->qd, sizeof(*slots));
	unsigned int done = 0;
	uint64_t x = o->seed | 1, nblk = ini->size / o->bs, ios = 0, lat_sum = 0, t0, tend;
	double c0 = data_cpu_s();
	int rc = 0;

	if (!slots || nblk == 0 || (hammer && nblk <= o->count)) {
		fprintf(stderr, "device too small for this run\n");
		return 1;
	}
	for (unsigned int i = 0; i < o->qd; i++) {
		slots[i].buf = ops->buf_alloc(q, o->bs);
		if (!slots[i].buf) {
			fprintf(stderr, "buf_alloc failed\n");
			return 1;
		}
		slots[i].done = &done;
	}
	t0 = iop_now_ns();
	tend = t0 + (uint64_t)o->secs * 1000000000ull;
	for (;;) {
		uint64_t now = iop_now_ns();

		for (unsigned int i = 0; i < o->qd && now < tend; i++) {
			struct data_slot *s = &slots[i];

			if (s->busy) {
				continue;
			}
			memset(&s->io, 0, sizeof(s->io));
			s->io.op = hammer || o->randwrite ? IOP_OP_WRITE : IOP_OP_READ;
			if (hammer && (data_rand(&x) & 1)) {
				s->io.op = IOP_OP_READ;
			}
			/* hammer stays clear of the first --count blocks (kept for verify) */
			s->io.offset = hammer ? (o->count + data_rand(&x) % (nblk - o->count)) * o->bs
					      : (data_rand(&x) % nblk) * o->bs;
			iop_io_set_buf(&s->io, s->buf, o->bs);
			s->io.cb = data_cb;
			s->io.cb_arg = s;
			s->io.start_ns = now;
			s->busy = true;
			rc = ops->submit(q, &s->io);
			if (rc) {
				s->busy = false;
				if (rc == -EAGAIN) {
					break;
				}
				fprintf(stderr, "submit: %s\n", strerror(-rc));
				return 1;
			}
		}
		done = 0;
		rc = ops->poll(q, o->qd, o->interrupt ? 1000 : 0);
		if (rc < 0) {
			fprintf(stderr, "poll: %s\n", strerror(-rc));
			return 1;
		}
		now = iop_now_ns();
		for (unsigned int i = 0; i < o->qd && done; i++) {
			/* completions of this pass: busy went false with start_ns still set */
			if (!slots[i].busy && slots[i].io.start_ns) {
				if (slots[i].io.status) {
					fprintf(stderr, "I/O failed: %s\n",
						strerror(-slots[i].io.status));
					return 1;
				}
				lat_sum += now - slots[i].io.start_ns;
				slots[i].io.start_ns = 0;
				ios++;
			}
		}
		if (now >= tend) {
			bool any = false;

			for (unsigned int i = 0; i < o->qd; i++) {
				any |= slots[i].busy;
			}
			if (!any) {
				break;
			}
		}
	}
	{
		double secs = (double)(iop_now_ns() - t0) / 1e9;
		double cpu = data_cpu_s() - c0;

		printf("{\"mode\":\"%s\",\"bs\":%u,\"qd\":%u,\"interrupt\":%s,\"ios\":%" PRIu64
		       ",\"iops\":%.0f,\"lat_mean_ns\":%.0f,\"client_cores\":%.2f}\n",
		       hammer ? "hammer" : o->randwrite ? "randwrite" : "randread", o->bs, o->qd,
		       o->interrupt ? "true" : "false", ios, (double)ios / secs,
		       ios ? (double)lat_sum / (double)ios : 0.0, cpu / secs);
	}
	for (unsigned int i = 0; i < o->qd; i++) {
		ops->buf_free(q, slots[i].buf, o->bs);
	}
	free(slots);
	return 0;
}

int
vfu_probe_data(const struct vfu_probe_data_opts *o)
{
	const struct iop_initiator_ops *ops = iop_initiator_find_uri(o->uri);
	struct iop_initiator_cfg cfg = {.uri = o->uri, .nr_queues = 1, .queue_depth = o->qd,
					.interrupt = o->interrupt, .trace_path = o->trace,
					.opts = o->opts};
	struct iop_initiator *ini;
	struct iop_queue *q;
	struct data_slot s = {0};
	uint8_t *expect;
	unsigned int bad = 0;
	int rc, ret = 1;

	if (!ops) {
		fprintf(stderr, "no initiator for %s\n", o->uri);
		return 2;
	}
	rc = ops->open(&cfg, &ini);
	if (rc) {
		fprintf(stderr, "open %s: %s\n", o->uri, strerror(-rc));
		return 1;
	}
	rc = ops->queue_open(ini, 0, o->qd, &q);
	if (rc) {
		fprintf(stderr, "queue_open: %s\n", strerror(-rc));
		goto out_close;
	}
	if (!strcmp(o->mode, "bench") || !strcmp(o->mode, "hammer")) {
		ret = data_bench(ops, ini, q, o, !strcmp(o->mode, "hammer"));
		goto out_q;
	}
	s.buf = ops->buf_alloc(q, o->bs);
	expect = malloc(o->bs);
	if (!s.buf || !expect) {
		goto out_q;
	}
	if ((uint64_t)o->count * o->bs > ini->size) {
		fprintf(stderr, "count*bs beyond the device (%" PRIu64 " bytes)\n", ini->size);
		goto out_q;
	}
	for (unsigned int i = 0; i < o->count; i++) {
		uint64_t blk = i * 7919ull % o->count; /* scattered order */

		data_fill(expect, o->bs, o->seed, blk);
		if (!strcmp(o->mode, "write")) {
			memcpy(s.buf, expect, o->bs);
			rc = data_sync(ops, q, &s, IOP_OP_WRITE, blk * o->bs, o->bs);
		} else {
			memset(s.buf, 0xee, o->bs);
			rc = data_sync(ops, q, &s, IOP_OP_READ, blk * o->bs, o->bs);
			if (!rc && memcmp(s.buf, expect, o->bs)) {
				if (bad++ < 5) {
					fprintf(stderr, "block %" PRIu64 ": data mismatch\n", blk);
				}
			}
		}
		if (rc) {
			fprintf(stderr, "%s block %" PRIu64 ": %s\n", o->mode, blk, strerror(-rc));
			goto out_q;
		}
	}
	printf("%s: %u blocks of %u bytes, %u mismatches\n", o->mode, o->count, o->bs, bad);
	ret = bad ? 1 : 0;
	free(expect);
out_q:
	if (s.buf) {
		ops->buf_free(q, s.buf, o->bs);
	}
	ops->queue_close(q);
out_close:
	ops->close(ini);
	return ret;
}

static void
check_usage(FILE *f)
{
	fprintf(f,
		"usage: iopath vfio-user-check bad|fuzz SOCKET\n"
		"       iopath vfio-user-check write|verify|bench|hammer vfio-user:///SOCKET [opts]\n"
		"  bad      send malformed messages, check every error reply (errno), exit 0 if all ok\n"
		"  fuzz     --count random messages from --seed, reconnecting when the server closes\n"
		"  write    write --count blocks of --bs with a pattern from --seed\n"
		"  verify   read them back and compare\n"
		"  bench    closed-loop 4 KiB random reads at --qd for --secs, prints JSON\n"
		"  hammer   random reads and writes until killed or --secs\n"
		"  --seed N --count N --bs N --qd N --secs N --interrupt --randwrite --trace FILE\n"
		"  --opts K=V,...  initiator options (mem=SIZE, dma=msg)\n");
}

static int
check_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"seed", required_argument, NULL, 's'}, {"count", required_argument, NULL, 'n'},
		{"bs", required_argument, NULL, 'b'}, {"qd", required_argument, NULL, 'q'},
		{"secs", required_argument, NULL, 't'}, {"interrupt", no_argument, NULL, 'i'},
		{"randwrite", no_argument, NULL, 'w'}, {"trace", required_argument, NULL, 'T'},
		{"opts", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	struct vfu_probe_data_opts o = {.seed = 1, .count = 256, .bs = 4096, .qd = 1, .secs = 2};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:n:b:q:t:iwT:o:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'n': o.count = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'b': o.bs = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'q': o.qd = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': o.secs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'i': o.interrupt = true; break;
		case 'w': o.randwrite = true; break;
		case 'T': o.trace = optarg; break;
		case 'o': o.opts = optarg; break;
		case 'h': check_usage(stdout); return 0;
		default: check_usage(stderr); return 2;
		}
	}
	if (argc - optind != 2 || !o.bs || (o.bs & 511) || !o.qd || o.qd > 1024) {
		check_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "bad") || !strcmp(argv[optind], "fuzz")) {
		const char *p = argv[optind + 1];

		if (!strncmp(p, "vfio-user://", 12)) {
			p += 12;
		}
		if (argv[optind][0] == 'f') {
			return vfu_probe_fuzz(p, o.seed, o.count);
		}
		return vfu_probe_bad(p);
	}
	o.mode = argv[optind];
	o.uri = argv[optind + 1];
	if (strcmp(o.mode, "write") && strcmp(o.mode, "verify") && strcmp(o.mode, "bench") &&
	    strcmp(o.mode, "hammer")) {
		check_usage(stderr);
		return 2;
	}
	return vfu_probe_data(&o);
}

static const struct iop_cmd vfio_user_check_cmd = {
	.name = "vfio-user-check",
	.summary = "vfio-user checks: malformed-message probe, data write/verify, QD runs",
	.main = check_main,
};
IOP_CMD_REGISTER(vfio_user_check_cmd)
