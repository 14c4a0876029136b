/*
 * filter.h - drop findings that are not secrets: placeholders, documented
 * sample keys, low-entropy values. Filters only remove.
 */
#ifndef LS_FILTER_H
#define LS_FILTER_H

#include <stddef.h>

#include "config.h"
#include "finding.h"
#include "lines.h"
#include "rules.h"

/* Shannon entropy of the bytes, in bits per byte. */
double filter_entropy(const char *s, size_t len);

/* 1 when the secret reads as a placeholder (see filter.c's stop list). */
int filter_is_placeholder(const char *s, size_t len);

/* 1 when s passes the rule's offline check (or the rule has none). */
int filter_validate(enum rule_validate v, const char *s, size_t len);

/* Policy compiled for filtering: allowlist regexes ready to run. */
struct filter;

int filter_new(struct filter **out, const struct policy *policy,
	       struct ls_err *err);
void filter_free(struct filter *f);

/* Findings a "leakstop:allow" marker let through, so far. */
size_t filter_inline_allowed(const struct filter *f);

/* Findings .leakstopignore and the baseline let through, so far. */
size_t filter_ignored(const struct filter *f);
size_t filter_baselined(const struct filter *f);

/* Findings of rules the policy disables ([rule ID] enabled = false). */
size_t filter_disabled(const struct filter *f);

/* Leave the ignore list and baseline out (for `leakstop baseline`). */
void filter_skip_lists(struct filter *f);

/*
 * 1 when line (len bytes) carries marker (e.g. "leakstop:allow") outside
 * the span [skip, skip + skip_len), which holds the secret.
 */
int filter_line_has_marker(const char *line, size_t len, const char *marker,
			   size_t skip, size_t skip_len);

/*
 * Remove from list->items[from..] what is not a secret, or what the
 * policy allows: placeholders, values failing their rule's validation or
 * entropy floor, disabled rules, allowlisted paths, secrets or stop
 * words, and lines marked leakstop:allow (when the policy allows inline
 * markers). Findings of rules set to "warn" get warn = 1. The findings'
 * borrowed secret pointers must still be valid; a is what was scanned.
 * f may be NULL: no policy.
 */
void filter_apply(struct filter *f, struct finding_list *list, size_t from,
		  const struct rule_set *rules, const struct added *a);

#endif
