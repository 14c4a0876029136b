/*
 * source.c - deltas of the staged change
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lines.h"

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

/* What a delta is compared with beyond its own old side. */
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

/* One delta: decide, load the blobs, hand them on. */
static int
source_delta(const struct delta_ctx *c, const git_diff_delta *d,
	     struct ls_err *err)
{
	git_repository *repo = c->repo;
	struct scan_stats *st = c->st;
	git_blob *old_blob = NULL, *new_blob = NULL;
	git_blob *olds[MAX_PARENTS];
	size_t nr_old = 0;
	const char *path = d->new_file.path;
	size_t size;
	git_object_t type;
	int ret = 0;

	switch (d->status) {
	case GIT_DELTA_ADDED:
	case GIT_DELTA_MODIFIED:
	case GIT_DELTA_RENAMED:
	case GIT_DELTA_COPIED:
	case GIT_DELTA_TYPECHANGE:
		break;
	case GIT_DELTA_DELETED:
	case GIT_DELTA_UNMODIFIED:
	case GIT_DELTA_IGNORED:
	case GIT_DELTA_UNTRACKED:
		return 0;
	default:
		return ls_err_set(err, LS_EGIT, "'%s' is %s in the index",
				  path, d->status == GIT_DELTA_CONFLICTED ?
				  "unmerged" : "unreadable");
	}
	if (!strcmp(path, LS_POLICY_FILE))
		st->policy_changed = 1;
	if (d->new_file.mode == GIT_FILEMODE_COMMIT) {
		skipped(st, &st->submodules, path);
		return 0;
	}
	if (d->old_file.mode != GIT_FILEMODE_COMMIT &&
	    d->status != GIT_DELTA_ADDED &&
	    git_oid_equal(&d->old_file.id, &d->new_file.id))
		return 0;	/* mode change or pure rename: adds nothing */

	/* Look at the size before loading a blob that may be 1 GB. */
	if (git_odb_read_header(&size, &type, c->odb, &d->new_file.id) < 0) {
		ret = missing(err, path, &d->new_file.id);
		goto out;
	}
	if (size > c->max_size) {
		skipped(st, &st->large, path);
		goto out;
	}
	if (git_blob_lookup(&new_blob, repo, &d->new_file.id) < 0) {
		ret = missing(err, path, &d->new_file.id);
		goto out;
	}
	switch (lines_classify(git_blob_rawcontent(new_blob),
			       (size_t)git_blob_rawsize(new_blob))) {
	case LS_FILE_BINARY:
		skipped(st, &st->binary, path);
		goto out;
	case LS_FILE_LFS:
		skipped(st, &st->lfs, path);
		goto out;
	case LS_FILE_TEXT:
		break;
	}
	if (d->status != GIT_DELTA_ADDED &&
	    d->old_file.mode != GIT_FILEMODE_COMMIT &&
	    !git_oid_is_zero(&d->old_file.id) &&
	    git_blob_lookup(&old_blob, repo, &d->old_file.id) < 0) {
		ret = repo_git_error(err, "cannot read a committed object");
		goto out;
	}
	if (old_blob)
		olds[nr_old++] = old_blob;
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
			if (git_oid_equal(git_tree_entry_id(te),
					  &d->new_file.id)) {
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
	struct source_file f = { path, (const git_blob *const *)olds, nr_old,
				 new_blob, c->commit };
	ret = c->cb(&f, c->payload, err);
out:
	for (size_t i = old_blob ? 1 : 0; i < nr_old; i++)
		git_blob_free(olds[i]);
	git_blob_free(old_blob);
	git_blob_free(new_blob);
	return ret;
}

int
source_staged(struct repo *r, size_t max_size, struct scan_stats *st,
	      source_cb cb, void *payload, struct ls_err *err)
{
	git_diff_options opts;
	git_diff_find_options fopts;
	git_diff *diff = NULL;
	git_odb *odb = NULL;
	int ret = 0;

	st->max_size = max_size;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	/*
	 * Binary or not is decided on content later, never by attributes;
	 * skipping the check here saves loading every blob twice.
	 */
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_INCLUDE_TYPECHANGE;
	opts.context_lines = 0;
	if (git_repository_odb(&odb, r->git) < 0) {
		ret = repo_git_error(err, "cannot open the object database");
		goto out;
	}
	if (git_diff_tree_to_index(&diff, r->git, r->head, r->index,
				   &opts) < 0) {
		ret = repo_git_error(err, "cannot diff the index against "
				     "HEAD");
		goto out;
	}
	/* A renamed file adds only its edits, not all its lines. */
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(diff, &fopts) < 0) {
		ret = repo_git_error(err, "cannot detect renames");
		goto out;
	}
	struct delta_ctx c = { r->git, odb, max_size, st, cb, payload, NULL,
			       NULL, 0 };
	for (size_t i = 0; i < git_diff_num_deltas(diff) && ret == 0; i++)
		ret = source_delta(&c, git_diff_get_delta(diff, i), err);
out:
	git_diff_free(diff);
	git_odb_free(odb);
	return ret;
}

