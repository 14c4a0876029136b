/*
 * test_lines.c - file kinds, line/column mapping and the added lines of
 * a change between two real blobs
 */
#include <string.h>

#include <git2.h>

#include "fixture.h"
#include "harness.h"
#include "lines.h"
#include "util.h"

#define LFS "version https://git-lfs.github.com/spec/v1\n"

static void
test_classify(void)
{
	static char buf[9000];
	static const char lfs[] = LFS "oid sha256:4d7a\nsize 12345\n";

	memset(buf, 'a', sizeof(buf));
	CHECK(lines_classify(buf, sizeof(buf)) == LS_FILE_TEXT,
	      "classify: text");
	CHECK(lines_classify("", 0) == LS_FILE_TEXT, "classify: empty text");
	buf[0] = '\0';
	CHECK(lines_classify(buf, sizeof(buf)) == LS_FILE_BINARY,
	      "classify: NUL at 0 is binary");
	buf[0] = 'a';
	buf[7999] = '\0';
	CHECK(lines_classify(buf, sizeof(buf)) == LS_FILE_BINARY,
	      "classify: NUL at 7999 is binary");
	buf[7999] = 'a';
	buf[8000] = '\0';
	CHECK(lines_classify(buf, sizeof(buf)) == LS_FILE_TEXT,
	      "classify: NUL at 8000 is text");
	CHECK(lines_classify(lfs, sizeof(lfs) - 1) == LS_FILE_LFS,
	      "classify: LFS pointer");
	CHECK(lines_classify(lfs + 1, sizeof(lfs) - 2) == LS_FILE_TEXT,
	      "classify: LFS header not at the start is text");
	CHECK(lines_classify(LFS, sizeof(LFS) - 2) == LS_FILE_TEXT,
	      "classify: cut LFS header is text");
}

static void
test_locate_whole(void)
{
	static const char data[] = "ab\ncd\nef";
	static const struct {
		size_t off, line, col;
	} rows[] = {
		{ 0, 1, 1 }, { 1, 1, 2 }, { 2, 1, 3 },	/* 2: the '\n' */
		{ 3, 2, 1 }, { 5, 2, 3 }, { 6, 3, 1 }, { 7, 3, 2 },
		{ 8, 3, 3 },				/* the end */
	};
	struct added a;

	lines_whole(&a, data, sizeof(data) - 1);
	CHECK(a.whole == 1 && a.data == data && a.len == 8 && a.nr == 0,
	      "lines_whole borrows the buffer");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t line = 0, col = 0;
		lines_locate(&a, rows[i].off, &line, &col);
		CHECK(line == rows[i].line && col == rows[i].col,
		      "locate whole: offset %zu is %zu:%zu", rows[i].off,
		      rows[i].line, rows[i].col);
	}
	CHECK(lines_line_start(&a, 0) == 0 && lines_line_start(&a, 2) == 0 &&
	      lines_line_start(&a, 3) == 3 && lines_line_start(&a, 7) == 6,
	      "lines_line_start");
	lines_release(&a);
}

struct fixture {
	char dir[4096];
	git_repository *repo;
};

static git_blob *
blob(struct fixture *fx, const char *data, size_t len)
{
	git_oid oid;
	git_blob *b = NULL;

	if (git_blob_create_from_buffer(&oid, fx->repo, data, len) < 0 ||
	    git_blob_lookup(&b, fx->repo, &oid) < 0)
		return NULL;
	return b;
}

#define MAX_LINES 4
#define IN(s) s, sizeof(s) - 1

static const struct {
	const char *name;
	const char *old;
	size_t old_len;
	const char *new;
	size_t new_len;
	const char *data;
	size_t lines[MAX_LINES];	/* 0 ends */
} changes[] = {
	{ "two inserted lines", IN("a\nb\nc\n"), IN("a\nX\nb\nc\nY\n"),
	  "X\nY\n", { 2, 5 } },
	{ "CRLF stripped", IN("a\r\nb\r\n"), IN("a\r\nS\r\nb\r\nT\r\n"),
	  "S\nT\n", { 2, 4 } },
	{ "changed line", IN("k = old\nz\n"), IN("k = new\nz\n"),
	  "k = new\n", { 1 } },
	{ "only deletions", IN("a\nb\nc\n"), IN("a\nc\n"), "", { 0 } },
	{ "same content", IN("a\n"), IN("a\n"), "", { 0 } },
	{ "no final newline", IN("a\n"), IN("a\nb"), "b\n", { 2 } },
	{ "from empty", IN(""), IN("x\ny\n"), "x\ny\n", { 1, 2 } },
	{ "NUL bytes still diffed", IN("a\0b\n"), IN("a\0b\nnew\n"),
	  "new\n", { 2 } },
	{ "blank added line", IN("a\n"), IN("a\n\nb\n"), "\nb\n",
	  { 2, 3 } },
};

