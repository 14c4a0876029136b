/*
 * failmalloc.c - an LD_PRELOAD allocator that fails on purpose, for the
 * out-of-memory tests (RELIABILITY-MATRIX F8), in the spirit of jq's
 * src/inject_errors.c
 *
 *   FAILMALLOC_N=k        the k-th allocation (1-based) returns NULL
 *   FAILMALLOC_PERSIST=1  ... and every one after it too
 *   FAILMALLOC_COUNT=FILE at exit, write the number of allocations to FILE
 *                         (a dry run tells a test how many there are)
 *
 * Only the process that loads it counts: the variables are removed from
 * the environment at start, so a child (git, a hook) runs unharmed.
 * Built by tests/e2e/t4000-failures.sh with cc -shared -fPIC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static unsigned long fail_at;	/* 0: never */
static int persist;
static unsigned long calls;
static char count_path[4096];

__attribute__((constructor)) static void
failmalloc_init(void)
{
	const char *n = getenv("FAILMALLOC_N");
	const char *p = getenv("FAILMALLOC_PERSIST");
	const char *c = getenv("FAILMALLOC_COUNT");

	if (n)
		fail_at = strtoul(n, NULL, 10);
	persist = p && *p == '1';
	if (c && strlen(c) < sizeof(count_path))
		strcpy(count_path, c);
	unsetenv("FAILMALLOC_N");
	unsetenv("FAILMALLOC_PERSIST");
	unsetenv("FAILMALLOC_COUNT");
	unsetenv("LD_PRELOAD");
	calls = 0;
}

__attribute__((destructor)) static void
failmalloc_done(void)
{
	char b[32];
	int fd, n;

	if (count_path[0] == '\0')
		return;
	fd = open(count_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return;
	n = snprintf(b, sizeof(b), "%lu\n", calls);
	if (write(fd, b, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* 1 when this allocation must fail. */
static int
failing(void)
{
	unsigned long k = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);

	if (fail_at == 0 || k < fail_at || (k > fail_at && !persist))
		return 0;
	errno = ENOMEM;
	return 1;
}

void *
malloc(size_t n)
{
	return failing() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	return failing() ? NULL : __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	return failing() ? NULL : __libc_realloc(p, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (failing())
		return ENOMEM;
	p = __libc_memalign(align, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *
aligned_alloc(size_t align, size_t n)
{
	return failing() ? NULL : __libc_memalign(align, n);
}

void *
memalign(size_t align, size_t n)
{
	return failing() ? NULL : __libc_memalign(align, n);
}
