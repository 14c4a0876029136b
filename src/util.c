/*
 * util.c - allocation wrappers, buffers, files, errors
 */
#define _GNU_SOURCE		/* mremap */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
ls_err_set(struct ls_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
ls_err_clear(struct ls_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

/*
 * Running out of memory mid-scan must never look like a clean scan, so the
 * wrappers exit with the "cannot scan" code instead of returning NULL.
 */
static void
die_nomem(size_t n)
{
	fprintf(stderr, "leakstop: cannot scan: out of memory (%zu bytes); "
		"to commit anyway: " LS_OVERRIDE_HINT "\n", n);
	exit(2);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_nomem(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die_nomem(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die_nomem(n);
	return q;
}

static size_t
page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return n ? (n + page - 1) / page * page : page;
}

void *
xmap(size_t n)
{
	void *p = mmap(NULL, page_round(n), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		die_nomem(n);
	return p;
}

void *
xmap_grow(void *p, size_t old, size_t n)
{
	size_t from = page_round(old), to = page_round(n);
	char *q;

	if (p == NULL)
		return xmap(n);
	if (to <= from)
		return p;
	q = mremap(p, from, to, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		die_nomem(n);
	/* best effort: a kernel before 5.14 faults the pages in on use */
	madvise(q + from, to - from, MADV_POPULATE_WRITE);
	return q;
}

void
xunmap(void *p, size_t n)
{
	if (p)
		munmap(p, page_round(n));
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need < b->len)
		die_nomem(SIZE_MAX);
	if (need <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need)
		n *= 2;
	/*
	 * realloc could leave a copy of secret bytes in freed memory, so
	 * move by hand and wipe the old block.
	 */
	char *p = xmalloc(n);
	if (b->len)
		memcpy(p, b->ptr, b->len);
	wipe(b->ptr, b->alloc);
	free(b->ptr);
	b->ptr = p;
	b->alloc = n;
}

void
buf_add(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void
buf_addch(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
	wipe(b->ptr, b->len);
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void
buf_release(struct buf *b)
{
	wipe(b->ptr, b->alloc);
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
}

int
open_regular(const char *path, int *fd, struct stat *st, struct ls_err *err)
{
	*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return ls_err_set(err, LS_EIO, "cannot open '%s': %s", path,
				  strerror(errno));
	if (fstat(*fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		return ls_err_set(err, LS_EIO, "'%s' is not a regular file",
				  path);
	}
	return 0;
}

int
read_file(struct buf *out, const char *path, struct ls_err *err)
{
	struct stat st;
	char tmp[65536];
	ssize_t n;
	int fd, ret;

	ret = open_regular(path, &fd, &st, err);
	if (ret < 0)
		return ret;
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = ls_err_set(err, LS_EIO, "cannot read '%s': %s",
					 path, strerror(errno));
			goto out;
		}
		buf_add(out, tmp, (size_t)n);
	}
out:
	close(fd);
	return ret;
}

int
write_file_atomic(const char *path, const void *data, size_t len, int mode,
		  struct ls_err *err)
{
	struct buf tmp = BUF_INIT;
	const char *p = data;
	int fd = -1, ret = 0;

	buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = ls_err_set(err, LS_EIO, "cannot create '%s': %s",
				 tmp.ptr, strerror(errno));
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = ls_err_set(err, LS_EIO, "cannot write '%s': %s",
					 tmp.ptr, strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		ret = ls_err_set(err, LS_EIO, "cannot write '%s': %s",
				 tmp.ptr, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.ptr, path) < 0)
		ret = ls_err_set(err, LS_EIO, "cannot rename '%s': %s",
				 tmp.ptr, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmp.ptr)
		unlink(tmp.ptr);
	buf_release(&tmp);
	return ret;
}

int
append_file(const char *path, const void *data, size_t len, int mode,
	    int sync, struct ls_err *err)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0)
		return ls_err_set(err, LS_EIO, "cannot open '%s': %s", path,
				  strerror(errno));
	for (const char *p = data; ret == 0 && len > 0;) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)	/* a full disk may also show as a short write */
			ret = ls_err_set(err, LS_EIO, "cannot write '%s': %s",
					 path, n < 0 ? strerror(errno) :
					 "short write");
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	if (ret == 0 && sync && fsync(fd) < 0)
		ret = ls_err_set(err, LS_EIO, "cannot write '%s': %s", path,
				 strerror(errno));
	if (close(fd) < 0 && ret == 0)
		ret = ls_err_set(err, LS_EIO, "cannot write '%s': %s", path,
				 strerror(errno));
	return ret;
}

int
mkdir_p(const char *path, int mode, struct ls_err *err)
{
	char *p = xstrdup(path);
	int ret = 0;

	if (*p == '\0') {
		free(p);
		return ls_err_set(err, LS_EIO, "cannot create a directory "
				  "with an empty name");
	}
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			ret = ls_err_set(err, LS_EIO,
					 "cannot create directory '%s': %s", p,
					 strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return ret;
}

uint64_t
hash_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

/* Length of a valid UTF-8 sequence at p (not a C1 control), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t len)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n > len)
		return 0;
	cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
						  cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

void
buf_add_escaped(struct buf *b, const char *s, size_t len, int quote)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '\\' || (quote && c == '"')) {
			buf_addch(b, '\\');
			buf_addch(b, (char)c);
			i++;
		} else if (c == '\n') {
			buf_addstr(b, "\\n");
			i++;
		} else if (c == '\t') {
			buf_addstr(b, "\\t");
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			buf_addch(b, (char)c);
			i++;
		} else if (c >= 0x80 && (n = utf8_len(p + i, len - i))) {
			buf_add(b, p + i, n);
			i += n;
		} else {
			buf_printf(b, "\\x%02x", c);
			i++;
		}
	}
}

void
ls_note(const char *fmt, ...)
{
	va_list ap;

	fputs("leakstop: note: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ls_trace(const char *what)
{
	static int on = -1;
	static struct timespec start;
	static __thread struct timespec last;	/* of this thread */
	struct timespec now;

	if (on < 0) {
		on = getenv("LEAKSTOP_TRACE") != NULL;
		clock_gettime(CLOCK_MONOTONIC, &start);
	}
	if (!on)
		return;
	if (last.tv_sec == 0 && last.tv_nsec == 0)
		last = start;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* time since this thread's last mark, and since the start */
	fprintf(stderr, "leakstop: trace: %-24s %8.3f ms  at %8.3f ms\n",
		what, (double)(now.tv_sec - last.tv_sec) * 1e3 +
		(double)(now.tv_nsec - last.tv_nsec) / 1e6,
		(double)(now.tv_sec - start.tv_sec) * 1e3 +
		(double)(now.tv_nsec - start.tv_nsec) / 1e6);
	last = now;
}
