/*
 * source.h - which files a change touches, as pairs of blobs
 *
 * For the staged change: HEAD's tree (or nothing, before the first
 * commit) against the index git gave the hook. Deletions, mode-only
 * changes and pure renames add nothing and are not passed on.
 */
#ifndef LS_SOURCE_H
#define LS_SOURCE_H

#include <git2.h>

#include "repo.h"
#include "report.h"
#include "util.h"

struct source_file {
	const char *path;	/* new path */
	const git_blob *old_blob;	/* NULL: scan new_blob whole */
	const git_blob *new_blob;
};

/* Return 0 to go on, negative (with err set) to stop. */
typedef int (*source_cb)(const struct source_file *f, void *payload,
			 struct ls_err *err);

/*
 * Call cb for each staged file with text to scan. Files over max_size
 * bytes, binary files, LFS pointers and submodules are counted in st,
 * not passed on.
 */
int source_staged(struct repo *r, size_t max_size, struct scan_stats *st,
		  source_cb cb, void *payload, struct ls_err *err);

#endif
