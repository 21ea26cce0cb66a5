/*
 * cepoll is the benchmark's floor: a raw echo in C on epoll, one thread,
 * level-triggered, non-blocking sockets, one write per read. What a read
 * returns is written back at once; if the socket takes only part of it, the
 * rest is kept (the only buffer a connection ever owns, freed once sent) and
 * the connection is not read again until it has drained, so memory stays
 * bounded by the read buffer per slow connection.
 *
 * It follows the contract of the Go servers (internal/serve): -addr
 * host:port, -loops N (accepted; it always runs one thread), one line
 * "cepoll echo listening on ADDR pid PID" once it listens, a clean exit on
 * SIGINT or SIGTERM.
 *
 * Built by the harness: cc -O2 -Wall -Werror -std=c11 -D_GNU_SOURCE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* READ_SIZE holds a whole 4 KiB benchmark message and its header many times
 * over, as the Go servers' buffers do. */
#define READ_SIZE (64 * 1024)
#define MAX_EVENTS 256

/* conn is the state of one connection: bytes of a partial write not yet
 * sent. A connection with nothing pending owns no memory beyond this. */
struct conn {
	char *pending;
	size_t len, off;
};

static volatile sig_atomic_t stopping;
static struct conn *conns; /* indexed by descriptor */
static size_t nconns;
static int ep;

static void on_signal(int sig) {
	(void)sig;
	stopping = 1;
}

static void die(const char *what) {
	fprintf(stderr, "cepoll echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct conn *conn_of(int fd) {
	if ((size_t)fd >= nconns) {
		size_t n = nconns ? nconns : 1024;
		while (n <= (size_t)fd)
			n *= 2;
		struct conn *c = realloc(conns, n * sizeof *c);
		if (!c)
			die("realloc");
		memset(c + nconns, 0, (n - nconns) * sizeof *c);
		conns = c;
		nconns = n;
	}
	return &conns[fd];
}

static void close_conn(int fd) {
	struct conn *c = conn_of(fd);
	free(c->pending);
	memset(c, 0, sizeof *c);
	close(fd); /* also removes it from the epoll set */
}

static void watch(int fd, int op, unsigned events) {
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (epoll_ctl(ep, op, fd, &ev) < 0)
		die("epoll_ctl");
}

/* flush writes what is pending on fd; it returns -1 if the connection broke,
 * 0 if bytes are still pending, 1 once all is sent. */
static int flush(int fd, struct conn *c) {
	while (c->off < c->len) {
		ssize_t n = write(fd, c->pending + c->off, c->len - c->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->off += (size_t)n;
	}
	free(c->pending);
	c->pending = NULL;
	c->len = c->off = 0;
	return 1;
}

/* echo reads once from fd and writes what came back at once. */
static void echo(int fd, char *buf) {
	ssize_t n = read(fd, buf, READ_SIZE);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_conn(fd);
		return;
	}
	if (n < 0)
		return;
	ssize_t w = write(fd, buf, (size_t)n);
	if (w == n)
		return;
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			close_conn(fd);
			return;
		}
		w = 0;
	}
	/* The socket is full: keep the rest and stop reading until it drains. */
	struct conn *c = conn_of(fd);
	c->len = (size_t)(n - w);
	c->off = 0;
	c->pending = malloc(c->len);
	if (!c->pending)
		die("malloc");
	memcpy(c->pending, buf + w, c->len);
	watch(fd, EPOLL_CTL_MOD, EPOLLOUT);
}

static void accept_all(int ln) {
	for (;;) {
		int fd = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				fprintf(stderr, "cepoll echo: accept: %s\n", strerror(errno));
				return;
			}
			die("accept4");
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conn_of(fd);
		watch(fd, EPOLL_CTL_ADD, EPOLLIN | EPOLLRDHUP);
	}
}

int main(int argc, char **argv) {
	const char *addr = "127.0.0.1:7100";
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-addr") || !strcmp(argv[i], "--addr")) && i + 1 < argc)
			addr = argv[++i];
		else if ((!strcmp(argv[i], "-loops") || !strcmp(argv[i], "--loops")) && i + 1 < argc)
			i++; /* one thread whatever the count: the harness gives every server one core */
		else {
			fprintf(stderr, "usage: cepoll [-addr host:port] [-loops N]\n");
			return 2;
		}
	}
	char host[64];
	const char *colon = strrchr(addr, ':');
	if (!colon || (size_t)(colon - addr) >= sizeof host) {
		fprintf(stderr, "cepoll echo: bad address %s\n", addr);
		return 2;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) {
		fprintf(stderr, "cepoll echo: bad address %s\n", addr);
		return 2;
	}

	struct sigaction act = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns EINTR */
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	int ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ln < 0)
		die("socket");
	int one = 1;
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind");
	if (listen(ln, 4096) < 0)
		die("listen");
	socklen_t sl = sizeof sa;
	getsockname(ln, (struct sockaddr *)&sa, &sl);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	watch(ln, EPOLL_CTL_ADD, EPOLLIN);

	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
	printf("cepoll echo listening on %s:%d pid %d\n", ip, ntohs(sa.sin_port), (int)getpid());
	fflush(stdout);

	static char buf[READ_SIZE];
	struct epoll_event evs[MAX_EVENTS];
	while (!stopping) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			unsigned e = evs[i].events;
			if (fd == ln) {
				accept_all(ln);
				continue;
			}
			struct conn *c = conn_of(fd);
			if (c->pending) {
				if (e & (EPOLLERR | EPOLLHUP)) {
					close_conn(fd);
					continue;
				}
				int r = flush(fd, c);
				if (r < 0)
					close_conn(fd);
				else if (r > 0)
					watch(fd, EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP);
				continue;
			}
			/* Read even on EPOLLRDHUP: the bytes before the peer's FIN are
			 * echoed, then read returns 0 and the connection closes. */
			echo(fd, buf);
		}
	}
	for (size_t fd = 0; fd < nconns; fd++)
		free(conns[fd].pending);
	free(conns);
	close(ln);
	close(ep);
	return 0;
}
