/*
 * report.c - human-readable findings
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define C_RED "\033[1;31m"
#define C_YEL "\033[33m"
#define C_DIM "\033[2m"
#define C_OFF "\033[m"

int
report_want_colour(FILE *fp)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	return isatty(fileno(fp)) && (nc == NULL || *nc == '\0') &&
		!(term && !strcmp(term, "dumb"));
}

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
		const struct rule_set *rules, const struct report_ctx *ctx)
{
	struct buf b = BUF_INIT;

	if (list->nr == 0)
		return;
	buf_printf(&b, "%sleakstop: %zu secret%s in %s%s\n",
		   ctx->colour ? C_RED : "", list->nr,
		   list->nr == 1 ? "" : "s", ctx->what,
		   ctx->colour ? C_OFF : "");
	for (size_t i = 0; i < list->nr; i++) {
		const struct finding *f = &list->items[i];
		const char *id = rules->rules[f->rule].id;

		buf_add_escaped(&b, f->path, strlen(f->path), 0);
		buf_printf(&b, ":%zu:%zu  %s", f->line, f->col,
			   ctx->colour ? C_YEL : "");
		buf_add_escaped(&b, id, strlen(id), 0);
		buf_addstr(&b, ctx->colour ? C_OFF "  " : "  ");
		buf_add_escaped(&b, f->redacted, strlen(f->redacted), 0);
		buf_printf(&b, "\xe2\x80\xa6(%zu chars)  fingerprint %s",
			   f->secret_len, f->fingerprint);
		if (f->commit) {
			buf_printf(&b, "  in %.7s \"", f->commit);
			if (f->subject)
				buf_add_escaped(&b, f->subject,
						strlen(f->subject), 1);
			buf_addch(&b, '"');
		}
		buf_addch(&b, '\n');
	}
	if (!ctx->overriding && ctx->fix && !ctx->quiet)
		buf_printf(&b, "%sfix: %s%s\n", ctx->colour ? C_DIM : "",
			   ctx->fix, ctx->colour ? C_OFF : "");
	if (!ctx->overriding && ctx->override && ctx->fix && !ctx->quiet &&
	    !strstr(ctx->fix, "false alarm?"))
		buf_printf(&b, "false alarm? see `leakstop help allow`.  "
			   "%s anyway: %s\n",
			   strstr(ctx->override, "git push") ? "push" :
			   "commit", ctx->override);
	emit(fp, &b);
}

static void
json_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_addch(b, (char)*p);
	}
	buf_addch(b, '"');
}

/* JSON wants UTF-8: escape what is not, the same way as the text. */
static void
json_field(struct buf *b, const char *name, const char *value, int comma)
{
	struct buf v = BUF_INIT;

	buf_add_escaped(&v, value, strlen(value), 0);
	buf_printf(b, "%s\"%s\": ", comma ? ", " : "", name);
	json_str(b, v.ptr ? v.ptr : "");
	buf_release(&v);
}

static void
redacted_text(struct buf *out, const struct finding *f)
{
	buf_printf(out, "%s\xe2\x80\xa6(%zu chars)", f->redacted,
		   f->secret_len);
}

static void
report_json(struct buf *b, const struct finding_list *list,
	    const struct rule_set *rules)
{
	buf_addstr(b, "[");
	for (size_t i = 0; i < list->nr; i++) {
		const struct finding *f = &list->items[i];
		const struct rule *r = &rules->rules[f->rule];
		struct buf red = BUF_INIT;

		redacted_text(&red, f);
		buf_addstr(b, i ? ",\n  {" : "\n  {");
		json_field(b, "rule", r->id, 0);
		json_field(b, "description", r->description, 1);
		json_field(b, "confidence",
			   rules_confidence_name(r->confidence), 1);
		json_field(b, "file", f->path, 1);
		buf_printf(b, ", \"line\": %zu, \"column\": %zu", f->line,
			   f->col);
		if (f->commit)
			json_field(b, "commit", f->commit, 1);
		else
			buf_addstr(b, ", \"commit\": null");
		json_field(b, "secret", red.ptr, 1);
		buf_printf(b, ", \"length\": %zu", f->secret_len);
		json_field(b, "fingerprint", f->fingerprint, 1);
		buf_addstr(b, "}");
		buf_release(&red);
	}
	buf_addstr(b, list->nr ? "\n]\n" : "]\n");
}

