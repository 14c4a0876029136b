/*
 * test_finding.c - raw matches to findings: place, secret span,
 * redaction, de-duplication, fingerprints and the fingerprint key
 *
 * The rules are this file's own, so the checks do not move when
 * patterns/ changes. Token-like strings are split in two.
 */
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "finding.h"
#include "fixture.h"
#include "harness.h"
#include "lines.h"
#include "rules.h"
#include "scan.h"
#include "util.h"

static const char rules_text[] =
	"[tok]\ndescription = token\nregex = \\b(tok_[a-z0-9]{20})\\b\n"
	"[seven]\ndescription = seven\nregex = \\b(s[0-9]{6})\\b\n"
	"[tiny]\ndescription = tiny\nregex = \\b(q[0-9]{2})\\b\n"
	"[pass]\ndescription = group\nregex = pass=([A-Z]{8})\n"
	"[rep]\ndescription = repeat\nregex = (rep_[a-z]{4})(?:-x)*\n"
	"[ver]\ndescription = tail\nregex = ver_[a-z]{4}(?:-[0-9])*\n";

#define TOK "tok_" "abcdefghij0123456789"

struct env {
	struct rule_set rules;
	struct db *db;
	struct scanner *scanner;
	struct confirmer *confirmer;
	unsigned char key[LS_KEY_LEN];
};

static int
env_open(struct env *e)
{
	struct ls_err err = { 0, "" };
	int ret;

	memset(e, 0, sizeof(*e));
	rules_init(&e->rules);
	ret = rules_add_text(&e->rules, "t.ini", rules_text,
			     strlen(rules_text), &err);
	if (ret == 0)
		ret = rules_finish(&e->rules, &err);
	if (ret == 0)
		ret = db_compile(&e->db, &e->rules, &err);
	if (ret == 0)
		ret = scanner_new(&e->scanner, e->db, &err);
	if (ret == 0)
		ret = confirmer_new(&e->confirmer, &e->rules, e->db, &err);
	if (ret)
		printf("#   error: %s\n", err.msg);
	memset(e->key, 7, sizeof(e->key));
	return ret;
}

static void
env_close(struct env *e)
{
	confirmer_free(e->confirmer);
	scanner_free(e->scanner);
	db_free(e->db);
	rules_release(&e->rules);
}

/* Scan a, collect into out; returns finding_collect's result. */
static int
collect(struct env *e, const struct added *a, struct finding_list *out)
{
	struct raw_matches raw = { NULL, 0, 0 };
	struct ls_err err = { 0, "" };
	int ret = scan_buffer(e->scanner, a->data, a->len, &raw, &err);

	if (ret == 0)
		ret = finding_collect(out, e->confirmer, &raw, a, "f.txt",
				      e->key, &err);
	raw_matches_release(&raw);
	return ret;
}

/*
 * Line 2 holds the same secret twice; line 4 gives four raw ends for one
 * secret; line 5 three ends of which the longest is kept.
 */
static const char text[] =
	"first line\n"
	"k = " TOK " " TOK "\n"
	"s123456 q12 pass=ABCDEFGH\n"
	"rep_abcd-x-x-x\n"
	"ver_abcd-1-2\n";

static const struct {
	const char *rule;
	size_t line, col;
	const char *secret, *redacted;
} want[] = {
	{ "tok", 2, 5, TOK, "tok_" },
	{ "tok", 2, 30, TOK, "tok_" },
	{ "seven", 3, 1, "s123456", "s" },
	{ "tiny", 3, 9, "q12", "" },
	{ "pass", 3, 18, "ABCDEFGH", "AB" },
	{ "rep", 4, 1, "rep_abcd", "re" },
	{ "ver", 5, 1, "ver_abcd-1-2", "ver" },
};

