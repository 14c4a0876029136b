/*
 * fuzz_lines.c - two blobs through lines_added: the input split at its
 * first 0xff byte (or in half) as old and new content
 *
 * The repository is made once, bare, in a mkdtemp directory; an
 * in-memory object backend (mempack) takes the writes first and is
 * emptied after each input, so nothing piles up on disk.
 *
 * Invariants: lines_added succeeds; each added line starts inside the
 * buffer, offsets and line numbers increase from 1, each line ends with
 * '\n', lines_locate gives its line back; each added line is the new
 * file's line at that number (less "\n" and one "\r"), and so is what
 * lines_full_line() gives for it (a->full is the new file, read by the
 * inline-allow markers); and every line of the new file that the old
 * file does not have at all is among the added lines (nothing new slips
 * through unscanned).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "fuzz.h"
#include "lines.h"

static git_repository *repo;
static git_odb_backend *mempack;
static char dir[PATH_MAX];

static void
cleanup(void)
{
	char cmd[PATH_MAX + 16];

	git_repository_free(repo);
	git_libgit2_shutdown();
	/* A fresh bare repository: a few small files and folders. */
	if (dir[0] && strstr(dir, "fuzz_lines.")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_lines: cannot remove %s\n", dir);
	}
}

static void
git_check(int rc, const char *what)
{
	const git_error *e;

	if (rc >= 0)
		return;
	e = git_error_last();
	fprintf(stderr, "fuzz_lines: %s: %s\n", what,
		e ? e->message : "unknown error");
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	git_odb *odb = NULL;

	(void)argc;
	(void)argv;
	git_check(git_libgit2_init(), "git_libgit2_init");
	snprintf(dir, sizeof(dir), "%s/fuzz_lines.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_lines: mkdtemp");
		abort();
	}
	atexit(cleanup);
	git_check(git_repository_init(&repo, dir, 1), "git_repository_init");
	git_check(git_repository_odb(&odb, repo), "git_repository_odb");
	git_check(git_mempack_new(&mempack), "git_mempack_new");
	/* Highest priority: writes and reads go to memory first. */
	git_check(git_odb_add_backend(odb, mempack, 999),
		  "git_odb_add_backend");
	git_odb_free(odb);
	return 0;
}

struct rec {
	const uint8_t *p;
	size_t n;		/* with its '\n', when it has one */
};

/* Split into git's line records: each up to and with its '\n'. */
static size_t
records(struct rec **out, const uint8_t *p, size_t len)
{
	size_t nr = 0;
	struct rec *r = malloc((len + 1) * sizeof(*r));

	FUZZ_CHECK(r != NULL, "out of memory");
	for (size_t i = 0; i < len;) {
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (p + i)) + 1 : len - i;
		r[nr].p = p + i;
		r[nr].n = n;
		nr++;
		i += n;
	}
	*out = r;
	return nr;
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = n ? memcmp(x->p, y->p, n) : 0;

	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static const struct added_line *
find_lineno(const struct added *a, size_t lineno)
{
	size_t lo = 0, hi = a->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->lines[mid].lineno < lineno)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->nr && a->lines[lo].lineno == lineno ? &a->lines[lo]
		: NULL;
}

