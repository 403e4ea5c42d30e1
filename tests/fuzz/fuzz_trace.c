/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: conformance trace readers and checkers (pcap/pcapng NVMe/TCP, JSON Lines vfio/vhost-user). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "conformance/conform_internal.h"
#include "iopath/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	char *argv[] = {"check", "-q", path, NULL};

	if (fd < 0) {
		iop_log_set_quiet(true);
		fd = memfd_create("fuzz-trace", 0);
		if (fd < 0) {
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) {
		abort();
	}
	iop_conform_check_main(3, argv);
	return 0;
}
