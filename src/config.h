/*
 * config.h - the team's policy: .leakstop.ini at the top of the
 * repository, read from HEAD's tree (never the index or the work tree, so
 * a commit cannot weaken its own scan), then made stricter, never
 * looser, by the committer's git config (leakstop.*).
 *
 *   [policy]
 *   max_file_size = 5M        ; files over this are not scanned (counted)
 *   fail_closed = true        ; false: "cannot scan" warns and lets through
 *   inline_allow = true       ; false: leakstop:allow markers do nothing
 *   salt = <64 hex digits>    ; fingerprint key shared by every clone
 *
 *   [allow]
 *   path = tests/fixtures/   ; glob (a ** spans folders), repeatable
 *   regex = ^AKIA[A-Z2-7]{12}TEST$   ; PCRE2 on the secret, repeatable
 *   stopword = fixture        ; substring of the secret, repeatable
 *
 *   [custom acme-internal-token]   ; a rule of the team's own, with the
 *   description = ...              ; keys of patterns/NAME.ini
 *   regex = \b(acme_[a-z0-9]{32})\b
 *
 *   [rule generic-password-assignment]
 *   enabled = false
 *   severity = warn           ; block (default) or warn
 *
 * Two more files sit beside it, one entry per line, '#' comments:
 *   .leakstopignore     <fingerprint> [expires=YYYY-MM-DD] <reason>
 *   .leakstop-baseline  <fingerprint> <rule-id>
 *   .leakstop-known     <64 hex: HMAC-SHA256(salt, secret)> [note]
 * A fingerprint is a keyed hash of rule and secret, so an entry survives
 * edits and moves and never covers another secret on the same line.
 *
 * Parsing has no side effects; every value is checked and a bad one is a
 * "file:line: message" error.
 */
#ifndef LS_CONFIG_H
#define LS_CONFIG_H

#include <stddef.h>

#include "rules.h"
#include "util.h"

#define LS_POLICY_FILE ".leakstop.ini"
#define LS_IGNORE_FILE ".leakstopignore"
#define LS_BASELINE_FILE ".leakstop-baseline"
#define LS_KNOWN_FILE ".leakstop-known"
#define LS_SALT_LEN 32
#define LS_MAX_FILE_SIZE_CAP (1024u * 1024 * 1024)

enum rule_severity { LS_SEV_BLOCK, LS_SEV_WARN };

struct rule_policy {
	char *id;
	int lineno;
	int enabled;
	enum rule_severity severity;
	unsigned seen;		/* keys given: 1 enabled, 2 severity */
};

struct policy {
	size_t max_file_size;
	int fail_closed;
	int inline_allow;
	char **allow_paths;
	size_t nr_paths, alloc_paths;
	char **allow_regex;
	size_t nr_regex, alloc_regex;
	char **stopwords;
	size_t nr_stopwords, alloc_stopwords;
	struct rule_policy *rules;
	size_t nr_rules, alloc_rules;
	unsigned char salt[LS_SALT_LEN];
	int has_salt;
	char (*ignored)[17];	/* fingerprints in force (not expired) */
	size_t nr_ignored, alloc_ignored;
	size_t nr_expired;	/* entries past their date, not in force */
	char (*baseline)[17];
	size_t nr_baseline, alloc_baseline;
	unsigned char (*known)[32];	/* sorted */
	size_t nr_known, alloc_known;
	int from_file;		/* 1: a policy file was read */
	int has_custom;		/* [custom ID] sections: rules of the team */
};

/* Defaults: 10 MiB, fail closed, inline allows on, nothing allowed. */
void policy_init(struct policy *p);
void policy_release(struct policy *p);

/*
 * Parse the policy text (fname for messages). rules: the loaded rule set,
 * so that [rule ID] sections name rules that exist.
 */
int policy_parse(struct policy *p, const char *fname, const char *data,
		 size_t len, const struct rule_set *rules,
		 struct ls_err *err);

/*
 * Personal settings, each only ever stricter: max_file_size can shrink,
 * fail_closed can be turned on, inline_allow off. Values come as strings
 * from git config; NULL means unset.
 */
int policy_personal(struct policy *p, const char *max_file_size,
		    const char *fail_closed, const char *inline_allow,
		    struct ls_err *err);

/*
 * Parse .leakstopignore text; entries whose expiry date is before today
 * ("YYYY-MM-DD", UTC) are counted in nr_expired, not put in force.
 */
int policy_parse_ignore(struct policy *p, const char *fname,
			const char *data, size_t len, const char *today,
			struct ls_err *err);

/* Parse .leakstop-baseline text. */
int policy_parse_baseline(struct policy *p, const char *fname,
			  const char *data, size_t len, struct ls_err *err);

/* Parse .leakstop-known text (hashes kept sorted). */
int policy_parse_known(struct policy *p, const char *fname, const char *data,
		       size_t len, struct ls_err *err);

/* 1 when fingerprint fp is in list (of n entries). */
int policy_fp_listed(char (*list)[17], size_t n, const char *fp);

/* Check "YYYY-MM-DD" is a real date. */
int policy_valid_date(const char *s);

/* The policy for rule index i of rules; NULL: defaults. */
const struct rule_policy *policy_rule(const struct policy *p,
				      const struct rule_set *rules, size_t i);

/* Does glob (with ** for any number of directories) match path? */
int policy_glob_match(const char *glob, const char *path);

#endif
