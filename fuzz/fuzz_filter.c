/*
 * fuzz_filter.c - bytes through filter_is_placeholder, filter_entropy and
 * every filter_validate check
 *
 * Invariants: no crash or read past the input; entropy within 0..8 and
 * at most log2(len); the placeholder test ignores ASCII case where
 * filter.c says it does (not for lower-case dotted code paths, printf
 * slots such as %s, or base64 that decodes to a placeholder); each
 * validator answers 0 or 1 (the "none" validator always 1).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "fuzz.h"

/*
 * Could case matter? Code paths ("config.db.password") are lower case,
 * printf slots ("%s") too, and base64 (letters, digits, +/=, a multiple
 * of 4 long) decodes to other bytes once its case changes.
 */
static int
case_matters(const uint8_t *d, size_t n)
{
	int b64 = n >= 8 && n % 4 == 0;

	if (memchr(d, '.', n) || (n && d[0] == '%'))
		return 1;
	for (size_t i = 0; b64 && i < n; i++)
		b64 = isalnum(d[i]) || d[i] == '+' || d[i] == '/' ||
			d[i] == '=';
	return b64;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static const enum rule_validate validators[] = {
		LS_VALIDATE_NONE, LS_VALIDATE_BASE62_CRC32, LS_VALIDATE_JWT
	};

	int ph = filter_is_placeholder(s, size);
	FUZZ_CHECK(ph == 0 || ph == 1, "placeholder %d", ph);
	if (size && !case_matters(data, size)) {
		char *up = malloc(size);
		FUZZ_CHECK(up != NULL, "out of memory");
		for (size_t i = 0; i < size; i++)
			up[i] = (char)toupper(data[i]);
		FUZZ_CHECK(filter_is_placeholder(up, size) == ph,
			   "placeholder test depends on case");
		free(up);
	}

	double h = filter_entropy(s, size);
	FUZZ_CHECK(h >= 0 && h <= 8.0 + 1e-9, "entropy %f", h);
	FUZZ_CHECK(size == 0 || h <= log2((double)size) + 1e-9,
		   "entropy %f of %zu bytes", h, size);

	for (size_t i = 0; i < sizeof(validators) / sizeof(*validators); i++) {
		int v = filter_validate(validators[i], s, size);
		FUZZ_CHECK(v == 0 || v == 1, "validator %d: %d",
			   (int)validators[i], v);
		if (validators[i] == LS_VALIDATE_NONE)
			FUZZ_CHECK(v == 1, "no validator refused");
	}
	return 0;
}
