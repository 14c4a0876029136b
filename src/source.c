/*
 * source.c - deltas of the staged change
 */
#include "source.h"

#include <git2/sys/odb_backend.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "indexfile.h"
#include "lines.h"
#include "pack.h"

static void
skipped(struct scan_stats *st, size_t *counter, const char *path)
{
	(*counter)++;
	if (st->first_skipped == NULL)
		st->first_skipped = xstrdup(path);
}

static int
missing(struct ls_err *err, const char *path, const git_oid *id)
{
	struct buf what = BUF_INIT;
	int ret;

	buf_printf(&what, "cannot read '%s' (object %.12s)", path,
		   git_oid_tostr_s(id));
	ret = repo_git_error(err, what.ptr);
	buf_release(&what);
	return ret;
}

/* What a change is compared with beyond its own old side. */
struct delta_ctx {
	git_repository *repo;
	git_odb *odb;
	size_t max_size;
	struct scan_stats *st;
	source_cb cb;
	void *payload;
	const git_commit *commit;
	git_tree **other_parents;	/* a merge's parents after the first */
	size_t nr_other;
};

#define MAX_PARENTS 16

/* A file a change writes, before any blob is read. */
struct change {
	char *path;
	git_oid old_id;		/* zero: nothing to compare with */
	git_oid new_id;
	uint32_t new_mode;
	int pure_rename;	/* same content under a new name: skip */
};

/* What a change deletes: a blob, or a whole tree, a rename may come from. */
struct gone {
	char *path;
	git_oid id;
	int is_tree;
};

struct changes {
	git_repository *repo;
	struct scan_stats *st;
	struct change *v;
	size_t nr, alloc;
	struct gone *gone;
	size_t nr_gone, alloc_gone;
	struct buf dir;		/* the directory being walked, "" or "a/b/" */
	int renames;		/* collect deletions to pair renames */
};

static void
changes_release(struct changes *c)
{
	for (size_t i = 0; i < c->nr; i++)
		free(c->v[i].path);
	for (size_t i = 0; i < c->nr_gone; i++)
		free(c->gone[i].path);
	free(c->v);
	free(c->gone);
	buf_release(&c->dir);
}

static void
add_change(struct changes *c, const char *path, const git_oid *old_id,
	   const git_oid *new_id, uint32_t new_mode)
{
	struct change *ch;

	if (!strcmp(path, LS_POLICY_FILE))
		c->st->policy_changed = 1;
	if (new_mode == GIT_FILEMODE_COMMIT) {
		skipped(c->st, &c->st->submodules, path);
		return;
	}
	LS_GROW(c->v, c->nr + 1, c->alloc);
	ch = &c->v[c->nr++];
	ch->path = xstrdup(path);
	if (old_id)
		ch->old_id = *old_id;
	else
		memset(&ch->old_id, 0, sizeof(ch->old_id));
	ch->new_id = *new_id;
	ch->new_mode = new_mode;
	ch->pure_rename = 0;
}

static void
add_gone(struct changes *c, const git_tree_entry *te)
{
	git_object_t type = git_tree_entry_type(te);
	struct buf path = BUF_INIT;

	if (!c->renames || (type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TREE))
		return;
	buf_printf(&path, "%s%s", c->dir.ptr ? c->dir.ptr : "",
		   git_tree_entry_name(te));
	LS_GROW(c->gone, c->nr_gone + 1, c->alloc_gone);
	c->gone[c->nr_gone].path = path.ptr;
	c->gone[c->nr_gone].id = *git_tree_entry_id(te);
	c->gone[c->nr_gone].is_tree = type == GIT_OBJECT_TREE;
	c->nr_gone++;
}

/* git's order of tree entries: a directory sorts as if named "name/". */
static int
name_cmp(const char *a, size_t alen, int adir, const char *b, size_t blen,
	 int bdir)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	unsigned ca, cb;

	if (c)
		return c;
	ca = alen > n ? (unsigned char)a[n] : adir ? '/' : 0;
	cb = blen > n ? (unsigned char)b[n] : bdir ? '/' : 0;
	return (int)ca - (int)cb;
}

static int
entry_is_dir(const git_tree_entry *te)
{
	return git_tree_entry_type(te) == GIT_OBJECT_TREE;
}

static int
load_tree(git_tree **out, git_repository *repo, const git_tree_entry *te,
	  struct ls_err *err)
{
	if (git_tree_lookup(out, repo, git_tree_entry_id(te)) < 0)
		return repo_git_error(err, "cannot read a committed tree");
	return 0;
}

/*
 * One step of a walk of the old tree's entries beside the new side's
 * names (name NULL: the new side is done). An old entry that sorts first
 * was deleted: it is recorded, *i moves on and 1 says "step again".
 * Otherwise *o becomes the old entry of the same name, or NULL.
 */
static int
old_step(struct changes *c, const git_tree_entry **o, size_t *i,
	 const char *name, size_t len, int dir)
{
	int cmp;

	if (*o == NULL)
		return 0;
	cmp = name == NULL ? -1 :
		name_cmp(git_tree_entry_name(*o),
			 strlen(git_tree_entry_name(*o)), entry_is_dir(*o),
			 name, len, dir);
	if (cmp < 0) {
		add_gone(c, *o);
		(*i)++;
		return 1;
	}
	if (cmp > 0)
		*o = NULL;
	else
		(*i)++;
	return 0;
}

static int walk_trees(struct changes *c, const git_tree *old,
		      const git_tree *new, struct ls_err *err);

/* Walk into directory name of both sides (either may be NULL). */
static int
walk_subtree(struct changes *c, const git_tree_entry *o,
	     const git_tree_entry *n, struct ls_err *err)
{
	git_tree *ot = NULL, *nt = NULL;
	size_t len = c->dir.len;
	int ret = 0;

	if (o && (ret = load_tree(&ot, c->repo, o, err)) < 0)
		goto out;
	if (n && (ret = load_tree(&nt, c->repo, n, err)) < 0)
		goto out;
	buf_printf(&c->dir, "%s/", git_tree_entry_name(n ? n : o));
	ret = walk_trees(c, ot, nt, err);
	c->dir.len = len;
	c->dir.ptr[len] = '\0';
out:
	git_tree_free(ot);
	git_tree_free(nt);
	return ret;
}

/* A file of the new side against the same name on the old side. */
static void
file_change(struct changes *c, const git_tree_entry *o, const char *name,
	    const git_oid *id, uint32_t mode)
{
	struct buf path = BUF_INIT;
	const git_oid *old_id = NULL;

	if (o && git_oid_equal(git_tree_entry_id(o), id))
		return;		/* mode change only: adds nothing */
	if (o && git_tree_entry_type(o) == GIT_OBJECT_BLOB)
		old_id = git_tree_entry_id(o);
	buf_printf(&path, "%s%s", c->dir.ptr ? c->dir.ptr : "", name);
	add_change(c, path.ptr, old_id, id, mode);
	buf_release(&path);
}

/*
 * Tree against tree, skipping every subtree whose id did not change (git
 * does the same; libgit2 1.5's tree diff reads every tree).
 */
static int
walk_trees(struct changes *c, const git_tree *old, const git_tree *new,
	   struct ls_err *err)
{
	size_t i = 0, j = 0;
	size_t no = old ? git_tree_entrycount(old) : 0;
	size_t nn = new ? git_tree_entrycount(new) : 0;
	int ret = 0;

	if (old && new && git_oid_equal(git_tree_id(old), git_tree_id(new)))
		return 0;
	while (ret == 0 && (i < no || j < nn)) {
		const git_tree_entry *o = i < no ?
			git_tree_entry_byindex(old, i) : NULL;
		const git_tree_entry *n = j < nn ?
			git_tree_entry_byindex(new, j) : NULL;
		if (old_step(c, &o, &i, n ? git_tree_entry_name(n) : NULL,
			     n ? strlen(git_tree_entry_name(n)) : 0,
			     n && entry_is_dir(n)))
			continue;
		j++;
		if (entry_is_dir(n)) {
			if (!o || !git_oid_equal(git_tree_entry_id(o),
						 git_tree_entry_id(n)))
				ret = walk_subtree(c, o, n, err);
		} else {
			file_change(c, o, git_tree_entry_name(n),
				    git_tree_entry_id(n),
				    git_tree_entry_filemode(n));
		}
	}
	return ret;
}

