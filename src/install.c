/*
 * install.c - hook shims in and out, chaining what was there
 */
#include "install.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"

extern const struct ls_embedded ls_builtin_hooks[];
extern const size_t ls_builtin_hooks_nr;

#define SHIM_MARK "# leakstop hook shim"
#define CHAIN_SUFFIX ".leakstop-chained"
#define EXE_LINE "leakstop='@LEAKSTOP@'"

static int
is_ours(const char *path)
{
	struct buf b = BUF_INIT;
	struct ls_err err = { 0, "" };
	int ours = read_file(&b, path, &err) == 0 && b.ptr &&
		strstr(b.ptr, SHIM_MARK) != NULL;

	buf_release(&b);
	return ours;
}

static const char *
hook_name(const struct ls_embedded *e)
{
	const char *s = strrchr(e->name, '/');

	return s ? s + 1 : e->name;
}

static int
is_server_hook(const struct ls_embedded *e)
{
	return strstr(e->name, "pre-receive") != NULL;
}

/*
 * The shim text: the binary by absolute path, or (shared) looked up on
 * PATH first, since a committed folder serves machines that differ.
 */
static void
shim_text(struct buf *out, const struct ls_embedded *e, const char *exe,
	  int shared)
{
	const char *at = strstr(e->data, EXE_LINE);

	if (at == NULL) {
		buf_addstr(out, e->data);
		return;
	}
	buf_add(out, e->data, (size_t)(at - e->data));
	if (shared)
		buf_printf(out, "leakstop=$(command -v leakstop || "
			   "echo '%s')", exe);
	else
		buf_printf(out, "leakstop='%s'", exe);
	buf_addstr(out, at + strlen(EXE_LINE));
}

static int
install_one(const char *dir, const struct ls_embedded *e, const char *exe,
	    int shared, struct ls_err *err)
{
	struct buf path = BUF_INIT, chained = BUF_INIT, text = BUF_INIT;
	struct stat st;
	const char *what = "installed";
	int ret = 0;

	buf_printf(&path, "%s/%s", dir, hook_name(e));
	buf_printf(&chained, "%s%s", path.ptr, CHAIN_SUFFIX);
	if (lstat(path.ptr, &st) == 0) {
		if (is_ours(path.ptr)) {
			what = "updated";
		} else if (lstat(chained.ptr, &st) == 0) {
			ret = ls_err_set(err, LS_EIO, "'%s' exists and so does "
					 "'%s'; move one of them away",
					 path.ptr, chained.ptr);
			goto out;
		} else if (rename(path.ptr, chained.ptr) < 0) {
			ret = ls_err_set(err, LS_EIO, "cannot rename '%s': %s",
					 path.ptr, strerror(errno));
			goto out;
		} else {
			what = "installed, chaining the existing hook";
		}
	}
	shim_text(&text, e, exe, shared);
	ret = write_file_atomic(path.ptr, text.ptr, text.len, 0755, err);
	if (ret == 0)
		printf("leakstop: %s %s\n", what, path.ptr);
out:
	buf_release(&text);
	buf_release(&chained);
	buf_release(&path);
	return ret;
}

/* ~/.config/leakstop/hooks (XDG_CONFIG_HOME honoured). Owned. */
static char *
global_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	struct buf b = BUF_INIT;
	char *s;

	if (x && *x == '/')
		buf_printf(&b, "%s/leakstop/hooks", x);
	else
		buf_printf(&b, "%s/.config/leakstop/hooks", h ? h : "");
	s = xstrdup(b.ptr);
	buf_release(&b);
	return s;
}

static int
set_global_hooks_path(const char *dir, int unset, struct ls_err *err)
{
	git_config *cfg = NULL, *global = NULL;
	int ret = 0;

	if (git_config_open_default(&cfg) < 0 ||
	    git_config_open_level(&global, cfg, GIT_CONFIG_LEVEL_GLOBAL) < 0)
		ret = repo_git_error(err, "cannot open the global git config");
	else if (unset) {
		git_buf cur = GIT_BUF_INIT;
		if (git_config_get_string_buf(&cur, global,
					      "core.hooksPath") == 0 &&
		    !strcmp(cur.ptr, dir) &&
		    git_config_delete_entry(global, "core.hooksPath") < 0)
			ret = repo_git_error(err, "cannot edit the global "
					     "git config");
		git_buf_dispose(&cur);
	} else {
		git_buf cur = GIT_BUF_INIT;
		if (git_config_get_string_buf(&cur, global,
					      "core.hooksPath") == 0 &&
		    strcmp(cur.ptr, dir))
			ret = ls_err_set(err, LS_EUSAGE, "global core.hooksPath "
					 "is already '%s'; leakstop will not "
					 "replace it (install into that folder "
					 "with --shared, or unset it)", cur.ptr);
		else if (git_config_set_string(global, "core.hooksPath",
						dir) < 0)
			ret = repo_git_error(err, "cannot edit the global "
					     "git config");
		git_buf_dispose(&cur);
	}
	git_config_free(global);
	git_config_free(cfg);
	return ret;
}