static void
test_collect(struct env *e)
{
	struct finding_list l = { NULL, 0, 0 };
	struct added a;
	size_t n = sizeof(want) / sizeof(want[0]);

	lines_whole(&a, text, sizeof(text) - 1);
	CHECK(collect(e, &a, &l) == 0, "collect works");
	CHECK(l.nr == n, "%zu findings", n);
	for (size_t i = 0; i < l.nr && i < n; i++) {
		const struct finding *f = &l.items[i];
		const char *id = e->rules.rules[f->rule].id;
		char fp[LS_FINGERPRINT_LEN + 1];

		CHECK_STR(id, want[i].rule, "finding %zu: rule", i);
		CHECK(f->line == want[i].line && f->col == want[i].col,
		      "finding %zu: at %zu:%zu", i, want[i].line, want[i].col);
		CHECK(f->confirmed && f->secret_len == strlen(want[i].secret) &&
		      !memcmp(f->secret, want[i].secret, f->secret_len),
		      "finding %zu: confirmed secret '%s'", i,
		      want[i].secret);
		CHECK_STR(f->redacted, want[i].redacted,
			  "finding %zu: redacted to %zu bytes", i,
			  strlen(want[i].redacted));
		CHECK(strlen(f->redacted) <= 4 &&
		      strlen(f->redacted) <= f->secret_len / 4,
		      "finding %zu: at most 4 bytes and a quarter shown", i);
		CHECK_STR(f->path, "f.txt", "finding %zu: path", i);
		finding_fingerprint(fp, e->key, id, f->secret, f->secret_len);
		CHECK_STR(f->fingerprint, fp, "finding %zu: fingerprint", i);
	}
	if (l.nr >= 2) {
		CHECK(l.items[0].secret != l.items[1].secret &&
		      !strcmp(l.items[0].fingerprint, l.items[1].fingerprint),
		      "same secret twice: two places, one fingerprint");
	}
	finding_forget_secrets(&l, 0);
	CHECK(l.nr && l.items[0].secret == NULL && l.items[l.nr - 1].secret ==
	      NULL, "finding_forget_secrets drops the pointers");
	if (l.nr == n) {
		finding_remove(&l, 1);
		CHECK(l.nr == n - 1 && l.items[1].col == 1 &&
		      l.items[1].line == 3, "finding_remove keeps the order");
	}
	finding_list_release(&l);
	CHECK(l.nr == 0 && l.items == NULL, "finding_list_release empties");
}

/* Same raw match given twice, and raw matches that must be ignored. */
static void
test_raw(struct env *e)
{
	static const char t[] = "x " TOK "\n";
	struct raw_match items[] = {
		{ 0, 26 }, { 0, 26 },	/* the same raw match twice */
		{ 9, 26 },		/* no such rule */
		{ 0, 99 },		/* past the buffer */
	};
	struct raw_matches raw = { items, 4, 4 };
	struct finding_list l = { NULL, 0, 0 };
	struct ls_err err = { 0, "" };
	struct added a;

	lines_whole(&a, t, sizeof(t) - 1);
	CHECK(finding_collect(&l, e->confirmer, &raw, &a, "f", e->key,
			      &err) == 0 && l.nr == 1 && l.items[0].col == 3,
	      "a repeated raw match gives one finding; bad ones none");
	finding_list_release(&l);

	/* Hyperscan and PCRE2 disagree: reported anyway, unconfirmed. */
	static const char u[] = "line one\nnothing here to see\n";
	struct raw_match odd[] = { { 0, 16 } };
	struct raw_matches raw2 = { odd, 1, 1 };
	lines_whole(&a, u, sizeof(u) - 1);
	CHECK(finding_collect(&l, e->confirmer, &raw2, &a, "f", e->key,
			      &err) == 0 && l.nr == 1, "unconfirmed match is "
	      "still a finding");
	CHECK(l.nr == 1 && !l.items[0].confirmed && l.items[0].line == 2 &&
	      l.items[0].col == 1 && l.items[0].secret_len == 7,
	      "unconfirmed: the line's text up to the match end");
	finding_list_release(&l);
}

/* Added lines of a changed file: places are the new file's lines. */
static void
test_added_lines(struct env *e)
{
	static const char t[] = "ok\nkey: " TOK "\n";
	struct added_line lines[] = { { 0, 7 }, { 3, 12 } };
	struct added a;
	struct finding_list l = { NULL, 0, 0 };

	memset(&a, 0, sizeof(a));
	a.data = t;
	a.len = sizeof(t) - 1;
	a.lines = lines;
	a.nr = a.alloc = 2;
	CHECK(collect(e, &a, &l) == 0 && l.nr == 1 && l.items[0].line == 12 &&
	      l.items[0].col == 6, "added lines: finding at new-file 12:6");
	finding_list_release(&l);
}

