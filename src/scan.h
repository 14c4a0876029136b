/*
 * scan.h - one Hyperscan block-mode pass over a buffer -> raw matches
 */
#ifndef LS_SCAN_H
#define LS_SCAN_H

#include <stddef.h>

#include "db.h"
#include "util.h"

/* Hyperscan reports where a match ends, not where it starts. */
struct raw_match {
	unsigned int rule;
	size_t end;
};

struct raw_matches {
	struct raw_match *items;
	size_t nr, alloc;
};

struct scanner;

/* Allocate scratch space for db once; db is borrowed and must outlive s. */
int scanner_new(struct scanner **out, struct db *db,
		struct ls_err *err);
void scanner_free(struct scanner *s);

/*
 * Scan len bytes and append every match to out, sorted by (rule, end),
 * keeping of each run of consecutive end offsets only the last (the
 * longest match of a greedy repeat).
 */
int scan_buffer(struct scanner *s, const char *data, size_t len,
		struct raw_matches *out, struct ls_err *err);

void raw_matches_release(struct raw_matches *m);

#endif
