/*
 * fuzz_pushspec.c - bytes as pre-push and as pre-receive input through
 * pushspec_parse
 *
 * Invariants: on success, one update per line, each with a non-empty
 * ref that has no '\n', ' ' or NUL, and oids that read back as the
 * 40 hex digits of their field; on error LS_EPARSE with "stdin:<line>:"
 * inside the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "fuzz.h"
#include "pushspec.h"

static size_t
count_lines(const uint8_t *data, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + (size && data[size - 1] != '\n');
}

/*
 * The next input line must be the update written back: pre-receive
 * "<old> <new> <ref>" whole; pre-push "<ref> <new> " first and
 * " <old>" last (the remote ref is not kept). Advances *data past it.
 */
static void
check_line(enum pushspec_kind kind, const struct push_update *up,
	   const uint8_t **data, size_t *size)
{
	const uint8_t *nl = memchr(*data, '\n', *size);
	size_t n = nl ? (size_t)(nl - *data) : *size;
	char oldhex[GIT_OID_HEXSZ + 1], newhex[GIT_OID_HEXSZ + 1];
	size_t rl = strlen(up->ref);
	char *want = malloc(rl + 2 * GIT_OID_HEXSZ + 4);

	FUZZ_CHECK(want != NULL, "out of memory");
	git_oid_tostr(oldhex, sizeof(oldhex), &up->old_oid);
	git_oid_tostr(newhex, sizeof(newhex), &up->new_oid);
	if (kind == LS_PUSH_PRE_RECEIVE) {
		int w = sprintf(want, "%s %s %s", oldhex, newhex, up->ref);
		FUZZ_CHECK((size_t)w == n && !memcmp(want, *data, n),
			   "line '%.*s' read as '%s'", (int)n, *data, want);
	} else {
		int w = sprintf(want, "%s %s ", up->ref, newhex);
		FUZZ_CHECK((size_t)w + 1 + GIT_OID_HEXSZ < n &&
			   !memcmp(want, *data, (size_t)w) &&
			   (*data)[n - GIT_OID_HEXSZ - 1] == ' ' &&
			   !memcmp(oldhex, *data + n - GIT_OID_HEXSZ,
				   GIT_OID_HEXSZ),
			   "line '%.*s' read as '%s' ... '%s'", (int)n,
			   *data, want, oldhex);
	}
	free(want);
	*data += nl ? n + 1 : n;
	*size -= nl ? n + 1 : n;
}

static void
one(enum pushspec_kind kind, const uint8_t *data, size_t size)
{
	struct push_updates u = { NULL, 0, 0 };
	struct ls_err err = { 0, "" };
	size_t lines = count_lines(data, size);
	int ret;

	ret = pushspec_parse(&u, kind, (const char *)data, size, &err);
	if (ret < 0) {
		long line = fuzz_msg_line(err.msg, "stdin");
		FUZZ_CHECK(ret == LS_EPARSE && !strncmp(err.msg, "stdin:", 6),
			   "ret %d: '%s'", ret, err.msg);
		FUZZ_CHECK(line >= 1 && (size_t)line <= lines,
			   "'%s' (%zu lines)", err.msg, lines);
		goto out;
	}
	FUZZ_CHECK(ret == 0 && u.nr == lines, "%zu updates of %zu lines",
		   u.nr, lines);
	for (size_t i = 0; i < u.nr; i++) {
		const char *ref = u.items[i].ref;
		FUZZ_CHECK(ref != NULL && ref[0], "update %zu: no ref", i);
		FUZZ_CHECK(!strchr(ref, '\n') && !strchr(ref, ' '),
			   "update %zu: ref '%s'", i, ref);
		check_line(kind, &u.items[i], &data, &size);
	}
	FUZZ_CHECK(size == 0, "%zu bytes left after the last update", size);
out:
	push_updates_release(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(LS_PUSH_PRE_PUSH, data, size);
	one(LS_PUSH_PRE_RECEIVE, data, size);
	return 0;
}
