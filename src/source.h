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

#include "lines.h"
#include "repo.h"
#include "report.h"
#include "util.h"

struct source_file {
	const char *path;	/* new path */
	/*
	 * What the new content is compared with: none (scan it whole), the
	 * old side, or for a merge each parent's version of the path (a line
	 * counts as added only when it is added against all of them).
	 */
	const git_blob *const *old_blobs;
	size_t nr_old;
	const git_blob *new_blob;
	const git_commit *commit;	/* NULL: the index or plain files */
	enum file_kind kind;	/* of the new content: text, binary, UTF-16 */
	/*
	 * The content to scan whole instead of new_blob's, or NULL: a Git
	 * LFS object found in .git/lfs/objects for a pointer.
	 */
	const char *data;
	size_t len;
};

/* Return 0 to go on, negative (with err set) to stop. */
typedef int (*source_cb)(const struct source_file *f, void *payload,
			 struct ls_err *err);

/*
 * Call cb for each staged file with content to scan: text and UTF-16
 * (compared line by line), binary files (whole, as bytes), LFS pointers
 * whose object is in .git/lfs/objects (the object, whole). A file over
 * max_size bytes is an error when st->large_fails, else counted in st
 * like LFS pointers without their object and submodules.
 */
int source_staged(struct repo *r, size_t max_size, struct scan_stats *st,
		  source_cb cb, void *payload, struct ls_err *err);

/*
 * source_staged in two steps, so that other work (loading the engine)
 * can run beside the first: what the index changes against HEAD, read
 * from the index and the trees only; then each changed file's blobs,
 * handed to cb as source_staged does. The changes are owned by the
 * caller (source_changes_free).
 */
struct source_changes;
int source_staged_changes(struct repo *r, struct scan_stats *st,
			  struct source_changes **out, struct ls_err *err);
int source_changes_run(struct source_changes *ch, struct repo *r,
		       size_t max_size, struct scan_stats *st, source_cb cb,
		       void *payload, struct ls_err *err);
void source_changes_free(struct source_changes *ch);

/*
 * Call cb for each file a commit adds text to, against its first parent
 * (a root commit: everything). A merge passes, per path, each parent's
 * blob too, so that only lines no parent had count; a path a parent has
 * unchanged is not passed at all.
 */
int source_commit(struct repo *r, const git_commit *commit, size_t max_size,
		  struct scan_stats *st, source_cb cb, void *payload,
		  struct ls_err *err);

/* Called with each commit of a walk, oldest first. */
typedef int (*source_commit_cb)(const git_commit *commit, void *payload,
				struct ls_err *err);

/* Which commits to walk: reachable from push, not from hide. */
struct source_range {
	const git_oid *push;
	size_t nr_push;
	const git_oid *hide;
	size_t nr_hide;
	const char *hide_glob;	/* a ref glob, as refs/remotes/NAME/STAR */
	int all_refs;		/* push every ref and HEAD too */
};

/*
 * Walk the commits of range, oldest first, with no cap. A commit that
 * cannot be read (a shallow clone's boundary, a missing object) stops the
 * walk with an error: it never ends early as if all were scanned.
 */
int source_walk(struct repo *r, const struct source_range *range,
		source_commit_cb cb, void *payload, struct ls_err *err);

/*
 * Every file of tree, whole, named prefix + its path (a pushed tag that
 * points at a tree).
 */
int source_tree(struct repo *r, const git_tree *tree, const char *prefix,
		size_t max_size, struct scan_stats *st, source_cb cb,
		void *payload, struct ls_err *err);

/* Every file in HEAD's tree, whole (for baselines and stale checks). */
int source_head_tree(struct repo *r, size_t max_size, struct scan_stats *st,
		     source_cb cb, void *payload, struct ls_err *err);

/*
 * Looks at one blob's whole content before the history walk; returns 1
 * when the blob needs the walk (it may hold a finding), 0 when it is
 * clean, negative (err set) to stop. Runs in a worker thread: payload is
 * that worker's own.
 */
typedef int (*source_blob_cb)(const char *data, size_t len,
			      enum file_kind kind, void *payload,
			      struct ls_err *err);

/* Workers for source_history's first pass; at most this many. */
#define SOURCE_MAX_WORKERS 8

/*
 * Whole history: each blob that a commit adds is passed once, whole,
 * with the oldest commit (in topological order) that added it.
 *
 * With pre (and one payload per worker in pre_payloads[0..nr_workers)),
 * every blob of the object database is first read once and given to pre,
 * in nr_workers threads, each with its own repository handle. Only blobs
 * pre flags, and blobs over max_size or LFS pointers (which need their
 * paths), are then read again in the walk: reading 78,000 trees takes a
 * fraction of the time, and none of it when nothing was flagged.
 */
int source_history(struct repo *r, size_t max_size, struct scan_stats *st,
		   source_blob_cb pre, void **pre_payloads, size_t nr_workers,
		   source_cb cb, void *payload, struct ls_err *err);

#endif
