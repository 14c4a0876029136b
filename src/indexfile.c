/*
 * indexfile.c - read git's index file (Documentation/gitformat-index)
 */
#include "indexfile.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR_LEN 12
#define SUM_LEN 20
/* ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes each), id, flags */
#define ENTRY_FIXED (40 + 20 + 2)
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE_MASK 0x3000
#define FLAG_STAGE_SHIFT 12
#define FLAG_NAME_MASK 0x0fff
#define XFLAG_INTENT_TO_ADD 0x2000

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* git's offset varint (varint.c); 0 when it runs past end or overflows. */
static size_t
varint(const unsigned char **pp, const unsigned char *end, size_t *out)
{
	const unsigned char *p = *pp;
	size_t val;

	if (p >= end)
		return 0;
	val = *p & 127;
	while (*p++ & 128) {
		if (p >= end || val > (SIZE_MAX >> 8))
			return 0;
		val = ((val + 1) << 7) | (*p & 127);
	}
	*out = val;
	*pp = p;
	return 1;
}

static int
damaged(struct ls_err *err, const char *path, const char *what)
{
	return ls_err_set(err, LS_EPARSE, "cannot read the index '%s': it is "
			  "damaged (%s)", path, what);
}

/*
 * The cache-tree extension: per directory "name\0count nr_children\n"
 * and, when count >= 0, the tree id. Returns 0, or -1 when malformed:
 * the caller then goes without it (slower, same result).
 */
/* A decimal number ending in stop, within [*pp, end). */
static int
number(const unsigned char **pp, const unsigned char *end, char stop,
       long *out)
{
	const unsigned char *p = *pp;
	int neg = 0;
	long v = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > 100000000)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (p >= end || *p != stop)
		return -1;
	*out = neg ? -v : v;
	*pp = p + 1;
	return 0;
}

static int
parse_tree(struct indexfile *ix, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	size_t alloc = 0;
	/* Pre-order: a stack of nodes still waiting for children. */
	size_t *stack = NULL, depth = 0, stack_alloc = 0;
	int ret = 0;

	while (p < end) {
		struct cache_tree_node n;
		const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
		long count, children;

		if (nul == NULL)
			goto bad;
		n.name = (const char *)p;
		n.name_len = (size_t)(nul - p);
		p = nul + 1;
		if (number(&p, end, ' ', &count) < 0 || count < -1 ||
		    number(&p, end, '\n', &children) < 0 || children < 0 ||
		    children > (long)len)
			goto bad;
		n.entry_count = count;
		n.nr_children = (size_t)children;
		n.nr_descendants = 0;
		memset(&n.id, 0, sizeof(n.id));
		if (count >= 0) {
			if ((size_t)(end - p) < GIT_OID_RAWSZ)
				goto bad;
			git_oid_fromraw(&n.id, p);
			p += GIT_OID_RAWSZ;
		}
		if (ix->nr_tree > 0 && depth == 0)
			goto bad;	/* a second root */
		LS_GROW(ix->tree, ix->nr_tree + 1, alloc);
		ix->tree[ix->nr_tree] = n;
		for (size_t i = 0; i < depth; i++)
			ix->tree[stack[i]].nr_descendants++;
		if (depth > 0)
			ix->tree[stack[depth - 1]].nr_children--; /* one found */
		LS_GROW(stack, depth + 1, stack_alloc);
		stack[depth++] = ix->nr_tree++;
		/* Pop every node whose children have all been read. */
		while (depth > 0 && ix->tree[stack[depth - 1]].nr_children == 0)
			depth--;
	}
	if (depth != 0 || ix->nr_tree == 0)
		goto bad;
	/* nr_children was counted down while reading: count it again. */
	for (size_t i = 0; i < ix->nr_tree; i++) {
		size_t c = i + 1, end_i = i + 1 + ix->tree[i].nr_descendants;
		ix->tree[i].nr_children = 0;
		while (c < end_i) {
			ix->tree[i].nr_children++;
			c += 1 + ix->tree[c].nr_descendants;
		}
	}
	goto out;
bad:
	free(ix->tree);
	ix->tree = NULL;
	ix->nr_tree = 0;
	ret = -1;
out:
	free(stack);
	return ret;
}

long
indexfile_tree_child(const struct indexfile *ix, size_t node,
		     const char *name, size_t len)
{
	size_t c = node + 1, end = node + 1 + ix->tree[node].nr_descendants;

	while (c < end) {
		const struct cache_tree_node *n = &ix->tree[c];
		if (n->name_len == len && !memcmp(n->name, name, len))
			return (long)c;
		c += 1 + n->nr_descendants;
	}
	return -1;
}

