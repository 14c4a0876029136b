/*
 * config.c - the repository's policy file
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"

#define POLICY_LIST_MAX 1000
/*
 * Caps on [custom ID] rules, checked before Hyperscan sees them: a
 * compile grows faster than linearly (5,000 rules took minutes), and a
 * commit must not hang on a committed policy.
 */
#define CUSTOM_RULES_MAX 1000
#define CUSTOM_REGEX_BYTES_MAX (256 * 1024)

/* [policy] keys, as bits of parse_state.seen_policy. */
static const char *const policy_keys[] = { "max_file_size", "salt",
					   "fail_closed", "inline_allow",
					   NULL };

struct parse_state {
	struct policy *p;
	const char *fname;
	const struct rule_set *rules;
	int policy_line;	/* line of [policy]; 0: not seen yet */
	int allow_line;		/* line of [allow] */
	unsigned seen_policy;	/* policy_keys given so far */
	int custom_line;	/* line of the last [custom ID] seen */
	size_t nr_custom;
	size_t custom_regex_bytes;
};

void
policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->max_file_size = 10u * 1024 * 1024;
	p->fail_closed = 1;
	p->inline_allow = 1;
}

static void
free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void
policy_release(struct policy *p)
{
	free_list(p->allow_paths, p->nr_paths);
	free_list(p->allow_regex, p->nr_regex);
	free_list(p->stopwords, p->nr_stopwords);
	for (size_t i = 0; i < p->nr_rules; i++)
		free(p->rules[i].id);
	free(p->rules);
	free(p->ignored);
	free(p->baseline);
	free(p->known);
	wipe(p->salt, sizeof(p->salt));
	policy_init(p);
}

static int
parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "no") ||
		 !strcmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* "12345", "64K", "10M", "1G": bytes, at most the cap. */
static int
parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long n, mul = 1;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (*end != '\0' || n == 0 || n > LS_MAX_FILE_SIZE_CAP / mul)
		return -1;
	*out = (size_t)(n * mul);
	return 0;
}

static int
parse_hex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		int c = tolower((unsigned char)s[i]);
		int v = isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ?
			c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

static int
is_fingerprint(const char *s, size_t n)
{
	if (n != 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

int
policy_valid_date(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };
	int y, m, d, leap;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1970 && m >= 1 && m <= 12 && d >= 1 &&
		d <= days[m - 1] + (m == 2 && leap);
}

int
policy_fp_listed(char (*list)[17], size_t n, const char *fp)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], fp))
			return 1;
	return 0;
}

/* Split text into lines; skip blank and '#' lines; cb gets each. */
static int
each_line(const char *fname, const char *data, size_t len,
	  int (*cb)(const char *fname, int lineno, char *line, void *payload,
		    struct ls_err *err),
	  void *payload, struct ls_err *err)
{
	const char *p = data, *end = data + len;
	int lineno = 0, ret = 0;

	while (ret == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		lineno++;
		if (memchr(p, '\0', n))
			return ls_err_set(err, LS_EPARSE, "%s:%d: NUL byte",
					  fname, lineno);
		char *line = xstrndup(p, n);
		size_t l = strlen(line);
		while (l && isspace((unsigned char)line[l - 1]))
			line[--l] = '\0';
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s && *s != '#')
			ret = cb(fname, lineno, s, payload, err);
		free(line);
		p = nl ? nl + 1 : end;
	}
	return ret;
}

struct ignore_state {
	struct policy *p;
	const char *today;
};

static int
ignore_line(const char *fname, int lineno, char *line, void *payload,
	    struct ls_err *err)
{
	struct ignore_state *st = payload;
	struct policy *p = st->p;
	char *sp = strpbrk(line, " \t");
	char *rest = sp ? sp : line + strlen(line);
	int expired = 0;

