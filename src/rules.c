/*
 * rules.c - signature files to a rule table
 */
#include "rules.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"

extern const struct ls_embedded ls_builtin_patterns[];
extern const size_t ls_builtin_patterns_nr;

/* Caps checked before anything reaches Hyperscan. */
#define RULES_MAX 5000
#define RULE_REGEX_MAX 4096
#define RULE_TEXT_MAX 16384

struct load_state {
	struct rule_set *set;
	const char *fname;
	struct rule *cur;	/* rule of the current section, or NULL */
	char last_key[32];	/* key a continuation line extends */
	char **last_field;	/* the string a continuation appends to */
	size_t first;		/* index of this file's first rule */
	const char *prefix;	/* only sections "<prefix><id>"; or NULL */
	int skipping;		/* in a section that is not ours */
	int example_open;	/* an example without expect yet */
	int skip_continuation;	/* continues a value not kept */
};

void
rules_init(struct rule_set *set)
{
	memset(set, 0, sizeof(*set));
	set->hash = HASH_FNV_INIT;
}

static void
rule_release(struct rule *r)
{
	for (size_t i = 0; i < r->nr_examples; i++) {
		wipe(r->examples[i].text, strlen(r->examples[i].text));
		free(r->examples[i].text);
		if (r->examples[i].expect) {
			wipe(r->examples[i].expect,
			     strlen(r->examples[i].expect));
			free(r->examples[i].expect);
		}
	}
	free(r->examples);
	free(r->id);
	free(r->description);
	free(r->regex);
	free(r->file);
}

void
rules_release(struct rule_set *set)
{
	for (size_t i = 0; i < set->nr; i++)
		rule_release(&set->rules[i]);
	free(set->rules);
	rules_init(set);
}

const char *
rules_confidence_name(enum rule_confidence c)
{
	switch (c) {
	case LS_CONF_LOW:
		return "low";
	case LS_CONF_MEDIUM:
		return "medium";
	default:
		return "high";
	}
}

static int
valid_id(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      *s == '-'))
			return 0;
	return 1;
}

/* Append a continuation to *dst: sep is "" for regexes, "\n" for text. */
static int
append_value(struct load_state *st, char **dst, const char *sep,
	     const char *value, size_t cap, int lineno, struct ls_err *err)
{
	size_t a = strlen(*dst), s = strlen(sep), b = strlen(value);

	if (a + s + b > cap)
		return ls_err_set(err, LS_EPARSE,
				  "%s:%d: value is longer than %zu bytes",
				  st->fname, lineno, cap);
	char *p = xmalloc(a + s + b + 1);
	memcpy(p, *dst, a);
	memcpy(p + a, sep, s);
	memcpy(p + a + s, value, b + 1);
	wipe(*dst, a);
	free(*dst);
	*dst = p;
	return 0;
}

static int
parse_confidence(const char *v, enum rule_confidence *out)
{
	if (!strcmp(v, "high"))
		*out = LS_CONF_HIGH;
	else if (!strcmp(v, "medium"))
		*out = LS_CONF_MEDIUM;
	else if (!strcmp(v, "low"))
		*out = LS_CONF_LOW;
	else
		return -1;
	return 0;
}

static int
parse_entropy(const char *v, double *out)
{
	char *end;

	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end != '\0' || !isfinite(d) || d < 0 ||
	    d > 8)
		return -1;
	*out = d;
	return 0;
}