static int
parse_entries(struct indexfile *ix, const char *path, unsigned version,
	      const unsigned char **pp, const unsigned char *end, int *empty,
	      struct ls_err *err)
{
	const unsigned char *p = *pp;
	size_t *offs = NULL;	/* version 4: path offsets into ix->paths */
	struct buf prev = BUF_INIT;
	size_t prev_len = 0;
	int ret = 0;

	if (version == 4)
		offs = xcalloc(ix->nr ? ix->nr : 1, sizeof(*offs));
	for (size_t i = 0; i < ix->nr; i++) {
		struct index_entry *e = &ix->entries[i];
		const unsigned char *start = p;
		unsigned flags, xflags = 0;
		size_t fixed = ENTRY_FIXED;

		if ((size_t)(end - p) < fixed) {
			ret = damaged(err, path, "truncated entry");
			goto out;
		}
		e->raw = p;
		flags = be16(p + 60);
		if (flags & FLAG_EXTENDED) {
			if (version < 3 || (size_t)(end - p) < fixed + 2) {
				ret = damaged(err, path, "bad entry flags");
				goto out;
			}
			xflags = be16(p + fixed);
			fixed += 2;
		}
		e->stage = (uint8_t)((flags & FLAG_STAGE_MASK) >>
				     FLAG_STAGE_SHIFT);
		e->intent_to_add = (xflags & XFLAG_INTENT_TO_ADD) != 0;
		p += fixed;
		if (version == 4) {
			size_t strip;
			const unsigned char *nul;
			if (!varint(&p, end, &strip) || strip > prev_len ||
			    (nul = memchr(p, '\0', (size_t)(end - p))) == NULL) {
				ret = damaged(err, path, "bad path");
				goto out;
			}
			/* the previous path, cut, plus this suffix */
			prev.len = prev_len - strip;
			buf_add(&prev, p, (size_t)(nul - p));
			offs[i] = ix->paths.len;
			buf_add(&ix->paths, prev.ptr, prev.len + 1);
			if (prev.len > UINT32_MAX) {
				ret = damaged(err, path, "bad path");
				goto out;
			}
			e->path_len = (uint32_t)prev.len;
			prev_len = prev.len;
			p = nul + 1;
		} else {
			const unsigned char *nul =
				memchr(p, '\0', (size_t)(end - p));
			if (nul == NULL) {
				ret = damaged(err, path, "bad path");
				goto out;
			}
			e->path = (const char *)p;
			if ((size_t)(nul - p) > UINT32_MAX) {
				ret = damaged(err, path, "bad path");
				goto out;
			}
			e->path_len = (uint32_t)(nul - p);
			/* padded with 1-8 NULs to a multiple of 8 */
			size_t len = ((size_t)(nul - start) + 8) & ~(size_t)7;
			if ((size_t)(end - start) < len) {
				ret = damaged(err, path, "truncated entry");
				goto out;
			}
			p = start + len;
		}
		/*
		 * An empty path is a split index's placeholder: the 'link'
		 * extension, read later, makes that the error.
		 */
		if (e->path_len == 0) {
			*empty = 1;
			continue;
		}
		if (((flags & FLAG_NAME_MASK) != FLAG_NAME_MASK &&
		     (flags & FLAG_NAME_MASK) != e->path_len)) {
			ret = damaged(err, path, "bad path length");
			goto out;
		}
		/* Sorted by path, then stage: the walk relies on it. */
		if (i > 0 && (e - 1)->path_len > 0) {
			const struct index_entry *q = e - 1;
			const char *qp = version == 4 ? NULL : q->path;
			const char *ep = version == 4 ? NULL : e->path;
			if (version == 4) {
				qp = ix->paths.ptr + offs[i - 1];
				ep = ix->paths.ptr + offs[i];
			}
			size_t n = q->path_len < e->path_len ? q->path_len :
				e->path_len;
			int c = memcmp(qp, ep, n);
			if (c == 0)
				c = q->path_len < e->path_len ? -1 :
					q->path_len > e->path_len ? 1 :
					(int)q->stage - (int)e->stage;
			if (c >= 0) {
				ret = damaged(err, path, "entries out of order");
				goto out;
			}
		}
	}
	if (version == 4)
		for (size_t i = 0; i < ix->nr; i++)
			ix->entries[i].path = ix->paths.ptr + offs[i];
	*pp = p;
out:
	buf_release(&prev);
	free(offs);
	return ret;
}

/* Parse len bytes of an index file (borrowed: entries point into it). */
static int
parse(struct indexfile *ix, const char *path, const void *data, size_t len,
      struct ls_err *err)
{
	const unsigned char *p, *end;
	unsigned version;
	int empty = 0, ret;

