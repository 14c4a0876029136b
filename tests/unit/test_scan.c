/*
 * test_scan.c - raw matches from one Hyperscan pass: order, the longest
 * of a run of ends, appending
 */
#include <string.h>

#include "db.h"
#include "harness.h"
#include "rules.h"
#include "scan.h"
#include "util.h"

static const char rules_text[] =
	"[digits]\ndescription = d\nregex = n=[0-9]{3,}\n"
	"[word]\ndescription = w\nregex = cat\n";

static const struct {
	const char *name;
	const char *text;
	size_t nr;
	struct raw_match m[4];
} rows[] = {
	{ "nothing", "dog", 0, { { 0, 0 } } },
	{ "one word", "a cat", 1, { { 1, 5 } } },
	{ "a run of ends keeps the longest", "n=123456 ", 1, { { 0, 8 } } },
	{ "sorted by rule, then end", "cat n=1234 cat n=999", 4,
	  { { 0, 10 }, { 0, 20 }, { 1, 3 }, { 1, 14 } } },
	{ "adjacent words both kept", "catcat", 2, { { 1, 3 }, { 1, 6 } } },
};

int
main(void)
{
	struct rule_set set;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	struct scanner *s = NULL;
	struct raw_matches m = { NULL, 0, 0 };

	rules_init(&set);
	if (!CHECK(rules_add_text(&set, "t.ini", rules_text,
				  strlen(rules_text), &err) == 0 &&
		   db_compile(&db, &set, &err) == 0 &&
		   scanner_new(&s, db, &err) == 0, "scanner ready"))
		goto out;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int same = 1;

		m.nr = 0;
		CHECK(scan_buffer(s, rows[i].text, strlen(rows[i].text), &m,
				  &err) == 0, "%s: scans", rows[i].name);
		for (size_t j = 0; j < m.nr && j < rows[i].nr; j++)
			same &= m.items[j].rule == rows[i].m[j].rule &&
				m.items[j].end == rows[i].m[j].end;
		CHECK(m.nr == rows[i].nr && same, "%s: %zu matches",
		      rows[i].name, rows[i].nr);
	}
	/* A second buffer appends; its run check does not reach back. */
	m.nr = 0;
	scan_buffer(s, "n=1234", 6, &m, &err);
	scan_buffer(s, "n=12345", 7, &m, &err);
	CHECK(m.nr == 2 && m.items[0].end == 6 && m.items[1].end == 7,
	      "second scan appends to the first's matches");
	CHECK(scan_buffer(s, "", 0, &m, &err) == 0 && m.nr == 2,
	      "empty buffer adds nothing");
out:
	raw_matches_release(&m);
	scanner_free(s);
	db_free(db);
	rules_release(&set);
	return harness_done();
}
