/*
 * test_rules.c - rule files to a rule table: what is kept, what is
 * refused and where the error points
 */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "rules.h"
#include "util.h"

/* Load one file's text and finish the set; returns the first error. */
static int
load(struct rule_set *set, const char *fname, const char *text,
     struct ls_err *err)
{
	int ret;

	rules_init(set);
	ret = rules_add_text(set, fname, text, strlen(text), err);
	if (ret == 0)
		ret = rules_finish(set, err);
	return ret;
}

static void
test_backslash_join(void)
{
	static const char text[] =
		"[long]\n"
		"description = d\n"
		"regex = x\n"
		"example = k = abc\\\n"
		"  def\n"
		"  ghi\n";
	struct rule_set set;
	struct ls_err err = { 0, "" };

	CHECK(load(&set, "t.ini", text, &err) == 0, "backslash join loads");
	CHECK(set.nr == 1 && !strcmp(set.rules[0].examples[0].text,
				     "k = abcdef\nghi"),
	      "a trailing backslash joins the next part with nothing");
	rules_release(&set);
}

static void
test_valid_rule(void)
{
	static const char text[] =
		"; a rule file\n"			/* 1 */
		"[my-rule-2]\n"				/* 2 */
		"description = My rule\n"		/* 3 */
		"confidence = medium\n"			/* 4 */
		"regex = \\b(ab\n"			/* 5 */
		"  [0-9]{4}\n"				/* 6 */
		"\t)\\b\n"				/* 7 */
		"entropy = 2.5\n"			/* 8 */
		"example = k = ab1234\n"		/* 9 */
		"  second line\n"			/* 10 */
		"expect = ab1234\n"			/* 11 */
		"near_miss = ab12\n"			/* 12 */
		"  ab123\n"				/* 13 */
		"[other]\n"				/* 14 */
		"regex = x\n"				/* 15 */
		"description = other\n";		/* 16 */
	struct rule_set set;
	struct ls_err err = { 0, "" };
	const struct rule *r;

	CHECK(load(&set, "t.ini", text, &err) == 0, "valid file loads");
	CHECK(set.nr == 2, "valid file: two rules");
	if (set.nr != 2) {
		printf("#   error: %s\n", err.msg);
		rules_release(&set);
		return;
	}
	r = &set.rules[0];
	CHECK_STR(r->id, "my-rule-2", "id");
	CHECK_STR(r->description, "My rule", "description");
	CHECK_STR(r->file, "t.ini", "file name kept");
	CHECK(r->lineno == 2, "lineno is the section header's");
	CHECK(r->regex_lineno == 5, "regex_lineno is the first regex line");
	CHECK_STR(r->regex, "\\b(ab[0-9]{4})\\b",
		  "regex continuation joined with nothing");
	CHECK(r->confidence == LS_CONF_MEDIUM, "confidence medium");
	CHECK(fabs(r->min_entropy - 2.5) < 1e-12, "entropy 2.5");
	CHECK(r->nr_examples == 2, "example and near_miss kept");
	CHECK_STR(r->examples[0].text, "k = ab1234\nsecond line",
		  "example continuation joined with a newline");
	CHECK_STR(r->examples[0].expect, "ab1234", "expect of the example");
	CHECK(r->examples[0].lineno == 9 && !r->examples[0].near_miss,
	      "example: line and kind");
	CHECK_STR(r->examples[1].text, "ab12\nab123",
		  "near_miss continuation joined with a newline");
	CHECK(r->examples[1].near_miss && r->examples[1].expect == NULL &&
	      r->examples[1].lineno == 12, "near_miss: line and kind");
	r = &set.rules[1];
	CHECK(r->confidence == LS_CONF_HIGH && r->min_entropy == 0 &&
	      r->validate == LS_VALIDATE_NONE && r->nr_examples == 0 &&
	      r->lineno == 14,
	      "defaults: high confidence, no entropy floor, no validation");
	CHECK(rules_find(&set, "other") == &set.rules[1],
	      "rules_find finds a rule");
	CHECK(rules_find(&set, "nope") == NULL,
	      "rules_find: NULL for an unknown id");
	rules_release(&set);
	CHECK(set.nr == 0 && set.rules == NULL, "rules_release empties");
}

#define HEAD "[r]\ndescription = d\nregex = a\n"