/*
 * HEAD's tree (old, may be NULL) against the index entries [lo, hi) below
 * c->dir. A directory whose cache-tree node is valid and names the same
 * tree as HEAD's is skipped without reading anything below it: that is
 * what keeps a 20-file commit in a 60,000-file repository fast.
 */
static int
walk_index(struct changes *c, const git_tree *old, const struct indexfile *ix,
	   long node, size_t lo, size_t hi, struct ls_err *err)
{
	size_t plen = c->dir.len;
	size_t i = 0, no = old ? git_tree_entrycount(old) : 0, k = lo;
	int ret = 0;

	if (node >= 0 && old && ix->tree[node].entry_count == (long)(hi - lo) &&
	    git_oid_equal(&ix->tree[node].id, git_tree_id(old)))
		return 0;
	while (ret == 0 && (i < no || k < hi)) {
		const git_tree_entry *o = i < no ?
			git_tree_entry_byindex(old, i) : NULL;
		const struct index_entry *e = k < hi ? &ix->entries[k] : NULL;
		const char *name = e ? e->path + plen : NULL;
		size_t len = e ? e->path_len - plen : 0, end = k + 1;
		const char *slash = e ? memchr(name, '/', len) : NULL;

		if (slash) {
			len = (size_t)(slash - name);
			while (end < hi &&
			       ix->entries[end].path_len > plen + len &&
			       !memcmp(ix->entries[end].path + plen, name,
				       len + 1))
				end++;
		}
		if (old_step(c, &o, &i, name, len, slash != NULL))
			continue;
		size_t first = k;
		k = end;
		if (slash) {
			git_tree *ot = NULL;
			long child = node >= 0 ?
				indexfile_tree_child(ix, (size_t)node, name,
						     len) : -1;
			/* checked here too, so the tree is never read */
			if (child >= 0 && o &&
			    ix->tree[child].entry_count == (long)(end - first) &&
			    git_oid_equal(&ix->tree[child].id,
					  git_tree_entry_id(o)))
				continue;
			if (o && (ret = load_tree(&ot, c->repo, o, err)) < 0)
				break;
			buf_add(&c->dir, name, len + 1);
			ret = walk_index(c, ot, ix, child, first, end, err);
			c->dir.len = plen;
			c->dir.ptr[plen] = '\0';
			git_tree_free(ot);
			continue;
		}
		if (e->stage != 0) {
			ret = ls_err_set(err, LS_EGIT, "'%s' is unmerged in the "
					 "index", e->path);
			break;
		}
		if (e->intent_to_add)
			continue;	/* `git add -N`: not committed */
		file_change(c, o, name, index_entry_id(e),
			    index_entry_mode(e));
	}
	return ret;
}
/* A file over the size limit: an error for hooks, a note for history. */
static int
too_large(struct scan_stats *st, const char *path, size_t size,
	  size_t limit, struct ls_err *err)
{
	if (st->large_fails)
		return ls_err_set(err, LS_ETOOBIG, "'%s' is %zu bytes, over the "
				  "%zu-byte limit (max_file_size in "
				  LS_POLICY_FILE "'s [policy], or git config "
				  "leakstop.maxFileSize)", path, size, limit);
	skipped(st, &st->large, path);
	return 0;
}

/*
 * The object a Git LFS pointer names, from <common dir>/lfs/objects/,
 * into out (*found 0 when it is not there: a documented fail-open, noted).
 */
static int
lfs_object(const struct delta_ctx *c, const char *path, const char *p,
	   size_t n, struct buf *out, int *found, struct ls_err *err)
{
	const char *key = "\noid sha256:";
	const char *oid = NULL;
	struct buf file = BUF_INIT;
	struct stat sb;
	int ret = 0;

	*found = 0;
	for (size_t i = 0; i + strlen(key) + 64 <= n; i++)
		if (!memcmp(p + i, key, strlen(key))) {
			oid = p + i + strlen(key);
			break;
		}
	if (oid == NULL || strspn(oid, "0123456789abcdef") < 64)
		return 0;
	buf_printf(&file, "%slfs/objects/%.2s/%.2s/%.64s",
		   git_repository_commondir(c->repo), oid, oid + 2, oid);
	if (stat(file.ptr, &sb) < 0 || !S_ISREG(sb.st_mode))
		goto out;
	if ((size_t)sb.st_size > c->max_size) {
		ret = too_large(c->st, path, (size_t)sb.st_size, c->max_size,
				err);
		goto out;
	}
	ret = read_file(out, file.ptr, err);
	*found = ret == 0;
out:
	buf_release(&file);
	return ret;
}

/*
 * One changed file: decide, load the blobs, hand them on. pre, when not
 * NULL, is the new content already read (a new file, by the prefetch
 * thread).
 */
static int
source_change(const struct delta_ctx *c, const struct change *ch,
	      const struct buf *pre, struct ls_err *err)
{
	git_repository *repo = c->repo;
	struct scan_stats *st = c->st;
	git_blob *new_blob = NULL;
	git_blob *olds[MAX_PARENTS];
	size_t nr_old = 0;
	const char *path = ch->path;
	struct buf lfs = BUF_INIT;
	enum file_kind kind;
	const char *data;
	size_t size;
	git_object_t type;
	int ret = 0;

	if (pre) {
		data = pre->ptr ? pre->ptr : "";
		size = pre->len;
		goto loaded;
	}
	/* Look at the size before loading a blob that may be 1 GB. */
	if (git_odb_read_header(&size, &type, c->odb, &ch->new_id) < 0) {
		ret = missing(err, path, &ch->new_id);
		goto out;
	}
	if (size > c->max_size) {
		ret = too_large(st, path, size, c->max_size, err);
		goto out;
	}
	if (git_blob_lookup(&new_blob, repo, &ch->new_id) < 0) {
		ret = missing(err, path, &ch->new_id);
		goto out;
	}
	data = git_blob_rawcontent(new_blob);
	size = (size_t)git_blob_rawsize(new_blob);
loaded:
	kind = lines_classify(data, size);
	if (kind == LS_FILE_LFS) {
		int found = 0;
		ret = lfs_object(c, path, data, size, &lfs, &found, err);
		if (ret < 0)
			goto out;
		if (!found) {
			skipped(st, &st->lfs, path);
			goto out;
		}
		kind = lines_classify(lfs.ptr ? lfs.ptr : "", lfs.len);
		if (kind == LS_FILE_LFS)
			kind = LS_FILE_BINARY;	/* a pointer to a pointer */
	}
	/* Bytes and LFS objects are scanned whole, never compared. */
	if (kind == LS_FILE_BINARY || lfs.ptr != NULL)
		goto scan;
	if (!git_oid_is_zero(&ch->old_id)) {
		if (git_blob_lookup(&olds[0], repo, &ch->old_id) == 0) {
			nr_old = 1;
		} else if (git_odb_exists(c->odb, &ch->old_id)) {
			ret = repo_git_error(err, "cannot read a committed "
					     "object");
			goto out;
		}
		/*
		 * Not here at all (a partial clone fetches old blobs only
		 * on demand): compare with nothing, so every line counts.
		 */
	}
	/*
	 * A merge: a line counts only if no parent had it. A parent with
	 * the same blob brought the whole file; a parent without the path
	 * restricts nothing.
	 */
	for (size_t i = 0; i < c->nr_other && nr_old < MAX_PARENTS; i++) {
		git_tree_entry *te = NULL;
		git_blob *b = NULL;

		if (git_tree_entry_bypath(&te, c->other_parents[i], path) < 0)
			continue;
		if (git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
			if (git_oid_equal(git_tree_entry_id(te), &ch->new_id)) {
				git_tree_entry_free(te);
				goto out;
			}
			if (git_blob_lookup(&b, repo, git_tree_entry_id(te)) <
			    0) {
				git_tree_entry_free(te);
				ret = repo_git_error(err, "cannot read a parent's "
						     "object");
				goto out;
			}
			olds[nr_old++] = b;
		}
		git_tree_entry_free(te);
	}
scan:;
	struct source_file f = { path, (const git_blob *const *)olds, nr_old,
				 new_blob, c->commit, kind, lfs.ptr, lfs.len };
	if (lfs.ptr && lfs.len == 0)
		f.data = "";
	if (pre && lfs.ptr == NULL) {
		f.data = data;	/* a new file: scanned whole all the same */
		f.len = size;
	}
	ret = c->cb(&f, c->payload, err);
out:
	for (size_t i = 0; i < nr_old; i++)
		git_blob_free(olds[i]);
	git_blob_free(new_blob);
	buf_release(&lfs);
	return ret;
}

