/*
 * fuzz_escape.c - bytes through buf_add_escaped, without and with quote
 *
 * Invariants: the output has no byte < 0x20, no 0x7f, no C1 control
 * (0xc2 0x80..0x9f), is valid UTF-8 (no overlong form, surrogate or
 * code point past U+10FFFF); with quote every '"' is escaped; printable
 * ASCII input comes out the same except for '\' (and '"').
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

/* Length of the valid UTF-8 sequence at p, or 0 (independent of util.c). */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc0 && c < 0xe0) {
		n = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c < 0xf0) {
		n = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c < 0xf8) {
		n = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;	/* C1 control: must have been escaped */
	return n;
}

static void
check(const uint8_t *data, size_t size, int quote)
{
	struct buf b = BUF_INIT;
	const unsigned char *o;

	buf_add_escaped(&b, (const char *)data, size, quote);
	o = (const unsigned char *)b.ptr;
	FUZZ_CHECK(size == 0 || b.len >= size, "output %zu < input %zu",
		   b.len, size);
	FUZZ_CHECK(b.len <= 4 * size, "output %zu > 4 * %zu", b.len, size);
	FUZZ_CHECK(b.len == 0 || o[b.len] == '\0', "not NUL-terminated");
	for (size_t i = 0; i < b.len;) {
		FUZZ_CHECK(o[i] >= 0x20 && o[i] != 0x7f,
			   "quote %d: byte 0x%02x at %zu", quote, o[i], i);
		size_t n = utf8_seq(o + i, b.len - i);
		FUZZ_CHECK(n > 0, "quote %d: bad UTF-8 at %zu: %02x %02x",
			   quote, i, o[i], i + 1 < b.len ? o[i + 1] : 0);
		if (o[i] == '\\') {
			/* An escape: \\, \", \n, \t or \xNN. */
			FUZZ_CHECK(i + 1 < b.len, "lone '\\' at the end");
			unsigned char e = o[i + 1];
			FUZZ_CHECK(e == '\\' || e == 'n' || e == 't' ||
				   e == 'x' || (quote && e == '"'),
				   "escape '\\%c'", e);
			n = e == 'x' ? 4 : 2;
			FUZZ_CHECK(i + n <= b.len, "short \\x escape");
		} else if (quote) {
			FUZZ_CHECK(o[i] != '"', "unescaped '\"' at %zu", i);
		}
		i += n;
	}
	/* Unescaping gives the input back: nothing lost, nothing ambiguous. */
	unsigned char *back = malloc(b.len + 1);
	size_t nb = 0;
	FUZZ_CHECK(back != NULL, "out of memory");
	for (size_t i = 0; i < b.len; nb++) {
		if (o[i] != '\\') {
			back[nb] = o[i++];
		} else if (o[i + 1] == 'x') {
			back[nb] = (unsigned char)strtoul(
				(char[3]){ (char)o[i + 2], (char)o[i + 3], 0 },
				NULL, 16);
			i += 4;
		} else {
			back[nb] = o[i + 1] == 'n' ? '\n' :
				o[i + 1] == 't' ? '\t' : o[i + 1];
			i += 2;
		}
	}
	FUZZ_CHECK(nb == size && (size == 0 || !memcmp(back, data, size)),
		   "quote %d: unescaped output differs from the input", quote);
	free(back);
	/* Plain printable ASCII is copied as is. */
	int plain = 1;
	for (size_t i = 0; i < size && plain; i++)
		plain = data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\' &&
			data[i] != '"';
	if (plain)
		FUZZ_CHECK(b.len == size && (size == 0 ||
					     !memcmp(b.ptr, data, size)),
			   "printable input changed");
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, 0);
	check(data, size, 1);
	return 0;
}