static const struct {
	const char *name;
	const char *text;
	const char *msg;	/* the error must contain it */
} bad[] = {
	{ "expect after near_miss", HEAD "near_miss = x\nexpect = x\n",
	  "t.ini:5: 'expect' must follow an 'example'" },
	{ "expect without example", HEAD "expect = x\n", "t.ini:4: " },
	{ "expect twice", HEAD "example = x\nexpect = x\nexpect = x\n",
	  "t.ini:6: " },
	{ "unknown key", HEAD "colour = red\n",
	  "t.ini:4: unknown key 'colour'" },
	{ "confidence certain", HEAD "confidence = certain\n",
	  "t.ini:4: confidence" },
	{ "confidence empty", HEAD "confidence =\n", "t.ini:4: confidence" },
	{ "entropy nan", HEAD "entropy = nan\n", "t.ini:4: entropy" },
	{ "entropy inf", HEAD "entropy = inf\n", "t.ini:4: entropy" },
	{ "entropy -1", HEAD "entropy = -1\n", "t.ini:4: entropy" },
	{ "entropy 9", HEAD "entropy = 9\n", "t.ini:4: entropy" },
	{ "entropy 8.01", HEAD "entropy = 8.01\n", "t.ini:4: entropy" },
	{ "entropy 1e999", HEAD "entropy = 1e999\n", "t.ini:4: entropy" },
	{ "entropy 3x", HEAD "entropy = 3x\n", "t.ini:4: entropy" },
	{ "entropy empty", HEAD "entropy =\n", "t.ini:4: entropy" },
	{ "validate md5", HEAD "validate = md5\n", "t.ini:4: validate" },
	{ "validate empty", HEAD "validate =\n", "t.ini:4: validate" },
	{ "id with capitals", "; x\n[Bad]\ndescription = d\nregex = a\n",
	  "t.ini:2: rule id 'Bad'" },
	{ "id with '_'", "[a_b]\ndescription = d\nregex = a\n",
	  "t.ini:1: rule id 'a_b'" },
	{ "id with '.'", "[a.b]\ndescription = d\nregex = a\n",
	  "t.ini:1: rule id 'a.b'" },
	{ "empty id", "[]\ndescription = d\nregex = a\n", "t.ini:2: " },
	{ "missing regex", "\n[r]\ndescription = d\n",
	  "t.ini:2: rule 'r' needs a regex" },
	{ "missing description", "[r]\nregex = a\n",
	  "t.ini:1: rule 'r' needs a description" },
	{ "empty regex", "[r]\ndescription = d\nregex =\n",
	  "t.ini:3: rule 'r' has an empty regex" },
	{ "description twice", HEAD "description = e\n",
	  "t.ini:4: 'description' given twice" },
	{ "regex twice", HEAD "regex = b\n", "t.ini:4: 'regex' given twice" },
	{ "key outside a section", "k = v\n" HEAD,
	  "t.ini:1: key 'k' outside" },
	{ "continuation of a plain key", "[r]\ndescription = d\n  more\n",
	  "t.ini:3: indented line continues nothing" },
	{ "section twice in a file", HEAD "[s]\ndescription = d\nregex = b\n"
	  "[r]\nexample = x\n", "t.ini:7: section 'r' appears twice" },
	{ "section repeated right after itself", HEAD "[r]\nexample = x\n",
	  "t.ini:4: section 'r' appears twice" },
	{ "indented key right after a section is not a continuation",
	  "[a]\ndescription = A\nregex = x\n[b]\n  regex = y\n"
	  "description = B\nregex = z\n", "t.ini:7: 'regex' given twice" },
	{ "no rules at all", "; nothing\n", "no rules were loaded" },
	{ "syntax error", HEAD "junk\n", "t.ini:4: " },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rule_set set;
		struct ls_err err = { 0, "" };
		int ret = load(&set, "t.ini", bad[i].text, &err);

		CHECK(ret == LS_EPARSE, "%s: refused", bad[i].name);
		CHECK_HAS(err.msg, bad[i].msg, "%s: message", bad[i].name);
		rules_release(&set);
	}
}

