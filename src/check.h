/*
 * check.h - run every rule's examples and near misses through the real
 * pipeline (database, confirm, filters) and say which fail
 */
#ifndef LS_CHECK_H
#define LS_CHECK_H

#include <stdio.h>

#include "engine.h"

/*
 * Print "ok - ..." / "not ok - ..." per example, near miss and rule, then
 * "rules: N passed, N failed". Returns the number that failed.
 */
size_t check_rules(struct engine *e, FILE *out);

/*
 * Per-rule cost: compile each rule alone and scan corpus (len bytes) with
 * it, best of 3; print one line per rule, slowest first, with MB/s, then
 * the same for the whole database all. Returns 0 or a negative LS_E*.
 */
int check_profile(const struct rule_set *rules, const struct db *all,
		  const char *corpus, size_t len, FILE *out,
		  struct ls_err *err);

#endif