/* Every blob below a deleted tree is a possible rename source. */
static int
expand_gone(struct changes *c, struct ls_err *err)
{
	for (size_t i = 0; i < c->nr_gone; i++) {
		git_tree *t = NULL;
		char *dir;

		if (!c->gone[i].is_tree)
			continue;
		if (git_tree_lookup(&t, c->repo, &c->gone[i].id) < 0)
			return repo_git_error(err, "cannot read a committed "
					      "tree");
		dir = c->gone[i].path;
		c->gone[i].path = NULL;
		c->gone[i].is_tree = -1;	/* expanded */
		buf_reset(&c->dir);
		buf_printf(&c->dir, "%s/", dir);
		free(dir);
		for (size_t j = 0; j < git_tree_entrycount(t); j++)
			add_gone(c, git_tree_entry_byindex(t, j));
		git_tree_free(t);
	}
	buf_reset(&c->dir);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Line hashes of a blob, sorted: a cheap measure of shared lines. */
struct line_set {
	uint32_t *h;
	size_t nr;
};

static void
line_set_of(struct line_set *ls, const char *p, size_t n)
{
	size_t alloc = 0;
	const char *end = p + n;

	ls->h = NULL;
	ls->nr = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		LS_GROW(ls->h, ls->nr + 1, alloc);
		ls->h[ls->nr++] = (uint32_t)hash_fnv1a(HASH_FNV_INIT, p, len);
		p += len + 1;
	}
	if (ls->nr > 1)
		qsort(ls->h, ls->nr, sizeof(*ls->h), cmp_u32);
}

/* Percentage of lines a and b share (git's rename score, roughly). */
static unsigned
line_set_score(const struct line_set *a, const struct line_set *b)
{
	size_t i = 0, j = 0, common = 0;

	if (a->nr + b->nr == 0)
		return 100;
	while (i < a->nr && j < b->nr) {
		if (a->h[i] < b->h[j])
			i++;
		else if (a->h[i] > b->h[j])
			j++;
		else {
			common++;
			i++;
			j++;
		}
	}
	return (unsigned)(200 * common / (a->nr + b->nr));
}

/* git's and libgit2's default similarity for a rename */
#define RENAME_SCORE 50
/* beyond this many (added, deleted) pairs only exact renames are found */
#define RENAME_PAIRS 100000

static int
load_lines(struct line_set *ls, git_repository *repo, const git_oid *id,
	   size_t max_size, struct ls_err *err)
{
	git_blob *b = NULL;

	ls->h = NULL;
	ls->nr = 0;
	if (git_blob_lookup(&b, repo, id) < 0)
		return repo_git_error(err, "cannot read a committed object");
	if ((size_t)git_blob_rawsize(b) <= max_size)
		line_set_of(ls, git_blob_rawcontent(b),
			    (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return 0;
}

/*
 * A file that is new under its path may be an old one moved: then only
 * its edits are added. Same content: nothing to scan; at least half its
 * lines shared with a deleted file: compared with that file.
 */
static int
pair_renames(struct changes *c, size_t max_size, struct ls_err *err)
{
	struct line_set *olds = NULL;
	size_t nr_added = 0, nr_blobs = 0;
	int ret = 0;

	for (size_t i = 0; i < c->nr; i++)
		nr_added += git_oid_is_zero(&c->v[i].old_id);
	if (nr_added == 0 || c->nr_gone == 0)
		return 0;
	ret = expand_gone(c, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < c->nr; i++) {
		struct change *ch = &c->v[i];
		if (!git_oid_is_zero(&ch->old_id))
			continue;
		for (size_t g = 0; g < c->nr_gone; g++)
			if (c->gone[g].is_tree == 0 &&
			    git_oid_equal(&c->gone[g].id, &ch->new_id)) {
				ch->pure_rename = 1;
				nr_added--;
				break;
			}
	}
	for (size_t g = 0; g < c->nr_gone; g++)
		nr_blobs += c->gone[g].is_tree == 0;
	if (nr_added == 0 || nr_blobs == 0 || nr_added * nr_blobs > RENAME_PAIRS)
		return 0;
	olds = xcalloc(c->nr_gone, sizeof(*olds));
	for (size_t g = 0; ret == 0 && g < c->nr_gone; g++)
		if (c->gone[g].is_tree == 0)
			ret = load_lines(&olds[g], c->repo, &c->gone[g].id,
					 max_size, err);
	for (size_t i = 0; ret == 0 && i < c->nr; i++) {
		struct change *ch = &c->v[i];
		struct line_set ls;
		unsigned best = 0;
		size_t best_g = 0;

		if (!git_oid_is_zero(&ch->old_id) || ch->pure_rename)
			continue;
		ret = load_lines(&ls, c->repo, &ch->new_id, max_size, err);
		for (size_t g = 0; ret == 0 && g < c->nr_gone; g++) {
			unsigned score;
			if (c->gone[g].is_tree != 0)
				continue;
			score = line_set_score(&ls, &olds[g]);
			if (score > best) {
				best = score;
				best_g = g;
			}
		}
		if (best >= RENAME_SCORE)
			ch->old_id = c->gone[best_g].id;
		free(ls.h);
	}
	for (size_t g = 0; g < c->nr_gone; g++)
		free(olds[g].h);
	free(olds);
	return ret;
}

static int
cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path,
		      ((const struct change *)b)->path);
}

/* Pair renames, then hand on each change in path order. */
/*
 * New files of a large change are read ahead by a second thread with its
 * own repository handle (inflating them is most of the work), at most
 * PREFETCH_AHEAD files and PREFETCH_BYTES ahead of the scan.
 */
#define PREFETCH_MIN 64
#define PREFETCH_THREADS 2
#define PREFETCH_AHEAD 256
#define PREFETCH_BYTES (64u << 20)

struct prefetch_slot {
	struct buf data;
	int state;		/* 0 not yet, 1 read, 2 left to the scan */
};