	if (!is_fingerprint(line, (size_t)(rest - line)))
		return ls_err_set(err, LS_EPARSE, "%s:%d: expected a 16-digit "
				  "fingerprint first", fname, lineno);
	while (isspace((unsigned char)*rest))
		rest++;
	if (!strncmp(rest, "expires=", 8)) {
		char date[11];
		if (strlen(rest) < 18 || !isspace((unsigned char)rest[18]) ||
		    (memcpy(date, rest + 8, 10), date[10] = '\0',
		     !policy_valid_date(date)))
			return ls_err_set(err, LS_EPARSE, "%s:%d: expires must "
					  "be expires=YYYY-MM-DD followed by a "
					  "reason", fname, lineno);
		expired = strcmp(date, st->today) < 0;
		rest += 18;
		while (isspace((unsigned char)*rest))
			rest++;
	}
	if (*rest == '\0')
		return ls_err_set(err, LS_EPARSE, "%s:%d: an entry needs a "
				  "reason", fname, lineno);
	if (expired) {
		p->nr_expired++;
		return 0;
	}
	LS_GROW(p->ignored, p->nr_ignored + 1, p->alloc_ignored);
	memcpy(p->ignored[p->nr_ignored], line, 16);
	p->ignored[p->nr_ignored++][16] = '\0';
	return 0;
}

int
policy_parse_ignore(struct policy *p, const char *fname, const char *data,
		    size_t len, const char *today, struct ls_err *err)
{
	struct ignore_state st = { p, today };

	return each_line(fname, data, len, ignore_line, &st, err);
}

static int
baseline_line(const char *fname, int lineno, char *line, void *payload,
	      struct ls_err *err)
{
	struct policy *p = payload;
	char *sp = strpbrk(line, " \t");

	if (!is_fingerprint(line, sp ? (size_t)(sp - line) : strlen(line)))
		return ls_err_set(err, LS_EPARSE, "%s:%d: expected a 16-digit "
				  "fingerprint first", fname, lineno);
	LS_GROW(p->baseline, p->nr_baseline + 1, p->alloc_baseline);
	memcpy(p->baseline[p->nr_baseline], line, 16);
	p->baseline[p->nr_baseline++][16] = '\0';
	return 0;
}

int
policy_parse_baseline(struct policy *p, const char *fname, const char *data,
		      size_t len, struct ls_err *err)
{
	return each_line(fname, data, len, baseline_line, p, err);
}

static int
known_line(const char *fname, int lineno, char *line, void *payload,
	   struct ls_err *err)
{
	struct policy *p = payload;
	char *sp = strpbrk(line, " \t");

	if (sp)
		*sp = '\0';
	LS_GROW(p->known, p->nr_known + 1, p->alloc_known);
	if (parse_hex(line, p->known[p->nr_known], 32) < 0)
		return ls_err_set(err, LS_EPARSE, "%s:%d: expected 64 hex "
				  "digits (made by `leakstop known add`)",
				  fname, lineno);
	p->nr_known++;
	return 0;
}

static int
cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int
policy_parse_known(struct policy *p, const char *fname, const char *data,
		   size_t len, struct ls_err *err)
{
	int ret = each_line(fname, data, len, known_line, p, err);

	if (ret == 0 && p->nr_known > 1)
		qsort(p->known, p->nr_known, 32, cmp_hash);
	return ret;
}

static int
add_item(char ***list, size_t *nr, size_t *alloc, const char *v)
{
	if (*nr >= POLICY_LIST_MAX)
		return -1;
	LS_GROW(*list, *nr + 1, *alloc);
	(*list)[(*nr)++] = xstrdup(v);
	return 0;
}

/* An allowlist entry that would allow everything defeats the policy. */
static int
glob_allows_all(const char *g)
{
	static const char *const all[] = { "*", "**", "**/*", "/**", "./**",
					   "*/**", "**/**", NULL };

	for (const char *const *a = all; *a; a++)
		if (!strcmp(g, *a))
			return 1;
	return policy_glob_match(g, "any/deep/path/file.txt") &&
		policy_glob_match(g, "x");
}

/*
 * Secrets are never empty and hold digits or letters. A regex that finds
 * something in each of these (as '.', '\S' or '\w' do, unanchored
 * as filter.c runs it) would let about every secret through.
 */
static const char *const secret_shapes[] = {
	"0", "a", "Z", "0123456789", "abcdefghijklmnopqrstuvwxyz",
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ", NULL
};

