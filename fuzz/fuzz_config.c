/*
 * fuzz_config.c - the team's policy files through config.c
 *
 * Byte 0 picks the parser, the rest is its input:
 *   'p' .leakstop.ini: policy_parse against the built-in rules, and
 *       rules_add_prefixed for its [custom ID] sections
 *   'i' .leakstopignore: policy_parse_ignore, today before and after
 *       every date
 *   'b' .leakstop-baseline: policy_parse_baseline
 *   'k' .leakstop-known: policy_parse_known
 *   'g' git config: policy_personal over a start policy picked by
 *       byte 1, then three values one a line (empty or absent: unset)
 * Any other byte 0 picks one of them by its value modulo 5.
 *
 * Invariants: success, or LS_EPARSE (LS_EIO "f.ini: cannot parse" for
 * inih's own failure) with "f:<line>: " and 1 <= line <= lines of the
 * input; on success max_file_size is within 1..LS_MAX_FILE_SIZE_CAP,
 * booleans are 0 or 1, no allow entry matches everything (a path every
 * probe path, a regex or stopword every probe secret), lists stay under
 * their cap, [rule ID] names a rule that exists, a custom rule's entropy
 * is a number in 0..8; entry files give one entry per entry line, with
 * well-formed fingerprints, real expiry dates and sorted hashes;
 * personal settings only make the policy stricter. Everything is
 * released (LeakSanitizer checks).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "rules.h"

/*
 * What an allowlist entry that allows everything would match: every
 * path and secret of these. They include the probes of config.c, so
 * that what it rejects is rejected here too; the others guard it.
 */
static const char *const probe_paths[] = {
	"x", "any/deep/path/file.txt", ".env", "Makefile", "src/main.c",
	"a/b/c/d/e/f/g/h/i/j.txt", "-", "docs/README", NULL
};

static const char *const probe_secrets[] = {
	"0", "a", "Z", "0123456789", "abcdefghijklmnopqrstuvwxyz",
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "placeholder_token-0000+aaaa/ZZZZ==",
	"x9", NULL
};

static struct rule_set builtin;

