/*
 * report.c - human-readable findings
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

void
scan_stats_release(struct scan_stats *st)
{
	free(st->first_skipped);
	st->first_skipped = NULL;
}

static void
emit(FILE *fp, struct buf *b)
{
	/* A closed stderr must not change the verdict: ignore errors. */
	if (b->len)
		fwrite(b->ptr, 1, b->len, fp);
	fflush(fp);
	buf_release(b);
}

void
report_findings(FILE *fp, const struct finding_list *list,
		const struct rule_set *rules, const char *what, int overriding)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "leakstop: %zu secret%s in %s\n", list->nr,
		   list->nr == 1 ? "" : "s", what);
	for (size_t i = 0; i < list->nr; i++) {
		const struct finding *f = &list->items[i];
		const char *id = rules->rules[f->rule].id;

		buf_add_escaped(&b, f->path, strlen(f->path), 0);
		buf_printf(&b, ":%zu:%zu  ", f->line, f->col);
		buf_add_escaped(&b, id, strlen(id), 0);
		buf_addstr(&b, "  ");
		buf_add_escaped(&b, f->redacted, strlen(f->redacted), 0);
		buf_printf(&b, "\xe2\x80\xa6(%zu chars)  fingerprint %s\n",
			   f->secret_len, f->fingerprint);
	}
	if (!overriding) {
		buf_addstr(&b, "fix: remove it from the file, `git add` again, "
			   "and rotate the key: it is exposed to anyone who "
			   "saw it.\n");
		buf_addstr(&b, "false alarm? see `leakstop help allow`.  "
			   "commit anyway: " LS_OVERRIDE_HINT "\n");
	}
	emit(fp, &b);
}

void
report_skipped(FILE *fp, const struct scan_stats *st)
{
	struct buf b = BUF_INIT;
	const char *sep = "";

	if (st->binary + st->large + st->lfs + st->submodules == 0)
		return;
	buf_addstr(&b, "leakstop: note: not scanned: ");
	if (st->binary) {
		buf_printf(&b, "%zu binary file%s", st->binary,
			   st->binary == 1 ? "" : "s");
		sep = ", ";
	}
	if (st->large) {
		buf_printf(&b, "%s%zu file%s over %zu bytes", sep, st->large,
			   st->large == 1 ? "" : "s", st->max_size);
		sep = ", ";
	}
	if (st->lfs) {
		buf_printf(&b, "%s%zu Git LFS pointer%s", sep, st->lfs,
			   st->lfs == 1 ? "" : "s");
		sep = ", ";
	}
	if (st->submodules)
		buf_printf(&b, "%s%zu submodule%s (they have hooks of their "
			   "own)", sep, st->submodules,
			   st->submodules == 1 ? "" : "s");
	if (st->first_skipped) {
		buf_addstr(&b, " (first: '");
		buf_add_escaped(&b, st->first_skipped,
				strlen(st->first_skipped), 0);
		buf_addstr(&b, "')");
	}
	buf_addch(&b, '\n');
	emit(fp, &b);
}

void
report_cannot_scan(FILE *fp, const char *why)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "leakstop: cannot scan: ");
	buf_add_escaped(&b, why, strlen(why), 0);
	buf_addstr(&b, "; to commit anyway: " LS_OVERRIDE_HINT "\n");
	emit(fp, &b);
}
