/*
 * check.c - rule examples and near misses, checked end to end
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>

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


static int
count_match(unsigned int id, unsigned long long from, unsigned long long to,
	    unsigned int flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(size_t *)ctx)++;
	return 0;
}

/* Seconds for the best of 3 scans of corpus with db. */
static double
time_scan(hs_database_t *db, const char *corpus, size_t len, size_t *hits)
{
	hs_scratch_t *scratch = NULL;
	double best = -1;

	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
		return -1;
	for (int run = 0; run < 3; run++) {
		struct timespec a, b;
		size_t n = 0;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (size_t off = 0; off < len; off += 1u << 20) {
			size_t chunk = len - off < (1u << 20) ? len - off :
				1u << 20;
			hs_scan(db, corpus + off, (unsigned int)chunk, 0, scratch,
				count_match, &n);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		double t = (double)(b.tv_sec - a.tv_sec) +
			(double)(b.tv_nsec - a.tv_nsec) / 1e9;
		if (best < 0 || t < best)
			best = t;
		*hits = n;
	}
	hs_free_scratch(scratch);
	return best;
}

struct prof {
	size_t rule;
	double mbps;
	size_t hits;
};

static int
cmp_prof(const void *a, const void *b)
{
	const struct prof *x = a, *y = b;

	return x->mbps < y->mbps ? -1 : x->mbps > y->mbps;
}

int
check_profile(const struct rule_set *rules, const struct db *all,
	      const char *corpus, size_t len, FILE *out, struct ls_err *err)
{
	struct prof *p = xcalloc(rules->nr, sizeof(*p));
	hs_platform_info_t plat = { HS_TUNE_FAMILY_GENERIC, 0, 0, 0 };
	size_t nr = 0, hits = 0;
	double mb = (double)len / 1e6, t;
	int ret = 0;

	for (size_t i = 0; i < rules->nr; i++) {
		hs_database_t *db = NULL;
		hs_compile_error_t *cerr = NULL;

		if (rules->rules[i].synthetic)
			continue;
		if (hs_compile(rules->rules[i].regex, 0, HS_MODE_BLOCK, &plat,
			       &db, &cerr) != HS_SUCCESS) {
			ret = ls_err_set(err, LS_EPARSE, "%s:%d: rule '%s': %s",
					 rules->rules[i].file,
					 rules->rules[i].regex_lineno,
					 rules->rules[i].id,
					 cerr ? cerr->message : "rejected");
			hs_free_compile_error(cerr);
			goto out;
		}
		t = time_scan(db, corpus, len, &hits);
		hs_free_database(db);
		p[nr].rule = i;
		p[nr].mbps = t > 0 ? mb / t : 0;
		p[nr].hits = hits;
		nr++;
	}
	qsort(p, nr, sizeof(*p), cmp_prof);
	fprintf(out, "%-40s %10s %8s\n", "rule (slowest first)", "MB/s", "matches");
	for (size_t i = 0; i < nr; i++)
		fprintf(out, "%-40s %10.0f %8zu\n", rules->rules[p[i].rule].id,
			p[i].mbps, p[i].hits);
	t = time_scan(all->hs, corpus, len, &hits);
	fprintf(out, "%-40s %10.0f %8zu\n", "ALL (installed database)",
		t > 0 ? mb / t : 0, hits);
	fprintf(out, "leakstop: %zu rules over %.1f MB, one core\n", nr, mb);
out:
	free(p);
	return ret;
}
