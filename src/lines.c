/*
 * lines.c - added lines of one file
 */
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LFS_HEADER "version https://git-lfs.github.com/spec/v1\n"
/* git looks this far for a NUL to call a file binary. */
#define BINARY_PROBE 8000

enum file_kind
lines_classify(const char *data, size_t len)
{
	if (len < 1024 && len >= sizeof(LFS_HEADER) - 1 &&
	    !memcmp(data, LFS_HEADER, sizeof(LFS_HEADER) - 1))
		return LS_FILE_LFS;
	if (len >= 2 && (unsigned char)data[0] == 0xff &&
	    (unsigned char)data[1] == 0xfe &&
	    !(len >= 4 && data[2] == 0 && data[3] == 0))
		return LS_FILE_UTF16LE;	/* (FF FE 00 00 is UTF-32) */
	if (len >= 2 && (unsigned char)data[0] == 0xfe &&
	    (unsigned char)data[1] == 0xff)
		return LS_FILE_UTF16BE;
	if (memchr(data, '\0', len < BINARY_PROBE ? len : BINARY_PROBE))
		return LS_FILE_BINARY;
	return LS_FILE_TEXT;
}

static void
put_utf8(struct buf *b, uint32_t c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	buf_add(b, u, n);
}

void
lines_decode(enum file_kind k, const char **data, size_t *len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)*data;
	size_t n = *len;
	int be = k == LS_FILE_UTF16BE;

	if (k != LS_FILE_UTF16LE && k != LS_FILE_UTF16BE)
		return;
	buf_reset(out);
	for (size_t i = 2; i + 1 < n; i += 2) {	/* after the BOM */
		uint32_t c = be ? (uint32_t)p[i] << 8 | p[i + 1] :
			(uint32_t)p[i + 1] << 8 | p[i];
		if (c >= 0xd800 && c < 0xdc00 && i + 3 < n) {
			uint32_t d = be ? (uint32_t)p[i + 2] << 8 | p[i + 3] :
				(uint32_t)p[i + 3] << 8 | p[i + 2];
			if (d >= 0xdc00 && d < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) +
					(d - 0xdc00);
				i += 2;
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xd800 && c < 0xe000) {
			c = 0xfffd;
		}
		put_utf8(out, c);
	}
	*data = out->ptr ? out->ptr : "";
	*len = out->len;
}

void
lines_whole(struct added *a, const char *data, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->data = data;
	a->len = len;
	a->whole = 1;
	a->full = data;
	a->full_len = len;
}

static void
add_line(struct added *a, const char *p, size_t n, size_t lineno)
{
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[n - 1] == '\r')
		n--;
	LS_GROW(a->lines, a->nr + 1, a->alloc);
	a->lines[a->nr].off = a->own.len;
	a->lines[a->nr].lineno = lineno;
	a->nr++;
	buf_add(&a->own, p, n);
	buf_addch(&a->own, '\n');
}

/*
 * The diff of old and new (old NULL: a new file, scanned whole): of the
 * blobs when both are given, else of the buffers.
 *
 * Blobs are diffed without a path: with a path, libgit2 looks up the
 * file's diff driver in .gitattributes, which loads the repository's
 * whole index (150 ms on 60,000 files) and probes the work tree, all
 * for nothing leakstop uses. Buffers are hashed first (SHA-1 with
 * collision detection, a fifth of a small commit's hook), blobs not.
 */
static int
added_diff(struct added *a, const git_blob *old_blob, const char *old,
	   size_t old_len, const git_blob *new_blob, const char *new,
	   size_t new_len, const char *path, struct ls_err *err)
{
	git_diff_options opts;
	git_patch *patch = NULL;
	size_t nr_hunks;
	int ret = 0, e;

	if (old == NULL) {
		lines_whole(a, new, new_len);
		return 0;
	}
	memset(a, 0, sizeof(*a));
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 0;
	opts.interhunk_lines = 0;
	/* Content decides, not .gitattributes: "-diff" must not hide text. */
	opts.flags = GIT_DIFF_FORCE_TEXT;
	if (old_blob && new_blob)
		e = git_patch_from_blobs(&patch, old_blob, NULL, new_blob,
					 NULL, &opts);
	else
		e = git_patch_from_buffers(&patch, old, old_len, NULL, new,
					   new_len, NULL, &opts);
	if (e < 0) {
		const git_error *ge = git_error_last();
		ret = ls_err_set(err, LS_EGIT, "cannot diff '%s': %s", path,
				 ge ? ge->message : "unknown error");
		goto out;
	}
	a->full = new;
	a->full_len = new_len;
	nr_hunks = git_patch_num_hunks(patch);
	for (size_t h = 0; h < nr_hunks; h++) {
		int nr_lines = git_patch_num_lines_in_hunk(patch, h);
		for (int l = 0; l < nr_lines; l++) {
			const git_diff_line *line;
			if (git_patch_get_line_in_hunk(&line, patch, h,
						       (size_t)l) < 0) {
				ret = ls_err_set(err, LS_EGIT, "cannot read "
						 "the diff of '%s'", path);
				goto out;
			}
			if (line->origin == GIT_DIFF_LINE_ADDITION)
				add_line(a, line->content, line->content_len,
					 (size_t)line->new_lineno);
		}
	}
	/*
	 * Different content with no hunk at all would mean the diff saw
	 * nothing it should have: never count that as a clean file.
	 */
	if (nr_hunks == 0 && new_len > 0 &&
	    (old_len != new_len || memcmp(old, new, new_len))) {
		ret = ls_err_set(err, LS_EGIT, "the diff of '%s' is empty "
				 "although its content changed", path);
		goto out;
	}
	a->data = a->own.ptr ? a->own.ptr : "";
	a->len = a->own.len;
out:
	git_patch_free(patch);
	return ret;
}