struct prefetch {
	const char *gitdir;
	const struct change **list;	/* the new files, in scan order */
	struct prefetch_slot *slots;
	size_t nr, consumed, bytes, max_size;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

struct prefetch_thread {
	struct prefetch *pf;
	size_t first, step;	/* this thread reads first, first + step... */
	pthread_t thread;
};

static void *
prefetch_run(void *arg)
{
	struct prefetch_thread *t = arg;
	struct prefetch *pf = t->pf;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	int ok = git_repository_open(&repo, pf->gitdir) == 0 &&
		git_repository_odb(&odb, repo) == 0;

	for (size_t i = t->first; i < pf->nr; i += t->step) {
		git_odb_object *obj = NULL;
		git_object_t type;
		size_t size;
		int state = 2;	/* anything odd is left to the scan */

		pthread_mutex_lock(&pf->mu);
		while (!pf->stop && (i >= pf->consumed + PREFETCH_AHEAD ||
				     pf->bytes > PREFETCH_BYTES))
			pthread_cond_wait(&pf->cv, &pf->mu);
		int stop = pf->stop;
		pthread_mutex_unlock(&pf->mu);
		if (stop)
			break;
		if (ok && git_odb_read_header(&size, &type, odb,
					      &pf->list[i]->new_id) == 0 &&
		    type == GIT_OBJECT_BLOB && size <= pf->max_size &&
		    git_odb_read(&obj, odb, &pf->list[i]->new_id) == 0) {
			buf_add(&pf->slots[i].data, git_odb_object_data(obj),
				git_odb_object_size(obj));
			git_odb_object_free(obj);
			state = 1;
		}
		pthread_mutex_lock(&pf->mu);
		pf->slots[i].state = state;
		pf->bytes += pf->slots[i].data.len;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
	}
	git_odb_free(odb);
	git_repository_free(repo);
	return NULL;
}

/* Wait for file i; NULL when the scan must read it itself. */
static const struct buf *
prefetch_take(struct prefetch *pf, size_t i)
{
	int state;

	pthread_mutex_lock(&pf->mu);
	while (pf->slots[i].state == 0)
		pthread_cond_wait(&pf->cv, &pf->mu);
	state = pf->slots[i].state;
	pthread_mutex_unlock(&pf->mu);
	return state == 1 ? &pf->slots[i].data : NULL;
}

/* Done with file i: wipe it and let the thread read further. */
static void
prefetch_done(struct prefetch *pf, size_t i)
{
	pthread_mutex_lock(&pf->mu);
	pf->bytes -= pf->slots[i].data.len;
	buf_release(&pf->slots[i].data);
	pf->consumed = i + 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
}

static void
prefetch_stop(struct prefetch *pf, struct prefetch_thread *th, size_t nr)
{
	if (nr == 0)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	for (size_t t = 0; t < nr; t++)
		pthread_join(th[t].thread, NULL);
}

static int
changes_run(struct changes *ch, const struct delta_ctx *c, struct ls_err *err)
{
	int ret = ch->renames ? pair_renames(ch, c->max_size, err) : 0;
	struct prefetch pf;
	struct prefetch_thread th[PREFETCH_THREADS];
	size_t threaded = 0, k = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (ch->nr > 1)
		qsort(ch->v, ch->nr, sizeof(*ch->v), cmp_change);
	memset(&pf, 0, sizeof(pf));
	for (size_t i = 0; i < ch->nr; i++)
		pf.nr += !ch->v[i].pure_rename &&
			git_oid_is_zero(&ch->v[i].old_id) &&
			c->nr_other == 0;
	if (ret == 0 && pf.nr >= PREFETCH_MIN) {
		pf.gitdir = git_repository_path(c->repo);
		pf.max_size = c->max_size;
		pf.list = xcalloc(pf.nr, sizeof(*pf.list));
		pf.slots = xcalloc(pf.nr, sizeof(*pf.slots));
		for (size_t i = 0, j = 0; i < ch->nr; i++)
			if (!ch->v[i].pure_rename &&
			    git_oid_is_zero(&ch->v[i].old_id))
				pf.list[j++] = &ch->v[i];
		pthread_mutex_init(&pf.mu, NULL);
		pthread_cond_init(&pf.cv, NULL);
		/* one reader per core: loose objects share no lock */
		size_t want = cpus > 1 ? PREFETCH_THREADS : 1;
		for (size_t t = 0; t < want; t++) {
			th[t] = (struct prefetch_thread){ &pf, t, want, 0 };
			if (pthread_create(&th[t].thread, NULL, prefetch_run,
					   &th[t]) != 0)
				break;
			threaded++;
		}
		if (threaded < want) {
			/* a reader missing: read everything in the scan */
			prefetch_stop(&pf, th, threaded);
			threaded = 0;
		}
	}
	for (size_t i = 0; ret == 0 && i < ch->nr; i++) {
		const struct change *x = &ch->v[i];
		if (x->pure_rename)
			continue;
		if (threaded && k < pf.nr && pf.list[k] == x) {
			ret = source_change(c, x, prefetch_take(&pf, k), err);
			prefetch_done(&pf, k++);
		} else {
			ret = source_change(c, x, NULL, err);
		}
	}
	prefetch_stop(&pf, th, threaded);
	if (pf.slots) {
		for (size_t i = 0; i < pf.nr; i++)
			buf_release(&pf.slots[i].data);
		pthread_mutex_destroy(&pf.mu);
		pthread_cond_destroy(&pf.cv);
	}
	free(pf.slots);
	free(pf.list);
	return ret;
}

struct source_changes {
	struct changes c;
};

int
source_staged_changes(struct repo *r, struct scan_stats *st,
		      struct source_changes **out, struct ls_err *err)
{
	struct source_changes *sc = xcalloc(1, sizeof(*sc));
	const struct indexfile *ix = r->index;
	int ret;

	sc->c.repo = r->git;
	sc->c.st = st;
	sc->c.renames = 1;
	ret = walk_index(&sc->c, r->head, ix, ix->tree ? 0 : -1, 0, ix->nr, err);
	ls_trace("index compared");
	if (ret < 0) {
		source_changes_free(sc);
		sc = NULL;
	}
	*out = sc;
	return ret;
}

int
source_changes_run(struct source_changes *sc, struct repo *r,
		   size_t max_size, struct scan_stats *st, source_cb cb,
		   void *payload, struct ls_err *err)
{
	git_odb *odb = NULL;
	int ret;

	st->max_size = max_size;
	if (git_repository_odb(&odb, r->git) < 0)
		return repo_git_error(err, "cannot open the object database");
	struct delta_ctx c = { r->git, odb, max_size, st, cb, payload, NULL,
			       NULL, 0 };
	ret = changes_run(&sc->c, &c, err);
	git_odb_free(odb);
	return ret;
}

void
source_changes_free(struct source_changes *sc)
{
	if (sc == NULL)
		return;
	changes_release(&sc->c);
	free(sc);
}

int
source_staged(struct repo *r, size_t max_size, struct scan_stats *st,
	      source_cb cb, void *payload, struct ls_err *err)
{
	struct source_changes *sc = NULL;
	int ret = source_staged_changes(r, st, &sc, err);

	if (ret == 0)
		ret = source_changes_run(sc, r, max_size, st, cb, payload, err);
	source_changes_free(sc);
	return ret;
}

/* What a commit changes against its first parent (a root: everything). */
static int
commit_changes(struct changes *ch, const git_commit *commit,
	       struct ls_err *err)
{
	git_tree *tree = NULL, *parent = NULL;
	int ret = 0;

	if (git_commit_tree(&tree, commit) < 0) {
		ret = repo_git_error(err, "cannot read a commit's tree");
		goto out;
	}
	if (git_commit_parentcount(commit) > 0) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, commit, 0) < 0 ||
		    git_commit_tree(&parent, p) < 0) {
			git_commit_free(p);
			ret = repo_git_error(err, "cannot read a parent commit");
			goto out;
		}
		git_commit_free(p);
	}
	ret = walk_trees(ch, parent, tree, err);
out:
	git_tree_free(parent);
	git_tree_free(tree);
	return ret;
}

int
source_commit(struct repo *r, const git_commit *commit, size_t max_size,
	      struct scan_stats *st, source_cb cb, void *payload,
	      struct ls_err *err)
{
	struct changes ch = { r->git, st, NULL, 0, 0, NULL, 0, 0, BUF_INIT, 1 };
	git_tree *others[MAX_PARENTS];
	git_odb *odb = NULL;
	size_t nr_other = 0, nr_parents = git_commit_parentcount(commit);
	int ret;

	st->max_size = max_size;
	ret = commit_changes(&ch, commit, err);
	if (ret == 0 && git_repository_odb(&odb, r->git) < 0)
		ret = repo_git_error(err, "cannot open the object database");
	for (size_t i = 1; ret == 0 && i < nr_parents &&
	     nr_other < MAX_PARENTS - 1; i++) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, commit, (unsigned int)i) < 0 ||
		    git_commit_tree(&others[nr_other], p) < 0)
			ret = repo_git_error(err, "cannot read a parent commit");
		else
			nr_other++;
		git_commit_free(p);
	}
	struct delta_ctx c = { r->git, odb, max_size, st, cb, payload, commit,
			       others, nr_other };
	if (ret == 0)
		ret = changes_run(&ch, &c, err);
	for (size_t i = 0; i < nr_other; i++)
		git_tree_free(others[i]);
	changes_release(&ch);
	git_odb_free(odb);
	return ret;
}

/* A shallow clone's boundary looks like a missing object: say so. */
static int
walk_error(struct repo *r, struct ls_err *err)
{
	struct buf p = BUF_INIT;
	int shallow;

	buf_printf(&p, "%sshallow", git_repository_commondir(r->git));
	shallow = access(p.ptr, F_OK) == 0;
	buf_release(&p);
	if (shallow)
		return ls_err_set(err, LS_EGIT, "this is a shallow clone and "
				  "the commits to scan reach past its history; "
				  "run `git fetch --unshallow`");
	return repo_git_error(err, "cannot walk the commits");
}

/* An open-addressing set of object ids, for "each blob once". */
struct oid_set {
	git_oid *slots;
	char *used;
	size_t nr, cap;
};

static size_t
oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

static int
oid_set_has(const struct oid_set *s, const git_oid *id)
{
	if (s->cap == 0)
		return 0;
	for (size_t i = oid_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return 0;
		if (git_oid_equal(&s->slots[i], id))
			return 1;
	}
}

