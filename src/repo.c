/*
 * repo.c - repository, index and HEAD as the hook must see them
 */
#include "repo.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/repository.h>

#include "nonet.h"

void
repo_global_init(void)
{
	/*
	 * `git sparse-checkout` sets extensions.worktreeConfig and partial
	 * clones set extensions.partialClone; libgit2 1.5 refuses to open
	 * such repositories unless told the extensions are fine to ignore
	 * for reading objects and the index.
	 */
	const char *ext[] = { "worktreeconfig", "partialclone" };

	git_libgit2_init();
	nonet_register();
	git_libgit2_opts(GIT_OPT_SET_EXTENSIONS, ext, 2);
	/*
	 * git does not hash every object it reads either; libgit2's check
	 * (SHA-1 with collision detection) was a fifth of a history scan.
	 * Damaged objects still fail: zlib and the pack's CRC catch them.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

int
repo_git_error(struct ls_err *err, const char *what)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown error";
	const char *hint = "";

	if (strstr(msg, "unsupported mandatory extension")) {
		if (strstr(msg, "'sdir'"))
			hint = " (sparse index: run `git sparse-checkout set "
			       "--no-sparse-index`)";
		else if (strstr(msg, "'link'"))
			hint = " (split index: run `git update-index "
			       "--no-split-index`)";
	}
	return ls_err_set(err, LS_EGIT, "%s: %s%s", what, msg, hint);
}

void
repo_free(struct repo *r)
{
	if (r == NULL)
		return;
	git_tree_free(r->head);
	indexfile_free(r->index);
	git_repository_free(r->git);
	free(r->leakstop_dir);
	free(r);
}

/*
 * libgit2 1.5 refuses a repository another user owns with a message
 * about a missing safe.directory value; say what git would say.
 */
static void
owner_hint(const char *gitdir, struct ls_err *err)
{
	char cwd[4096];
	struct buf path = BUF_INIT;
	struct stat st;
	size_t len;

	if (gitdir && *gitdir) {
		buf_addstr(&path, gitdir);
	} else if (getcwd(cwd, sizeof(cwd))) {
		/* the nearest directory with a .git, as discovery would */
		buf_addstr(&path, cwd);
		for (;;) {
			len = path.len;
			buf_addstr(&path, "/.git");
			if (lstat(path.ptr, &st) == 0)
				break;
			path.len = len;
			path.ptr[len] = '\0';
			char *slash = strrchr(path.ptr, '/');
			if (slash == NULL || slash == path.ptr)
				goto out;
			path.len = (size_t)(slash - path.ptr);
			*slash = '\0';
		}
		path.len = len;
		path.ptr[len] = '\0';
	}
	if (path.ptr && stat(path.ptr, &st) == 0 && st.st_uid != geteuid()) {
		struct passwd *pw = getpwuid(st.st_uid);
		ls_err_clear(err);
		ls_err_set(err, LS_EGIT, "cannot open the repository: '%s' is "
			   "owned by %s (uid %u), not by you (uid %u); if you "
			   "trust it: git config --global --add safe.directory "
			   "'%s'", path.ptr, pw ? pw->pw_name : "another user",
			   (unsigned)st.st_uid, (unsigned)geteuid(), path.ptr);
	}
out:
	buf_release(&path);
}

/*
 * leakstop reads the index itself (indexfile.c), never through libgit2.
 * libgit2 still loads the whole index when a diff looks up a file's
 * attributes (24 M instructions on 4,000 files, 150 ms on 60,000), so
 * the repository gets an empty one in memory: nothing staged is read
 * there, and attributes only steer the diff driver, which
 * GIT_DIFF_FORCE_TEXT overrides. Without it, diffs are only slower.
 */
static void
detach_index(git_repository *git)
{
	git_index *idx;

	if (git_index_new(&idx) == 0) {
		git_repository_set_index(git, idx);
		git_index_free(idx);
	}
}

int
repo_open(struct repo **out, struct ls_err *err)
{
	struct repo *r = xcalloc(1, sizeof(*r));
	const char *gitdir = getenv("GIT_DIR");
	struct buf dir = BUF_INIT;
	int ret = 0;

	*out = NULL;
	/*
	 * Not GIT_REPOSITORY_OPEN_FROM_ENV: libgit2 1.5 fails on
	 * GIT_WORK_TREE with it, and the hook reads no work tree anyway.
	 */
	if (gitdir && *gitdir) {
		if (git_repository_open_ext(&r->git, gitdir,
					    GIT_REPOSITORY_OPEN_NO_SEARCH,
					    NULL) < 0)
			ret = repo_git_error(err, "cannot open the repository");
	} else if (git_repository_open_ext(&r->git, ".", 0, NULL) < 0) {
		ret = repo_git_error(err, "cannot open the repository");
	}
	if (ret < 0) {
		owner_hint(gitdir, err);
		goto out;
	}
	detach_index(r->git);
	buf_addstr(&dir, git_repository_commondir(r->git));
	if (dir.len && dir.ptr[dir.len - 1] != '/')
		buf_addch(&dir, '/');
	buf_addstr(&dir, "leakstop");
	r->leakstop_dir = xstrdup(dir.ptr);
	*out = r;
	r = NULL;
out:
	buf_release(&dir);
	repo_free(r);
	return ret;
}

int
repo_load_staged(struct repo *r, struct ls_err *err)
{
	const char *index_file = getenv("GIT_INDEX_FILE");
	struct buf path = BUF_INIT;
	git_object *obj = NULL;
	int unborn, ret;

	/* A missing file is an empty index, as git treats it. */
	if (index_file && *index_file)
		buf_addstr(&path, index_file);
	else
		buf_printf(&path, "%sindex", git_repository_path(r->git));
	ret = indexfile_read(&r->index, path.ptr, err);
	buf_release(&path);
	if (ret < 0)
		return ret;
	unborn = git_repository_head_unborn(r->git);
	if (unborn < 0)
		return repo_git_error(err, "cannot read HEAD");
	if (unborn)
		return 0;	/* first commit: everything is added */
	if (git_revparse_single(&obj, r->git, "HEAD^{tree}") < 0)
		return repo_git_error(err, "cannot read HEAD's tree");
	r->head = (git_tree *)obj;
	return 0;
}

static char *
config_string(git_config *cfg, const char *name)
{
	git_buf b = GIT_BUF_INIT;
	char *s = NULL;

	if (cfg && git_config_get_string_buf(&b, cfg, name) == 0)
		s = xstrdup(b.ptr);
	git_buf_dispose(&b);
	return s;
}

char *
repo_user(struct repo *r)
{
	git_config *cfg = NULL;
	struct buf b = BUF_INIT;
	const char *name = getenv("GIT_AUTHOR_NAME");
	const char *email = getenv("GIT_AUTHOR_EMAIL");
	char *cname = NULL, *cemail = NULL;
	char *out;

	if (git_repository_config_snapshot(&cfg, r->git) < 0)
		cfg = NULL;
	if (!name || !*name)
		name = cname = config_string(cfg, "user.name");
	if (!email || !*email)
		email = cemail = config_string(cfg, "user.email");
	if (!name || !*name)
		name = getenv("USER");
	buf_printf(&b, "%s <%s>", name && *name ? name : "unknown",
		   email && *email ? email : "");
	out = xstrdup(b.ptr);
	buf_release(&b);
	free(cname);
	free(cemail);
	git_config_free(cfg);
	return out;
}

int
repo_hooks_dir(struct repo *r, char **out, struct ls_err *err)
{
	git_config *cfg = NULL;
	char *hp = NULL;
	struct buf b = BUF_INIT;
	const char *workdir = git_repository_workdir(r->git);

	if (git_repository_config_snapshot(&cfg, r->git) < 0)
		return repo_git_error(err, "cannot read the git config");
	{
		git_buf p = GIT_BUF_INIT;
		/* get_path expands a leading ~/ as git does. */
		if (git_config_get_path(&p, cfg, "core.hooksPath") == 0)
			hp = xstrdup(p.ptr);
		git_buf_dispose(&p);
	}
	git_config_free(cfg);
	if (hp && *hp) {
		/* git runs hooks from the top of the work tree. */
		if (hp[0] == '/' || workdir == NULL)
			buf_addstr(&b, hp);
		else
			buf_printf(&b, "%s%s", workdir, hp);
	} else {
		buf_printf(&b, "%shooks", git_repository_commondir(r->git));
	}
	free(hp);
	*out = xstrdup(b.ptr);
	buf_release(&b);
	return 0;
}

int
repo_has_remote(struct repo *r, const char *name)
{
	git_config *cfg = NULL;
	struct buf key = BUF_INIT;
	char *url;
	int has;

	if (git_repository_config_snapshot(&cfg, r->git) < 0)
		return 0;
	buf_printf(&key, "remote.%s.url", name);
	url = config_string(cfg, key.ptr);
	has = url != NULL;
	free(url);
	buf_release(&key);
	git_config_free(cfg);
	return has;
}

int
repo_head_file(struct repo *r, const char *path, struct buf *out,
	       int *found, struct ls_err *err)
{
	git_object *tree = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	int ret = 0, unborn = git_repository_head_unborn(r->git);

	*found = 0;
	if (unborn == 1)
		return 0;
	if (unborn < 0 || git_revparse_single(&tree, r->git, "HEAD^{tree}") < 0)
		return repo_git_error(err, "cannot read HEAD's tree");
	if (git_tree_entry_bypath(&te, (git_tree *)tree, path) < 0)
		goto out;	/* no such file: not an error */
	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
		ret = ls_err_set(err, LS_EPARSE, "'%s' in HEAD is not a file",
				 path);
		goto out;
	}
	if (git_blob_lookup(&blob, r->git, git_tree_entry_id(te)) < 0) {
		ret = repo_git_error(err, "cannot read the policy file");
		goto out;
	}
	buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	*found = 1;
out:
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_object_free(tree);
	return ret;
}

int
repo_config(struct repo *r, const char *name, char **out, struct ls_err *err)
{
	git_config *cfg = NULL;
	git_buf b = GIT_BUF_INIT;
	int e, ret = 0;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, r->git) < 0)
		return repo_git_error(err, "cannot read git config");
	/* Unset is fine; any other failure must not read as "unset". */
	e = git_config_get_string_buf(&b, cfg, name);
	if (e == 0) {
		*out = xstrdup(b.ptr);
	} else if (e != GIT_ENOTFOUND) {
		struct buf what = BUF_INIT;
		buf_printf(&what, "cannot read git config '%s'", name);
		ret = repo_git_error(err, what.ptr);
		buf_release(&what);
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	return ret;
}
