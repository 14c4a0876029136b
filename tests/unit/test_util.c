/*
 * test_util.c - escaping for the terminal, buffers, files, hashing and
 * the error record
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "util.h"

#define IN(s) s, sizeof(s) - 1

static const struct {
	const char *name;
	const char *in;
	size_t len;
	int quote;
	const char *out;
} esc[] = {
	{ "plain text", IN("key = v"), 0, "key = v" },
	{ "ESC", IN("\x1b[31mred"), 0, "\\x1b[31mred" },
	{ "newline", IN("a\nb"), 0, "a\\nb" },
	{ "tab", IN("a\tb"), 0, "a\\tb" },
	{ "carriage return", IN("a\rb"), 0, "a\\x0db" },
	{ "NUL", IN("a\0b"), 0, "a\\x00b" },
	{ "backslash doubled", IN("a\\b"), 0, "a\\\\b" },
	{ "quote kept when quote=0", IN("\"q\""), 0, "\"q\"" },
	{ "quote escaped when quote=1", IN("\"q\""), 1, "\\\"q\\\"" },
	{ "DEL", IN("a\x7f"), 0, "a\\x7f" },
	{ "UTF-8 kept", IN("\xc3\xbcn\xc3\xaf"), 0, "\xc3\xbcn\xc3\xaf" },
	{ "emoji kept", IN("\xf0\x9f\x94\x91"), 0, "\xf0\x9f\x94\x91" },
	{ "U+00A0 kept", IN("\xc2\xa0"), 0, "\xc2\xa0" },
	{ "U+10FFFF kept", IN("\xf4\x8f\xbf\xbf"), 0, "\xf4\x8f\xbf\xbf" },
	{ "0xff", IN("\xff"), 0, "\\xff" },
	{ "lone 0xc3 at the end", IN("a\xc3"), 0, "a\\xc3" },
	{ "0xc3 before ASCII", IN("\xc3("), 0, "\\xc3(" },
	{ "lone continuation byte", IN("\x80"), 0, "\\x80" },
	{ "overlong c0 af", IN("\xc0\xaf"), 0, "\\xc0\\xaf" },
	{ "overlong e0 80 af", IN("\xe0\x80\xaf"), 0, "\\xe0\\x80\\xaf" },
	{ "overlong f0 80 80 af", IN("\xf0\x80\x80\xaf"), 0,
	  "\\xf0\\x80\\x80\\xaf" },
	{ "surrogate ed a0 80", IN("\xed\xa0\x80"), 0, "\\xed\\xa0\\x80" },
	{ "above U+10FFFF", IN("\xf4\x90\x80\x80"), 0,
	  "\\xf4\\x90\\x80\\x80" },
	{ "cut emoji", IN("\xf0\x9f\x94"), 0, "\\xf0\\x9f\\x94" },
	{ "C1 U+0085", IN("\xc2\x85"), 0, "\\xc2\\x85" },
	{ "C1 CSI U+009B", IN("\xc2\x9b" "2J"), 0, "\\xc2\\x9b2J" },
	{ "empty", IN(""), 0, "" },
};

static void
test_escaped_table(void)
{
	for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		struct buf b = BUF_INIT;

		buf_addstr(&b, ">");
		buf_add_escaped(&b, esc[i].in, esc[i].len, esc[i].quote);
		CHECK_STR(b.ptr + 1, esc[i].out, "escape: %s", esc[i].name);
		buf_release(&b);
	}
}

/*
 * Strict UTF-8 (Unicode table 3-7), written apart from util.c's. Returns
 * the length of the sequence at p, 0 if invalid or a C1 control.
 */