int
install_hooks(struct repo *r, const char *exe, enum install_where where,
	      const char *shared_dir, struct ls_err *err)
{
	char *dir = NULL;
	int ret = 0;

	/* The shim quotes the path in '...'. */
	if (strchr(exe, '\'') || strchr(exe, '\n'))
		return ls_err_set(err, LS_EUSAGE, "cannot install from a path "
				  "with a quote or newline: '%s'", exe);
	if (where == LS_INSTALL_GLOBAL) {
		dir = global_dir();
	} else if (where == LS_INSTALL_SHARED) {
		const char *wd = git_repository_workdir(r->git);
		struct buf b = BUF_INIT;
		if (wd == NULL || shared_dir[0] == '/' ||
		    strstr(shared_dir, ".."))
			return ls_err_set(err, LS_EUSAGE, "--shared takes a "
					  "folder inside the work tree, such "
					  "as .githooks");
		buf_printf(&b, "%s%s", wd, shared_dir);
		dir = xstrdup(b.ptr);
		buf_release(&b);
	} else {
		ret = repo_hooks_dir(r, &dir, err);
	}
	if (ret == 0)
		ret = mkdir_p(dir, 0755, err);
	for (size_t i = 0; ret == 0 && i < ls_builtin_hooks_nr; i++)
		if (is_server_hook(&ls_builtin_hooks[i]) ==
		    (where == LS_INSTALL_SERVER))
			ret = install_one(dir, &ls_builtin_hooks[i], exe,
					  where == LS_INSTALL_SHARED, err);
	if (ret == 0 && where == LS_INSTALL_GLOBAL) {
		ret = set_global_hooks_path(dir, 0, err);
		if (ret == 0)
			printf("leakstop: git now runs %s for every "
			       "repository of this user; a repository's own "
			       ".git/hooks no longer run\n", dir);
	}
	if (ret == 0 && where == LS_INSTALL_SHARED) {
		git_config *cfg = NULL;
		if (git_repository_config(&cfg, r->git) < 0 ||
		    git_config_set_string(cfg, "core.hooksPath",
					  shared_dir) < 0)
			ret = repo_git_error(err, "cannot set core.hooksPath");
		git_config_free(cfg);
		if (ret == 0)
			printf("leakstop: commit %s; each clone then runs "
			       "`git config core.hooksPath %s`\n", shared_dir,
			       shared_dir);
	}
	free(dir);
	return ret;
}

int
uninstall_hooks(struct repo *r, int global, struct ls_err *err)
{
	char *dir = NULL;
	int ret = 0;

	if (global)
		dir = global_dir();
	else
		ret = repo_hooks_dir(r, &dir, err);
	for (size_t i = 0; ret == 0 && i < ls_builtin_hooks_nr; i++) {
		struct buf path = BUF_INIT, chained = BUF_INIT;
		buf_printf(&path, "%s/%s", dir, hook_name(&ls_builtin_hooks[i]));
		buf_printf(&chained, "%s%s", path.ptr, CHAIN_SUFFIX);
		if (access(path.ptr, F_OK) == 0 && is_ours(path.ptr)) {
			if (unlink(path.ptr) < 0)
				ret = ls_err_set(err, LS_EIO, "cannot remove "
						 "'%s': %s", path.ptr,
						 strerror(errno));
			else if (access(chained.ptr, F_OK) == 0 &&
				 rename(chained.ptr, path.ptr) < 0)
				ret = ls_err_set(err, LS_EIO, "cannot restore "
						 "'%s': %s", path.ptr,
						 strerror(errno));
			else
				printf("leakstop: removed %s%s\n", path.ptr,
				       access(path.ptr, F_OK) == 0 ?
				       ", restored the hook it chained" : "");
		}
		buf_release(&chained);
		buf_release(&path);
	}
	if (ret == 0 && global)
		ret = set_global_hooks_path(dir, 1, err);
	free(dir);
	return ret;
}

/* The binary a shim names: the quoted path after leakstop=. Owned. */
static char *
shim_binary(const char *text)
{
	const char *p = strstr(text, "leakstop='");
	const char *q = p ? strchr(p + 10, '\'') : NULL;

	if (p == NULL) {
		/* shared shims: `command -v leakstop || echo '<path>'` */
		p = strstr(text, "echo '");
		q = p ? strchr(p + 6, '\'') : NULL;
		return q ? xstrndup(p + 6, (size_t)(q - p - 6)) : NULL;
	}
	return q ? xstrndup(p + 10, (size_t)(q - p - 10)) : NULL;
}

int
install_doctor(struct repo *r)
{
	static const char *const need[] = { "pre-commit", "pre-merge-commit",
					    "pre-applypatch", "pre-push",
					    "commit-msg", NULL };
	struct ls_err err = { 0, "" };
	char *dir = NULL;
	int problems = 0;

	if (repo_hooks_dir(r, &dir, &err) < 0) {
		printf("problem - %s\n", err.msg);
		return 1;
	}
	printf("ok - git runs hooks from %s\n", dir);
	for (const char *const *h = need; *h; h++) {
		struct buf path = BUF_INIT, text = BUF_INIT;
		struct stat st;
		char *bin = NULL;

		buf_printf(&path, "%s/%s", dir, *h);
		if (stat(path.ptr, &st) < 0 || !is_ours(path.ptr)) {
			printf("problem - %s is not leakstop's hook (run "
			       "`leakstop install`)\n", path.ptr);
			problems++;
		} else if (!(st.st_mode & S_IXUSR)) {
			printf("problem - %s is not executable, so git skips "
			       "it\n", path.ptr);
			problems++;
		} else if (read_file(&text, path.ptr, &err) < 0 ||
			   (bin = shim_binary(text.ptr)) == NULL ||
			   access(bin, X_OK) < 0) {
			printf("problem - %s runs '%s', which is missing\n",
			       path.ptr, bin ? bin : "?");
			problems++;
		} else {
			printf("ok - %s runs %s\n", path.ptr, bin);
		}
		free(bin);
		buf_release(&text);
		buf_release(&path);
	}
	free(dir);
	return problems;
}
