/*
 * inifile.c - strict line reader in front of libinih
 */
#include "inifile.h"

#include <ctype.h>
#include <ini.h>
#include <string.h>

/* inih keeps at most this many bytes of a section or key name. */
#define INI_NAME_MAX 49

struct reader {
	const char *fname;
	const char *data;
	size_t len;
	size_t pos;
	int lineno;
	int indented;		/* the line just handed to inih continues a key */
	int section_lineno;
	int have_key;		/* inih's prev_name: a key since the section */
	int section_keys;
	inifile_cb cb;
	void *payload;
	struct ls_err *err;
	int failed;
};

static const char *
next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/*
 * Check every line before inih sees any of them: a NUL would end the
 * C string inih works on, and an over-long line would be cut silently.
 */
static int
check_lines(struct reader *r, int max_line)
{
	const char *p = r->data, *end = r->data + r->len;
	int lineno = 0;

	while (p < end) {
		const char *q = next_line(p, end);
		size_t n = (size_t)(q - p);
		lineno++;
		if (n && p[n - 1] == '\n')
			n--;
		if (memchr(p, '\0', n))
			return ls_err_set(r->err, LS_EPARSE,
					  "%s:%d: line contains a NUL byte",
					  r->fname, lineno);
		if (n > (size_t)max_line)
			return ls_err_set(r->err, LS_EPARSE,
					  "%s:%d: line is %zu bytes long, the "
					  "limit is %d; continue the value on "
					  "an indented next line",
					  r->fname, lineno, n, max_line);
		/* inih would cut the value at " ;" (an inline comment). */
		const char *s = p;
		while (s < p + n && (*s == ' ' || *s == '\t'))
			s++;
		int comment = s < p + n && (*s == ';' || *s == '#');
		/* inih drops such a line even inside a multi-line value. */
		if (comment && s > p)
			return ls_err_set(r->err, LS_EPARSE,
					  "%s:%d: an indented line may not "
					  "start with '%c': inih reads it as "
					  "a comment", r->fname, lineno, *s);
		for (const char *c = s + 1; !comment && c < p + n; c++)
			if (*c == ';' && isspace((unsigned char)c[-1]))
				return ls_err_set(r->err, LS_EPARSE,
						  "%s:%d: ';' after a space "
						  "starts a comment here; "
						  "write it without the space",
						  r->fname, lineno);
		p = q;
	}
	return 0;
}

/* A section with no key is a mistake (a rule with nothing in it). */
static void
section_done(struct reader *r)
{
	if (r->section_lineno && r->section_keys == 0 && !r->failed) {
		ls_err_set(r->err, LS_EPARSE, "%s:%d: section has no keys",
			   r->fname, r->section_lineno);
		r->failed = 1;
	}
}

static char *
reader_fn(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const char *p = r->data + r->pos, *end = r->data + r->len;

	if (p >= end)
		return NULL;
	const char *q = next_line(p, end);
	size_t n = (size_t)(q - p);
	/* check_lines() guarantees the line fits; be safe anyway. */
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, p, n);
	str[n] = '\0';
	r->pos += n;
	r->lineno++;
	/* Classify the line the way inih will (ini.c, ini_parse_stream). */
	const char *st = p, *e = p + n;
	if (r->lineno == 1 && n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		st += 3;
	const char *s = st;
	while (s < e && isspace((unsigned char)*s))
		s++;
	r->indented = 0;
	if (s == e || *s == ';' || *s == '#') {
		/* blank or comment */
	} else if (r->have_key && s > st) {
		r->indented = 1;
	} else if (*s == '[') {
		const char *close = memchr(s, ']', (size_t)(e - s));
		/* Without ']' inih keeps the section and prev_name (an error). */
		if (close) {
			section_done(r);
			r->section_lineno = r->lineno;
			r->have_key = 0;
			r->section_keys = 0;
		}
		/* inih would go on under the old section: stop here. */
		if (close == NULL && !r->failed) {
			ls_err_set(r->err, LS_EPARSE, "%s:%d: section header "
				   "has no closing ']'", r->fname, r->lineno);
			r->failed = 1;
		}
		if (close && close - s - 1 > INI_NAME_MAX && !r->failed) {
			ls_err_set(r->err, LS_EPARSE, "%s:%d: section name is "
				   "longer than %d bytes", r->fname, r->lineno,
				   INI_NAME_MAX);
			r->failed = 1;
		}
	} else {
		const char *eq = s;
		while (eq < e && *eq != '=' && *eq != ':')
			eq++;
		/* A malformed line counts too: inih reports it itself. */
		r->section_keys++;
		const char *ne = eq;
		while (ne > s && isspace((unsigned char)ne[-1]))
			ne--;
		/*
		 * inih continues only a key with a name: prev_name, which
		 * every "name = value" line sets, "= value" to empty.
		 */
		if (eq < e)
			r->have_key = ne > s;
		if (eq < e && ne > s) {
			if (ne - s > INI_NAME_MAX && !r->failed) {
				ls_err_set(r->err, LS_EPARSE, "%s:%d: key name "
					   "is longer than %d bytes", r->fname,
					   r->lineno, INI_NAME_MAX);
				r->failed = 1;
			}
		}
	}
	return str;
}

static int
handler_fn(void *user, const char *section, const char *name,
	   const char *value)
{
	struct reader *r = user;

	if (r->failed)
		return 1;

	struct ini_key k = { section, name, value, r->lineno,
			     r->section_lineno, r->indented };

	if (r->cb(&k, r->err, r->payload) < 0)
		r->failed = 1;
	/* Our own errors are in err; inih's 0 would only hide them. */
	return 1;
}

int
inifile_parse(const char *fname, const char *data, size_t len, inifile_cb cb,
	      void *payload, struct ls_err *err)
{
	struct reader r = { fname, data, len, 0, 0, 0, 0, 0, 0, cb, payload, err, 0 };
	int ret;

	/* INI_MAX_LINE includes the newline and the NUL. */
	ret = check_lines(&r, INI_MAX_LINE - 2);
	if (ret < 0)
		return ret;
	ret = ini_parse_stream(reader_fn, &r, handler_fn, &r);
	section_done(&r);
	if (r.failed)
		return err->code ? err->code : LS_EPARSE;
	if (ret > 0)
		return ls_err_set(err, LS_EPARSE,
				  "%s:%d: expected '[section]' or 'key = value'",
				  fname, ret);
	if (ret < 0)
		return ls_err_set(err, LS_EIO, "%s: cannot parse", fname);
	return 0;
}
