/*
 * repo.h - open the repository the way git told the hook to see it
 *
 * GIT_DIR (when set) names the repository, otherwise it is found from
 * the current directory; GIT_INDEX_FILE (when set, relative to the
 * current directory) names the index to read: `git commit -a` and
 * `git commit <path>` hand the hook a temporary one. The repository's
 * default index would miss those commits' content.
 */
#ifndef LS_REPO_H
#define LS_REPO_H

#include <git2.h>

#include "indexfile.h"
#include "util.h"

struct repo {
	git_repository *git;
	struct indexfile *index;	/* NULL until repo_load_staged() */
	git_tree *head;		/* NULL when HEAD is unborn */
	char *leakstop_dir;	/* <git common dir>/leakstop */
};

/* Call once before any other repo function. */
void repo_global_init(void);

/* Open from the environment. Errors: LS_EGIT with libgit2's reason. */
int repo_open(struct repo **out, struct ls_err *err);

/* Read the index git gave the hook and HEAD's tree. */
int repo_load_staged(struct repo *r, struct ls_err *err);

/* "Name <email>" of whoever commits; owned by the caller. */
char *repo_user(struct repo *r);

/*
 * Read path from HEAD's tree into out. *found is 0 (and out untouched)
 * when HEAD is unborn or has no such file. Errors: LS_EGIT.
 */
int repo_head_file(struct repo *r, const char *path, struct buf *out,
		   int *found, struct ls_err *err);

/*
 * A git config value as a string in *out (owned), or NULL when unset.
 * Errors (LS_EGIT) only when the config cannot be read, never for unset.
 */
int repo_config(struct repo *r, const char *name, char **out,
		struct ls_err *err);

/* 1 when name is a configured remote (remote.<name>.url is set). */
int repo_has_remote(struct repo *r, const char *name);

/* Where hooks go: core.hooksPath or <git common dir>/hooks. Owned. */
int repo_hooks_dir(struct repo *r, char **out, struct ls_err *err);

void repo_free(struct repo *r);

/* Fill err from git_error_last() with a prefix. */
int repo_git_error(struct ls_err *err, const char *what);

#endif
