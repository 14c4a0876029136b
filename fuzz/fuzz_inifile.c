/*
 * fuzz_inifile.c - bytes as INI text through inifile_parse
 *
 * Invariants: every key the handler sees has 1 <= lineno <= lines,
 * section_lineno <= lineno, non-NULL strings; an error carries
 * "f.ini:<line>: " within the file, or is inih's "cannot parse"; a call
 * marked as a continuation carries the name of the key it continues
 * and comes from an indented line; any other call comes from a line
 * that starts with its name and '=' or ':' (after blanks and a BOM).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inifile.h"

struct seen {
	const char *data;
	size_t size;
	int lines;
	int last_lineno;
	int calls;
	char last_name[64];	/* of the last key not a continuation */
	int have_name;
	int last_section_lineno;
};

/*
 * Line lineno of the input, past a BOM on line 1: *indented says if it
 * starts with a blank, *p and *n give it without leading blanks.
 */
static void
line_at(const struct seen *s, int lineno, const char **p, size_t *n,
	int *indented)
{
	const char *q = s->data, *end = s->data + s->size, *nl;

	for (int i = 1; i < lineno; i++) {
		nl = memchr(q, '\n', (size_t)(end - q));
		FUZZ_CHECK(nl != NULL, "no line %d", lineno);
		q = nl + 1;
	}
	if (lineno == 1 && end - q >= 3 && !memcmp(q, "\xef\xbb\xbf", 3))
		q += 3;
	nl = memchr(q, '\n', (size_t)(end - q));
	end = nl ? nl : end;
	*indented = q < end && isspace((unsigned char)*q);
	while (q < end && isspace((unsigned char)*q))
		q++;
	*p = q;
	*n = (size_t)(end - q);
}

static int
on_key(const struct ini_key *k, struct ls_err *err, void *payload)
{
	struct seen *s = payload;
	const char *line;
	size_t len, nlen;
	int indented;

	FUZZ_CHECK(k->section && k->name && k->value, "NULL string");
	FUZZ_CHECK(k->lineno >= 1 && k->lineno <= s->lines,
		   "lineno %d of %d lines", k->lineno, s->lines);
	FUZZ_CHECK(k->section_lineno >= 0 &&
		   k->section_lineno <= k->lineno,
		   "section_lineno %d > lineno %d", k->section_lineno,
		   k->lineno);
	FUZZ_CHECK(k->lineno > s->last_lineno,
		   "lineno %d after %d", k->lineno, s->last_lineno);
	FUZZ_CHECK(strlen(k->name) <= 49 && strlen(k->section) <= 49,
		   "name longer than inih keeps");
	line_at(s, k->lineno, &line, &len, &indented);
	nlen = strlen(k->name);
	if (k->continuation) {
		FUZZ_CHECK(indented, "line %d: continuation not indented",
			   k->lineno);
	} else {
		size_t i = nlen;
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		FUZZ_CHECK(nlen <= len && !memcmp(line, k->name, nlen) &&
			   i < len && (line[i] == '=' || line[i] == ':'),
			   "line %d: key '%s' from '%.*s'", k->lineno,
			   k->name, (int)len, line);
	}
	/*
	 * inih hands a continuation the name of the key it continues
	 * (its prev_name), and continues only a key with a non-empty name.
	 */
	if (k->continuation)
		FUZZ_CHECK(s->have_name && s->last_name[0] &&
			   !strcmp(k->name, s->last_name) &&
			   k->section_lineno == s->last_section_lineno,
			   "line %d: continuation of '%s' after key '%s'",
			   k->lineno, k->name,
			   s->have_name ? s->last_name : "(none)");
	else if (strlen(k->name) < sizeof(s->last_name)) {
		strcpy(s->last_name, k->name);
		s->have_name = 1;
		s->last_section_lineno = k->section_lineno;
	}
	s->last_lineno = k->lineno;
	s->calls++;
	/* Exercise the error path too: stop on a key named "stop". */
	if (!strcmp(k->name, "stop"))
		return ls_err_set(err, LS_EPARSE, "f.ini:%d: stop",
				  k->lineno);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ls_err err = { 0, "" };
	struct seen s = { (const char *)data, size,
			  fuzz_count_lines(data, size), 0, 0, "", 0, 0 };
	int ret;

	ret = inifile_parse("f.ini", (const char *)data, size, on_key, &s,
			    &err);
	FUZZ_CHECK(ret == 0 || ret == LS_EPARSE || ret == LS_EIO,
		   "ret %d", ret);
	if (ret == 0) {
		FUZZ_CHECK(err.code == 0, "error set on success: %s", err.msg);
	} else if (ret == LS_EPARSE) {
		long line = fuzz_msg_line(err.msg, "f.ini");
		FUZZ_CHECK(line >= 1 && line <= s.lines,
			   "message '%s' (%d lines)", err.msg, s.lines);
	} else {
		FUZZ_CHECK(!strcmp(err.msg, "f.ini: cannot parse"),
			   "message '%s'", err.msg);
	}
	return 0;
}
