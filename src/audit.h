/*
 * audit.h - the trace an override leaves: one line per finding let
 * through (or per unscanned commit) in <git common dir>/leakstop/audit.log
 *
 * A line holds time, mode, user, reason, rule, file:line and the keyed
 * fingerprint; never the secret, nor any part of it.
 */
#ifndef LS_AUDIT_H
#define LS_AUDIT_H

#include "finding.h"
#include "rules.h"
#include "util.h"

struct audit_entry {
	const char *mode;	/* "pre-commit", ... */
	const char *user;	/* "Name <email>" */
	const char *reason;
	const char *error;	/* why the scan failed, or NULL */
};

/*
 * Append to dir/audit.log (created 0600, dir 0700). Errors: LS_EIO; the
 * caller must then refuse the override, since it would leave no trace.
 */
int audit_append(const char *dir, const struct audit_entry *e,
		 const struct finding_list *list,
		 const struct rule_set *rules, struct ls_err *err);

/*
 * One line for a fingerprint let through without a finding at hand
 * (LEAKSTOP_ALLOW given when committing a message): rule and location
 * are "-".
 */
int audit_append_fingerprint(const char *dir, const struct audit_entry *e,
			     const char *fingerprint, struct ls_err *err);

#endif