/* Returns 1 when id was added, 0 when it was there already. */
static int
oid_set_add(struct oid_set *s, const git_oid *id)
{
	if (2 * (s->nr + 1) > s->cap) {
		struct oid_set n = { NULL, NULL, 0, s->cap ? s->cap * 2 : 1024 };
		n.slots = xcalloc(n.cap, sizeof(*n.slots));
		n.used = xcalloc(n.cap, 1);
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				oid_set_add(&n, &s->slots[i]);
		free(s->slots);
		free(s->used);
		*s = n;
	}
	for (size_t i = oid_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i]) {
			s->used[i] = 1;
			s->slots[i] = *id;
			s->nr++;
			return 1;
		}
		if (git_oid_equal(&s->slots[i], id))
			return 0;
	}
}

/* The commits a shallow clone cut history at (.git/shallow). */
static void
shallow_load(struct repo *r, git_oid **out, size_t *nr)
{
	struct buf p = BUF_INIT, b = BUF_INIT;
	struct ls_err err = { 0, "" };
	size_t alloc = 0;

	*out = NULL;
	*nr = 0;
	buf_printf(&p, "%sshallow", git_repository_commondir(r->git));
	if (access(p.ptr, F_OK) == 0 && read_file(&b, p.ptr, &err) == 0) {
		for (const char *s = b.ptr; s && *s;) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);
			git_oid id;
			if (n == GIT_OID_HEXSZ &&
			    git_oid_fromstrn(&id, s, n) == 0) {
				LS_GROW(*out, *nr + 1, alloc);
				(*out)[(*nr)++] = id;
			}
			s += n + (nl != NULL);
		}
	}
	buf_release(&b);
	buf_release(&p);
}

struct shallow_walk {
	struct repo *r;
	const git_oid *shallow;
	size_t nr_shallow;
	struct oid_set hidden, taken;
	git_commit **list;
	size_t nr, alloc;
	struct ls_err *err;
};

static int
is_shallow(const struct shallow_walk *w, const git_oid *id)
{
	for (size_t i = 0; i < w->nr_shallow; i++)
		if (git_oid_equal(id, &w->shallow[i]))
			return 1;
	return 0;
}

/*
 * Mark tip and its ancestors hidden (hide) or taken (!hide). A shallow
 * commit has no known parents: hiding stops there; taking one fails.
 */
static int
shallow_visit(struct shallow_walk *w, const git_oid *tip, int hide)
{
	git_oid *stack = xmalloc(sizeof(*stack));
	size_t nr = 1, alloc = 1;
	int ret = 0;

	stack[0] = *tip;
	while (ret == 0 && nr > 0) {
		git_oid id = stack[--nr];
		git_commit *c = NULL;

		if (hide && !oid_set_add(&w->hidden, &id))
			continue;
		if (!hide && (oid_set_has(&w->hidden, &id) ||
			      !oid_set_add(&w->taken, &id)))
			continue;
		if (git_commit_lookup(&c, w->r->git, &id) < 0) {
			ret = repo_git_error(w->err, "cannot read a commit");
			break;
		}
		if (is_shallow(w, &id)) {
			if (!hide)
				ret = ls_err_set(w->err, LS_EGIT, "this is a "
						 "shallow clone and the commits "
						 "to scan reach its boundary "
						 "(%.12s); run `git fetch "
						 "--unshallow`",
						 git_oid_tostr_s(&id));
		} else {
			for (unsigned int i = 0; i < git_commit_parentcount(c);
			     i++) {
				LS_GROW(stack, nr + 1, alloc);
				stack[nr++] = *git_commit_parent_id(c, i);
			}
		}
		if (!hide && ret == 0) {
			LS_GROW(w->list, w->nr + 1, w->alloc);
			w->list[w->nr++] = c;
			c = NULL;
		}
		git_commit_free(c);
	}
	free(stack);
	return ret;
}

static int
hide_ref(const char *name, void *payload)
{
	struct shallow_walk *w = payload;
	git_oid id;

	if (git_reference_name_to_id(&id, w->r->git, name) < 0)
		return 0;
	return shallow_visit(w, &id, 1) < 0 ? -1 : 0;
}

static int
cmp_commit_time(const void *a, const void *b)
{
	git_time_t x = git_commit_time(*(git_commit *const *)a);
	git_time_t y = git_commit_time(*(git_commit *const *)b);

	return x < y ? -1 : x > y;
}

/*
 * libgit2 1.5 does not know shallow clones: its walk fails on the
 * boundary's missing parents even when only hiding through them. The
 * history of a shallow clone is short, so walk it by hand: boundary
 * commits have no parents when hiding, and taking one fails closed.
 */
static int
walk_shallow(struct repo *r, const struct source_range *range,
	     const git_oid *shallow, size_t nr_shallow, source_commit_cb cb,
	     void *payload, struct ls_err *err)
{
	struct shallow_walk w;
	int ret = 0;

	memset(&w, 0, sizeof(w));
	w.r = r;
	w.shallow = shallow;
	w.nr_shallow = nr_shallow;
	w.err = err;
	for (size_t i = 0; ret == 0 && i < range->nr_hide; i++)
		ret = shallow_visit(&w, &range->hide[i], 1);
	if (ret == 0 && range->hide_glob &&
	    git_reference_foreach_glob(r->git, range->hide_glob, hide_ref,
				       &w) < 0)
		ret = err->code ? err->code :
			repo_git_error(err, "cannot read the refs");
	for (size_t i = 0; ret == 0 && i < range->nr_push; i++)
		ret = shallow_visit(&w, &range->push[i], 0);
	if (ret == 0 && range->all_refs)
		ret = ls_err_set(err, LS_EGIT, "this is a shallow clone; run "
				 "`git fetch --unshallow` to scan its history");
	/* Oldest first, by commit time: topological enough for reporting. */
	if (w.nr > 1)
		qsort(w.list, w.nr, sizeof(*w.list), cmp_commit_time);
	for (size_t i = 0; ret == 0 && i < w.nr; i++)
		ret = cb(w.list[i], payload, err);
	for (size_t i = 0; i < w.nr; i++)
		git_commit_free(w.list[i]);
	free(w.list);
	free(w.hidden.slots);
	free(w.hidden.used);
	free(w.taken.slots);
	free(w.taken.used);
	return ret;
}