/* Keep in a only the lines that b has too (both in line order). */
static void
intersect(struct added *a, struct added *b)
{
	struct added r;
	size_t j = 0;

	if (b->whole)
		return;
	if (a->whole) {
		lines_release(a);
		*a = *b;
		a->data = a->own.ptr ? a->own.ptr : "";
		memset(b, 0, sizeof(*b));
		return;
	}
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < a->nr; i++) {
		while (j < b->nr && b->lines[j].lineno < a->lines[i].lineno)
			j++;
		if (j == b->nr || b->lines[j].lineno != a->lines[i].lineno)
			continue;
		size_t end = i + 1 < a->nr ? a->lines[i + 1].off : a->len;
		add_line(&r, a->data + a->lines[i].off,
			 end - a->lines[i].off, a->lines[i].lineno);
	}
	r.data = r.own.ptr ? r.own.ptr : "";
	r.len = r.own.len;
	r.full = a->full;
	r.full_len = a->full_len;
	lines_release(a);
	*a = r;
}

/* The old sides of a change: blobs, or buffers of lens bytes. */
struct olds {
	const git_blob *const *blobs;	/* or NULL: bufs and lens */
	const char *const *bufs;
	const size_t *lens;
	size_t nr;
};

/*
 * Fill a with what new adds against every old side (none: all of new,
 * scanned whole): a line any old side had is not added.
 */
static int
added_against(struct added *a, const struct olds *o, const git_blob *new_blob,
	      const char *new, size_t new_len, const char *path,
	      struct ls_err *err)
{
	int ret = 0;

	if (o->nr == 0)
		return added_diff(a, NULL, NULL, 0, NULL, new, new_len, path,
				  err);
	for (size_t i = 0; ret == 0 && i < o->nr; i++) {
		const git_blob *ob = o->blobs ? o->blobs[i] : NULL;
		const char *old = o->blobs ? NULL : o->bufs[i];
		size_t old_len = o->blobs ? 0 : o->lens[i];
		struct added b;

		if (ob) {
			old = git_blob_rawcontent(ob);
			old_len = (size_t)git_blob_rawsize(ob);
		}

		ret = added_diff(i ? &b : a, ob, old, old_len,
				 ob ? new_blob : NULL, new, new_len, path,
				 err);
		if (i == 0)
			continue;
		if (ret == 0)
			intersect(a, &b);
		lines_release(&b);
	}
	return ret;
}

int
lines_added(struct added *a, const git_blob *old_blob,
	    const git_blob *new_blob, const char *path, struct ls_err *err)
{
	return lines_added_multi(a, &old_blob, old_blob ? 1 : 0, new_blob,
				 path, err);
}

int
lines_added_buffers(struct added *a, const char *const *olds,
		    const size_t *old_lens, size_t nr_old, const char *new,
		    size_t new_len, const char *path, struct ls_err *err)
{
	struct olds o = { NULL, olds, old_lens, nr_old };

	return added_against(a, &o, NULL, new, new_len, path, err);
}

int
lines_added_multi(struct added *a, const git_blob *const *olds, size_t nr_old,
		  const git_blob *new_blob, const char *path,
		  struct ls_err *err)
{
	struct olds o = { olds, NULL, NULL, nr_old < 16 ? nr_old : 16 };

	return added_against(a, &o, new_blob, git_blob_rawcontent(new_blob),
			     (size_t)git_blob_rawsize(new_blob), path, err);
}

void
lines_locate(const struct added *a, size_t off, size_t *lineno, size_t *col)
{
	if (a->whole) {
		size_t n = 1, start = 0;
		const char *p = a->data, *end = a->data + off;
		while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			n++;
			p++;
			start = (size_t)(p - a->data);
		}
		*lineno = n;
		*col = off - start + 1;
		return;
	}
	/* Last line starting at or before off. */
	size_t lo = 0, hi = a->nr;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->lines[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	if (a->nr == 0) {
		*lineno = 0;
		*col = off + 1;
		return;
	}
	*lineno = a->lines[lo].lineno;
	*col = off - a->lines[lo].off + 1;
}

int
lines_full_line(const struct added *a, size_t lineno, const char **line,
		size_t *len)
{
	const char *p = a->full, *end = a->full + a->full_len;

	if (p == NULL || lineno == 0)
		return 0;
	for (size_t n = 1; n < lineno; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*line = p;
	*len = (size_t)((nl ? nl : end) - p);
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	return p < end || lineno == 1;
}

size_t
lines_line_start(const struct added *a, size_t off)
{
	while (off > 0 && a->data[off - 1] != '\n')
		off--;
	return off;
}

void
lines_release(struct added *a)
{
	buf_release(&a->own);
	free(a->lines);
	memset(a, 0, sizeof(*a));
}