static void
test_good_values(void)
{
	static const struct {
		const char *line;
		double entropy;
		enum rule_confidence conf;
		enum rule_validate validate;
	} rows[] = {
		{ "entropy = 0", 0, LS_CONF_HIGH, LS_VALIDATE_NONE },
		{ "entropy = 8", 8, LS_CONF_HIGH, LS_VALIDATE_NONE },
		{ "entropy = 3.25", 3.25, LS_CONF_HIGH, LS_VALIDATE_NONE },
		{ "confidence = low", 0, LS_CONF_LOW, LS_VALIDATE_NONE },
		{ "confidence = medium", 0, LS_CONF_MEDIUM, LS_VALIDATE_NONE },
		{ "confidence = high", 0, LS_CONF_HIGH, LS_VALIDATE_NONE },
		{ "validate = base62-crc32", 0, LS_CONF_HIGH,
		  LS_VALIDATE_BASE62_CRC32 },
		{ "validate = jwt", 0, LS_CONF_HIGH, LS_VALIDATE_JWT },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct rule_set set;
		struct ls_err err = { 0, "" };
		struct buf text = BUF_INIT;
		int ret;

		buf_printf(&text, HEAD "%s\n", rows[i].line);
		ret = load(&set, "t.ini", text.ptr, &err);
		CHECK(ret == 0 && set.nr == 1 &&
		      set.rules[0].min_entropy == rows[i].entropy &&
		      set.rules[0].confidence == rows[i].conf &&
		      set.rules[0].validate == rows[i].validate,
		      "'%s' is read", rows[i].line);
		rules_release(&set);
		buf_release(&text);
	}
	struct rule_set set;
	struct ls_err err = { 0, "" };
	/* inih keeps 49 bytes of a section name: stay below that. */
	CHECK(load(&set, "t.ini", "[abcdefghijklmnopqrstuvwxyz-0123456789]\n"
		   "description = d\nregex = a\n", &err) == 0 &&
	      set.nr == 1 && !strcmp(set.rules[0].id,
				     "abcdefghijklmnopqrstuvwxyz-0123456789"),
	      "id of a-z, 0-9 and '-' is accepted");
	rules_release(&set);
}

/* Regex parts of 190 bytes until the total is past 4096. */
static void
test_regex_cap(void)
{
	struct buf text = BUF_INIT;
	struct rule_set set;
	struct ls_err err = { 0, "" };
	int ret;

	buf_addstr(&text, "[r]\ndescription = d\nregex = a\n");
	for (int i = 0; i < 22; i++) {
		buf_addstr(&text, "  ");
		for (int j = 0; j < 190; j++)
			buf_addch(&text, 'b');
		buf_addch(&text, '\n');
	}
	ret = load(&set, "t.ini", text.ptr, &err);
	CHECK(ret == LS_EPARSE, "regex over 4096 bytes is refused");
	CHECK_HAS(err.msg, "t.ini:25: value is longer than 4096",
		  "regex over 4096 bytes: message names the line");
	rules_release(&set);
	buf_release(&text);
}

static void
test_two_files(void)
{
	struct rule_set set;
	struct ls_err err = { 0, "" };
	int ret;

	rules_init(&set);
	ret = rules_add_text(&set, "a.ini", HEAD, strlen(HEAD), &err);
	if (ret == 0)
		ret = rules_add_text(&set, "b.ini", "; b\n\n" HEAD,
				     strlen("; b\n\n" HEAD), &err);
	CHECK(ret == 0, "same id in two files: each file loads");
	ret = rules_finish(&set, &err);
	CHECK(ret == LS_EPARSE, "same id in two files: refused at finish");
	CHECK_HAS(err.msg, "b.ini:3: rule 'r' is already defined at a.ini:1",
		  "same id in two files: both places named");
	rules_release(&set);
}

static uint64_t
hash_of(const char *fname, const char *text)
{
	struct rule_set set;
	struct ls_err err = { 0, "" };
	uint64_t h;

	load(&set, fname, text, &err);
	h = set.hash;
	rules_release(&set);
	return h;
}

static void
test_hash(void)
{
	uint64_t h = hash_of("t.ini", HEAD);

	CHECK(h == hash_of("t.ini", HEAD), "hash: same text, same hash");
	CHECK(h != hash_of("t.ini", "[r]\ndescription = d\nregex = b\n"),
	      "hash: a changed regex changes it");
	CHECK(h != hash_of("t.ini", HEAD "\n"),
	      "hash: an added newline changes it");
	CHECK(h != hash_of("u.ini", HEAD), "hash: the file name counts");
}

static void
test_builtin(void)
{
	struct rule_set set;
	struct ls_err err = { 0, "" };
	int ret;

	rules_init(&set);
	ret = rules_add_builtin(&set, &err);
	if (ret == 0)
		ret = rules_finish(&set, &err);
	CHECK(ret == 0 && set.nr >= 1, "built-in rules load");
	if (ret)
		printf("#   error: %s\n", err.msg);
	rules_release(&set);
}

static void
test_confidence_names(void)
{
	CHECK_STR(rules_confidence_name(LS_CONF_LOW), "low", "name of low");
	CHECK_STR(rules_confidence_name(LS_CONF_MEDIUM), "medium",
		  "name of medium");
	CHECK_STR(rules_confidence_name(LS_CONF_HIGH), "high",
		  "name of high");
}

int
main(void)
{
	test_valid_rule();
	test_backslash_join();
	test_bad();
	test_good_values();
	test_regex_cap();
	test_two_files();
	test_hash();
	test_builtin();
	test_confidence_names();
	return harness_done();
}