static int
check_regex(const char *re, char *msg, size_t msglen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0,
				      &code, &off, NULL);
	pcre2_match_data *md;
	int empty, all;

	if (c == NULL) {
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, msglen);
		return -1;
	}
	md = pcre2_match_data_create_from_pattern(c, NULL);
	/* A regex that matches the empty string matches every secret. */
	empty = md && pcre2_match(c, (PCRE2_SPTR)"", 0, 0, 0, md, NULL) >= 0;
	all = md != NULL;
	for (const char *const *s = secret_shapes; all && *s; s++)
		all = pcre2_match(c, (PCRE2_SPTR)*s, strlen(*s), 0, 0, md,
				  NULL) >= 0;
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	if (empty || all) {
		snprintf(msg, msglen, "it matches every secret");
		return -1;
	}
	return 0;
}

static int
on_policy_key(struct parse_state *st, const struct ini_key *k,
	      struct ls_err *err)
{
	struct policy *p = st->p;
	int b;

	for (unsigned i = 0; policy_keys[i]; i++) {
		if (strcmp(k->name, policy_keys[i]))
			continue;
		if (st->seen_policy & (1u << i))
			return ls_err_set(err, LS_EPARSE, "%s:%d: '%s' given "
					  "twice in [policy]", st->fname,
					  k->lineno, k->name);
		st->seen_policy |= 1u << i;
	}
	if (!strcmp(k->name, "max_file_size")) {
		if (parse_size(k->value, &p->max_file_size) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: max_file_size "
					  "must be a size such as 5M, at most "
					  "1G, not '%s'", st->fname, k->lineno,
					  k->value);
	} else if (!strcmp(k->name, "salt")) {
		if (parse_hex(k->value, p->salt, LS_SALT_LEN) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: salt must be "
					  "%d hex digits (see `leakstop init`)",
					  st->fname, k->lineno, 2 * LS_SALT_LEN);
		p->has_salt = 1;
	} else if (!strcmp(k->name, "fail_closed") ||
		   !strcmp(k->name, "inline_allow")) {
		if (parse_bool(k->value, &b) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: %s must be "
					  "true or false, not '%s'", st->fname,
					  k->lineno, k->name, k->value);
		if (k->name[0] == 'f')
			p->fail_closed = b;
		else
			p->inline_allow = b;
	} else {
		return ls_err_set(err, LS_EPARSE, "%s:%d: unknown key '%s' in "
				  "[policy]", st->fname, k->lineno, k->name);
	}
	return 0;
}

static int
on_allow_key(struct parse_state *st, const struct ini_key *k,
	     struct ls_err *err)
{
	struct policy *p = st->p;
	char msg[256];
	int r;

	if (k->value[0] == '\0')
		return ls_err_set(err, LS_EPARSE, "%s:%d: empty '%s'",
				  st->fname, k->lineno, k->name);
	if (!strcmp(k->name, "path")) {
		if (glob_allows_all(k->value))
			return ls_err_set(err, LS_EPARSE, "%s:%d: path '%s' "
					  "would allow every file", st->fname,
					  k->lineno, k->value);
		r = add_item(&p->allow_paths, &p->nr_paths, &p->alloc_paths,
			     k->value);
	} else if (!strcmp(k->name, "regex")) {
		if (check_regex(k->value, msg, sizeof(msg)) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: regex '%s': "
					  "%s", st->fname, k->lineno, k->value,
					  msg);
		r = add_item(&p->allow_regex, &p->nr_regex, &p->alloc_regex,
			     k->value);
	} else if (!strcmp(k->name, "stopword")) {
		if (strlen(k->value) < 3)
			return ls_err_set(err, LS_EPARSE, "%s:%d: stopword '%s' "
					  "is shorter than 3 characters",
					  st->fname, k->lineno, k->value);
		r = add_item(&p->stopwords, &p->nr_stopwords,
			     &p->alloc_stopwords, k->value);
	} else {
		return ls_err_set(err, LS_EPARSE, "%s:%d: unknown key '%s' in "
				  "[allow]", st->fname, k->lineno, k->name);
	}
	if (r < 0)
		return ls_err_set(err, LS_EPARSE, "%s:%d: more than %d '%s' "
				  "entries", st->fname, k->lineno,
				  POLICY_LIST_MAX, k->name);
	return 0;
}

static int
on_rule_key(struct parse_state *st, const struct ini_key *k, const char *id,
	    struct ls_err *err)
{
	struct policy *p = st->p;
	struct rule_policy *rp = NULL;
	int b;