static int
new_rule(struct load_state *st, const struct ini_key *k, struct ls_err *err)
{
	struct rule_set *set = st->set;
	struct rule *r;

	if (!valid_id(k->section))
		return ls_err_set(err, LS_EPARSE, "%s:%d: rule id '%s' must be "
				  "1-64 of a-z, 0-9 and '-'", st->fname,
				  k->section_lineno, k->section);
	for (size_t i = st->first; i < set->nr; i++)
		if (!strcmp(set->rules[i].id, k->section))
			return ls_err_set(err, LS_EPARSE, "%s:%d: section "
					  "'%s' appears twice", st->fname,
					  k->section_lineno, k->section);
	if (set->nr >= RULES_MAX)
		return ls_err_set(err, LS_EPARSE, "%s:%d: more than %d rules",
				  st->fname, k->section_lineno, RULES_MAX);
	LS_GROW(set->rules, set->nr + 1, set->alloc);
	r = &set->rules[set->nr++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(k->section);
	r->file = xstrdup(st->fname);
	r->lineno = k->section_lineno;
	r->confidence = LS_CONF_HIGH;
	st->cur = r;
	return 0;
}

static int on_key_rule(const struct ini_key *k, struct ls_err *err,
		       void *payload);

static int
on_key(const struct ini_key *k, struct ls_err *err, void *payload)
{
	struct load_state *st = payload;
	struct ini_key own;
	size_t n;

	if (st->prefix == NULL)
		return on_key_rule(k, err, payload);
	n = strlen(st->prefix);
	if (strncmp(k->section, st->prefix, n)) {
		st->last_field = NULL;
		return 0;
	}
	own = *k;
	own.section = k->section + n;
	return on_key_rule(&own, err, payload);
}

static int
on_key_rule(const struct ini_key *k, struct ls_err *err, void *payload)
{
	struct load_state *st = payload;
	struct rule *r;
	int ret;

	if (k->continuation) {
		if (st->skip_continuation && !strcmp(k->name, st->last_key))
			return 0;
		if (st->last_field == NULL || strcmp(k->name, st->last_key))
			return ls_err_set(err, LS_EPARSE, "%s:%d: indented "
					  "line continues nothing", st->fname,
					  k->lineno);
		if (!strcmp(k->name, "regex"))
			return append_value(st, st->last_field, "", k->value,
					    RULE_REGEX_MAX, k->lineno, err);
		/*
		 * A part ending in a backslash joins the next with nothing,
		 * so a token longer than a line can still be an example.
		 */
		size_t n = strlen(*st->last_field);
		if (n && (*st->last_field)[n - 1] == '\\') {
			(*st->last_field)[n - 1] = '\0';
			return append_value(st, st->last_field, "", k->value,
					    RULE_TEXT_MAX, k->lineno, err);
		}
		return append_value(st, st->last_field, "\n", k->value,
				    RULE_TEXT_MAX, k->lineno, err);
	}
	if (k->section[0] == '\0')
		return ls_err_set(err, LS_EPARSE, "%s:%d: key '%s' outside "
				  "a [rule-id] section", st->fname, k->lineno,
				  k->name);
	if (st->cur == NULL || strcmp(st->cur->id, k->section) ||
	    st->cur->lineno != k->section_lineno) {
		ret = new_rule(st, k, err);
		if (ret < 0)
			return ret;
	}
	r = st->cur;
	st->last_field = NULL;
	st->skip_continuation = 0;
	snprintf(st->last_key, sizeof(st->last_key), "%s", k->name);

	if (!strcmp(k->name, "description")) {
		if (r->description)
			goto twice;
		r->description = xstrdup(k->value);
	} else if (!strcmp(k->name, "regex")) {
		if (r->regex)
			goto twice;
		r->regex = xstrdup(k->value);
		r->regex_lineno = k->lineno;
		st->last_field = &r->regex;
	} else if (!strcmp(k->name, "confidence")) {
		if (parse_confidence(k->value, &r->confidence) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: confidence "
					  "must be high, medium or low, not "
					  "'%s'", st->fname, k->lineno,
					  k->value);
	} else if (!strcmp(k->name, "validate")) {
		if (!strcmp(k->value, "base62-crc32"))
			r->validate = LS_VALIDATE_BASE62_CRC32;
		else if (!strcmp(k->value, "jwt"))
			r->validate = LS_VALIDATE_JWT;
		else
			return ls_err_set(err, LS_EPARSE, "%s:%d: validate must "
					  "be base62-crc32 or jwt, not '%s'",
					  st->fname, k->lineno, k->value);
	} else if (!strcmp(k->name, "entropy")) {
		if (parse_entropy(k->value, &r->min_entropy) < 0)
			return ls_err_set(err, LS_EPARSE, "%s:%d: entropy must "
					  "be a number from 0 to 8, not '%s'",
					  st->fname, k->lineno, k->value);
	} else if (st->set->skip_examples &&
		   (!strcmp(k->name, "example") ||
		    !strcmp(k->name, "near_miss") ||
		    !strcmp(k->name, "expect"))) {
		/* A scan never reads examples: only their order is checked. */
		if (k->name[1] == 'x' && k->name[2] == 'p' && !st->example_open)
			return ls_err_set(err, LS_EPARSE, "%s:%d: 'expect' "
					  "must follow an 'example'",
					  st->fname, k->lineno);
		st->example_open = !strcmp(k->name, "example");
		st->skip_continuation = 1;
	} else if (!strcmp(k->name, "example") ||
		   !strcmp(k->name, "near_miss")) {
		LS_GROW(r->examples, r->nr_examples + 1, r->alloc_examples);
		struct rule_example *ex = &r->examples[r->nr_examples++];
		ex->text = xstrdup(k->value);
		ex->expect = NULL;
		ex->lineno = k->lineno;
		ex->near_miss = k->name[0] == 'n';
		st->last_field = &ex->text;
	} else if (!strcmp(k->name, "expect")) {
		struct rule_example *ex = r->nr_examples ?
			&r->examples[r->nr_examples - 1] : NULL;
		if (ex == NULL || ex->near_miss || ex->expect)
			return ls_err_set(err, LS_EPARSE, "%s:%d: 'expect' "
					  "must follow an 'example'",
					  st->fname, k->lineno);
		ex->expect = xstrdup(k->value);
		st->last_field = &ex->expect;
	} else {
		return ls_err_set(err, LS_EPARSE, "%s:%d: unknown key '%s' in "
				  "rule '%s'", st->fname, k->lineno, k->name,
				  k->section);
	}
	return 0;
twice:
	return ls_err_set(err, LS_EPARSE, "%s:%d: '%s' given twice in rule "
			  "'%s'", st->fname, k->lineno, k->name, k->section);
}

static int rules_add(struct rule_set *set, const char *fname,
		     const char *data, size_t len, const char *prefix,
		     struct ls_err *err);
static int rules_parse(struct rule_set *set, const char *fname,
		       const char *data, size_t len, const char *prefix,
		       struct ls_err *err);

int
rules_add_text(struct rule_set *set, const char *fname, const char *data,
	       size_t len, struct ls_err *err)
{
	return rules_add(set, fname, data, len, NULL, err);
}

int
rules_add_prefixed(struct rule_set *set, const char *fname, const char *data,
		   size_t len, const char *prefix, struct ls_err *err)
{
	return rules_add(set, fname, data, len, prefix, err);
}

/* The set's hash takes in one file: its name, then its whole text. */
static void
hash_file(struct rule_set *set, const char *fname, const char *data,
	  size_t len)
{
	set->hash = hash_fnv1a(set->hash, fname, strlen(fname) + 1);
	set->hash = hash_fnv1a(set->hash, data, len);
}

static int
rules_add(struct rule_set *set, const char *fname, const char *data,
	  size_t len, const char *prefix, struct ls_err *err)
{
	hash_file(set, fname, data, len);
	return rules_parse(set, fname, data, len, prefix, err);
}

/* The rules of one file, without touching the set's hash. */
static int
rules_parse(struct rule_set *set, const char *fname, const char *data,
	    size_t len, const char *prefix, struct ls_err *err)
{
	struct load_state st = { set, fname, NULL, "", NULL, set->nr, prefix,
				 0, 0, 0 };
	int ret;

	ret = inifile_parse(fname, data, len, on_key, &st, err);
	if (ret < 0)
		return ret;
	for (size_t i = st.first; i < set->nr; i++) {
		struct rule *r = &set->rules[i];
		if (r->description == NULL || r->regex == NULL)
			return ls_err_set(err, LS_EPARSE,
					  "%s:%d: rule '%s' needs %s",
					  r->file, r->lineno, r->id,
					  r->regex ? "a description" :
					  "a regex");
		if (r->regex[0] == '\0')
			return ls_err_set(err, LS_EPARSE,
					  "%s:%d: rule '%s' has an empty "
					  "regex", r->file, r->regex_lineno,
					  r->id);
	}
	return 0;
}

/* 1 when the key of an INI line (at p, n bytes) is an example's. */
static int
is_example_key(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[k] != '=' && p[k] != ' ' && p[k] != '\t')
		k++;
	return (k == 7 && !memcmp(p, "example", 7)) ||
	       (k == 6 && !memcmp(p, "expect", 6)) ||
	       (k == 9 && !memcmp(p, "near_miss", 9));
}

