/*
 * check.c - rule examples and near misses, checked end to end
 */
#include "check.h"

#include <string.h>

/* Does any finding of rule match (and extract expect, when given)? */
static int
check_example(struct engine *e, size_t rule, const struct rule_example *ex,
	      struct ls_err *err)
{
	struct finding_list list = { NULL, 0, 0 };
	struct added a;
	char want[LS_FINGERPRINT_LEN + 1];
	int found = 0;

	if (ex->expect)
		finding_fingerprint(want, e->key, e->rules.rules[rule].id,
				    ex->expect, strlen(ex->expect));
	lines_whole(&a, ex->text, strlen(ex->text));
	if (engine_scan(e, &a, "example", &list, err) < 0) {
		found = -1;
		goto out;
	}
	for (size_t i = 0; i < list.nr; i++) {
		if (list.items[i].rule != rule)
			continue;
		/*
		 * Findings hold no secret: compare fingerprints, which are
		 * keyed hashes of (rule, secret).
		 */
		if (ex->expect == NULL ||
		    !strcmp(list.items[i].fingerprint, want)) {
			found = 1;
			break;
		}
		found = 2;	/* matched, but extracted something else */
	}
out:
	finding_list_release(&list);
	return found;
}

size_t
check_rules(struct engine *e, FILE *out)
{
	size_t passed = 0, failed = 0;
	struct ls_err err = { 0, "" };

	for (size_t i = 0; i < e->rules.nr; i++) {
		const struct rule *r = &e->rules.rules[i];
		size_t nr_ex = 0, nr_nm = 0;

		if (r->synthetic)
			continue;

		for (size_t j = 0; j < r->nr_examples; j++) {
			const struct rule_example *ex = &r->examples[j];
			int found = check_example(e, i, ex, &err);
			int ok = ex->near_miss ? found == 0 : found == 1;

			/* An example must say what it extracts. */
			if (!ex->near_miss && ex->expect == NULL)
				found = 3, ok = 0;

			nr_ex += !ex->near_miss;
			nr_nm += ex->near_miss;
			fprintf(out, "%s - %s %s at %s:%d%s\n", ok ? "ok" : "not ok",
			       r->id, ex->near_miss ? "near_miss" : "example",
			       r->file, ex->lineno,
			       ok ? "" : found < 0 ? ": scan failed" :
			       found == 3 ? ": has no 'expect' line" :
			       found == 2 ? ": extracts another secret than "
			       "'expect'" : ex->near_miss ? ": is reported" :
			       ": is not reported");
			ok ? passed++ : failed++;
		}
		int ok = nr_ex > 0 && nr_nm > 0;
		fprintf(out, "%s - %s has examples and near misses at %s:%d\n",
		       ok ? "ok" : "not ok", r->id, r->file, r->lineno);
		ok ? passed++ : failed++;
	}
	fprintf(out, "rules: %zu passed, %zu failed\n", passed, failed);
	return failed;
}