static void
test_added(struct fixture *fx)
{
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		git_blob *ob = blob(fx, changes[i].old, changes[i].old_len);
		git_blob *nb = blob(fx, changes[i].new, changes[i].new_len);
		struct ls_err err = { 0, "" };
		struct added a;
		size_t nr = 0;
		int same = 1;

		if (!CHECK(ob && nb, "%s: blobs made", changes[i].name))
			goto next;
		CHECK(lines_added(&a, ob, nb, "f.txt", &err) == 0,
		      "%s: diff works", changes[i].name);
		CHECK(a.whole == 0 && a.len == strlen(changes[i].data) &&
		      !memcmp(a.data, changes[i].data, a.len),
		      "%s: added lines joined with '\\n'", changes[i].name);
		while (nr < MAX_LINES && changes[i].lines[nr])
			nr++;
		for (size_t l = 0; l < nr && l < a.nr; l++) {
			size_t line, col;
			lines_locate(&a, a.lines[l].off, &line, &col);
			same &= a.lines[l].lineno == changes[i].lines[l] &&
				line == changes[i].lines[l] && col == 1;
		}
		CHECK(a.nr == nr && same, "%s: new-file line numbers",
		      changes[i].name);
		lines_release(&a);
		CHECK(a.data == NULL && a.lines == NULL && a.own.ptr == NULL,
		      "%s: lines_release empties", changes[i].name);
next:
		git_blob_free(nb);
		git_blob_free(ob);
	}
}

/* Offsets inside the added lines map back to the new file. */
static void
test_added_locate(struct fixture *fx)
{
	static const struct {
		size_t off, line, col;
	} rows[] = {
		{ 0, 2, 1 }, { 1, 2, 2 }, { 2, 5, 1 }, { 3, 5, 2 },
		{ 4, 5, 3 }, { 5, 6, 1 }, { 9, 6, 5 },
	};
	static const char o[] = "a\nb\nc\n", n[] = "a\nX\nb\nc\nYy\nZzzz\n";
	git_blob *ob = blob(fx, o, sizeof(o) - 1);
	git_blob *nb = blob(fx, n, sizeof(n) - 1);
	struct ls_err err = { 0, "" };
	struct added a;

	if (CHECK(ob && nb && lines_added(&a, ob, nb, "f", &err) == 0 &&
		  a.len == 10, "locate added: diff works")) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			size_t line = 0, col = 0;
			lines_locate(&a, rows[i].off, &line, &col);
			CHECK(line == rows[i].line && col == rows[i].col,
			      "locate added: offset %zu is %zu:%zu",
			      rows[i].off, rows[i].line, rows[i].col);
		}
		CHECK(lines_line_start(&a, 3) == 2 &&
		      lines_line_start(&a, 8) == 5,
		      "lines_line_start over added lines");
		lines_release(&a);
	}
	git_blob_free(nb);
	git_blob_free(ob);
}

static void
test_whole_file(struct fixture *fx)
{
	static const char n[] = "new file\nline 2\n";
	git_blob *nb = blob(fx, n, sizeof(n) - 1);
	struct ls_err err = { 0, "" };
	struct added a;

	if (CHECK(nb && lines_added(&a, NULL, nb, "f", &err) == 0,
		  "new file: lines_added works")) {
		CHECK(a.whole == 1 && a.len == sizeof(n) - 1 &&
		      a.data == git_blob_rawcontent(nb),
		      "new file: scanned whole, in place");
		lines_release(&a);
	}
	git_blob_free(nb);
}

int
main(void)
{
	struct fixture fx = { "", NULL };

	test_classify();
	test_locate_whole();
	if (!CHECK(git_libgit2_init() > 0, "libgit2 starts"))
		return harness_done();
	if (CHECK(fixture_tmpdir(fx.dir, sizeof(fx.dir)) == 0 &&
		  git_repository_init(&fx.repo, fx.dir, 1) == 0,
		  "repository made")) {
		test_added(&fx);
		test_added_locate(&fx);
		test_whole_file(&fx);
	}
	git_repository_free(fx.repo);
	if (fx.dir[0])
		fixture_rmtree(fx.dir);
	git_libgit2_shutdown();
	return harness_done();
}
