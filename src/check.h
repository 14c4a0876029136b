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

#endif