static void
check(const struct added *a, const uint8_t *old, size_t old_len,
      const uint8_t *new, size_t new_len)
{
	struct rec *o = NULL, *nw = NULL;
	size_t nr_old = records(&o, old, old_len);
	size_t nr_new = records(&nw, new, new_len);

	FUZZ_CHECK(!a->whole, "a changed file came back whole");
	FUZZ_CHECK(a->data != NULL, "data NULL");
	FUZZ_CHECK(a->full_len == new_len &&
		   (new_len == 0 || !memcmp(a->full, new, new_len)),
		   "full is not the new file");
	FUZZ_CHECK(a->nr == 0 || a->data[a->len - 1] == '\n',
		   "buffer does not end with '\\n'");
	for (size_t i = 0; i < a->nr; i++) {
		const struct added_line *l = &a->lines[i];
		size_t end = i + 1 < a->nr ? a->lines[i + 1].off : a->len;
		size_t ln, col;

		FUZZ_CHECK(l->off < a->len, "line %zu: off %zu of %zu", i,
			   l->off, a->len);
		FUZZ_CHECK(i == 0 ? l->off == 0 : l->off > a->lines[i - 1].off,
			   "line %zu: off %zu not increasing", i, l->off);
		FUZZ_CHECK(l->lineno >= 1 && l->lineno <= nr_new &&
			   (i == 0 || l->lineno > a->lines[i - 1].lineno),
			   "line %zu: lineno %zu (new file: %zu lines)", i,
			   l->lineno, nr_new);
		FUZZ_CHECK(end > l->off && a->data[end - 1] == '\n',
			   "line %zu does not end with '\\n'", i);
		lines_locate(a, l->off, &ln, &col);
		FUZZ_CHECK(ln == l->lineno && col == 1,
			   "locate(%zu) = %zu:%zu, want %zu:1", l->off, ln, col,
			   l->lineno);
		lines_locate(a, end - 1, &ln, &col);
		FUZZ_CHECK(ln == l->lineno && col == end - l->off,
			   "locate(%zu) = %zu:%zu, want %zu:%zu", end - 1, ln,
			   col, l->lineno, end - l->off);
		FUZZ_CHECK(lines_line_start(a, end - 1) == l->off,
			   "line_start(%zu) = %zu, want %zu", end - 1,
			   lines_line_start(a, end - 1), l->off);
		/* The new file's line, less its '\n' and one '\r'. */
		const struct rec *r = &nw[l->lineno - 1];
		size_t n = r->n;
		if (n && r->p[n - 1] == '\n')
			n--;
		if (n && r->p[n - 1] == '\r')
			n--;
		FUZZ_CHECK(end - l->off - 1 == n &&
			   !memcmp(a->data + l->off, r->p, n),
			   "added line %zu is not line %zu of the new file", i,
			   l->lineno);
		/* What the inline-allow markers read: the same line. */
		const char *fl = NULL;
		size_t fn = 0;
		FUZZ_CHECK(lines_full_line(a, l->lineno, &fl, &fn) &&
			   fn == n && !memcmp(fl, r->p, n),
			   "lines_full_line(%zu) differs from the added line",
			   l->lineno);
	}
	if (nr_new > 0) {
		const char *fl = NULL;
		size_t fn = 0;
		FUZZ_CHECK(!lines_full_line(a, nr_new + 1, &fl, &fn),
			   "lines_full_line(%zu) past the last line",
			   nr_new + 1);
	}
	/* A line the old file never had must be added. */
	qsort(o, nr_old, sizeof(*o), cmp_rec);
	for (size_t k = 0; k < nr_new; k++) {
		if (bsearch(&nw[k], o, nr_old, sizeof(*o), cmp_rec))
			continue;
		FUZZ_CHECK(find_lineno(a, k + 1) != NULL,
			   "new line %zu ('%.*s') is not in the old file but "
			   "not reported as added", k + 1, (int)nw[k].n,
			   (const char *)nw[k].p);
	}
	if (old_len == new_len && !memcmp(old, new, new_len))
		FUZZ_CHECK(a->nr == 0, "same content, %zu lines added", a->nr);
	free(nw);
	free(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0xff, size);
	size_t old_len = cut ? (size_t)(cut - data) : size / 2;
	const uint8_t *new = data + old_len + (cut != NULL);
	size_t new_len = size - old_len - (cut != NULL);
	git_oid oid_old, oid_new;
	git_blob *b_old = NULL, *b_new = NULL;
	struct ls_err err = { 0, "" };
	struct added a;
	int ret;

	git_check(git_blob_create_from_buffer(&oid_old, repo, data, old_len),
		  "blob (old)");
	git_check(git_blob_create_from_buffer(&oid_new, repo, new, new_len),
		  "blob (new)");
	git_check(git_blob_lookup(&b_old, repo, &oid_old), "lookup (old)");
	git_check(git_blob_lookup(&b_new, repo, &oid_new), "lookup (new)");

	ret = lines_added(&a, b_old, b_new, "f.txt", &err);
	FUZZ_CHECK(ret == 0, "lines_added: %s", err.msg);
	check(&a, data, old_len, new, new_len);
	lines_release(&a);

	git_blob_free(b_new);
	git_blob_free(b_old);
	git_check(git_mempack_reset(mempack), "git_mempack_reset");
	return 0;
}
