/*
 * pushspec.h - the ref updates git hands pre-push and pre-receive on stdin
 *
 * pre-push:    <local ref> SP <local oid> SP <remote ref> SP <remote oid> LF
 * pre-receive: <old oid> SP <new oid> SP <ref name> LF
 *
 * A line that does not have that shape is an error, never a deletion or a
 * pass: a hook that cannot tell what is pushed must not let it through.
 */
#ifndef LS_PUSHSPEC_H
#define LS_PUSHSPEC_H

#include <stddef.h>

#include <git2.h>

#include "util.h"

struct push_update {
	char *ref;		/* the local ref (pre-push) or the ref updated */
	git_oid new_oid;	/* zero: a deletion */
	git_oid old_oid;	/* what the other side has; zero: nothing */
};

struct push_updates {
	struct push_update *items;
	size_t nr, alloc;
};

enum pushspec_kind { LS_PUSH_PRE_PUSH, LS_PUSH_PRE_RECEIVE };

/*
 * Parse len bytes of hook input. Errors: LS_EPARSE naming the line
 * ("stdin:3: ..."). Lines of up to 64 KiB are accepted.
 */
int pushspec_parse(struct push_updates *out, enum pushspec_kind kind,
		   const char *data, size_t len, struct ls_err *err);

void push_updates_release(struct push_updates *u);

#endif
