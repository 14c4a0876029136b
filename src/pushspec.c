/*
 * pushspec.c - parse pre-push and pre-receive input
 */
#include "pushspec.h"

#include <stdlib.h>
#include <string.h>

#define PUSHSPEC_MAX_LINE 65536

/* SHA-256 object names: git sends them in a SHA-256 repository. */
#define SHA256_HEXSZ 64

static int
is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* 0, -1 when not an object name, -2 when a SHA-256 one. */
static int
parse_oid(git_oid *out, const char *s, size_t len)
{
	if (len == SHA256_HEXSZ && is_hex(s, len))
		return -2;
	if (len != GIT_OID_HEXSZ || !is_hex(s, len))
		return -1;
	return git_oid_fromstrn(out, s, len);
}

/* Of two parse_oid results, the one to report: not a name beats SHA-256. */
static int
worse(int a, int b)
{
	return a == -1 || b == -1 ? -1 : a ? a : b;
}

/* Split a line into exactly n fields at single spaces. */
static int
split(const char *line, size_t len, const char **f, size_t *flen, int n)
{
	int i = 0;
	const char *p = line, *end = line + len;

	while (i < n) {
		const char *sp = i < n - 1 ? memchr(p, ' ', (size_t)(end - p))
			: NULL;
		const char *e = sp ? sp : end;
		if (i < n - 1 && sp == NULL)
			return -1;
		if (e == p)
			return -1;	/* empty field or two spaces */
		f[i] = p;
		flen[i] = (size_t)(e - p);
		i++;
		p = e + 1;
	}
	/* The last field runs to the end; no space in an oid field. */
	return 0;
}

int
pushspec_parse(struct push_updates *out, enum pushspec_kind kind,
	       const char *data, size_t len, struct ls_err *err)
{
	const char *p = data, *end = data + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		const char *f[4];
		size_t fl[4];
		struct push_update u;
		int bad;

		lineno++;
		if (n > PUSHSPEC_MAX_LINE)
			return ls_err_set(err, LS_EPARSE, "stdin:%d: line is "
					  "longer than %d bytes", lineno,
					  PUSHSPEC_MAX_LINE);
		if (memchr(p, '\0', n))
			return ls_err_set(err, LS_EPARSE, "stdin:%d: NUL byte",
					  lineno);
		memset(&u, 0, sizeof(u));
		if (kind == LS_PUSH_PRE_PUSH) {
			bad = split(p, n, f, fl, 4) < 0 ||
				memchr(f[3], ' ', fl[3]) != NULL ? -1 :
				worse(parse_oid(&u.new_oid, f[1], fl[1]),
				      parse_oid(&u.old_oid, f[3], fl[3]));
			if (!bad)
				u.ref = xstrndup(f[0], fl[0]);
		} else {
			bad = split(p, n, f, fl, 3) < 0 ||
				memchr(f[2], ' ', fl[2]) != NULL ? -1 :
				worse(parse_oid(&u.old_oid, f[0], fl[0]),
				      parse_oid(&u.new_oid, f[1], fl[1]));
			if (!bad)
				u.ref = xstrndup(f[2], fl[2]);
		}
		/*
		 * libgit2 1.5 cannot open a SHA-256 repository anyway; say
		 * that rather than call git's input malformed.
		 */
		if (bad == -2)
			return ls_err_set(err, LS_EPARSE, "stdin:%d: SHA-256 "
					  "object names; leakstop (libgit2 1.5) "
					  "reads only SHA-1 repositories",
					  lineno);
		if (bad)
			return ls_err_set(err, LS_EPARSE, "stdin:%d: expected "
					  "'%s', got something else", lineno,
					  kind == LS_PUSH_PRE_PUSH ?
					  "<local ref> <local oid> <remote ref> "
					  "<remote oid>" :
					  "<old oid> <new oid> <ref>");
		LS_GROW(out->items, out->nr + 1, out->alloc);
		out->items[out->nr++] = u;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

void
push_updates_release(struct push_updates *u)
{
	for (size_t i = 0; i < u->nr; i++)
		free(u->items[i].ref);
	free(u->items);
	memset(u, 0, sizeof(*u));
}
