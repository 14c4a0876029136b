/*
 * install.h - put leakstop's hook shims where git runs hooks, and take
 * them away again
 */
#ifndef LS_INSTALL_H
#define LS_INSTALL_H

#include "repo.h"
#include "util.h"

enum install_where {
	LS_INSTALL_REPO,	/* the repository's hooks dir (core.hooksPath) */
	LS_INSTALL_SERVER,	/* pre-receive into a bare repository */
	LS_INSTALL_GLOBAL,	/* ~/.config/leakstop/hooks, global hooksPath */
	LS_INSTALL_SHARED	/* a committed folder; the shims find leakstop
				 * on PATH, since machines differ */
};

/*
 * Write the shims of hook/ (client ones: pre-commit, pre-merge-commit,
 * pre-push, commit-msg; or pre-receive for a server) with exe as the
 * binary's absolute path. A hook that is not leakstop's is kept: renamed
 * to <name>.leakstop-chained, which the shim runs after a clean scan.
 * r may be NULL for LS_INSTALL_GLOBAL. shared_dir: for LS_INSTALL_SHARED,
 * relative to the work tree's top. Prints one line per hook.
 */
int install_hooks(struct repo *r, const char *exe, enum install_where where,
		  const char *shared_dir, struct ls_err *err);

/*
 * Remove leakstop's shims from the hooks dir (or the global one) and put
 * back, byte for byte, any hook they had chained.
 */
int uninstall_hooks(struct repo *r, int global, struct ls_err *err);

/*
 * Check this clone really enforces the hooks: where git looks for hooks,
 * that each shim is there, executable and names a binary that exists.
 * Prints "ok - ..." / "problem - ..." lines; returns the problem count.
 */
int install_doctor(struct repo *r);

#endif
