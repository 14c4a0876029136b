/*
 * fuzz_indexfile.c - bytes as a git index file through indexfile_parse
 *
 * The input is the file without its trailer; the target appends one: 20
 * zero bytes (index.skipHash) when the first byte is even, the right
 * SHA-1 when it is odd. The reader no longer checks the trailer (git
 * does not either); both kinds stay, so the corpus keeps its meaning.
 *
 * Invariants: on success, entries are in strictly increasing (path,
 * stage) order, each path non-empty, NUL-terminated at path_len with no
 * NUL inside; the cache-tree (when kept) is a well-formed pre-order tree
 * whose every child is found by name. On error, a message that names the
 * index.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/sha1.h>

#include "fuzz.h"
#include "indexfile.h"

static void
check_tree(const struct indexfile *ix)
{
	for (size_t i = 0; i < ix->nr_tree; i++) {
		const struct cache_tree_node *n = &ix->tree[i];
		size_t c = i + 1, end = i + 1 + n->nr_descendants, kids = 0;

		FUZZ_CHECK(end <= ix->nr_tree, "node %zu runs past the tree", i);
		FUZZ_CHECK(n->entry_count >= -1, "node %zu count %ld", i,
			   n->entry_count);
		while (c < end) {
			const struct cache_tree_node *k = &ix->tree[c];
			long found = indexfile_tree_child(ix, i, k->name,
							  k->name_len);
			FUZZ_CHECK(found >= 0, "child %zu of %zu not found", c,
				   i);
			kids++;
			c += 1 + k->nr_descendants;
		}
		FUZZ_CHECK(c == end && kids == n->nr_children,
			   "node %zu: %zu children, %zu counted", i,
			   n->nr_children, kids);
	}
	if (ix->nr_tree)
		FUZZ_CHECK(ix->tree[0].nr_descendants + 1 == ix->nr_tree,
			   "the root does not hold the whole tree");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct indexfile *ix = NULL;
	struct ls_err err = { 0, "" };
	unsigned char *file = malloc(size + SHA1_DIGEST_SIZE);

	FUZZ_CHECK(file != NULL, "out of memory");
	memcpy(file, data, size);
	memset(file + size, 0, SHA1_DIGEST_SIZE);
	if (size && (data[0] & 1)) {
		struct sha1_ctx sha;
		sha1_init(&sha);
		sha1_update(&sha, size, file);
		sha1_digest(&sha, SHA1_DIGEST_SIZE, file + size);
	}
	if (indexfile_parse(&ix, file, size + SHA1_DIGEST_SIZE, "fuzz",
			    &err) < 0) {
		FUZZ_CHECK(ix == NULL, "an error and an index");
		FUZZ_CHECK(err.code < 0 && strstr(err.msg, "index"),
			   "error without the index named: '%s'", err.msg);
		free(file);
		return 0;
	}
	for (size_t i = 0; i < ix->nr; i++) {
		const struct index_entry *e = &ix->entries[i];
		FUZZ_CHECK(e->path_len > 0 && e->path[e->path_len] == '\0' &&
			   strlen(e->path) == e->path_len,
			   "entry %zu: bad path", i);
		FUZZ_CHECK(e->stage <= 3, "entry %zu: stage %u", i, e->stage);
		if (i > 0) {
			const struct index_entry *q = e - 1;
			int c = strcmp(q->path, e->path);
			FUZZ_CHECK(c < 0 || (c == 0 && q->stage < e->stage),
				   "entries %zu and %zu out of order", i - 1, i);
		}
	}
	check_tree(ix);
	indexfile_free(ix);
	free(file);
	return 0;
}
