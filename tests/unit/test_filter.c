/*
 * test_filter.c - the placeholder stop list, the entropy measure and
 * filter_apply, which only removes
 *
 * Token-like strings are split in two ("AKIA" "...") so that no file of
 * the project holds a whole one for its own hook to find.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "filter.h"
#include "harness.h"
#include "rules.h"
#include "util.h"

static const struct {
	const char *s;
	int placeholder;
} words[] = {
	{ "AKIA" "IOSFODNN7EXAMPLE", 1 },
	{ "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" "EXAMPLEKEY", 1 },
	{ "example", 1 },
	{ "xxxxxxxxxxxxxxxx", 1 },
	{ "sk_live_XXXX" "XXXXXXXXXXXX", 1 },
	{ "<token>", 1 },
	{ "<YOUR_API_KEY>", 1 },
	{ "${API_TOKEN}", 1 },
	{ "{{ .Values.x }}", 1 },
	{ "changeme", 1 },
	{ "ChangeMe123", 1 },
	{ "change_me", 1 },
	{ "your_api_key_here", 1 },
	{ "your-secret", 1 },
	{ "PLACEHOLDER", 1 },
	{ "dummy-token", 1 },
	{ "sample_key", 1 },
	{ "REDACTED", 1 },
	{ "********", 1 },
	{ "abcd...wxyz", 1 },
	{ "password", 1 },
	{ "Password", 1 },
	{ "$MYSQL_ROOT_PASSWORD", 1 },
	{ "%DB_PASS%", 1 },
	{ "xoxb-1234567890-1234567890-zzz", 1 },
	{ "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
	  "K1SZFPTOtr/KBHBeksoGMGw==", 1 },
	{ "2YotnFZFEjr1zCsicMWpAA", 1 },	/* RFC 6749's examples */
	{ "tGzv3JOkF0XG5Qx2TlKWIA", 1 },
	{ "SplxlOBeZQQYbYS6WxSbIA", 1 },
	{ "czZCaGRSa3F0MzpnWDFmQmF0M2JW", 1 },
	{ "ad180jjd733klru7", 1 },		/* RFC 5849's */
	{ "2YotnFZFEjr1zCsicMWpAB", 0 },	/* one character off */
	{ "%s", 1 },
	{ "UkVQTEFDRV9NRQ==", 1 },	/* base64 of REPLACE_ME */
	{ "q8Zr2LmT5vX9nB4kW7cJpA==", 0 },
	{ "%(password)s", 1 },
	{ "{pw}", 1 },
	{ "random_password.db.result", 1 },
	{ "k9.Qz7", 0 },
	{ "password-with-more-9Xq", 0 },
	{ "$2b$12$abc", 0 },
	{ "q8Zr2LmT5v" "X9nB4kW7cJ", 0 },
	{ "tok_" "7f3a9c1e5b2d8f4a6c0e", 0 },
	{ "Zm9vYmFyYmF6cXV4" "cXV1eHh5enp5", 0 },
	{ "xxx", 0 },
	{ "exampl", 0 },
	{ "", 0 },
};

static void
test_placeholder(void)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		CHECK(filter_is_placeholder(words[i].s, strlen(words[i].s)) ==
		      words[i].placeholder, "'%s' %s a placeholder",
		      words[i].s, words[i].placeholder ? "is" : "is not");
	/* Only len bytes count. */
	CHECK(filter_is_placeholder("k9Qz" "EXAMPLE", 4) == 0,
	      "a stop word past len is not seen");
}

static void
test_entropy(void)
{
	static const struct {
		const char *s;
		double bits;
	} rows[] = {
		{ "", 0 },
		{ "a", 0 },
		{ "aaaa", 0 },
		{ "ab", 1 },
		{ "aabb", 1 },
		{ "abcd", 2 },
		{ "abcdefgh", 3 },
		{ "abcdefghijklmnop", 4 },
		{ "aaab", 0.8112781244591328 },
	};
	unsigned char all[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double h = filter_entropy(rows[i].s, strlen(rows[i].s));
		CHECK(fabs(h - rows[i].bits) < 1e-9, "entropy of '%s' is %g",
		      rows[i].s, rows[i].bits);
	}
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	CHECK(fabs(filter_entropy((const char *)all, 256) - 8) < 1e-9,
	      "entropy of all 256 bytes is 8");
}

