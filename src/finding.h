/*
 * finding.h - raw matches confirmed into findings: rule, place, a
 * redacted secret and a keyed fingerprint
 */
#ifndef LS_FINDING_H
#define LS_FINDING_H

#include <stddef.h>

#include "db.h"
#include "lines.h"
#include "rules.h"
#include "scan.h"
#include "util.h"

#define LS_KEY_LEN 32
#define LS_FINGERPRINT_LEN 16

struct finding {
	size_t rule;		/* index into the rule set */
	char *path;		/* owned */
	size_t line, col;
	size_t secret_len;
	char *redacted;		/* owned: the shown prefix, at most 4 bytes */
	char fingerprint[LS_FINGERPRINT_LEN + 1];
	int confirmed;		/* 0: the second stage did not agree */
	char *commit;		/* owned: full hex id of the commit adding it */
	char *subject;		/* owned: that commit's subject line */
	int warn;		/* the policy says: report, do not block */
	/*
	 * Borrowed from the scanned buffer for the filters only; NULL once
	 * finding_forget_secrets() ran. Never printed.
	 */
	const char *secret;
};

struct finding_list {
	struct finding *items;
	size_t nr, alloc;
};

struct confirmer;

/* PCRE2 regexes are compiled lazily, only for rules that hit. */
int confirmer_new(struct confirmer **out, const struct rule_set *rules,
		  const struct db *db, struct ls_err *err);
void confirmer_free(struct confirmer *c);

/*
 * After rules grew (custom rules appended): the widths of all of them,
 * borrowed; existing compiled regexes are kept.
 */
void confirmer_set_widths(struct confirmer *c, const struct rule_set *rules,
			  const uint32_t *max_width);

/*
 * Confirm each raw match over a, extract the secret (capture group 1,
 * else the whole match), and append a finding per distinct (rule,
 * secret start). key is the per-repository fingerprint key.
 */
int finding_collect(struct finding_list *out, struct confirmer *c,
		    const struct raw_matches *raw, const struct added *a,
		    const char *path, const unsigned char key[LS_KEY_LEN],
		    struct ls_err *err);

/* Keyed fingerprint of a secret for rule_id, as hex. */
void finding_fingerprint(char out[LS_FINGERPRINT_LEN + 1],
			 const unsigned char key[LS_KEY_LEN],
			 const char *rule_id, const char *secret, size_t len);

/* The hash .leakstop-known holds: HMAC-SHA256(key, secret). */
void finding_known_hash(unsigned char out[32],
			const unsigned char key[LS_KEY_LEN], const char *s,
			size_t len);

/*
 * Report, as rule index rule, every value in a that is on the sorted
 * known list: quoted strings and values after '=' or ':', 16 to 512
 * bytes. Internal secrets with no public format are caught this way.
 */
void finding_known(struct finding_list *out, size_t rule,
		   const struct rule *r, const struct added *a,
		   const char *path, const unsigned char (*known)[32],
		   size_t nr_known, const unsigned char key[LS_KEY_LEN]);

/* Drop the borrowed secret pointers of items[from..]. */
void finding_forget_secrets(struct finding_list *list, size_t from);

/* Remove items[i], keeping order. */
void finding_remove(struct finding_list *list, size_t i);

/* Move from->items[i] to the end of to, keeping from's order. */
void finding_move(struct finding_list *to, struct finding_list *from,
		  size_t i);

void finding_list_release(struct finding_list *list);

/*
 * Read the fingerprint key from dir/key, creating it (0600, random)
 * when missing. dir NULL: an all-zero key (no repository).
 */
int finding_key_load(unsigned char key[LS_KEY_LEN], const char *dir,
		     struct ls_err *err);

#endif