static int
is_hex16(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == LS_FINGERPRINT_LEN && s[n] == '\0';
}

static void
test_fingerprint(void)
{
	unsigned char k1[LS_KEY_LEN], k2[LS_KEY_LEN];
	char a[LS_FINGERPRINT_LEN + 1], b[LS_FINGERPRINT_LEN + 1];

	memset(k1, 1, sizeof(k1));
	memcpy(k2, k1, sizeof(k2));
	k2[31] ^= 1;
	finding_fingerprint(a, k1, "tok", "secret", 6);
	CHECK(is_hex16(a), "fingerprint is 16 lowercase hex digits");
	finding_fingerprint(b, k1, "tok", "secret", 6);
	CHECK(!strcmp(a, b), "fingerprint: same input, same value");
	finding_fingerprint(b, k2, "tok", "secret", 6);
	CHECK(is_hex16(b) && strcmp(a, b), "fingerprint: key counts");
	finding_fingerprint(b, k1, "tok2", "secret", 6);
	CHECK(strcmp(a, b), "fingerprint: rule id counts");
	finding_fingerprint(b, k1, "tok", "secreT", 6);
	CHECK(strcmp(a, b), "fingerprint: secret counts");
	finding_fingerprint(b, k1, "tok", "secret", 5);
	CHECK(strcmp(a, b), "fingerprint: only len bytes count");
	finding_fingerprint(a, k1, "ab", "c", 1);
	finding_fingerprint(b, k1, "a", "bc", 2);
	CHECK(strcmp(a, b), "fingerprint: id and secret do not run together");
}

static void
test_key(void)
{
	char dir[4096];
	unsigned char k1[LS_KEY_LEN], k2[LS_KEY_LEN], zero[LS_KEY_LEN] = { 0 };
	struct buf kdir = BUF_INIT, kfile = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct stat st;

	CHECK(finding_key_load(k1, NULL, &err) == 0 &&
	      !memcmp(k1, zero, LS_KEY_LEN), "no dir: all-zero key");
	if (!CHECK(fixture_tmpdir(dir, sizeof(dir)) == 0, "temporary dir"))
		return;
	buf_printf(&kdir, "%s/git/leakstop", dir);
	buf_printf(&kfile, "%s/key", kdir.ptr);
	CHECK(finding_key_load(k1, kdir.ptr, &err) == 0,
	      "key made in a new dir");
	CHECK(memcmp(k1, zero, LS_KEY_LEN), "new key is not all zero");
	CHECK(stat(kfile.ptr, &st) == 0 && S_ISREG(st.st_mode) &&
	      st.st_size == LS_KEY_LEN && (st.st_mode & 0777) == 0600,
	      "key file: 32 bytes, mode 0600");
	CHECK(stat(kdir.ptr, &st) == 0 && (st.st_mode & 0777) == 0700,
	      "key dir: mode 0700");
	CHECK(finding_key_load(k2, kdir.ptr, &err) == 0 &&
	      !memcmp(k1, k2, LS_KEY_LEN), "key: same on the next call");
	CHECK(write_file_atomic(kfile.ptr, "short", 5, 0600, &err) == 0 &&
	      finding_key_load(k2, kdir.ptr, &err) == LS_EPARSE,
	      "key file of 5 bytes is refused");
	CHECK_HAS(err.msg, "32-byte key", "short key: message");
	wipe(k1, sizeof(k1));
	wipe(k2, sizeof(k2));
	buf_release(&kfile);
	buf_release(&kdir);
	fixture_rmtree(dir);
}

int
main(void)
{
	struct env e;

	if (CHECK(env_open(&e) == 0, "rules compiled, scanner ready")) {
		test_collect(&e);
		test_raw(&e);
		test_added_lines(&e);
	}
	env_close(&e);
	test_fingerprint();
	test_key();
	return harness_done();
}
