/*
 * install.c - hook shims into .git/hooks, chaining what was there
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

/* The shim text with @LEAKSTOP@ replaced by exe. */
static void
shim_text(struct buf *out, const struct ls_embedded *e, const char *exe)
{
	const char *p = e->data, *at;

	while ((at = strstr(p, "@LEAKSTOP@")) != NULL) {
		buf_add(out, p, (size_t)(at - p));
		buf_addstr(out, exe);
		p = at + strlen("@LEAKSTOP@");
	}
	buf_addstr(out, p);
}

static int
install_one(const char *dir, const struct ls_embedded *e, const char *exe,
	    struct ls_err *err)
{
	const char *name = strrchr(e->name, '/') ? strrchr(e->name, '/') + 1 :
		e->name;
	struct buf path = BUF_INIT, chained = BUF_INIT, text = BUF_INIT;
	struct stat st;
	const char *what = "installed";
	int ret = 0;

	buf_printf(&path, "%s/%s", dir, name);
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
	shim_text(&text, e, exe);
	ret = write_file_atomic(path.ptr, text.ptr, text.len, 0755, err);
	if (ret == 0)
		printf("leakstop: %s %s\n", what, path.ptr);
out:
	buf_release(&text);
	buf_release(&chained);
	buf_release(&path);
	return ret;
}

static int
is_server_hook(const struct ls_embedded *e)
{
	return strstr(e->name, "pre-receive") != NULL;
}

int
install_hooks(struct repo *r, const char *exe, int server,
	      struct ls_err *err)
{
	char *dir = NULL;
	int ret;

	/* The shim quotes the path in '...'. */
	if (strchr(exe, '\'') || strchr(exe, '\n'))
		return ls_err_set(err, LS_EUSAGE, "cannot install from a path "
				  "with a quote or newline: '%s'", exe);
	ret = repo_hooks_dir(r, &dir, err);
	if (ret == 0)
		ret = mkdir_p(dir, 0755, err);
	for (size_t i = 0; ret == 0 && i < ls_builtin_hooks_nr; i++)
		if (is_server_hook(&ls_builtin_hooks[i]) == server)
			ret = install_one(dir, &ls_builtin_hooks[i], exe, err);
	free(dir);
	return ret;
}