	if (rules_find(st->rules, id) == NULL)
		return ls_err_set(err, LS_EPARSE, "%s:%d: no rule '%s' (see "
				  "`leakstop rules`)", st->fname,
				  k->section_lineno, id);
	for (size_t i = 0; i < p->nr_rules; i++)
		if (!strcmp(p->rules[i].id, id))
			rp = &p->rules[i];
	if (rp && rp->lineno != k->section_lineno)
		return ls_err_set(err, LS_EPARSE, "%s:%d: [rule %s] appears "
				  "twice", st->fname, k->section_lineno, id);
	if (rp == NULL) {
		LS_GROW(p->rules, p->nr_rules + 1, p->alloc_rules);
		rp = &p->rules[p->nr_rules++];
		rp->id = xstrdup(id);
		rp->lineno = k->section_lineno;
		rp->enabled = 1;
		rp->severity = LS_SEV_BLOCK;
		rp->seen = 0;
	}
	if (!strcmp(k->name, "enabled") || !strcmp(k->name, "severity")) {
		unsigned bit = k->name[0] == 'e' ? 1u : 2u;
		if (rp->seen & bit)
			return ls_err_set(err, LS_EPARSE, "%s:%d: '%s' given "
					  "twice in [rule %s]", st->fname,
					  k->lineno, k->name, id);
		rp->seen |= bit;
	}
	if (!strcmp(k->name, "enabled")) {
		if (parse_bool(k->value, &b) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: enabled must "
					  "be true or false, not '%s'",
					  st->fname, k->lineno, k->value);
		rp->enabled = b;
	} else if (!strcmp(k->name, "severity")) {
		if (!strcmp(k->value, "block"))
			rp->severity = LS_SEV_BLOCK;
		else if (!strcmp(k->value, "warn"))
			rp->severity = LS_SEV_WARN;
		else
			return ls_err_set(err, LS_EPARSE, "%s:%d: severity must "
					  "be block or warn, not '%s'",
					  st->fname, k->lineno, k->value);
	} else {
		return ls_err_set(err, LS_EPARSE, "%s:%d: unknown key '%s' in "
				  "[rule %s]", st->fname, k->lineno, k->name,
				  id);
	}
	return 0;
}

/* A section that may appear once: *line keeps where it first did. */
static int
once(struct parse_state *st, int *line, const struct ini_key *k,
     struct ls_err *err)
{
	if (*line == 0)
		*line = k->section_lineno;
	if (*line != k->section_lineno)
		return ls_err_set(err, LS_EPARSE, "%s:%d: section '[%s]' "
				  "appears twice (first at line %d)",
				  st->fname, k->section_lineno, k->section,
				  *line);
	return 0;
}

static int
on_custom_key(struct parse_state *st, const struct ini_key *k,
	      struct ls_err *err)
{
	st->p->has_custom = 1;
	if (k->section_lineno != st->custom_line) {
		st->custom_line = k->section_lineno;
		if (++st->nr_custom > CUSTOM_RULES_MAX)
			return ls_err_set(err, LS_EPARSE, "%s:%d: more than %d "
					  "custom rules", st->fname,
					  k->section_lineno, CUSTOM_RULES_MAX);
	}
	if (!strcmp(k->name, "regex")) {
		st->custom_regex_bytes += strlen(k->value);
		if (st->custom_regex_bytes > CUSTOM_REGEX_BYTES_MAX)
			return ls_err_set(err, LS_EPARSE, "%s:%d: custom rules' "
					  "regexes are longer than %d bytes in "
					  "all", st->fname, k->lineno,
					  CUSTOM_REGEX_BYTES_MAX);
	}
	return 0;
}