int
source_walk(struct repo *r, const struct source_range *range,
	    source_commit_cb cb, void *payload, struct ls_err *err)
{
	git_revwalk *walk = NULL;
	git_oid oid, *shallow = NULL;
	size_t nr_shallow;
	int ret = 0, e;

	shallow_load(r, &shallow, &nr_shallow);
	if (nr_shallow > 0) {
		ret = walk_shallow(r, range, shallow, nr_shallow, cb, payload,
				   err);
		free(shallow);
		return ret;
	}
	if (git_revwalk_new(&walk, r->git) < 0)
		return repo_git_error(err, "cannot walk the commits");
	/* Oldest first: a secret is reported with the commit adding it. */
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	for (size_t i = 0; ret == 0 && i < range->nr_push; i++)
		if (git_revwalk_push(walk, &range->push[i]) < 0)
			ret = walk_error(r, err);
	if (ret == 0 && range->all_refs &&
	    (git_revwalk_push_glob(walk, "refs/*") < 0 ||
	     (!git_repository_head_unborn(r->git) &&
	      git_revwalk_push_head(walk) < 0)))
		ret = walk_error(r, err);
	for (size_t i = 0; ret == 0 && i < range->nr_hide; i++)
		if (git_revwalk_hide(walk, &range->hide[i]) < 0)
			ret = walk_error(r, err);
	if (ret == 0 && range->hide_glob &&
	    git_revwalk_hide_glob(walk, range->hide_glob) < 0)
		ret = walk_error(r, err);
	while (ret == 0 && (e = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		/*
		 * Past this commit history is missing: what it changed is
		 * unknown, and scanning it whole would not be the same.
		 */
		for (size_t i = 0; i < nr_shallow; i++)
			if (git_oid_equal(&oid, &shallow[i]))
				ret = ls_err_set(err, LS_EGIT, "this is a shallow "
						 "clone and the commits to scan "
						 "reach its boundary (%.12s); "
						 "run `git fetch --unshallow`",
						 git_oid_tostr_s(&oid));
		if (ret < 0)
			break;
		if (git_commit_lookup(&c, r->git, &oid) < 0) {
			ret = walk_error(r, err);
			break;
		}
		ret = cb(c, payload, err);
		git_commit_free(c);
	}
	if (ret == 0 && e != GIT_ITEROVER)
		ret = walk_error(r, err);
	git_revwalk_free(walk);
	free(shallow);
	return ret;
}

struct history_ctx {
	struct repo *r;
	git_odb *odb;
	struct oid_set seen;
	const struct oid_set *clean;	/* the first pass found these clean */
	size_t max_size;
	struct scan_stats *st;
	source_cb cb;
	void *payload;
};

static int
history_commit(const git_commit *commit, void *payload, struct ls_err *err)
{
	struct history_ctx *h = payload;
	struct changes ch = { h->r->git, h->st, NULL, 0, 0, NULL, 0, 0,
			      BUF_INIT, 0 };
	int ret;

	ret = commit_changes(&ch, commit, err);
	struct delta_ctx c = { h->r->git, h->odb, h->max_size, h->st, h->cb,
			       h->payload, commit, NULL, 0 };
	for (size_t i = 0; ret == 0 && i < ch.nr; i++) {
		struct change *x = &ch.v[i];
		if (!oid_set_add(&h->seen, &x->new_id))
			continue;
		if (h->clean && oid_set_has(h->clean, &x->new_id))
			continue;	/* the first pass found it clean */
		/* First sight of this blob: all of it is new. */
		memset(&x->old_id, 0, sizeof(x->old_id));
		ret = source_change(&c, x, NULL, err);
	}
	changes_release(&ch);
	return ret;
}

/* The first pass: every blob once, in worker threads. */
struct blob_pass {
	const char *gitdir;
	const struct pack_object *objs;	/* by pack and offset, then loose */
	size_t nr;
	struct pack **packs;	/* read directly; each worker has its copy */
	struct pack_plan *plans;	/* one per pack */
	size_t *first;		/* each pack's first object in objs */
	size_t nr_packs;
	struct blob_task *tasks;
	size_t nr_tasks;
	size_t nr_checks;	/* the first tasks: CRC checks */
	struct blob_shared *shared;
	size_t max_size;
	source_blob_cb pre;
};

/* What the workers share: memory mapped before they fork, atomic. */
struct blob_shared {
	size_t next;		/* the next task to take */
	size_t checked;		/* CRC checks done */
	int failed;		/* a worker stopped on an error */
};

/*
 * A task of a pack's plan, a run of a pack's entries to check, or one
 * object for libgit2 (pack SOURCE_NO_PACK).
 */
struct blob_task {
	uint32_t pack;
	uint32_t index;		/* the plan's task, the run's first entry, or
				   the object in objs */
	uint32_t size;		/* blobs to read, or entries to check */
	int check;
};

struct blob_worker {
	struct blob_pass *pass;
	void *payload;
	pid_t pid;		/* a child process, or 0: this process */
	int fd;			/* the child's results */
	git_oid *clean;
	size_t nr_clean, alloc;
	size_t nr_flagged;
	size_t nr_libgit2;	/* objects the pack reader left to libgit2 */
	struct ls_err err;
	int ret;
};

/* not in a pack this reads directly */
#define SOURCE_NO_PACK UINT32_MAX

/*
 * Blobs in one task at most, about: a task is a whole blob and the deltas
 * on it, and a bigger tree of deltas is cut, each cut costing a chain
 * (50 entries at most, by git's default depth) read once more.
 */
#define TASK_BLOBS 256

static void
flag(struct blob_worker *w, const git_oid *id)
{
	(void)id;
	w->nr_flagged++;
}

static void
clean(struct blob_worker *w, const git_oid *id)
{
	LS_GROW(w->clean, w->nr_clean + 1, w->alloc);
	w->clean[w->nr_clean++] = *id;
}

/* Classify and pre-scan one blob's content. */
static int
check_blob(struct blob_worker *w, const git_oid *id, const char *data,
	   size_t size)
{
	enum file_kind kind = lines_classify(data, size);
	int r;

	if (kind == LS_FILE_LFS) {
		flag(w, id);	/* its object needs the walk */
		return 0;
	}
	r = w->pass->pre(data, size, kind, w->payload, &w->err);
	if (r < 0)
		return r;
	if (r > 0)
		flag(w, id);
	else
		clean(w, id);
	return 0;
}

/* Read one object through libgit2: loose, or refused by the pack reader. */
static int
read_libgit2(struct blob_worker *w, git_odb **odb, git_repository **repo,
	     const git_oid *id)
{
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size;
	int ret;

	w->nr_libgit2++;
	if (*odb == NULL && (git_repository_open(repo, w->pass->gitdir) < 0 ||
			     git_repository_odb(odb, *repo) < 0))
		return repo_git_error(&w->err, "cannot open the repository");
	if (git_odb_read_header(&size, &type, *odb, id) < 0)
		return missing(&w->err, "an object", id);
	if (type != GIT_OBJECT_BLOB)
		return 0;
	if (size > w->pass->max_size) {
		flag(w, id);	/* counted, with its path */
		return 0;
	}
	if (git_odb_read(&obj, *odb, id) < 0)
		return missing(&w->err, "an object", id);
	ret = check_blob(w, id, git_odb_object_data(obj),
			 git_odb_object_size(obj));
	git_odb_object_free(obj);
	return ret;
}

struct packed_ctx {
	struct blob_worker *w;
	const struct pack_object *objs;	/* the pack's */
	git_odb **odb;
	git_repository **repo;
};

static int
on_packed_blob(size_t index, int result, const unsigned char *data,
	       size_t size, void *payload)
{
	struct packed_ctx *c = payload;
	const git_oid *id = &c->objs[index].id;

	if (result == 0)
		return check_blob(c->w, id, (const char *)data, size);
	if (result == PACK_TOO_BIG) {
		flag(c->w, id);		/* counted, with its path */
		return 0;
	}
	return read_libgit2(c->w, c->odb, c->repo, id);
}

/* Check the CRC of a run of a pack's entries. */
static int
check_run(struct blob_worker *w, const struct blob_task *t)
{
	const struct blob_pass *p = w->pass;
	const struct pack_object *objs = p->objs + p->first[t->pack];
	uint32_t bad = pack_check(p->packs[t->pack], objs, p->plans[t->pack].nr,
				  t->index, (size_t)t->index + t->size);

	if (bad == PACK_NONE)
		return 0;
	return ls_err_set(&w->err, LS_EGIT,
			  "'%s': the entry of object %s is damaged (its CRC "
			  "differs from the index's); run `git fsck`",
			  pack_path(p->packs[t->pack]),
			  git_oid_tostr_s(&objs[bad].id));
}

/* Make every worker stop at its next task. */
static void
stop_workers(const struct blob_pass *p)
{
	__atomic_store_n(&p->shared->failed, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&p->shared->next, p->nr_tasks, __ATOMIC_RELAXED);
}

/* Wait for every CRC check to be done: 1 when all passed. */
static int
checks_passed(const struct blob_pass *p)
{
	struct blob_shared *sh = p->shared;

	while (__atomic_load_n(&sh->checked, __ATOMIC_ACQUIRE) < p->nr_checks &&
	       !__atomic_load_n(&sh->failed, __ATOMIC_RELAXED))
		sched_yield();
	return !__atomic_load_n(&sh->failed, __ATOMIC_RELAXED);
}

/*
 * Take tasks until none are left. Blobs are read only once every entry
 * has passed its CRC check: a damaged pack is then reported as such, not
 * as whatever reading one of its blobs ran into first.
 */
static void
blob_worker_run(struct blob_worker *w)
{
	struct blob_pass *p = w->pass;
	struct blob_shared *sh = p->shared;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	int ret = 0;

	for (;;) {
		size_t k = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
		const struct blob_task *t;
		if (k >= p->nr_tasks)
			break;
		t = &p->tasks[k];
		if (t->check) {
			ret = check_run(w, t);
			/* failed is seen by whoever sees this check done */
			if (ret < 0)
				__atomic_store_n(&sh->failed, 1,
						 __ATOMIC_RELAXED);
			__atomic_fetch_add(&sh->checked, 1, __ATOMIC_RELEASE);
		} else if (!checks_passed(p)) {
			break;	/* another worker stopped on an error */
		} else if (t->pack == SOURCE_NO_PACK) {
			ret = read_libgit2(w, &odb, &repo, &p->objs[t->index].id);
		} else {
			struct packed_ctx c = { w, p->objs + p->first[t->pack],
						&odb, &repo };
			ret = pack_read_task(p->packs[t->pack], c.objs,
					     &p->plans[t->pack], t->index,
					     p->max_size, on_packed_blob, &c);
		}
		if (ret < 0) {
			stop_workers(p);
			break;
		}
	}
	git_odb_free(odb);
	git_repository_free(repo);
	w->ret = ret;
}

/* What a child reports: its result, then its clean ids. */
struct blob_report {
	int ret;
	size_t nr_flagged, nr_clean, nr_libgit2;
	struct ls_err err;
};

/* All of len bytes through fd, or -1: a pipe to or from a worker. */
static int
pipe_io(int fd, void *data, size_t len, int writing)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Workers are processes, not threads: libgit2 1.5 shares one pack
 * object between repository handles and locks it on every read, so two
 * threads ran at the speed of one. A child works on copies of everything
 * (its engine too), takes chunks from a counter in shared memory and
 * sends back its clean ids through a pipe.
 */
static int
blob_worker_start(struct blob_worker *w, struct ls_err *err)
{
	int fds[2];

	if (pipe(fds) < 0)
		return ls_err_set(err, LS_EIO, "cannot make a pipe: %s",
				  strerror(errno));
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ls_err_set(err, LS_EIO, "cannot start a worker: %s",
				  strerror(errno));
	}
	if (w->pid == 0) {
		struct blob_report rep;
		close(fds[0]);
		blob_worker_run(w);
		memset(&rep, 0, sizeof(rep));
		rep.ret = w->ret;
		rep.nr_flagged = w->nr_flagged;
		rep.nr_clean = w->nr_clean;
		rep.nr_libgit2 = w->nr_libgit2;
		rep.err = w->err;
		_exit(pipe_io(fds[1], &rep, sizeof(rep), 1) < 0 ||
		      pipe_io(fds[1], w->clean,
			      w->nr_clean * sizeof(*w->clean), 1) < 0);
	}
	close(fds[1]);
	w->fd = fds[0];
	return 0;
}

