/*
 * indexfile.h - the index file git hands a hook, read directly
 *
 * libgit2 1.5 has no API for the index's cache-tree (the tree ids git
 * keeps for unchanged directories), and its index loader allocates per
 * entry: on a 60,000-file repository it alone costs several times what
 * all of `git diff --cached` does. This reader maps the file once, points
 * entries into the mapping and parses the cache-tree, so that source.c
 * compares only the directories that changed. Objects are still read through libgit2.
 *
 * Versions 2, 3 and 4 are read. A mandatory extension this reader does
 * not know (split index "link", sparse index "sdir") is an error naming
 * the git setting to turn off.
 */
#ifndef LS_INDEXFILE_H
#define LS_INDEXFILE_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "util.h"

/*
 * 24 bytes: on 60,000 files, every page of this array is a page the hook
 * touches, each first touch costly on a virtual machine.
 */
struct index_entry {
	const char *path;	/* NUL-terminated, borrowed from the index */
	const unsigned char *raw; /* the entry in the file: mode, id */
	uint32_t path_len;
	uint8_t stage;		/* 0, or 1-3 while a merge is unresolved */
	uint8_t intent_to_add;	/* `git add -N`: not part of a commit */
};

_Static_assert(sizeof(git_oid) == 20, "git_oid is a raw SHA-1");

/* The entry's object id, read in place. */
static inline const git_oid *
index_entry_id(const struct index_entry *e)
{
	return (const git_oid *)(e->raw + 40);
}

/* The entry's mode (git's 32-bit big-endian field). */
uint32_t index_entry_mode(const struct index_entry *e);

/*
 * One directory of the cache-tree, in the file's pre-order: the first
 * child is the next node, each further child follows the previous one's
 * descendants.
 */
struct cache_tree_node {
	const char *name;	/* "" for the root; not NUL-terminated */
	size_t name_len;
	long entry_count;	/* index entries below; -1: not valid */
	size_t nr_children;
	size_t nr_descendants;
	git_oid id;		/* the tree, when entry_count >= 0 */
};

struct indexfile {
	struct index_entry *entries;	/* sorted by path, as git keeps them */
	size_t nr;
	struct cache_tree_node *tree;	/* NULL: no (usable) cache-tree */
	size_t nr_tree;
	void *map;
	size_t map_len;
	struct buf paths;	/* version 4 paths, rebuilt from prefixes */
};

/*
 * Read the index at path. A missing file is an empty index, as git
 * treats it. The SHA-1 trailer is not checked, as git does not check
 * it. Errors: LS_EIO (cannot read), LS_EPARSE (damaged: bad header or
 * entry, naming the file), LS_EGIT (an extension leakstop cannot read).
 */
int indexfile_read(struct indexfile **out, const char *path,
		   struct ls_err *err);

/*
 * The same from len bytes in memory, borrowed: the entries point into
 * data, which must outlive *out. name is what errors call the file.
 */
int indexfile_parse(struct indexfile **out, const void *data, size_t len,
		    const char *name, struct ls_err *err);

/* The child of node (an index into ix->tree) named name, or -1. */
long indexfile_tree_child(const struct indexfile *ix, size_t node,
			  const char *name, size_t len);

void indexfile_free(struct indexfile *ix);

#endif
