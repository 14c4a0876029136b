/*
 * fuzz_filter.c - bytes through filter_is_placeholder, filter_entropy and
 * every filter_validate check
 *
 * Invariants: no crash or read past the input; entropy within 0..8 and
 * at most log2(len); the placeholder test ignores ASCII case; each
 * validator answers 0 or 1 (the "none" validator always 1).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static const enum rule_validate validators[] = {
		LS_VALIDATE_NONE, LS_VALIDATE_BASE62_CRC32, LS_VALIDATE_JWT
	};

	int ph = filter_is_placeholder(s, size);
	FUZZ_CHECK(ph == 0 || ph == 1, "placeholder %d", ph);
	if (size) {
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
