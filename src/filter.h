/*
 * filter.h - drop findings that are not secrets: placeholders, documented
 * sample keys, low-entropy values. Filters only remove.
 */
#ifndef LS_FILTER_H
#define LS_FILTER_H

#include <stddef.h>

#include "finding.h"
#include "rules.h"

/* Shannon entropy of the bytes, in bits per byte. */
double filter_entropy(const char *s, size_t len);

/* 1 when the secret reads as a placeholder (see filter.c's stop list). */
int filter_is_placeholder(const char *s, size_t len);

/* 1 when s passes the rule's offline check (or the rule has none). */
int filter_validate(enum rule_validate v, const char *s, size_t len);

/*
 * Remove from list->items[from..] what is not a secret. The findings'
 * borrowed secret pointers must still be valid.
 */
void filter_apply(struct finding_list *list, size_t from,
		  const struct rule_set *rules);

#endif