static void
cleanup(void)
{
	rules_release(&builtin);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ls_err err = { 0, "" };

	(void)argc;
	(void)argv;
	rules_init(&builtin);
	if (rules_add_builtin(&builtin, &err) < 0 ||
	    rules_finish(&builtin, &err) < 0) {
		fprintf(stderr, "fuzz_config: %s\n", err.msg);
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* An error as every parser here must give it: on a line of the input. */
static void
check_error(int ret, const struct ls_err *err, const char *fname,
	    int lines)
{
	long line;

	FUZZ_CHECK(err->code == ret, "ret %d, code %d: %s", ret, err->code,
		   err->msg);
	if (ret == LS_EIO && !strcmp(fname, "f.ini")) {
		FUZZ_CHECK(!strcmp(err->msg, "f.ini: cannot parse"),
			   "message '%s'", err->msg);
		return;
	}
	FUZZ_CHECK(ret == LS_EPARSE, "ret %d: %s", ret, err->msg);
	line = fuzz_msg_line(err->msg, fname);
	FUZZ_CHECK(line >= 1 && line <= lines, "message '%s' (%d lines)",
		   err->msg, lines);
}

static int
every_path(const char *glob)
{
	for (const char *const *p = probe_paths; *p; p++)
		if (!policy_glob_match(glob, *p))
			return 0;
	return 1;
}

static int
every_secret(const char *re)
{
	int code, all = 1;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0,
				      &code, &off, NULL);
	pcre2_match_data *md;

	FUZZ_CHECK(c != NULL, "accepted regex '%s' does not compile", re);
	md = pcre2_match_data_create_from_pattern(c, NULL);
	FUZZ_CHECK(md != NULL, "out of memory");
	for (const char *const *s = probe_secrets; all && *s; s++)
		all = pcre2_match(c, (PCRE2_SPTR)*s, strlen(*s), 0, 0, md,
				  NULL) >= 0;
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	return all;
}

/* Stopwords match case-insensitively (filter.c). */
static int
contains_ci(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && tolower((unsigned char)s[i]) ==
		       tolower((unsigned char)word[i]))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static int
in_every_secret(const char *word)
{
	for (const char *const *s = probe_secrets; *s; s++)
		if (!contains_ci(*s, word))
			return 0;
	return 1;
}

static void
check_policy(const struct policy *p)
{
	FUZZ_CHECK(p->max_file_size >= 1 &&
		   p->max_file_size <= LS_MAX_FILE_SIZE_CAP,
		   "max_file_size %zu", p->max_file_size);
	FUZZ_CHECK((p->fail_closed == 0 || p->fail_closed == 1) &&
		   (p->inline_allow == 0 || p->inline_allow == 1) &&
		   (p->has_salt == 0 || p->has_salt == 1),
		   "booleans %d %d %d", p->fail_closed, p->inline_allow,
		   p->has_salt);
	FUZZ_CHECK(p->nr_paths <= 1000 && p->nr_regex <= 1000 &&
		   p->nr_stopwords <= 1000, "lists of %zu, %zu, %zu",
		   p->nr_paths, p->nr_regex, p->nr_stopwords);
	for (size_t i = 0; i < p->nr_paths; i++)
		FUZZ_CHECK(p->allow_paths[i][0] &&
			   !every_path(p->allow_paths[i]),
			   "path '%s' accepted", p->allow_paths[i]);
	for (size_t i = 0; i < p->nr_regex; i++)
		FUZZ_CHECK(p->allow_regex[i][0] &&
			   !every_secret(p->allow_regex[i]),
			   "regex '%s' accepted", p->allow_regex[i]);
	for (size_t i = 0; i < p->nr_stopwords; i++)
		FUZZ_CHECK(strlen(p->stopwords[i]) >= 3 &&
			   !in_every_secret(p->stopwords[i]),
			   "stopword '%s' accepted", p->stopwords[i]);
	for (size_t i = 0; i < p->nr_rules; i++) {
		const struct rule_policy *rp = &p->rules[i];
		FUZZ_CHECK(rules_find(&builtin, rp->id) != NULL,
			   "[rule %s] accepted", rp->id);
		FUZZ_CHECK((rp->enabled == 0 || rp->enabled == 1) &&
			   (rp->severity == LS_SEV_BLOCK ||
			    rp->severity == LS_SEV_WARN),
			   "[rule %s]: enabled %d, severity %d", rp->id,
			   rp->enabled, (int)rp->severity);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(p->rules[j].id, rp->id),
				   "[rule %s] twice", rp->id);
	}
}

static void
fuzz_policy(const char *data, size_t len, int lines)
{
	struct policy p;
	struct rule_set custom;
	struct ls_err err = { 0, "" };
	int ret;

	policy_init(&p);
	ret = policy_parse(&p, "f.ini", data, len, &builtin, &err);
	if (ret == 0) {
		FUZZ_CHECK(err.code == 0, "error set on success: %s", err.msg);
		check_policy(&p);
	} else {
		check_error(ret, &err, "f.ini", lines);
	}
	policy_release(&p);

	/* The same text as engine_add_custom reads it. */
	rules_init(&custom);
	ls_err_clear(&err);
	ret = rules_add_prefixed(&custom, "f.ini", data, len, "custom ", &err);
	if (ret < 0)
		check_error(ret, &err, "f.ini", lines);
	for (size_t i = 0; ret == 0 && i < custom.nr; i++) {
		const struct rule *r = &custom.rules[i];
		FUZZ_CHECK(r->id[0] && r->description && r->regex &&
			   r->regex[0], "custom rule %zu incomplete", i);
		FUZZ_CHECK(!isnan(r->min_entropy) && r->min_entropy >= 0 &&
			   r->min_entropy <= 8, "custom '%s': entropy %f",
			   r->id, r->min_entropy);
		FUZZ_CHECK(r->lineno >= 1 && r->lineno < r->regex_lineno &&
			   r->regex_lineno <= lines,
			   "custom '%s' at %d, regex at %d, %d lines", r->id,
			   r->lineno, r->regex_lineno, lines);
	}
	rules_release(&custom);
}