	if (len < HDR_LEN + SUM_LEN)
		return damaged(err, path, "too short");
	p = data;
	end = p + len - SUM_LEN;
	if (memcmp(p, "DIRC", 4)) {
		return damaged(err, path, "bad signature");
	}
	version = be32(p + 4);
	if (version < 2 || version > 4) {
		return ls_err_set(err, LS_EGIT, "cannot read the index '%s': "
				  "version %u is unknown to leakstop", path,
				  version);
	}
	/*
	 * The SHA-1 trailer is not checked, as git itself does not (only
	 * git fsck does): git commits what this index says, so that is what
	 * is scanned. Checking it was 70% of a hook on 60,000 files. Any
	 * damage to the structure still fails closed below.
	 */
	ix->nr = be32(p + 8);
	if (ix->nr > (size_t)(end - p) / ENTRY_FIXED) {
		return damaged(err, path, "bad entry count");
	}
	ix->entries = xcalloc(ix->nr ? ix->nr : 1, sizeof(*ix->entries));
	p += HDR_LEN;
	ret = parse_entries(ix, path, version, &p, end, &empty, err);
	if (ret < 0)
		return ret;
	while (p < end) {
		uint32_t xlen;
		if ((size_t)(end - p) < 8 ||
		    (xlen = be32(p + 4)) > (size_t)(end - p) - 8) {
			return damaged(err, path, "bad extension");
		}
		if (!memcmp(p, "TREE", 4)) {
			parse_tree(ix, p + 8, xlen);
		} else if (p[0] < 'A' || p[0] > 'Z') {
			/* lowercase first letter: git says it must be read */
			const char *hint = !memcmp(p, "sdir", 4) ?
				" (sparse index: run `git sparse-checkout set "
				"--no-sparse-index`)" : !memcmp(p, "link", 4) ?
				" (split index: run `git update-index "
				"--no-split-index`)" : "";
			return ls_err_set(err, LS_EGIT, "cannot read the index: "
					  "unsupported mandatory extension: "
					  "'%.4s'%s", (const char *)p, hint);
		}
		p += 8 + xlen;
	}
	if (empty) {
		return damaged(err, path, "an entry without a path");
	}
	return 0;
}

/*
 * A big index is touched from its middle on by a second thread while
 * the parse starts at the top: the first touch of each mapped page is
 * what reading a 6 MB index costs on a virtual machine, not the parse.
 */
#define PREFAULT_MIN (1u << 20)

struct prefault {
	const unsigned char *map;
	size_t len;
};

static void *
prefault_run(void *arg)
{
	const struct prefault *pf = arg;
	volatile unsigned char sink = 0;

	for (size_t off = pf->len / 2; off < pf->len; off += 4096)
		sink ^= pf->map[off];
	(void)sink;
	return NULL;
}

uint32_t
index_entry_mode(const struct index_entry *e)
{
	return be32(e->raw + 24);
}

int
indexfile_read(struct indexfile **out, const char *path, struct ls_err *err)
{
	struct indexfile *ix = xcalloc(1, sizeof(*ix));
	struct prefault pf;
	struct stat st;
	pthread_t t;
	int fd, ret = 0, threaded;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			goto done;	/* no index yet: nothing staged */
		ret = ls_err_set(err, LS_EIO, "cannot open the index '%s': %s",
				 path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = ls_err_set(err, LS_EIO, "cannot read the index '%s': "
				 "not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		ret = damaged(err, path, "too short");
		goto out;
	}
	ix->map_len = (size_t)st.st_size;
	ix->map = mmap(NULL, ix->map_len, PROT_READ,
		       MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (ix->map == MAP_FAILED) {
		ix->map = NULL;
		ret = ls_err_set(err, LS_EIO, "cannot read the index '%s': %s",
				 path, strerror(errno));
		goto out;
	}
	pf = (struct prefault){ ix->map, ix->map_len };
	threaded = ix->map_len >= PREFAULT_MIN &&
		pthread_create(&t, NULL, prefault_run, &pf) == 0;
	ret = parse(ix, path, ix->map, ix->map_len, err);
	if (threaded)
		pthread_join(t, NULL);
	if (ret < 0)
		goto out;
done:
	*out = ix;
	ix = NULL;
out:
	if (fd >= 0)
		close(fd);
	indexfile_free(ix);
	return ret;
}

int
indexfile_parse(struct indexfile **out, const void *data, size_t len,
		const char *name, struct ls_err *err)
{
	struct indexfile *ix = xcalloc(1, sizeof(*ix));
	int ret = parse(ix, name, data, len, err);

	if (ret < 0) {
		indexfile_free(ix);
		ix = NULL;
	}
	*out = ix;
	return ret;
}

void
indexfile_free(struct indexfile *ix)
{
	if (ix == NULL)
		return;
	if (ix->map)
		munmap(ix->map, ix->map_len);
	free(ix->entries);
	free(ix->tree);
	buf_release(&ix->paths);
	free(ix);
}
