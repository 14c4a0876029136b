/*
 * test_inifile.c - the strict INI reader: what the handler sees, and the
 * file:line of each error
 */
#include <string.h>

#include "harness.h"
#include "inifile.h"
#include "util.h"

/* Each handler call as "section|name|value|line|section line|cont\n". */
struct trace {
	struct buf calls;
	int nr;
	int fail_at;		/* fail on this call (1-based); 0: never */
};

static int
record(const struct ini_key *k, struct ls_err *err, void *payload)
{
	struct trace *t = payload;

	t->nr++;
	buf_printf(&t->calls, "%s|%s|%s|%d|%d|%d\n", k->section, k->name,
		   k->value, k->lineno, k->section_lineno, k->continuation);
	if (t->nr == t->fail_at)
		return ls_err_set(err, LS_EIO, "cb: stop at '%s'", k->name);
	return 0;
}

/* Input is a string literal: its length is sizeof - 1, NULs included. */
#define IN(s) s, sizeof(s) - 1

static const struct {
	const char *name;
	const char *data;
	size_t len;
	const char *calls;
} good[] = {
	{ "keys and sections", IN("[a]\nk = v\nk2=v2\n\n[b]\nx = 1\n"),
	  "a|k|v|2|1|0\na|k2|v2|3|1|0\nb|x|1|6|5|0\n" },
	{ "continuation lines", IN("[r]\nregex = ab\n  cd\n\tef\nz = 1\n"),
	  "r|regex|ab|2|1|0\nr|regex|cd|3|1|1\nr|regex|ef|4|1|1\n"
	  "r|z|1|5|1|0\n" },
	{ "continuation with '='", IN("[r]\nex = a = b\n  c = d\n"),
	  "r|ex|a = b|2|1|0\nr|ex|c = d|3|1|1\n" },
	{ "comments and blank lines",
	  IN("; c\n# c\n\n[s]\nk = v;x\n;\n#\n"), "s|k|v;x|5|4|0\n" },
	{ "key before any section", IN("k = v\n"), "|k|v|1|0|0\n" },
	{ "CRLF line ends", IN("[a]\r\nk = v\r\n  w\r\n[b]\r\nx=1\r\n"),
	  "a|k|v|2|1|0\na|k|w|3|1|1\nb|x|1|5|4|0\n" },
	{ "no final newline", IN("[a]\nk=v"), "a|k|v|2|1|0\n" },
	{ "empty input", IN(""), "" },
};

static void
test_good(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct trace t = { BUF_INIT, 0, 0 };
		struct ls_err err = { 0, "" };
		int ret = inifile_parse("f.ini", good[i].data, good[i].len,
					record, &t, &err);

		CHECK(ret == 0 && err.code == 0, "%s: parses", good[i].name);
		CHECK_STR(t.calls.ptr ? t.calls.ptr : "", good[i].calls,
			  "%s: handler calls", good[i].name);
		buf_release(&t.calls);
	}
}

/* 'a' * n after "k = " and a newline, as line lineno after "[a]\n"s. */
static void
long_line(struct buf *b, int lineno, size_t n)
{
	for (int i = 1; i < lineno; i++)
		buf_addstr(b, i == 1 ? "[a]\n" : "; pad\n");
	buf_addstr(b, "k = ");
	for (size_t i = 4; i < n; i++)
		buf_addch(b, 'a');
	buf_addch(b, '\n');
}

