/*
 * engine.h - the loaded rules, database, scratch and confirmer, with one
 * call that takes a buffer of added text to filtered, redacted findings
 *
 * The steps of engine_scan(): scan (Hyperscan) -> finding (PCRE2
 * confirm, redaction, fingerprint) -> filter; on return the findings
 * hold no pointer into the buffer.
 */
#ifndef LS_ENGINE_H
#define LS_ENGINE_H

#include "config.h"
#include "db.h"
#include "finding.h"
#include "lines.h"
#include "rules.h"
#include "util.h"

struct engine {
	struct rule_set rules;
	struct db *db;
	struct scanner *scanner;
	struct confirmer *confirmer;
	struct raw_matches raw;
	unsigned char key[LS_KEY_LEN];
	struct filter *filter;	/* the policy's filters; NULL: none */
	const struct policy *policy;
	size_t known_rule;	/* index of the synthetic known-secret rule */
	struct db *custom_db;	/* the team's [custom ID] rules, or NULL */
	struct scanner *custom_scanner;
	size_t custom_base;	/* index of the first custom rule */
	uint32_t *widths;	/* max match width of every rule */
	int rebuilt;		/* the database was compiled at start-up */
};

/*
 * Where the installed database lives: beside the binary, in
 * <bindir>/../lib/leakstop/rules.db, so an installed tree can move.
 */
void engine_db_path(struct buf *out);

/*
 * Load the built-in rules and the database at db_path. cache_dir: where
 * a database rebuilt for this machine may be kept (NULL: memory only).
 * key_dir: where the fingerprint key lives (NULL: an all-zero key).
 * examples: keep each rule's examples and near misses (rules --check);
 * 0 saves a scan the work of copying 2,000 strings it never reads.
 */
int engine_open(struct engine **out, const char *db_path,
		const char *cache_dir, const char *key_dir, int examples,
		struct ls_err *err);

/*
 * engine_open's first half, with no repository yet: the built-in rules
 * and the installed database only. LS_EMISMATCH (or any error): call
 * engine_open, which can use the repository's cache or compile. The
 * fingerprint key is all-zero until engine_load_key.
 */
int engine_open_installed(struct engine **out, const char *db_path,
			  struct ls_err *err);

/* Load the fingerprint key from key_dir (NULL: all-zero), or note why not. */
void engine_load_key(struct engine *e, const char *key_dir);

/* Compile the built-in rules into a fresh engine (no file involved). */
int engine_compile(struct engine **out, struct ls_err *err);

/*
 * Apply a policy from now on (policy is borrowed and must outlive e).
 * Errors: an allow regex that does not compile.
 */
int engine_set_policy(struct engine *e, const struct policy *policy,
		      struct ls_err *err);

/*
 * Add the [custom ID] rules of the policy text (fname for messages):
 * compiled once and cached in cache_dir (NULL: memory only) under a
 * hash of their text and the Hyperscan version. Errors: file:line for a
 * bad rule, a rule Hyperscan rejects, an id that a built-in rule has.
 */
int engine_add_custom(struct engine *e, const char *fname, const char *data,
		      size_t len, const char *cache_dir, struct ls_err *err);

/* Scan one buffer of added text; append findings for path to out. */
int engine_scan(struct engine *e, const struct added *a, const char *path,
		struct finding_list *out, struct ls_err *err);

void engine_free(struct engine *e);

#endif