/* CRC-32 (IEEE), table-driven: written apart from filter.c's. */
static uint32_t
crc32_ref(const char *s, size_t len)
{
	static uint32_t table[256];
	uint32_t c = 0xffffffffu;

	if (table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t t = i;
			for (int k = 0; k < 8; k++)
				t = t & 1 ? 0xedb88320u ^ (t >> 1) : t >> 1;
			table[i] = t;
		}
	for (size_t i = 0; i < len; i++)
		c = table[(c ^ (unsigned char)s[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

/* prefix, 30 characters, then 6 base62 digits of their CRC-32. */
static void
make_crc_token(char *out, const char *prefix, const char *body30)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz";
	size_t p = strlen(prefix);
	uint32_t crc = crc32_ref(body30, 30);

	memcpy(out, prefix, p);
	memcpy(out + p, body30, 30);
	for (int i = 5; i >= 0; i--) {
		out[p + 30 + (size_t)i] = b62[crc % 62];
		crc /= 62;
	}
	out[p + 36] = '\0';
}

static void
test_validate(void)
{
	char tok[64], bad[64];
	/* JWT parts, split so no file holds a whole token. */
	static const char hs256[] = "eyJhbGciOiJIUzI1" "NiIsInR5cCI6IkpXVCJ9";
	static const char typ[] = "eyJ0eXAiOiJK" "V1QifQ";	/* no "alg" */
	static const char sub[] = "eyJzdWIi" "OiIxIn0";	/* {"sub":"1"} */
	static const char text[] = "bm90an" "Nvbg";		/* notjson */
	struct buf jwt = BUF_INIT;

	CHECK(crc32_ref("123456789", 9) == 0xcbf43926u,
	      "reference CRC-32 of '123456789'");
	make_crc_token(tok, "ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1");
	CHECK(filter_validate(LS_VALIDATE_BASE62_CRC32, tok, strlen(tok)),
	      "base62-crc32: a token with its CRC passes");
	CHECK(filter_validate(LS_VALIDATE_BASE62_CRC32, tok + 4,
			      strlen(tok) - 4), "base62-crc32: without prefix");
	memcpy(bad, tok, sizeof(tok));
	bad[10] = bad[10] == 'x' ? 'y' : 'x';
	CHECK(!filter_validate(LS_VALIDATE_BASE62_CRC32, bad, strlen(bad)),
	      "base62-crc32: one character changed fails");
	memcpy(bad, tok, sizeof(tok));
	bad[39] = bad[39] == '0' ? '1' : '0';
	CHECK(!filter_validate(LS_VALIDATE_BASE62_CRC32, bad, strlen(bad)),
	      "base62-crc32: a changed check digit fails");
	CHECK(!filter_validate(LS_VALIDATE_BASE62_CRC32, tok + 5,
			       strlen(tok) - 5), "base62-crc32: 35 bytes fail");
	CHECK(filter_validate(LS_VALIDATE_NONE, "x", 1),
	      "no validation: everything passes");

	buf_printf(&jwt, "%s.%s.c2lnbmF0dXJl", hs256, sub);
	CHECK(filter_validate(LS_VALIDATE_JWT, jwt.ptr, jwt.len),
	      "jwt: header with alg, JSON payload passes");
	buf_reset(&jwt);
	buf_printf(&jwt, "%s.%s.", hs256, sub);
	CHECK(filter_validate(LS_VALIDATE_JWT, jwt.ptr, jwt.len),
	      "jwt: empty signature passes");
	buf_reset(&jwt);
	buf_printf(&jwt, "%s.%s", hs256, sub);
	CHECK(!filter_validate(LS_VALIDATE_JWT, jwt.ptr, jwt.len),
	      "jwt: two parts fail");
	buf_reset(&jwt);
	buf_printf(&jwt, "%s.%s.c2ln", typ, sub);
	CHECK(!filter_validate(LS_VALIDATE_JWT, jwt.ptr, jwt.len),
	      "jwt: header without alg fails");
	buf_reset(&jwt);
	buf_printf(&jwt, "%s.%s.c2ln", hs256, text);
	CHECK(!filter_validate(LS_VALIDATE_JWT, jwt.ptr, jwt.len),
	      "jwt: payload that is not JSON fails");
	buf_release(&jwt);
}

/* A finding as finding_collect leaves it, with a borrowed secret. */
static void
add(struct finding_list *l, size_t rule, const char *secret)
{
	LS_GROW(l->items, l->nr + 1, l->alloc);
	struct finding *f = &l->items[l->nr++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->path = xstrdup("f.txt");
	f->redacted = xstrdup("");
	f->secret = secret;
	f->secret_len = secret ? strlen(secret) : 0;
}

static void
test_apply(void)
{
	static const char text[] =
		"[plain]\ndescription = d\nregex = a\n"
		"[floor]\ndescription = d\nregex = b\nentropy = 3\n";
	static const char *const secrets[] = {
		"q8Zr2LmT5v" "X9nB4kW7cJ",	/* 0 plain: kept */
		"abababababababab",		/* 1 plain: kept, no floor */
		"your_token_here",		/* 2 plain: placeholder */
		"abababababababab",		/* 3 floor: 1 bit, dropped */
		"q8Zr2LmT5v" "X9nB4kW7cJ",	/* 4 floor: kept */
		"${TOKEN}",			/* 5 floor: placeholder */
	};
	struct rule_set set;
	struct ls_err err = { 0, "" };
	struct finding_list l = { NULL, 0, 0 };

	rules_init(&set);
	CHECK(rules_add_text(&set, "t.ini", text, strlen(text), &err) == 0 &&
	      set.nr == 2, "filter_apply: rule set loads");
	if (set.nr != 2) {
		rules_release(&set);
		return;
	}
	add(&l, 0, "kept before from: " "xxxx");
	for (size_t i = 0; i < 6; i++)
		add(&l, i < 3 ? 0 : 1, secrets[i]);
	add(&l, 0, NULL);
	filter_apply(NULL, &l, 1, &set, NULL);
	CHECK(l.nr == 5, "filter_apply: 3 of 7 removed");
	CHECK(l.nr == 5 && l.items[0].secret_len == 22,
	      "filter_apply: items before 'from' are left alone");
	CHECK(l.nr == 5 && l.items[1].secret == secrets[0] &&
	      l.items[2].secret == secrets[1] &&
	      l.items[3].secret == secrets[4],
	      "filter_apply: the kept ones, in order");
	CHECK(l.nr == 5 && l.items[4].secret == NULL,
	      "filter_apply: a finding without secret is kept");
	finding_list_release(&l);
	rules_release(&set);
}

int
main(void)
{
	test_placeholder();
	test_entropy();
	test_validate();
	test_apply();
	return harness_done();
}