static int
blob_worker_finish(struct blob_worker *w, struct ls_err *err)
{
	struct blob_report rep;
	int status = 0, ret = 0;

	if (pipe_io(w->fd, &rep, sizeof(rep), 0) < 0) {
		ret = ls_err_set(err, LS_EIO, "a worker stopped early");
	} else {
		w->ret = rep.ret;
		w->err = rep.err;
		w->nr_flagged = rep.nr_flagged;
		w->nr_clean = rep.nr_clean;
		w->nr_libgit2 = rep.nr_libgit2;
		w->clean = xcalloc(rep.nr_clean ? rep.nr_clean : 1,
				   sizeof(*w->clean));
		if (pipe_io(w->fd, w->clean,
			    rep.nr_clean * sizeof(*w->clean), 0) < 0)
			ret = ls_err_set(err, LS_EIO, "a worker stopped early");
	}
	close(w->fd);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		ret = ls_err_set(err, LS_EIO, "a worker failed");
	return ret;
}

struct listing {
	struct pack_object *v;
	size_t nr, alloc;
	struct oid_set seen;	/* with dedup: the ids listed */
	int dedup;
};

static int
list_loose(const git_oid *id, void *payload)
{
	struct listing *l = payload;

	if (l->dedup && !oid_set_add(&l->seen, id))
		return 0;
	pack_objects_grow(&l->v, l->nr + 1, &l->alloc);
	l->v[l->nr].id = *id;
	l->v[l->nr].off = 0;
	l->v[l->nr].crc = 0;
	l->v[l->nr].pack = SOURCE_NO_PACK;
	l->nr++;
	return 0;
}

/*
 * Every object of the repository: those of its packs in pack order, read
 * from their .idx files, then loose ones, listed by libgit2's loose
 * backend. Each pack that can be read directly is opened into packs[];
 * with one that cannot, or with alternates, the rest of the list comes
 * from git_odb_foreach, as libgit2 sees it.
 */
static int
list_objects(struct repo *r, git_odb *odb, struct pack_object **out,
	     size_t *nr_out, size_t *alloc_out, struct pack ***packs,
	     size_t *nr_packs, struct ls_err *err)
{
	struct listing l = { NULL, 0, 0, { NULL, NULL, 0, 0 }, 0 };
	struct buf dir = BUF_INIT, path = BUF_INIT;
	const char *common = git_repository_commondir(r->git);
	git_odb_backend *loose = NULL;
	size_t alloc = 0;
	int whole = 1, ret = 0;
	struct stat st;
	DIR *d;

	*packs = NULL;
	*nr_packs = 0;
	buf_printf(&dir, "%sobjects/pack", common);
	if ((d = opendir(dir.ptr)) != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);
			struct pack *pk;
			struct ls_err perr = { 0, "" };
			if (len < 5 || strcmp(de->d_name + len - 4, ".idx"))
				continue;
			buf_reset(&path);
			buf_printf(&path, "%s/%s", dir.ptr, de->d_name);
			if (pack_open_indexed(&pk, path.ptr, (uint32_t)*nr_packs,
					      &l.v, &l.nr, &l.alloc,
					      &perr) < 0) {
				whole = 0;	/* libgit2 lists its objects */
				continue;
			}
			LS_GROW(*packs, *nr_packs + 1, alloc);
			(*packs)[(*nr_packs)++] = pk;
		}
		closedir(d);
	}
	buf_reset(&path);
	buf_printf(&path, "%sobjects/info/alternates", common);
	if (lstat(path.ptr, &st) == 0)
		whole = 0;
	/*
	 * git_odb_foreach lists the objects of the packs read here again:
	 * those are left out. Every entry of a pack stays (the plan needs
	 * each entry's end), so an object in two packs, or packed and loose,
	 * is read twice: cheaper than a set of every id.
	 */
	l.dedup = !whole;
	for (size_t i = 0; l.dedup && i < l.nr; i++)
		oid_set_add(&l.seen, &l.v[i].id);
	if (whole) {
		buf_reset(&path);
		buf_printf(&path, "%sobjects", common);
		if (git_odb_backend_loose(&loose, path.ptr, -1, 0, 0, 0) < 0 ||
		    loose->foreach(loose, list_loose, &l) < 0)
			ret = repo_git_error(err, "cannot list the objects");
		if (loose)
			loose->free(loose);
	} else if (git_odb_foreach(odb, list_loose, &l) < 0) {
		ret = repo_git_error(err, "cannot list the objects");
	}
	*out = l.v;
	*nr_out = l.nr;
	*alloc_out = l.alloc;
	free(l.seen.slots);
	free(l.seen.used);
	buf_release(&path);
	buf_release(&dir);
	return ret;
}

static int
cmp_task(const void *a, const void *b)
{
	const struct blob_task *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->pack != y->pack)
		return x->pack < y->pack ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* entries whose CRC one task checks: about 1 MB of pack */
#define CHECK_RUN 8192

static void
add_task(struct blob_pass *p, size_t *alloc, uint32_t pack, size_t index,
	 uint32_t size, int check)
{
	LS_GROW(p->tasks, p->nr_tasks + 1, *alloc);
	p->tasks[p->nr_tasks].pack = pack;
	p->tasks[p->nr_tasks].index = (uint32_t)index;
	p->tasks[p->nr_tasks].size = size;
	p->tasks[p->nr_tasks++].check = check;
}

/*
 * Plan each pack, then list the tasks: the CRC checks, those of the
 * packs, largest first, then each object left to libgit2.
 */
