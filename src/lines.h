/*
 * lines.h - what a change adds to one file, as one buffer to scan
 *
 * A new file is scanned whole, in place. A changed file becomes its
 * added lines joined with '\n' (a trailing '\r' dropped), with a map
 * from buffer offsets back to line numbers.
 */
#ifndef LS_LINES_H
#define LS_LINES_H

#include <stddef.h>

#include <git2.h>

#include "util.h"

enum file_kind {
	LS_FILE_TEXT,
	LS_FILE_BINARY,		/* NUL in the first 8000 bytes, as git */
	LS_FILE_LFS,		/* a Git LFS pointer */
	LS_FILE_UTF16LE,	/* UTF-16 with a byte order mark */
	LS_FILE_UTF16BE
};

struct added_line {
	size_t off;		/* where the line starts in data */
	size_t lineno;		/* its number in the new file */
};

struct added {
	const char *data;	/* bytes to scan; borrowed or own.ptr */
	size_t len;
	struct buf own;
	struct added_line *lines;
	size_t nr, alloc;
	int whole;		/* data is the whole file, lines unused */
	const char *full;	/* the whole new file (borrowed), for markers */
	size_t full_len;
};

/* Decide how to treat a new file's content. */
enum file_kind lines_classify(const char *data, size_t len);

/*
 * Text to scan or compare for content of kind k: UTF-16 is decoded into
 * out as UTF-8 (unpaired surrogates become U+FFFD) and *data, *len point
 * there; anything else is left as it is. out must outlive the use.
 */
void lines_decode(enum file_kind k, const char **data, size_t *len,
		  struct buf *out);

/*
 * Fill a with what new_blob adds over old_blob (old_blob NULL: a new
 * file, scanned whole and borrowed from new_blob, which must outlive a).
 * Returns 0, or LS_EGIT when the diff fails.
 */
int lines_added(struct added *a, const git_blob *old_blob,
		const git_blob *new_blob, const char *path,
		struct ls_err *err);

/*
 * lines_added_multi on buffers: olds[i] of old_lens[i] bytes (olds[i]
 * NULL: that side has no such file), new of new_len bytes, which must
 * outlive a.
 */
int lines_added_buffers(struct added *a, const char *const *olds,
			const size_t *old_lens, size_t nr_old, const char *new,
			size_t new_len, const char *path, struct ls_err *err);

/*
 * Fill a with the lines of new_blob added against every one of olds
 * (nr_old 0: all of new_blob, scanned whole). For a merge, olds are the
 * parents' versions: a line any parent had is not added by the merge.
 */
int lines_added_multi(struct added *a, const git_blob *const *olds,
		      size_t nr_old, const git_blob *new_blob,
		      const char *path, struct ls_err *err);

/* Fill a with a whole buffer (borrowed). */
void lines_whole(struct added *a, const char *data, size_t len);

/* Map an offset in a->data to a 1-based line and column. */
void lines_locate(const struct added *a, size_t off, size_t *lineno,
		  size_t *col);

/*
 * The text of line lineno (1-based) of the whole new file: start and
 * length without the newline. Returns 0 when there is no such line.
 */
int lines_full_line(const struct added *a, size_t lineno, const char **line,
		    size_t *len);

/* Start of the line holding off. */
size_t lines_line_start(const struct added *a, size_t off);

/* Wipe and free what a owns. */
void lines_release(struct added *a);

#endif
