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
	size_t inline_allowed;	/* findings a leakstop:allow marker let by */
	size_t ignored;		/* findings .leakstopignore let by */
	size_t baselined;	/* findings the baseline let by */
	size_t disabled;	/* findings of rules the policy disables */
	size_t expired;		/* .leakstopignore entries past their date */
	int policy_changed;	/* the change edits the policy file */
	int large_fails;	/* set by the caller: a file over max_size is
				 * an error (hooks), not a note (history) */
};

void scan_stats_release(struct scan_stats *st);

enum report_format { LS_FORMAT_TEXT, LS_FORMAT_JSON, LS_FORMAT_SARIF };

/* How a report speaks to its reader. */
struct report_ctx {
	const char *what;	/* "staged changes", "commits to push", ... */
	const char *fix;	/* the "fix: ..." line, or NULL */
	const char *override;	/* the override command, or NULL: none */
	int overriding;		/* 1: the findings are let through */
	int colour;		/* 1: ANSI colour (a terminal, no NO_COLOR) */
	int quiet;		/* 1: findings only, no hints */
};

/* Colour for fp: a terminal, NO_COLOR unset, TERM not "dumb". */
int report_want_colour(FILE *fp);

/*
 * Print findings as text: a header naming what was scanned, one line per
 * finding (with its commit when it has one), then how to fix and how to
 * override. Nothing is printed for an empty list.
 */
void report_findings(FILE *fp, const struct finding_list *list,
		     const struct rule_set *rules,
		     const struct report_ctx *ctx);

/*
 * Machine formats: JSON (an array of objects: rule, description,
 * confidence, file, line, column, commit, secret (redacted), length,
 * fingerprint) or SARIF 2.1.0 (rules in tool.driver.rules, one result
 * per finding with a location and partialFingerprints).
 */
void report_machine(FILE *fp, enum report_format format,
		    const struct finding_list *list,
		    const struct rule_set *rules, const char *version);

/* The "not scanned: ..." note, when anything was skipped. */
void report_skipped(FILE *fp, const struct scan_stats *st);

/*
 * "leakstop: cannot scan: <why>; to commit anyway: <override>" (the
 * override part only when there is one).
 */
void report_cannot_scan(FILE *fp, const char *why, const char *override);

#endif
