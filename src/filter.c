/*
 * filter.c - placeholder stop list and entropy floor
 */
#include "filter.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/*
 * Words that only stand in documentation and templates for a secret.
 * Compared case-insensitively as substrings of the extracted secret.
 */
static const char *const stop_words[] = {
	"example", "xxxx", "placeholder", "changeme", "change_me", "dummy",
	"your_", "your-", "<", ">", "${", "{{", "redacted", "sample",
	"******", "...", NULL
};

static int
contains_ci(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++) {
		size_t j = 0;
		while (j < n && tolower((unsigned char)s[i + j]) == word[j])
			j++;
		if (j == n)
			return 1;
	}
	return 0;
}

int
filter_is_placeholder(const char *s, size_t len)
{
	for (const char *const *w = stop_words; *w; w++)
		if (contains_ci(s, len, *w))
			return 1;
	return 0;
}

double
filter_entropy(const char *s, size_t len)
{
	size_t count[256] = { 0 };
	double h = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		count[(unsigned char)s[i]]++;
	for (int c = 0; c < 256; c++) {
		if (count[c] == 0)
			continue;
		double p = (double)count[c] / (double)len;
		h -= p * log2(p);
	}
	return h;
}

void
filter_apply(struct finding_list *list, size_t from,
	     const struct rule_set *rules)
{
	size_t i = from;

	while (i < list->nr) {
		const struct finding *f = &list->items[i];
		const struct rule *r = &rules->rules[f->rule];
		int drop = 0;

		if (f->secret == NULL)
			drop = 0;
		else if (filter_is_placeholder(f->secret, f->secret_len))
			drop = 1;
		else if (r->min_entropy > 0 &&
			 filter_entropy(f->secret, f->secret_len) <
			 r->min_entropy)
			drop = 1;
		if (drop)
			finding_remove(list, i);
		else
			i++;
	}
}