/*
 * The entry lines of an entry file, as config.h describes it: lines
 * split at '\n', blank ones and '#' comments (after blanks) left out.
 * cb gets each entry, leading and trailing blanks dropped.
 */
static size_t
each_entry(const char *data, size_t len,
	   void (*cb)(const char *s, size_t n, void *payload), void *payload)
{
	const char *p = data, *end = data + len;
	size_t nr = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		while (p < e && strchr(" \t\r\f\v", *p))
			p++;
		while (e > p && strchr(" \t\r\f\v", e[-1]))
			e--;
		if (p < e && *p != '#') {
			nr++;
			if (cb)
				cb(p, (size_t)(e - p), payload);
		}
		p = nl ? nl + 1 : end;
	}
	return nr;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A real date in the Gregorian calendar, from 1970 on. */
static int
real_date(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };
	int v[3] = { 0, 0, 0 }, at = 0;

	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return 0;
			at++;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v[at] = v[at] * 10 + (s[i] - '0');
		} else {
			return 0;
		}
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1)
		return 0;
	return v[2] <= days[v[1] - 1] + (v[1] == 2 && leap(v[0]));
}

static int
is_fp(const char *s)
{
	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[16] == '\0';
}

/* An accepted entry with an expiry has a real date after it. */
static void
check_expiry(const char *s, size_t n, void *payload)
{
	size_t i = 0;

	(void)payload;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	while (i < n && strchr(" \t\r\f\v", s[i]))
		i++;
	if (n - i >= 8 && !memcmp(s + i, "expires=", 8)) {
		FUZZ_CHECK(n - i >= 18 && real_date(s + i + 8),
			   "entry '%.*s' accepted", (int)n, s);
	}
}

static void
fuzz_ignore(const char *data, size_t len, int lines)
{
	struct policy a, b;
	struct ls_err ea = { 0, "" }, eb = { 0, "" };
	int ra, rb;

	policy_init(&a);
	policy_init(&b);
	/* Nothing has expired yet, then everything dated has. */
	ra = policy_parse_ignore(&a, "f", data, len, "0000-00-00", &ea);
	rb = policy_parse_ignore(&b, "f", data, len, "9999-12-31", &eb);
	FUZZ_CHECK(ra == rb && !strcmp(ea.msg, eb.msg),
		   "today changed the result: %d '%s', %d '%s'", ra, ea.msg,
		   rb, eb.msg);
	if (ra == 0) {
		FUZZ_CHECK(a.nr_expired == 0, "%zu expired", a.nr_expired);
		FUZZ_CHECK(a.nr_ignored == each_entry(data, len, check_expiry,
						      NULL),
			   "%zu entries", a.nr_ignored);
		FUZZ_CHECK(b.nr_ignored + b.nr_expired == a.nr_ignored,
			   "%zu + %zu of %zu", b.nr_ignored, b.nr_expired,
			   a.nr_ignored);
		for (size_t i = 0; i < a.nr_ignored; i++)
			FUZZ_CHECK(is_fp(a.ignored[i]), "fingerprint '%.17s'",
				   a.ignored[i]);
		for (size_t i = 0; i < b.nr_ignored; i++)
			FUZZ_CHECK(policy_fp_listed(a.ignored, a.nr_ignored,
						    b.ignored[i]),
				   "fingerprint '%s'", b.ignored[i]);
	} else {
		check_error(ra, &ea, "f", lines);
	}
	policy_release(&b);
	policy_release(&a);
}

