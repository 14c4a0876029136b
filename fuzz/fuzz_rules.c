/*
 * fuzz_rules.c - bytes as a patterns .ini file through rules_add_text and
 * rules_finish
 *
 * Invariants: success, or LS_EPARSE with "f.ini:<line>: " inside the
 * file (or "no rules were loaded"); every rule loaded has an id, a
 * description and a non-empty regex, lines inside the file, and can be
 * found by its id. Everything is released (LeakSanitizer checks).
 */
#include <string.h>

#include "fuzz.h"
#include "rules.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule_set set;
	struct ls_err err = { 0, "" };
	int lines = fuzz_count_lines(data, size);
	int ret;

	rules_init(&set);
	ret = rules_add_text(&set, "f.ini", (const char *)data, size, &err);
	if (ret == 0)
		ret = rules_finish(&set, &err);
	if (ret < 0) {
		long line = fuzz_msg_line(err.msg, "f.ini");
		FUZZ_CHECK(ret == LS_EPARSE && err.code == ret,
			   "ret %d code %d: %s", ret, err.code, err.msg);
		FUZZ_CHECK((line >= 1 && line <= lines) ||
			   !strcmp(err.msg, "no rules were loaded"),
			   "message '%s' (%d lines)", err.msg, lines);
		goto out;
	}
	FUZZ_CHECK(err.code == 0 && set.nr > 0, "success with %zu rules",
		   set.nr);
	for (size_t i = 0; i < set.nr; i++) {
		const struct rule *r = &set.rules[i];
		FUZZ_CHECK(r->id && r->id[0] && r->description && r->regex &&
			   r->regex[0] && r->file, "rule %zu incomplete", i);
		FUZZ_CHECK(!strcmp(r->file, "f.ini"), "file '%s'", r->file);
		FUZZ_CHECK(r->lineno >= 1 && r->lineno <= lines &&
			   r->regex_lineno > r->lineno &&
			   r->regex_lineno <= lines,
			   "rule '%s' at %d, regex at %d, %d lines", r->id,
			   r->lineno, r->regex_lineno, lines);
		FUZZ_CHECK(rules_find(&set, r->id) == r, "rules_find '%s'",
			   r->id);
		FUZZ_CHECK(r->min_entropy >= 0 && r->min_entropy <= 8,
			   "entropy %f", r->min_entropy);
		FUZZ_CHECK(strlen(r->regex) <= 4096, "regex of %zu bytes",
			   strlen(r->regex));
		for (size_t j = 0; j < r->nr_examples; j++) {
			const struct rule_example *ex = &r->examples[j];
			FUZZ_CHECK(ex->text && (!ex->expect || !ex->near_miss),
				   "example %zu of '%s'", j, r->id);
			FUZZ_CHECK(ex->lineno > r->lineno &&
				   ex->lineno <= lines,
				   "example line %d", ex->lineno);
		}
	}
out:
	rules_release(&set);
	return 0;
}