static void
report_sarif(struct buf *b, const struct finding_list *list,
	     const struct rule_set *rules, const char *version)
{
	buf_addstr(b, "{\n  \"$schema\": \"https://json.schemastore.org/"
		   "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
		   "  \"runs\": [{\n    \"tool\": {\"driver\": {"
		   "\"name\": \"leakstop\", ");
	json_field(b, "version", version, 0);
	buf_addstr(b, ", \"informationUri\": \"https://example.invalid/"
		   "leakstop\", \"rules\": [");
	for (size_t i = 0; i < rules->nr; i++) {
		const struct rule *r = &rules->rules[i];
		buf_addstr(b, i ? ",\n      {" : "\n      {");
		json_field(b, "id", r->id, 0);
		json_field(b, "name", r->id, 1);
		buf_addstr(b, ", \"shortDescription\": {");
		json_field(b, "text", r->description, 0);
		buf_addstr(b, "}, \"defaultConfiguration\": {\"level\": "
			   "\"error\"}, \"properties\": {");
		json_field(b, "confidence",
			   rules_confidence_name(r->confidence), 0);
		buf_addstr(b, ", \"tags\": [\"security\", \"secret\"]}}");
	}
	buf_addstr(b, "]}},\n    \"results\": [");
	for (size_t i = 0; i < list->nr; i++) {
		const struct finding *f = &list->items[i];
		const struct rule *r = &rules->rules[f->rule];
		struct buf msg = BUF_INIT;

		buf_printf(&msg, "%s: ", r->description);
		redacted_text(&msg, f);
		buf_addstr(b, i ? ",\n      {" : "\n      {");
		json_field(b, "ruleId", r->id, 0);
		buf_printf(b, ", \"ruleIndex\": %zu, \"level\": \"error\", "
			   "\"message\": {", f->rule);
		json_field(b, "text", msg.ptr, 0);
		buf_addstr(b, "}, \"locations\": [{\"physicalLocation\": {"
			   "\"artifactLocation\": {");
		json_field(b, "uri", f->path, 0);
		buf_printf(b, "}, \"region\": {\"startLine\": %zu, "
			   "\"startColumn\": %zu}}}], "
			   "\"partialFingerprints\": {", f->line ? f->line : 1,
			   f->col);
		json_field(b, "leakstop/v1", f->fingerprint, 0);
		buf_addstr(b, "}");
		if (f->commit) {
			buf_addstr(b, ", \"properties\": {");
			json_field(b, "commit", f->commit, 0);
			buf_addstr(b, "}");
		}
		buf_addstr(b, "}");
		buf_release(&msg);
	}
	buf_addstr(b, list->nr ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
}

void
report_machine(FILE *fp, enum report_format format,
	       const struct finding_list *list, const struct rule_set *rules,
	       const char *version)
{
	struct buf b = BUF_INIT;

	if (format == LS_FORMAT_SARIF)
		report_sarif(&b, list, rules, version);
	else
		report_json(&b, list, rules);
	emit(fp, &b);
}

void
report_skipped(FILE *fp, const struct scan_stats *st)
{
	struct buf b = BUF_INIT;
	const char *sep = "";

	if (st->inline_allowed)
		fprintf(fp, "leakstop: note: %zu finding%s let through by "
			"leakstop:allow markers\n", st->inline_allowed,
			st->inline_allowed == 1 ? "" : "s");
	if (st->ignored || st->baselined)
		fprintf(fp, "leakstop: note: %zu finding%s let through by %s\n",
			st->ignored + st->baselined,
			st->ignored + st->baselined == 1 ? "" : "s",
			st->ignored && st->baselined ?
			".leakstopignore and the baseline" : st->ignored ?
			".leakstopignore" : "the baseline (.leakstop-baseline)");
	if (st->disabled)
		fprintf(fp, "leakstop: note: %zu finding%s of rules that "
			".leakstop.ini disables (enabled = false) let through\n",
			st->disabled, st->disabled == 1 ? "" : "s");
	if (st->expired)
		fprintf(fp, "leakstop: note: %zu .leakstopignore entr%s expired "
			"and no longer appl%s\n", st->expired,
			st->expired == 1 ? "y has" : "ies have",
			st->expired == 1 ? "ies" : "y");
	if (st->policy_changed)
		fprintf(fp, "leakstop: note: this change edits .leakstop.ini; "
			"the scan used the policy in HEAD, the new one takes "
			"effect once committed\n");
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
report_cannot_scan(FILE *fp, const char *why, const char *override)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "leakstop: cannot scan: ");
	buf_add_escaped(&b, why, strlen(why), 0);
	if (override)
		buf_printf(&b, "; to %s anyway: %s",
			   strstr(override, "git push") ? "push" : "commit",
			   override);
	buf_addch(&b, '\n');
	emit(fp, &b);
}