/*
 * A copy of built-in rule text without what a scan never reads:
 * comments, and examples, expectations and near misses with their
 * continuation lines. Each dropped line stays as an empty line, so line
 * numbers hold; an empty line ends nothing in an INI file. Two thirds of
 * the text, and of the time to parse it at every start.
 */
static void
lean_text(const char *data, size_t len, struct buf *out)
{
	const char *p = data, *end = data + len;
	int dropping = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl + 1 : end, *q = p;
		int drop;

		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q == eol || *q == '\n' || *q == '\r')
			drop = 0;			/* empty */
		else if (*q == ';' || *q == '#')
			drop = 1;			/* comment */
		else if (q > p)
			drop = dropping;		/* continuation */
		else
			drop = dropping = is_example_key(p, (size_t)(eol - p));
		if (drop)
			buf_addch(out, '\n');
		else
			buf_add(out, p, (size_t)(eol - p));
		p = eol;
	}
}

int
rules_add_builtin(struct rule_set *set, struct ls_err *err)
{
	struct buf lean = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < ls_builtin_patterns_nr; i++) {
		const struct ls_embedded *e = &ls_builtin_patterns[i];
		if (!set->skip_examples) {
			ret = rules_add_text(set, e->name, e->data, e->len,
					     err);
			continue;
		}
		/* the database's identity is that of the whole text */
		hash_file(set, e->name, e->data, e->len);
		lean.len = 0;
		lean_text(e->data, e->len, &lean);
		ret = rules_parse(set, e->name, lean.ptr ? lean.ptr : "",
				  lean.len, NULL, err);
	}
	buf_release(&lean);
	return ret;
}

