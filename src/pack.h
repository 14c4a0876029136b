/*
 * pack.h - blob content read straight from a pack file
 *
 * For the history scan's blob pass. libgit2 1.5 inflates a deltified
 * blob about three times (once for git_odb_read_header, again for its
 * base chain, whose decoded objects its cache does not keep, and again
 * for the delta itself), each time with a new zlib stream: on a
 * 10,000-commit history that was 55% of the pass. This reader maps a
 * pack, links its entries into delta trees through their headers alone,
 * and reads each tree depth first with one reused zlib stream: every
 * entry is inflated once, as `git index-pack` does.
 *
 * It reads entries of pack versions 2 and 3 whose deltas name their base
 * by offset (what `git gc` and `git repack` write). Anything else, a base
 * named by id, a damaged entry, a chain over its limits, is left to the
 * caller, which reads that object through libgit2, the reader of
 * everything else.
 */
#ifndef LS_PACK_H
#define LS_PACK_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "util.h"

/* An object of a pack index: its id, its pack and where its entry starts. */
struct pack_object {
	git_oid id;
	uint32_t crc;		/* CRC-32 of its entry, from the index */
	uint64_t off;
	uint32_t pack;
};

struct pack;

/*
 * Grow *v (alloc elements) to hold need: memory of xmap_grow(), since a
 * repository's objects are a few MB of new pages. Free with
 * pack_objects_free().
 */
void pack_objects_grow(struct pack_object **v, size_t need, size_t *alloc);
void pack_objects_free(struct pack_object *v, size_t alloc);

/*
 * Read the version-2 pack index at idx_path, append its objects to *v
 * in pack order (nr used, alloc allocated, grown by pack_objects_grow();
 * pack set to `pack`), and map the pack beside it. A pack whose checksum or object count differs from
 * its index's is refused. *out is the caller's, freed with pack_free(); on error *v is as
 * it was. Errors: LS_EIO (cannot open or map), LS_EPARSE (not an index or
 * pack, or not each other's).
 */
int pack_open_indexed(struct pack **out, const char *idx_path, uint32_t pack,
		      struct pack_object **v, size_t *nr, size_t *alloc,
		      struct ls_err *err);

/*
 * The same over len bytes of memory, which stay the caller's and must
 * outlive *out (tests and fuzzing). Only the pack's header is checked.
 */
int pack_open_memory(struct pack **out, const void *data, size_t len,
		     struct ls_err *err);

/*
 * Keep at most bytes of blobs at once as bases for the deltas below them
 * (default 96 MiB, as git's core.deltaBaseCacheLimit). A blob whose bases would not fit is refused, with
 * every blob of its task below it: the caller reads those through
 * libgit2.
 */
void pack_limit_kept(struct pack *p, size_t bytes);

/* The pack's file, as given to pack_open_indexed(), or "(memory)". */
const char *pack_path(const struct pack *p);

/* Unmap and free; NULL is a no-op. */
void pack_free(struct pack *p);

/* How an object of a plan is read. */
enum pack_kind {
	PACK_OTHER = 0,		/* a commit, tree or tag: not read */
	PACK_BLOB = 1,		/* a blob, read by a task */
	PACK_LIBGIT2 = 2	/* not readable here: read it through libgit2 */
};

/*
 * The blobs of one pack as tasks: a task is a whole blob, or a delta
 * whose tree below grew too big for one task, and holds the blobs below
 * it that are not tasks of their own. Indices are into the objects the
 * plan was built from. Plain data: the caller may read every field.
 */
struct pack_plan {
	size_t nr;
	uint8_t *kind;		/* enum pack_kind, for each object */
	uint8_t *is_task;
	uint32_t *up;		/* the delta's base, or PACK_NONE */
	uint32_t *child;	/* first delta on this base, or PACK_NONE */
	uint32_t *sibling;	/* next delta on the same base, or PACK_NONE */
	uint32_t *tasks;	/* largest first */
	uint32_t *task_size;	/* the blobs each task reads */
	size_t nr_tasks;
	void *mem;		/* where kind to sibling live (xmap) */
	size_t mem_len;
};

#define PACK_NONE UINT32_MAX

/*
 * Link objs[0..nr), all the objects of p sorted by offset, through their
 * entry headers, and cut the blobs into tasks of about task_size blobs
 * or fewer. Never fails: what it cannot link is PACK_LIBGIT2. Release
 * with pack_plan_release().
 */
void pack_plan_build(struct pack_plan *plan, struct pack *p,
		     const struct pack_object *objs, size_t nr,
		     size_t task_size);

void pack_plan_release(struct pack_plan *plan);

/*
 * Check the CRC-32 of the entries of objs[lo..hi) (all nr objects of p,
 * sorted by offset) against the index's: the first whose bytes differ,
 * or PACK_NONE. git checks these only when it copies an entry; a damaged
 * type or size could hide a blob from the plan, so a caller that uses a
 * plan checks every entry too.
 */
uint32_t pack_check(const struct pack *p, const struct pack_object *objs,
		    size_t nr, size_t lo, size_t hi);

/*
 * Called once for each blob of a task: index is into the plan's
 * objects. result is 0 with the blob's data and size (borrowed for the
 * call); 1 for a blob over max_size (size set, data NULL); or negative
 * when this reader could not decode it (read it through libgit2). A
 * negative return stops the task and is returned.
 */
typedef int (*pack_blob_cb)(size_t index, int result,
			    const unsigned char *data, size_t size,
			    void *payload);

#define PACK_TOO_BIG 1

/*
 * Read the blobs of task number t of plan (built on p and objs): the
 * chain below the task's first blob, then every blob of the task depth
 * first, each handed to cb.
 */
int pack_read_task(struct pack *p, const struct pack_object *objs,
		   const struct pack_plan *plan, size_t t, size_t max_size,
		   pack_blob_cb cb, void *payload);

#endif