static void
plan_tasks(struct blob_pass *p)
{
	size_t i = 0, alloc = 0;

	p->plans = xcalloc(p->nr_packs ? p->nr_packs : 1, sizeof(*p->plans));
	p->first = xcalloc(p->nr_packs ? p->nr_packs : 1, sizeof(*p->first));
	for (size_t k = 0; k < p->nr_packs; k++) {
		p->first[k] = i;
		while (i < p->nr && p->objs[i].pack == k)
			i++;
		pack_plan_build(&p->plans[k], p->packs[k],
				p->objs + p->first[k], i - p->first[k],
				TASK_BLOBS);
	}
	/*
	 * Every entry's CRC is checked, in runs the workers share: a damaged
	 * entry fails the pass, since its type or size may hide a blob.
	 */
	for (size_t k = 0; k < p->nr_packs; k++)
		for (size_t at = 0; at < p->plans[k].nr; at += CHECK_RUN) {
			size_t left = p->plans[k].nr - at;
			add_task(p, &alloc, (uint32_t)k, at,
				 (uint32_t)(left < CHECK_RUN ? left : CHECK_RUN),
				 1);
		}
	p->nr_checks = p->nr_tasks;
	for (size_t k = 0; k < p->nr_packs; k++)
		for (size_t t = 0; t < p->plans[k].nr_tasks; t++)
			add_task(p, &alloc, (uint32_t)k, t,
				 p->plans[k].task_size[t], 0);
	if (p->nr_tasks - p->nr_checks > 1)
		qsort(p->tasks + p->nr_checks, p->nr_tasks - p->nr_checks,
		      sizeof(*p->tasks), cmp_task);
	for (size_t j = 0; j < p->nr; j++) {
		const struct pack_object *o = &p->objs[j];
		if (o->pack == SOURCE_NO_PACK ||
		    p->plans[o->pack].kind[j - p->first[o->pack]] == PACK_LIBGIT2)
			add_task(p, &alloc, SOURCE_NO_PACK, j, 1, 0);
	}
}

static int
blob_pass_run(struct repo *r, size_t max_size, source_blob_cb pre,
	      void **payloads, size_t nr_workers, struct oid_set *clean_set,
	      size_t *nr_flagged, struct ls_err *err)
{
	struct blob_worker w[SOURCE_MAX_WORKERS];
	struct blob_pass p = { git_repository_path(r->git), NULL, 0, NULL,
			       NULL, NULL, 0, NULL, 0, 0, NULL, max_size, pre };
	struct pack_object *objs = NULL;
	size_t started = 0, nr_libgit2 = 0, objs_alloc = 0;
	git_odb *odb = NULL;
	int ret = 0;

	if (nr_workers < 1 || nr_workers > SOURCE_MAX_WORKERS)
		nr_workers = 1;
	if (git_repository_odb(&odb, r->git) < 0)
		return repo_git_error(err, "cannot open the object database");
	ret = list_objects(r, odb, &objs, &p.nr, &objs_alloc, &p.packs,
			   &p.nr_packs, err);
	p.objs = objs;
	ls_trace("history: objects listed");
	if (ret < 0)
		goto out;
	if (p.nr >= UINT32_MAX) {
		ret = ls_err_set(err, LS_EGIT, "too many objects to scan");
		goto out;
	}
	plan_tasks(&p);
	ls_trace("history: packs planned");
	p.shared = mmap(NULL, sizeof(*p.shared), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p.shared == MAP_FAILED) {
		p.shared = NULL;
		ret = ls_err_set(err, LS_EIO, "cannot map memory: %s",
				 strerror(errno));
		goto out;
	}
	memset(p.shared, 0, sizeof(*p.shared));
	memset(w, 0, sizeof(w));
	for (size_t i = 0; i < nr_workers; i++) {
		w[i].pass = &p;
		w[i].payload = payloads[i];
	}
	for (size_t i = 1; i < nr_workers; i++) {
		if (blob_worker_start(&w[i], err) < 0) {
			ret = err->code;
			stop_workers(&p);
			break;
		}
		started++;
	}
	blob_worker_run(&w[0]);	/* this process is worker 0 */
	for (size_t i = 0; i < started + 1; i++) {
		if (i > 0 && blob_worker_finish(&w[i], err) < 0 && ret == 0)
			ret = err->code;
		if (w[i].ret < 0 && ret == 0)
			ret = ls_err_set(err, w[i].ret, "%s", w[i].err.msg);
		for (size_t j = 0; j < w[i].nr_clean; j++)
			oid_set_add(clean_set, &w[i].clean[j]);
		*nr_flagged += w[i].nr_flagged;
		nr_libgit2 += w[i].nr_libgit2;
		free(w[i].clean);
	}
	if (getenv("LEAKSTOP_TRACE")) {
		char what[96];
		snprintf(what, sizeof(what), "history: %zu of %zu objects "
			 "read by libgit2", nr_libgit2, p.nr);
		ls_trace(what);
	}
out:
	if (p.shared)
		munmap(p.shared, sizeof(*p.shared));
	for (size_t i = 0; i < p.nr_packs; i++) {
		if (p.plans)
			pack_plan_release(&p.plans[i]);
		pack_free(p.packs[i]);
	}
	free(p.plans);
	free(p.first);
	free(p.tasks);
	free(p.packs);
	pack_objects_free(objs, objs_alloc);
	git_odb_free(odb);
	return ret;
}

int
source_history(struct repo *r, size_t max_size, struct scan_stats *st,
	       source_blob_cb pre, void **pre_payloads, size_t nr_workers,
	       source_cb cb, void *payload, struct ls_err *err)
{
	struct history_ctx h = { r, NULL, { NULL, NULL, 0, 0 }, NULL, max_size,
				 st, cb, payload };
	struct source_range range = { NULL, 0, NULL, 0, NULL, 1 };
	struct oid_set clean_set = { NULL, NULL, 0, 0 };
	size_t nr_flagged = 0;
	int ret = 0;

	st->max_size = max_size;
	if (pre) {
		ret = blob_pass_run(r, max_size, pre, pre_payloads, nr_workers,
				    &clean_set, &nr_flagged, err);
		ls_trace("history: blob pass");
		h.clean = &clean_set;
		/*
		 * Every object was listed (alternates too), so with nothing
		 * flagged no commit can add anything: skip the walk.
		 */
		if (ret < 0 || nr_flagged == 0)
			goto out;
	}
	if (git_repository_odb(&h.odb, r->git) < 0) {
		ret = repo_git_error(err, "cannot open the object database");
		goto out;
	}
	ret = source_walk(r, &range, history_commit, &h, err);
	ls_trace("history: walk");
out:
	free(clean_set.slots);
	free(clean_set.used);
	free(h.seen.slots);
	free(h.seen.used);
	git_odb_free(h.odb);
	return ret;
}

struct tree_ctx {
	struct delta_ctx c;
	struct ls_err *err;
	int ret;
	const char *prefix;	/* put before every path */
};

static int
tree_entry_cb(const char *root, const git_tree_entry *te, void *payload)
{
	struct tree_ctx *t = payload;
	struct change ch;
	struct buf path = BUF_INIT;

	if (git_tree_entry_filemode(te) == GIT_FILEMODE_COMMIT)
		skipped(t->c.st, &t->c.st->submodules, root);
	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB)
		return 0;
	memset(&ch, 0, sizeof(ch));
	buf_printf(&path, "%s%s%s", t->prefix, root, git_tree_entry_name(te));
	ch.path = path.ptr;
	ch.new_id = *git_tree_entry_id(te);
	ch.new_mode = git_tree_entry_filemode(te);
	if (!strcmp(ch.path, LS_POLICY_FILE))
		t->c.st->policy_changed = 1;
	t->ret = source_change(&t->c, &ch, NULL, t->err);
	buf_release(&path);
	return t->ret < 0 ? -1 : 0;
}

int
source_tree(struct repo *r, const git_tree *tree, const char *prefix,
	    size_t max_size, struct scan_stats *st, source_cb cb,
	    void *payload, struct ls_err *err)
{
	git_odb *odb = NULL;
	int ret = 0;

	st->max_size = max_size;
	if (git_repository_odb(&odb, r->git) < 0)
		return repo_git_error(err, "cannot open the object database");
	struct tree_ctx t = { { r->git, odb, max_size, st, cb, payload, NULL,
				NULL, 0 }, err, 0, prefix };
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, tree_entry_cb, &t) < 0)
		ret = t.ret < 0 ? t.ret : repo_git_error(err, "cannot walk a "
							  "tree");
	git_odb_free(odb);
	return ret;
}

int
source_head_tree(struct repo *r, size_t max_size, struct scan_stats *st,
		 source_cb cb, void *payload, struct ls_err *err)
{
	git_object *tree = NULL;
	int unborn = git_repository_head_unborn(r->git);
	int ret;

	st->max_size = max_size;
	if (unborn == 1)
		return 0;
	if (unborn < 0 || git_revparse_single(&tree, r->git, "HEAD^{tree}") < 0)
		return repo_git_error(err, "cannot read HEAD's tree");
	ret = source_tree(r, (git_tree *)tree, "", max_size, st, cb, payload,
			  err);
	git_object_free(tree);
	return ret;
}