static int
commit_diff(git_diff **out, git_repository *repo, const git_commit *commit,
	    git_tree **first_parent, struct ls_err *err)
{
	git_diff_options opts;
	git_diff_find_options fopts;
	git_tree *tree = NULL;
	int ret = 0;

	*out = NULL;
	*first_parent = NULL;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_INCLUDE_TYPECHANGE;
	opts.context_lines = 0;
	if (git_commit_tree(&tree, commit) < 0) {
		ret = repo_git_error(err, "cannot read a commit's tree");
		goto out;
	}
	if (git_commit_parentcount(commit) > 0) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, commit, 0) < 0 ||
		    git_commit_tree(first_parent, p) < 0) {
			git_commit_free(p);
			ret = repo_git_error(err, "cannot read a parent commit");
			goto out;
		}
		git_commit_free(p);
	}
	if (git_diff_tree_to_tree(out, repo, *first_parent, tree, &opts) < 0) {
		ret = repo_git_error(err, "cannot diff a commit");
		goto out;
	}
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(*out, &fopts) < 0)
		ret = repo_git_error(err, "cannot detect renames");
out:
	git_tree_free(tree);
	return ret;
}

int
source_commit(struct repo *r, const git_commit *commit, size_t max_size,
	      struct scan_stats *st, source_cb cb, void *payload,
	      struct ls_err *err)
{
	git_tree *others[MAX_PARENTS];
	git_tree *first = NULL;
	git_diff *diff = NULL;
	git_odb *odb = NULL;
	size_t nr_other = 0, nr_parents = git_commit_parentcount(commit);
	int ret;

	st->max_size = max_size;
	ret = commit_diff(&diff, r->git, commit, &first, err);
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
	for (size_t i = 0; ret == 0 && i < git_diff_num_deltas(diff); i++)
		ret = source_delta(&c, git_diff_get_delta(diff, i), err);
	for (size_t i = 0; i < nr_other; i++)
		git_tree_free(others[i]);
	git_tree_free(first);
	git_diff_free(diff);
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
	size_t max_size;
	struct scan_stats *st;
	source_cb cb;
	void *payload;
};

static int
history_commit(const git_commit *commit, void *payload, struct ls_err *err)
{
	struct history_ctx *h = payload;
	git_tree *first = NULL;
	git_diff *diff = NULL;
	int ret;

	ret = commit_diff(&diff, h->r->git, commit, &first, err);
	struct delta_ctx c = { h->r->git, h->odb, h->max_size, h->st, h->cb,
			       h->payload, commit, NULL, 0 };
	for (size_t i = 0; ret == 0 && i < git_diff_num_deltas(diff); i++) {
		git_diff_delta d = *git_diff_get_delta(diff, i);
		if (d.status == GIT_DELTA_DELETED ||
		    d.new_file.mode == GIT_FILEMODE_COMMIT ||
		    !oid_set_add(&h->seen, &d.new_file.id))
			continue;
		/* First sight of this blob: all of it is new. */
		d.status = GIT_DELTA_ADDED;
		ret = source_delta(&c, &d, err);
	}
	git_tree_free(first);
	git_diff_free(diff);
	return ret;
}

int
source_history(struct repo *r, size_t max_size, struct scan_stats *st,
	       source_cb cb, void *payload, struct ls_err *err)
{
	struct history_ctx h = { r, NULL, { NULL, NULL, 0, 0 }, max_size, st,
				 cb, payload };
	struct source_range range = { NULL, 0, NULL, 0, NULL, 1 };
	int ret;

	st->max_size = max_size;
	if (git_repository_odb(&h.odb, r->git) < 0)
		return repo_git_error(err, "cannot open the object database");
	ret = source_walk(r, &range, history_commit, &h, err);
	free(h.seen.slots);
	free(h.seen.used);
	git_odb_free(h.odb);
	return ret;
}

struct tree_ctx {
	struct delta_ctx c;
	struct ls_err *err;
	int ret;
};

static int
tree_entry_cb(const char *root, const git_tree_entry *te, void *payload)
{
	struct tree_ctx *t = payload;
	git_diff_delta d;
	struct buf path = BUF_INIT;

	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB &&
	    git_tree_entry_filemode(te) != GIT_FILEMODE_COMMIT)
		return 0;
	memset(&d, 0, sizeof(d));
	buf_printf(&path, "%s%s", root, git_tree_entry_name(te));
	d.status = GIT_DELTA_ADDED;
	d.new_file.id = *git_tree_entry_id(te);
	d.new_file.mode = git_tree_entry_filemode(te);
	d.new_file.path = path.ptr;
	t->ret = source_delta(&t->c, &d, t->err);
	buf_release(&path);
	return t->ret < 0 ? -1 : 0;
}

int
source_head_tree(struct repo *r, size_t max_size, struct scan_stats *st,
		 source_cb cb, void *payload, struct ls_err *err)
{
	git_object *tree = NULL;
	git_odb *odb = NULL;
	int unborn = git_repository_head_unborn(r->git);
	int ret = 0;

	st->max_size = max_size;
	if (unborn == 1)
		return 0;
	if (unborn < 0 || git_revparse_single(&tree, r->git, "HEAD^{tree}") < 0)
		return repo_git_error(err, "cannot read HEAD's tree");
	if (git_repository_odb(&odb, r->git) < 0) {
		git_object_free(tree);
		return repo_git_error(err, "cannot open the object database");
	}
	struct tree_ctx t = { { r->git, odb, max_size, st, cb, payload, NULL,
				NULL, 0 }, err, 0 };
	if (git_tree_walk((git_tree *)tree, GIT_TREEWALK_PRE, tree_entry_cb,
			  &t) < 0)
		ret = t.ret < 0 ? t.ret : repo_git_error(err, "cannot walk HEAD");
	git_odb_free(odb);
	git_object_free(tree);
	return ret;
}
