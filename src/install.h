/*
 * install.h - put leakstop's hook shims into a repository
 */
#ifndef LS_INSTALL_H
#define LS_INSTALL_H

#include "repo.h"
#include "util.h"

/*
 * Write the client shims of hook/ (pre-commit, pre-merge-commit,
 * pre-push) or, with server, the pre-receive shim into the repository's
 * hooks directory (core.hooksPath when set), with exe as the binary's
 * absolute path.
 * A hook that is not leakstop's is kept: renamed to
 * <name>.leakstop-chained, which the shim runs after a clean scan.
 * Prints one line per hook to stdout.
 */
int install_hooks(struct repo *r, const char *exe, int server,
		  struct ls_err *err);

#endif
