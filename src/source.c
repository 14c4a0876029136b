/*
 * source.c - deltas of the staged change
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "lines.h"

static void
skipped(struct scan_stats *st, size_t *counter, const char *path)
{
	(*counter)++;
	if (st->first_skipped == NULL)
		st->first_skipped = xstrdup(path);
}

/* One delta: decide, load the blobs, hand them on. */
static int
source_delta(git_repository *repo, git_odb *odb, const git_diff_delta *d,
	     size_t max_size, struct scan_stats *st, source_cb cb,
	     void *payload, struct ls_err *err)
{
	git_blob *old_blob = NULL, *new_blob = NULL;
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
	if (d->new_file.mode == GIT_FILEMODE_COMMIT) {
		skipped(st, &st->submodules, path);
		return 0;
	}
	if (d->old_file.mode != GIT_FILEMODE_COMMIT &&
	    d->status != GIT_DELTA_ADDED &&
	    git_oid_equal(&d->old_file.id, &d->new_file.id))
		return 0;	/* mode change or pure rename: adds nothing */

	/* Look at the size before loading a blob that may be 1 GB. */
	if (git_odb_read_header(&size, &type, odb, &d->new_file.id) < 0) {
		ret = repo_git_error(err, "cannot read a staged object");
		goto out;
	}
	if (size > max_size) {
		skipped(st, &st->large, path);
		goto out;
	}
	if (git_blob_lookup(&new_blob, repo, &d->new_file.id) < 0) {
		ret = repo_git_error(err, "cannot read a staged object");
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
	struct source_file f = { path, old_blob, new_blob };
	ret = cb(&f, payload, err);
out:
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
	for (size_t i = 0; i < git_diff_num_deltas(diff) && ret == 0; i++)
		ret = source_delta(r->git, odb, git_diff_get_delta(diff, i),
				   max_size, st, cb, payload, err);
out:
	git_diff_free(diff);
	git_odb_free(odb);
	return ret;
}