int
rules_finish(struct rule_set *set, struct ls_err *err)
{
	if (set->nr == 0)
		return ls_err_set(err, LS_EPARSE, "no rules were loaded");
	/* Ids must be unique across files too: findings name rules by id. */
	for (size_t i = 0; i < set->nr; i++)
		for (size_t j = i + 1; j < set->nr; j++)
			if (!strcmp(set->rules[i].id, set->rules[j].id))
				return ls_err_set(err, LS_EPARSE,
						  "%s:%d: rule '%s' is already "
						  "defined at %s:%d",
						  set->rules[j].file,
						  set->rules[j].lineno,
						  set->rules[j].id,
						  set->rules[i].file,
						  set->rules[i].lineno);
	return 0;
}

const struct rule *
rules_find(const struct rule_set *set, const char *id)
{
	for (size_t i = 0; i < set->nr; i++)
		if (!strcmp(set->rules[i].id, id))
			return &set->rules[i];
	return NULL;
}

size_t
rules_add_synthetic(struct rule_set *set, const char *id,
		    const char *description)
{
	struct rule *r;

	LS_GROW(set->rules, set->nr + 1, set->alloc);
	r = &set->rules[set->nr];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	r->description = xstrdup(description);
	r->regex = xstrdup("");
	r->file = xstrdup("(built in)");
	r->confidence = LS_CONF_HIGH;
	r->synthetic = 1;
	return set->nr++;
}