static size_t
valid_seq(const unsigned char *p, size_t len)
{
	static const struct {
		unsigned char lo[4], hi[4];
		size_t n;
	} forms[] = {
		{ { 0xc2, 0xa0 }, { 0xc2, 0xbf }, 2 },	/* past C1 */
		{ { 0xc3, 0x80 }, { 0xdf, 0xbf }, 2 },
		{ { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
		{ { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
		{ { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
		{ { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
		{ { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
	};

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		size_t n = forms[f].n, i;
		if (n > len)
			continue;
		for (i = 0; i < n; i++)
			if (p[i] < forms[f].lo[i] || p[i] > forms[f].hi[i])
				break;
		if (i == n)
			return n;
	}
	return 0;
}

/* 1 when out holds only printable ASCII and valid non-C1 UTF-8. */
static int
terminal_safe(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->ptr;

	for (size_t i = 0; i < b->len;) {
		size_t n;
		if (p[i] >= 0x20 && p[i] < 0x7f)
			i++;
		else if ((n = valid_seq(p + i, b->len - i)) > 0)
			i += n;
		else
			return 0;
	}
	return 1;
}

/* Every input of 1 and 2 bytes, and pseudo-random ones up to 12. */
static void
test_escaped_safe(void)
{
	uint32_t seed = 12345;
	unsigned char in[12];
	int bad = 0, keeps = 0;

	for (unsigned v = 0; v < 65536 + 256 && !bad; v++) {
		struct buf b = BUF_INIT;
		size_t n = v < 256 ? 1 : 2;
		in[0] = (unsigned char)(v < 256 ? v : (v - 256) >> 8);
		in[1] = (unsigned char)(v - 256);
		buf_add_escaped(&b, (const char *)in, n, 1);
		bad = !terminal_safe(&b);
		/* What stays unescaped must be exactly the safe input. */
		if (b.len == n && memcmp(b.ptr, in, n) == 0) {
			keeps++;
			bad |= valid_seq(in, n) != n && !(in[0] >= 0x20 &&
			       in[0] < 0x7f && (n == 1 || (in[1] >= 0x20 &&
			       in[1] < 0x7f)));
		}
		if (bad)
			printf("# unsafe for %02x %02x\n", in[0], in[1]);
		buf_release(&b);
	}
	CHECK(!bad && keeps > 0, "escape: every 1- and 2-byte input is safe");
	for (int t = 0; t < 200000 && !bad; t++) {
		struct buf b = BUF_INIT;
		size_t n = 1 + t % sizeof(in);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			/* Favour the bytes that start sequences. */
			in[i] = (unsigned char)((seed >> 16) & 1 ?
						0x80 | (seed >> 8) : seed >> 8);
		}
		buf_add_escaped(&b, (const char *)in, n, t & 1);
		bad = !terminal_safe(&b);
		buf_release(&b);
	}
	CHECK(!bad, "escape: random inputs give no control byte, no C1, no "
	      "invalid UTF-8");
}

static void
test_buf(void)
{
	struct buf b = BUF_INIT;
	char big[301];

	buf_printf(&b, "%s", "");
	CHECK(b.ptr && b.len == 0 && b.ptr[0] == '\0',
	      "buf_printf of nothing leaves a terminated empty buffer");
	buf_printf(&b, "%s-%d", "x", 42);
	buf_printf(&b, "/%c", 'y');
	CHECK_STR(b.ptr, "x-42/y", "buf_printf appends");
	CHECK(b.len == 6, "buf_printf keeps len");
	buf_reset(&b);
	CHECK(b.len == 0 && b.ptr && b.ptr[0] == '\0', "buf_reset empties");
	buf_printf(&b, "%0300d", 7);
	memset(big, '0', 299);
	big[299] = '7';
	big[300] = '\0';
	CHECK_STR(b.ptr, big, "buf_printf grows past the first block");
	buf_add(&b, "\0z", 2);
	CHECK(b.len == 302 && b.ptr[300] == '\0' && b.ptr[301] == 'z' &&
	      b.ptr[302] == '\0', "buf_add takes NUL bytes and terminates");
	buf_release(&b);
	CHECK(b.ptr == NULL && b.len == 0 && b.alloc == 0,
	      "buf_release empties");
	buf_release(&b);
}

static void
test_err(void)
{
	struct ls_err err = { 0, "" };

	CHECK(ls_err_set(&err, LS_EIO, "first %d", 1) == LS_EIO &&
	      ls_err_set(&err, LS_EPARSE, "second") == LS_EPARSE,
	      "ls_err_set returns its code");
	CHECK(err.code == LS_EIO && !strcmp(err.msg, "first 1"),
	      "the first error sticks");
	ls_err_clear(&err);
	CHECK(err.code == 0 && err.msg[0] == '\0', "ls_err_clear clears");
	CHECK(ls_err_set(NULL, LS_EHS, "x") == LS_EHS, "NULL err is allowed");
}

static void
test_hash(void)
{
	static const struct {
		const char *s;
		uint64_t h;
	} rows[] = {
		/* Published FNV-1a 64 test vectors. */
		{ "", 0xcbf29ce484222325ULL },
		{ "a", 0xaf63dc4c8601ec8cULL },
		{ "foobar", 0x85944171f73967e8ULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK(hash_fnv1a(HASH_FNV_INIT, rows[i].s, strlen(rows[i].s)) ==
		      rows[i].h, "fnv1a of '%s'", rows[i].s);
	CHECK(hash_fnv1a(hash_fnv1a(HASH_FNV_INIT, "foo", 3), "bar", 3) ==
	      0x85944171f73967e8ULL, "fnv1a in two steps");
}

static void
test_files(const char *dir)
{
	struct buf path = BUF_INIT, other = BUF_INIT, got = BUF_INIT;
	struct buf big = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct stat st;
	static const char data[] = "line\0with NUL\n";

	buf_printf(&path, "%s/f", dir);
	buf_printf(&other, "%s/l", dir);
	CHECK(write_file_atomic(path.ptr, data, sizeof(data) - 1, 0600,
				&err) == 0, "write_file_atomic writes");
	CHECK(stat(path.ptr, &st) == 0 && (st.st_mode & 0777) == 0600,
	      "write_file_atomic: mode 0600");
	CHECK(fixture_count(dir) == 1, "write_file_atomic: no temporary left");
	CHECK(read_file(&got, path.ptr, &err) == 0 &&
	      got.len == sizeof(data) - 1 &&
	      !memcmp(got.ptr, data, got.len), "read_file reads it back");
	buf_reset(&got);

	for (int i = 0; i < 200000; i++)
		buf_addch(&big, (char)(i * 7 + i / 256));
	CHECK(write_file_atomic(path.ptr, big.ptr, big.len, 0644, &err) == 0,
	      "write_file_atomic replaces a file");
	CHECK(read_file(&got, path.ptr, &err) == 0 && got.len == big.len &&
	      !memcmp(got.ptr, big.ptr, big.len),
	      "read_file: 200000 bytes round trip");
	buf_reset(&got);

	CHECK(symlink(path.ptr, other.ptr) == 0, "symlink made");
	CHECK(read_file(&got, other.ptr, &err) == LS_EIO && got.len == 0,
	      "read_file refuses a symlink");
	CHECK_HAS(err.msg, other.ptr, "read_file: error names the link");
	ls_err_clear(&err);
	CHECK(read_file(&got, dir, &err) == LS_EIO,
	      "read_file refuses a directory");
	ls_err_clear(&err);
	buf_reset(&other);
	buf_printf(&other, "%s/missing", dir);
	CHECK(read_file(&got, other.ptr, &err) == LS_EIO,
	      "read_file: missing file is LS_EIO");
	ls_err_clear(&err);
	buf_reset(&other);
	buf_printf(&other, "%s/no/such/dir/f", dir);
	CHECK(write_file_atomic(other.ptr, "x", 1, 0600, &err) == LS_EIO,
	      "write_file_atomic into a missing directory fails");
	ls_err_clear(&err);

	buf_reset(&other);
	buf_printf(&other, "%s/d1/d2/d3", dir);
	CHECK(mkdir_p(other.ptr, 0700, &err) == 0 &&
	      stat(other.ptr, &st) == 0 && S_ISDIR(st.st_mode) &&
	      (st.st_mode & 0777) == 0700, "mkdir_p makes nested dirs 0700");
	CHECK(mkdir_p(other.ptr, 0700, &err) == 0, "mkdir_p: existing is fine");
	buf_reset(&other);
	buf_printf(&other, "%s/f/sub", dir);
	CHECK(mkdir_p(other.ptr, 0700, &err) == LS_EIO,
	      "mkdir_p through a file fails");

	buf_release(&big);
	buf_release(&got);
	buf_release(&other);
	buf_release(&path);
}

/* Mapped arrays: zeroed, writable, grown in place or moved with content. */
static void
test_map(void)
{
	size_t n = 3 << 20, zero = 0, kept = 0;
	unsigned char *p = xmap(n), *q;

	for (size_t i = 0; i < n; i++)
		zero += p[i] == 0;
	CHECK(zero == n, "xmap: %zu bytes, all zero", n);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	q = xmap_grow(p, n, 3 * n);
	for (size_t i = 0; i < n; i++)
		kept += q[i] == (unsigned char)(i * 7);
	zero = 0;
	for (size_t i = n; i < 3 * n; i++)
		zero += q[i] == 0;
	CHECK(kept == n && zero == 2 * n,
	      "xmap_grow: the first %zu bytes kept, the new ones zero", n);
	memset(q + n, 1, 2 * n);
	CHECK(xmap_grow(q, 3 * n, n) == q, "xmap_grow to a smaller size: "
	      "the same mapping");
	xunmap(q, 3 * n);
	xunmap(NULL, 10);
	p = xmap_grow(NULL, 0, 100);
	CHECK(p != NULL && p[99] == 0, "xmap_grow of NULL maps");
	xunmap(p, 100);
}

int
main(void)
{
	char dir[4096];

	test_escaped_table();
	test_escaped_safe();
	test_buf();
	test_err();
	test_hash();
	test_map();
	if (CHECK(fixture_tmpdir(dir, sizeof(dir)) == 0, "temporary dir")) {
		test_files(dir);
		fixture_rmtree(dir);
	}
	return harness_done();
}
