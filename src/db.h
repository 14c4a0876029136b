/*
 * db.h - the compiled signature database: compile, serialize, load
 *
 * File layout (little-endian):
 *   8 bytes   magic "LSDB" "\0\0\0" and format version (2)
 *   128 bytes hs_version() of the compiler, NUL-padded
 *   8 bytes   hash of the rule text it was compiled from
 *   4 bytes   number of rules n, then 4 reserved bytes
 *   4*n bytes max match width of each rule (UINT32_MAX: unbounded)
 *   8 bytes   size of the image below
 *   8 bytes   FNV-1a hash of the image's first 512 bytes (Hyperscan's
 *             header, which its own CRC does not cover)
 *   zeros     up to the next multiple of 4096
 *   the rest  the image: the database as hs_deserialize_database_at()
 *             lays it out at a page boundary, used where it is mapped
 */
#ifndef LS_DB_H
#define LS_DB_H

#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "rules.h"
#include "util.h"

struct db {
	hs_database_t *hs;	/* in map when loaded, else Hyperscan's */
	void *map;		/* the mapped file, or NULL */
	size_t map_len;
	hs_scratch_t *scratch;	/* allocated while loading, for a scanner */
	uint32_t *max_width;	/* per rule, indexed like the rule set */
	size_t nr_rules;
	uint64_t rules_hash;
};

/*
 * Compile every rule of rules for a portable x86-64 target (no AVX
 * requirement), so a database built on one machine loads on any other.
 * Errors: LS_EPARSE naming the rule's file:line and Hyperscan's reason.
 */
int db_compile(struct db **out, const struct rule_set *rules,
	       struct ls_err *err);

/* Serialize db with its header into out. */
int db_serialize(const struct db *db, struct buf *out, struct ls_err *err);

/*
 * Load a serialized database that must have been compiled from rules.
 * Returns LS_EMISMATCH when it was built by another Hyperscan version,
 * for another CPU or from other rules (rebuild it); LS_EPARSE when it is
 * damaged; LS_EIO when it cannot be read.
 */
int db_load(struct db **out, const char *path, const struct rule_set *rules,
	    struct ls_err *err);

/*
 * db_load for a cache under .git/leakstop: a file not owned by this user
 * or writable by group or others is refused with LS_EMISMATCH, so the
 * caller compiles and replaces it.
 */
int db_load_cache(struct db **out, const char *path,
		  const struct rule_set *rules, struct ls_err *err);

/*
 * The hook's way in: load the installed database; when it does not fit
 * (LS_EMISMATCH), use or make a per-machine copy under cache_dir (may be
 * NULL: compile in memory). *rebuilt is set to 1 when it compiled.
 * A damaged or missing installed database is an error: never a scan
 * with fewer rules.
 */
int db_open(struct db **out, const char *installed, const char *cache_dir,
	    const struct rule_set *rules, int *rebuilt, struct ls_err *err);

/*
 * The scratch space allocated (and the bytecode's CRC checked) while
 * loading, now the caller's to free; NULL when there is none left.
 */
hs_scratch_t *db_take_scratch(struct db *db);

void db_free(struct db *db);

#endif
