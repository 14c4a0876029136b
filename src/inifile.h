/*
 * inifile.h - the one INI reader: libinih with strict line checks
 *
 * Debian's libinih cuts lines at INI_MAX_LINE (200) bytes and reads the
 * rest of such a line as a new line, strips " ;" inline comments, and
 * folds indented lines into the previous key. This reader rejects the
 * first two with file:line errors (so a rule is never silently
 * truncated) and tells the handler which calls are continuations.
 */
#ifndef LS_INIFILE_H
#define LS_INIFILE_H

#include <stddef.h>

#include "util.h"

/* One key as the handler sees it; all strings borrowed for the call. */
struct ini_key {
	const char *section;
	const char *name;
	const char *value;
	int lineno;
	int section_lineno;	/* line of the [section] header; 0 if none */
	int continuation;	/* 1: an indented line continuing the key */
};

/*
 * Called for each key. Return 0 to go on, or a negative LS_E* code after
 * filling err (the first error stops all further calls).
 */
typedef int (*inifile_cb)(const struct ini_key *key, struct ls_err *err,
			  void *payload);

/*
 * Parse len bytes of INI text. fname is used only in messages. Errors
 * carry "fname:line: ". Returns 0 or a negative LS_E* code.
 */
int inifile_parse(const char *fname, const char *data, size_t len,
		  inifile_cb cb, void *payload, struct ls_err *err);

#endif