static void
test_line_limit(void)
{
	static const struct {
		int lineno;
		size_t len;	/* of the line without its newline */
		int ok;
	} rows[] = {
		{ 2, 198, 1 }, { 2, 199, 0 }, { 5, 199, 0 }, { 7, 4000, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = BUF_INIT, want = BUF_INIT;
		struct trace t = { BUF_INIT, 0, 0 };
		struct ls_err err = { 0, "" };
		int ret;

		long_line(&b, rows[i].lineno, rows[i].len);
		ret = inifile_parse("f.ini", b.ptr, b.len, record, &t, &err);
		if (rows[i].ok) {
			CHECK(ret == 0 && t.nr == 1, "line of %zu bytes is "
			      "read whole", rows[i].len);
			/* "a|k|" value "|2|1|0\n": the value is len - 4. */
			CHECK(t.calls.len == rows[i].len + 7,
			      "line of %zu bytes: value not cut",
			      rows[i].len);
		} else {
			buf_printf(&want, "f.ini:%d:", rows[i].lineno);
			CHECK(ret == LS_EPARSE && t.nr == 0, "line %d of %zu "
			      "bytes is an error before any call",
			      rows[i].lineno, rows[i].len);
			CHECK(strncmp(err.msg, want.ptr, want.len) == 0,
			      "line %d of %zu bytes: error starts '%s'",
			      rows[i].lineno, rows[i].len, want.ptr);
		}
		buf_release(&want);
		buf_release(&b);
		buf_release(&t.calls);
	}
	/* The last line, without a newline, counts its every byte. */
	struct buf b = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct trace t = { BUF_INIT, 0, 0 };
	long_line(&b, 2, 199);
	b.len--;
	CHECK(inifile_parse("f.ini", b.ptr, b.len, record, &t, &err) ==
	      LS_EPARSE && !strncmp(err.msg, "f.ini:2:", 8),
	      "unterminated last line of 199 bytes is an error");
	buf_release(&b);
	buf_release(&t.calls);
}

static const struct {
	const char *name;
	const char *data;
	size_t len;
	const char *prefix;	/* the error must start with it */
} bad[] = {
	{ "NUL byte in line 3", IN("[a]\nk=v\nx=\0y\n"), "f.ini:3: " },
	{ "NUL byte in a comment", IN("[a]\n; \0\n"), "f.ini:2: " },
	{ "' ;' inline comment", IN("[a]\nk = v\nkey = a ;comment\n"),
	  "f.ini:3: " },
	{ "tab before ';'", IN("[a]\nkey = a\t;c\n"), "f.ini:2: " },
	{ "' ;' in a continuation", IN("[a]\nk = v\n  w ;c\n"),
	  "f.ini:3: " },
	{ "indented ';' line", IN("[a]\nk = v\n  ; c\n"), "f.ini:3: " },
	{ "indented '#' line", IN("[a]\nk = v\n\t# c\nz = 1\n"),
	  "f.ini:3: " },
	{ "line with no '='", IN("[a]\nk=v\njunk\nz=1\n"), "f.ini:3: " },
	{ "unclosed section", IN("k=v\n[a\n"), "f.ini:2: " },
	{ "first of two bad lines", IN("[a]\nbad\nworse\n"), "f.ini:2: " },
	{ "section with no keys", IN("[a]\nk=v\n; c\n[b]\n[c]\nk=v\n"),
	  "f.ini:4: section has no keys" },
	{ "carriage return before ';'", IN("[a]\nk = x\r;y\n"), "f.ini:2: " },
	{ "section name over 49 bytes",
	  IN("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nk=v\n"),
	  "f.ini:1: section name is longer" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct trace t = { BUF_INIT, 0, 0 };
		struct ls_err err = { 0, "" };
		int ret = inifile_parse("f.ini", bad[i].data, bad[i].len,
					record, &t, &err);

		CHECK(ret == LS_EPARSE && err.code == LS_EPARSE,
		      "%s: is an error", bad[i].name);
		CHECK(!strncmp(err.msg, bad[i].prefix, strlen(bad[i].prefix)),
		      "%s: error starts '%s'", bad[i].name, bad[i].prefix);
		if (strncmp(err.msg, bad[i].prefix, strlen(bad[i].prefix)))
			printf("#   got: '%s'\n", err.msg);
		buf_release(&t.calls);
	}
}

/* A byte order mark is skipped (its section_lineno is not checked). */
static void
test_bom(void)
{
	struct trace t = { BUF_INIT, 0, 0 };
	struct ls_err err = { 0, "" };
	static const char data[] = "\xef\xbb\xbf[a]\nk=v\n";

	CHECK(inifile_parse("f.ini", data, sizeof(data) - 1, record, &t,
			    &err) == 0, "byte order mark: parses");
	CHECK(t.calls.ptr && !strncmp(t.calls.ptr, "a|k|v|2|", 8),
	      "byte order mark: section and key read");
	buf_release(&t.calls);
}

static void
test_callback_error(void)
{
	struct trace t = { BUF_INIT, 0, 2 };
	struct ls_err err = { 0, "" };
	static const char data[] = "[a]\nk1 = 1\nk2 = 2\nk3 = 3\njunk\n";
	int ret = inifile_parse("f.ini", data, sizeof(data) - 1, record, &t,
				&err);

	CHECK(ret == LS_EIO, "callback error: its code is returned");
	CHECK(t.nr == 2, "callback error: no call after it");
	CHECK_STR(err.msg, "cb: stop at 'k2'",
		  "callback error: its message is kept");
	buf_release(&t.calls);
}

int
main(void)
{
	test_good();
	test_line_limit();
	test_bad();
	test_bom();
	test_callback_error();
	return harness_done();
}
