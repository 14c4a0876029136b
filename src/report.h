/*
 * report.h - the only writer of findings
 *
 * Every field is escaped (buf_add_escaped), so a file name or rule text
 * cannot drive the terminal; a secret is only ever shown redacted.
 */
#ifndef LS_REPORT_H
#define LS_REPORT_H

#include <stdio.h>

#include "finding.h"
#include "rules.h"

/* What was left out of a scan, and why; counted, never silent. */
struct scan_stats {
	size_t files;		/* scanned */
	size_t bytes;		/* scanned */
	size_t binary, large, lfs, submodules;
	char *first_skipped;	/* owned: a path to name in the note */
	size_t max_size;	/* the size limit that applied */
};

void scan_stats_release(struct scan_stats *st);

/*
 * Print findings to fp: a header naming what was scanned (e.g. "staged
 * changes"), one line per finding, then how to fix and how to override.
 * overriding: 1 when the findings are let through by an override.
 */
void report_findings(FILE *fp, const struct finding_list *list,
		     const struct rule_set *rules, const char *what,
		     int overriding);

/* The "not scanned: ..." note, when anything was skipped. */
void report_skipped(FILE *fp, const struct scan_stats *st);

/* "leakstop: cannot scan: <why>; to commit anyway: <override>" */
void report_cannot_scan(FILE *fp, const char *why);

#endif
