/* SPDX-License-Identifier: BSD-3-Clause */
/* Bench runner: target processes (start, wait for "ready", stop) and small host probes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/bench_internal.h"
#include "iopath/util.h"

/* Pin the calling process to a cpu list like "1" or "0-1,3". Errors are ignored (best effort). */
static void
bench_pin(const char *cpus)
{
	cpu_set_t set;
	const char *p = cpus;

	CPU_ZERO(&set);
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b;

		if (end == p) {
			return;
		}
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
		}
		for (long i = a; i <= b && i < CPU_SETSIZE; i++) {
			CPU_SET(i, &set);
		}
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',') {
			return;
		}
	}
	sched_setaffinity(0, sizeof(set), &set);
}

/* Last non-empty line of the file at path into buf ("" when none). */
static void
bench_last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = '\0';
	if (!f) {
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
			line[--n] = '\0';
		}
		if (n) {
			bench_fmt(buf, len, "%s", line);
		}
	}
	fclose(f);
}

static void
bench_target_failed(struct bench_target *t, const char *what, char *err, size_t errlen)
{
	char last[400];

	bench_target_stop(t);
	bench_last_line(t->log_path, last, sizeof(last));
	bench_fmt(err, errlen, "target %s%s%s", what, last[0] ? ": " : "", last);
}

int
bench_target_start(struct bench_target *t, const char *uri, const char *backend,
		   const char *cpus, const char *log_path, unsigned int timeout_ms, char *err,
		   size_t errlen)
{
	char exe[4096], buf[1024];
	size_t have = 0;
	int pfd[2], logfd;
	uint64_t deadline;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	bench_fmt(t->uri, sizeof(t->uri), "%s", uri);
	bench_fmt(t->log_path, sizeof(t->log_path), "%s", log_path);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		bench_fmt(err, errlen, "cannot find the iopath binary: %s", strerror(errno));
		return -errno;
	}
	exe[n] = '\0';
	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		bench_fmt(err, errlen, "cannot open %s: %s", log_path, strerror(errno));
		return -errno;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		int rc = -errno;

		close(logfd);
		bench_fmt(err, errlen, "pipe: %s", strerror(-rc));
		return rc;
	}
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0) {
		int rc = -errno;

		close(pfd[0]);
		close(pfd[1]);
		close(logfd);
		bench_fmt(err, errlen, "fork: %s", strerror(-rc));
		return rc;
	}
	if (t->pid == 0) {
		const char *argv[] = {exe, "target", uri, "--backend", backend,
				      cpus ? "--cpus" : NULL, cpus, NULL};

		/* Never outlive the bench (even if it crashes). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1) {
			_exit(1);
		}
		dup2(pfd[1], STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		if (cpus) {
			bench_pin(cpus);
		}
		execv(exe, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	close(logfd);
	deadline = iop_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int64_t left = (int64_t)(deadline - iop_now_ns());
		char *nl;

		if (left <= 0) {
			close(pfd[0]);
			bench_target_failed(t, "did not print 'ready' in time", err, errlen);
			return -ETIMEDOUT;
		}
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0) {
			continue;
		}
		n = read(pfd[0], buf + have, sizeof(buf) - 1 - have);
		if (n <= 0) {
			close(pfd[0]);
			bench_target_failed(t, "exited before it was ready", err, errlen);
			return -ECHILD;
		}
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (!strncmp(buf, "ready", 5)) {
				/* The target ignores SIGPIPE: later stdout writes just fail. */
				close(pfd[0]);
				return 0;
			}
			memmove(buf, nl + 1, have - (size_t)(nl + 1 - buf) + 1);
			have -= (size_t)(nl + 1 - buf);
		}
		if (have == sizeof(buf) - 1) {
			have = 0;
		}
	}
}

bool
bench_target_alive(struct bench_target *t)
{
	int st;

	if (t->pid <= 0) {
		return false;
	}
	if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
		t->pid = 0;
		return false;
	}
	return true;
}

void
bench_target_stop(struct bench_target *t)
{
	uint64_t deadline;
	int st;

	if (t->pid <= 0) {
		return;
	}
	kill(t->pid, SIGTERM);
	deadline = iop_now_ns() + 5000000000ull;
	while (iop_now_ns() < deadline) {
		pid_t r = waitpid(t->pid, &st, WNOHANG);

		if (r == t->pid || (r < 0 && errno == ECHILD)) {
			t->pid = 0;
			return;
		}
		usleep(10000);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, &st, 0);
	t->pid = 0;
}

int
bench_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	if (fd < 0) {
		return 0;
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		port = ntohs(a.sin_port);
	}
	close(fd);
	return port;
}

bool
bench_have_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path) {
		path = "/usr/local/bin:/usr/bin:/bin";
	}
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		if (n && n < sizeof(buf) - strlen(prog) - 2) {
			bench_fmt(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
			if (access(buf, X_OK) == 0) {
				return true;
			}
		}
		path += n + (colon ? 1 : 0);
	}
	return false;
}

int
bench_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}