static void
fuzz_baseline(const char *data, size_t len, int lines)
{
	struct policy p;
	struct ls_err err = { 0, "" };
	int ret;

	policy_init(&p);
	ret = policy_parse_baseline(&p, "f", data, len, &err);
	if (ret == 0) {
		FUZZ_CHECK(p.nr_baseline == each_entry(data, len, NULL, NULL),
			   "%zu entries", p.nr_baseline);
		for (size_t i = 0; i < p.nr_baseline; i++)
			FUZZ_CHECK(is_fp(p.baseline[i]), "fingerprint '%.17s'",
				   p.baseline[i]);
	} else {
		check_error(ret, &err, "f", lines);
	}
	policy_release(&p);
}

static void
fuzz_known(const char *data, size_t len, int lines)
{
	struct policy p;
	struct ls_err err = { 0, "" };
	int ret;

	policy_init(&p);
	ret = policy_parse_known(&p, "f", data, len, &err);
	if (ret == 0) {
		FUZZ_CHECK(p.nr_known == each_entry(data, len, NULL, NULL),
			   "%zu entries", p.nr_known);
		for (size_t i = 1; i < p.nr_known; i++)
			FUZZ_CHECK(memcmp(p.known[i - 1], p.known[i], 32) <= 0,
				   "hash %zu out of order", i);
	} else {
		check_error(ret, &err, "f", lines);
	}
	policy_release(&p);
}

static void
fuzz_personal(const char *data, size_t len)
{
	static const size_t sizes[] = { 1, 4096, 10u * 1024 * 1024,
					LS_MAX_FILE_SIZE_CAP };
	struct policy p;
	struct ls_err err = { 0, "" };
	char *copy, *s, *val[3] = { NULL, NULL, NULL };
	unsigned start = len ? (unsigned char)data[0] : 0;
	size_t size;
	int closed, inl, ret;

	if (len) {
		data++;
		len--;
	}
	copy = xstrndup(data, len);
	/* Up to three values, one a line; an empty or absent one is unset. */
	s = copy;
	for (int n = 0; n < 3 && s; n++) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		val[n] = *s ? s : NULL;
		s = nl ? nl + 1 : NULL;
	}
	policy_init(&p);
	p.max_file_size = size = sizes[start & 3];
	p.fail_closed = closed = (start >> 2) & 1;
	p.inline_allow = inl = (start >> 3) & 1;
	ret = policy_personal(&p, val[0], val[1], val[2], &err);
	if (ret == 0) {
		FUZZ_CHECK(err.code == 0, "error set on success: %s", err.msg);
		FUZZ_CHECK(p.max_file_size >= 1 && p.max_file_size <= size,
			   "max_file_size %zu from %zu", p.max_file_size, size);
		FUZZ_CHECK(p.fail_closed >= closed && p.fail_closed <= 1,
			   "fail_closed %d from %d", p.fail_closed, closed);
		FUZZ_CHECK(p.inline_allow <= inl && p.inline_allow >= 0,
			   "inline_allow %d from %d", p.inline_allow, inl);
	} else {
		FUZZ_CHECK(ret == LS_EPARSE && err.code == ret &&
			   !strncmp(err.msg, "git config leakstop.", 20),
			   "ret %d: '%s'", ret, err.msg);
	}
	policy_release(&p);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char modes[] = "pibkg";
	const char *m;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	int lines;

	if (size == 0)
		return 0;
	m = memchr(modes, data[0], 5);
	lines = fuzz_count_lines(data + 1, len);
	switch (m ? *m : modes[data[0] % 5]) {
	case 'p':
		fuzz_policy(text, len, lines);
		break;
	case 'i':
		fuzz_ignore(text, len, lines);
		break;
	case 'b':
		fuzz_baseline(text, len, lines);
		break;
	case 'k':
		fuzz_known(text, len, lines);
		break;
	default:
		fuzz_personal(text, len);
		break;
	}
	return 0;
}
