/*
 * rules.h - signature files (patterns/NAME.ini) to a rule table
 *
 * A rule file holds one section per rule:
 *
 *   [aws-access-key-id]
 *   description = AWS access key ID
 *   confidence = high
 *   regex = \b((?:AKIA|ASIA)[A-Z2-7]{16})\b
 *   entropy = 3.0
 *   validate = base62-crc32
 *   example = key = AKIA...
 *   expect = AKIA...
 *   near_miss = ...
 *
 * An indented line continues the previous key: regex parts are joined
 * as they are, example/near_miss/expect parts with a newline.
 */
#ifndef LS_RULES_H
#define LS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum rule_confidence { LS_CONF_LOW, LS_CONF_MEDIUM, LS_CONF_HIGH };

/* Offline checks a secret must pass to be reported (filter.c). */
enum rule_validate {
	LS_VALIDATE_NONE,
	LS_VALIDATE_BASE62_CRC32,	/* last 6 chars: base62 CRC32 of the 30 before */
	LS_VALIDATE_JWT			/* base64url JSON header with "alg", JSON payload */
};

/* One line of example or near-miss text, with where it was written. */
struct rule_example {
	char *text;
	char *expect;		/* exact secret to extract, or NULL */
	int lineno;
	int near_miss;
};

struct rule {
	char *id;
	char *description;
	char *regex;
	char *file;		/* e.g. "patterns/aws.ini" */
	int lineno;		/* of the [section] header */
	int regex_lineno;
	enum rule_confidence confidence;
	double min_entropy;	/* bits per byte of the secret; 0: no check */
	enum rule_validate validate;
	struct rule_example *examples;
	size_t nr_examples, alloc_examples;
	int synthetic;		/* not in the database (known-secret) */
};

struct rule_set {
	struct rule *rules;
	size_t nr, alloc;
	uint64_t hash;		/* of every file name and byte loaded */
	int skip_examples;	/* set before loading: scans never need them */
};

/* A file compiled into the binary (see tools/embed.c). */
struct ls_embedded {
	const char *name;
	const char *data;
	size_t len;
};

void rules_init(struct rule_set *set);
void rules_release(struct rule_set *set);

/*
 * Add the rules of one file's text. fname is for messages and the hash.
 * Errors: LS_EPARSE with "fname:line: ...".
 */
int rules_add_text(struct rule_set *set, const char *fname, const char *data,
		   size_t len, struct ls_err *err);

/*
 * Add the rules of the sections named "<prefix><id>" in a file that holds
 * other sections too (custom rules in .leakstop.ini: prefix "custom ");
 * the rest is skipped.
 */
int rules_add_prefixed(struct rule_set *set, const char *fname,
		       const char *data, size_t len, const char *prefix,
		       struct ls_err *err);

/* Add every rule file built into the binary. */
int rules_add_builtin(struct rule_set *set, struct ls_err *err);

/*
 * Check what spans rules: required keys, unique ids, at least one rule.
 * Call once after the last rules_add_*().
 */
int rules_finish(struct rule_set *set, struct ls_err *err);

/*
 * Add a rule that the database does not match (findings made by other
 * means, such as the known-secret list); the set's hash is unchanged.
 * Returns its index.
 */
size_t rules_add_synthetic(struct rule_set *set, const char *id,
			   const char *description);

/* Find a rule by id; NULL if none. Borrowed from set. */
const struct rule *rules_find(const struct rule_set *set, const char *id);

const char *rules_confidence_name(enum rule_confidence c);

#endif