static int
on_key(const struct ini_key *k, struct ls_err *err, void *payload)
{
	struct parse_state *st = payload;

	/*
	 * Custom rules: rules.c reads these sections (engine_add_custom);
	 * here only their number and size are capped, before any compile.
	 */
	if (!strncmp(k->section, "custom ", 7))
		return on_custom_key(st, k, err);
	if (k->continuation)
		return ls_err_set(err, LS_EPARSE, "%s:%d: indented lines do "
				  "not continue values here", st->fname,
				  k->lineno);
	if (!strcmp(k->section, "policy")) {
		if (once(st, &st->policy_line, k, err) < 0)
			return err->code;
		return on_policy_key(st, k, err);
	}
	if (!strcmp(k->section, "allow")) {
		if (once(st, &st->allow_line, k, err) < 0)
			return err->code;
		return on_allow_key(st, k, err);
	}
	if (!strncmp(k->section, "rule ", 5))
		return on_rule_key(st, k, k->section + 5, err);

	return ls_err_set(err, LS_EPARSE, "%s:%d: unknown section '[%s]'",
			  st->fname, k->section_lineno ? k->section_lineno :
			  k->lineno, k->section);
}

int
policy_parse(struct policy *p, const char *fname, const char *data,
	     size_t len, const struct rule_set *rules, struct ls_err *err)
{
	struct parse_state st = { p, fname, rules, 0, 0, 0, 0, 0, 0 };

	p->from_file = 1;
	return inifile_parse(fname, data, len, on_key, &st, err);
}

int
policy_personal(struct policy *p, const char *max_file_size,
		const char *fail_closed, const char *inline_allow,
		struct ls_err *err)
{
	size_t size;
	int b;

	if (max_file_size) {
		if (parse_size(max_file_size, &size) < 0)
			return ls_err_set(err, LS_EPARSE, "git config "
					  "leakstop.maxFileSize: not a size: "
					  "'%s'", max_file_size);
		if (size < p->max_file_size)
			p->max_file_size = size;
	}
	if (fail_closed) {
		if (parse_bool(fail_closed, &b) < 0)
			return ls_err_set(err, LS_EPARSE, "git config "
					  "leakstop.failClosed: not a boolean: "
					  "'%s'", fail_closed);
		if (b)
			p->fail_closed = 1;
	}
	if (inline_allow) {
		if (parse_bool(inline_allow, &b) < 0)
			return ls_err_set(err, LS_EPARSE, "git config "
					  "leakstop.inlineAllow: not a boolean: "
					  "'%s'", inline_allow);
		if (!b)
			p->inline_allow = 0;
	}
	return 0;
}

const struct rule_policy *
policy_rule(const struct policy *p, const struct rule_set *rules, size_t i)
{
	for (size_t j = 0; j < p->nr_rules; j++)
		if (!strcmp(p->rules[j].id, rules->rules[i].id))
			return &p->rules[j];
	return NULL;
}

/* fnmatch with "**" spanning directories, as .gitignore does. */
static int
glob_at(const char *g, const char *s)
{
	if (!strncmp(g, "**", 2)) {
		const char *rest = g + 2;
		if (*rest == '/')
			rest++;
		if (*rest == '\0')
			return 1;
		for (const char *t = s;; t++) {
			if ((t == s || t[-1] == '/') && glob_at(rest, t))
				return 1;
			if (*t == '\0')
				return 0;
		}
	}
	const char *slash = strchr(g, '/');
	size_t seg = slash ? (size_t)(slash - g) : strlen(g);
	const char *sslash = strchr(s, '/');
	size_t sseg = sslash ? (size_t)(sslash - s) : strlen(s);
	char *gp = xstrndup(g, seg), *sp = xstrndup(s, sseg);
	int ok = fnmatch(gp, sp, 0) == 0;

	free(gp);
	free(sp);
	if (!ok)
		return 0;
	if (slash == NULL)
		return sslash == NULL;
	return sslash != NULL && glob_at(slash + 1, sslash + 1);
}

int
policy_glob_match(const char *glob, const char *path)
{
	size_t n = strlen(glob);

	/* "dir/" means everything under dir. */
	if (n > 1 && glob[n - 1] == '/') {
		char *g = xmalloc(n + 3);
		memcpy(g, glob, n);
		memcpy(g + n, "**", 3);
		int m = policy_glob_match(g, path);
		free(g);
		return m;
	}
	/* A pattern without '/' matches a name at any depth (gitignore). */
	if (strchr(glob, '/') == NULL) {
		const char *base = strrchr(path, '/');
		return glob_at(glob, base ? base + 1 : path);
	}
	if (glob[0] == '/')
		glob++;
	return glob_at(glob, path);
}
