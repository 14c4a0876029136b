/*
 * main.c - command line, modes and exit codes
 *
 * Exit codes: 0 clean, 1 findings, 2 cannot scan, 64 usage.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "engine.h"
#include "install.h"
#include "repo.h"
#include "report.h"
#include "source.h"

#define LS_VERSION "0.1.0"
#define EXIT_CLEAN 0
#define EXIT_FINDINGS 1
#define EXIT_CANNOT 2
#define EXIT_USAGE 64
#define DEFAULT_MAX_SIZE (10u * 1024 * 1024)

static const char usage_text[] =
	"usage: leakstop <command> [<args>]\n"
	"\n"
	"  install            install the hooks into this repository\n"
	"  hook <name>        run as git hook <name> (pre-commit, "
	"pre-merge-commit)\n"
	"  rules [--check]    list the rules; --check tests every example\n"
	"  rebuild [-o FILE]  compile the rules into a database file\n"
	"  help [allow]       this text, or how to handle a false alarm\n"
	"  version            print the version\n";

static const char help_allow[] =
	"leakstop: what to do about a finding\n"
	"\n"
	"A real secret: remove it from the file, `git add` the file again,\n"
	"and rotate the secret at its provider. Whoever could read it may\n"
	"have copied it, and it may already be in other commits or clones.\n"
	"\n"
	"A false alarm (a test fixture, a documented sample key): commit\n"
	"anyway with a reason, which is recorded:\n"
	"\n"
	"    LEAKSTOP_OVERRIDE=\"test fixture, not a real key\" git commit ...\n"
	"\n"
	"The reason, rule, file:line and the finding's fingerprint (never the\n"
	"secret) are appended to .git/leakstop/audit.log. An empty reason is\n"
	"refused. Values that read as placeholders (EXAMPLE, xxxx, <token>,\n"
	"${VAR}, changeme, ...) are never reported in the first place.\n";

struct staged_ctx {
	struct engine *engine;
	struct finding_list findings;
	struct scan_stats stats;
};

static int
on_file(const struct source_file *f, void *payload, struct ls_err *err)
{
	struct staged_ctx *ctx = payload;
	struct added a;
	int ret;

	ret = lines_added(&a, f->old_blob, f->new_blob, f->path, err);
	if (ret == 0)
		ret = engine_scan(ctx->engine, &a, f->path, &ctx->findings,
				  err);
	if (ret == 0) {
		ctx->stats.files++;
		ctx->stats.bytes += a.len;
	}
	lines_release(&a);
	return ret;
}

static int
is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/*
 * The verdict, given what the scan found or why it failed: an override
 * with a reason lets a commit through only after its trace is written.
 */
static int
decide(struct repo *r, struct engine *e, const char *mode,
       struct staged_ctx *ctx, const struct ls_err *scan_err)
{
	const char *reason = getenv("LEAKSTOP_OVERRIDE");
	struct ls_err aerr = { 0, "" };
	char *user = NULL;
	int code;

	if (scan_err->code == 0 && ctx->findings.nr == 0)
		return EXIT_CLEAN;
	code = scan_err->code ? EXIT_CANNOT : EXIT_FINDINGS;
	if (scan_err->code)
		report_cannot_scan(stderr, scan_err->msg);
	if (reason == NULL) {
		if (!scan_err->code)
			report_findings(stderr, &ctx->findings, &e->rules,
					"staged changes", 0);
		return code;
	}
	if (is_blank(reason)) {
		if (!scan_err->code)
			report_findings(stderr, &ctx->findings, &e->rules,
					"staged changes", 0);
		fprintf(stderr, "leakstop: LEAKSTOP_OVERRIDE needs a reason: "
			"LEAKSTOP_OVERRIDE=\"why this is safe\" git commit "
			"...\n");
		return code;
	}
	if (r == NULL) {
		fprintf(stderr, "leakstop: cannot record an override outside "
			"a repository\n");
		return code;
	}
	user = repo_user(r);
	struct audit_entry entry = { mode, user, reason,
				     scan_err->code ? scan_err->msg : NULL };
	if (audit_append(r->leakstop_dir, &entry,
			 scan_err->code ? NULL : &ctx->findings,
			 e ? &e->rules : NULL, &aerr) < 0) {
		if (!scan_err->code)
			report_findings(stderr, &ctx->findings, &e->rules,
					"staged changes", 0);
		fprintf(stderr, "leakstop: override refused: it must be "
			"recorded, and %s\n", aerr.msg);
		free(user);
		return code;
	}
	if (!scan_err->code)
		report_findings(stderr, &ctx->findings, &e->rules,
				"staged changes", 1);
	{
		struct buf b = BUF_INIT;
		buf_addstr(&b, "leakstop: override: ");
		buf_addstr(&b, scan_err->code ? "committing without a scan" :
			   "letting this through");
		buf_addstr(&b, " (reason: \"");
		buf_add_escaped(&b, reason, strlen(reason), 1);
		buf_printf(&b, "\"); recorded in %s/audit.log\n",
			   r->leakstop_dir);
		fputs(b.ptr, stderr);
		buf_release(&b);
	}
	free(user);
	return EXIT_CLEAN;
}

static int
run_staged(const char *mode)
{
	struct staged_ctx ctx;
	struct ls_err err = { 0, "" };
	struct repo *r = NULL;
	struct engine *e = NULL;
	struct buf dbp = BUF_INIT, cache = BUF_INIT;
	int ret, code;

	memset(&ctx, 0, sizeof(ctx));
	repo_global_init();
	ret = repo_open(&r, &err);
	if (ret == 0)
		ret = repo_load_staged(r, &err);
	if (ret == 0) {
		engine_db_path(&dbp);
		buf_printf(&cache, "%s/cache", r->leakstop_dir);
		ret = engine_open(&e, dbp.ptr, cache.ptr, r->leakstop_dir,
				  &err);
	}
	if (ret == 0) {
		ctx.engine = e;
		ret = source_staged(r, DEFAULT_MAX_SIZE, &ctx.stats, on_file,
				    &ctx, &err);
	}
	if (ret == 0)
		report_skipped(stderr, &ctx.stats);
	code = decide(r, e, mode, &ctx, &err);
	finding_list_release(&ctx.findings);
	scan_stats_release(&ctx.stats);
	engine_free(e);
	repo_free(r);
	buf_release(&cache);
	buf_release(&dbp);
	git_libgit2_shutdown();
	return code;
}

static int
cmd_hook(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "pre-commit") ||
	    !strcmp(argv[1], "pre-merge-commit"))
		return run_staged(argv[1]);
usage:
	fprintf(stderr, "leakstop: usage: leakstop hook "
		"pre-commit|pre-merge-commit\n");
	return EXIT_USAGE;
}

static int
cmd_install(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct repo *r = NULL;
	char exe[PATH_MAX];
	ssize_t n;
	int ret;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "leakstop: usage: leakstop install\n");
		return EXIT_USAGE;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "leakstop: cannot find my own binary\n");
		return EXIT_CANNOT;
	}
	exe[n] = '\0';
	repo_global_init();
	ret = repo_open(&r, &err);
	if (ret == 0)
		ret = install_hooks(r, exe, &err);
	if (ret < 0)
		fprintf(stderr, "leakstop: install: %s\n", err.msg);
	repo_free(r);
	git_libgit2_shutdown();
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
}

static int
cmd_rebuild(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct rule_set rules;
	struct db *db = NULL;
	struct buf bytes = BUF_INIT, out = BUF_INIT;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "-o"))
		buf_addstr(&out, argv[2]);
	else if (argc == 1)
		engine_db_path(&out);
	else {
		fprintf(stderr, "leakstop: usage: leakstop rebuild [-o FILE]\n");
		return EXIT_USAGE;
	}
	rules_init(&rules);
	ret = rules_add_builtin(&rules, &err);
	if (ret == 0)
		ret = rules_finish(&rules, &err);
	if (ret == 0)
		ret = db_compile(&db, &rules, &err);
	if (ret == 0)
		ret = db_serialize(db, &bytes, &err);
	if (ret == 0)
		ret = write_file_atomic(out.ptr, bytes.ptr, bytes.len, 0644,
					&err);
	if (ret == 0)
		printf("leakstop: compiled %zu rules into %s (%zu bytes)\n",
		       rules.nr, out.ptr, bytes.len);
	else
		fprintf(stderr, "leakstop: rebuild: %s\n", err.msg);
	db_free(db);
	rules_release(&rules);
	buf_release(&bytes);
	buf_release(&out);
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
}

/* Does any finding of rule match (and extract expect, when given)? */
static int
check_example(struct engine *e, size_t rule, const struct rule_example *ex,
	      struct ls_err *err)
{
	struct finding_list list = { NULL, 0, 0 };
	struct added a;
	char want[LS_FINGERPRINT_LEN + 1];
	int found = 0;

	if (ex->expect)
		finding_fingerprint(want, e->key, e->rules.rules[rule].id,
				    ex->expect, strlen(ex->expect));
	lines_whole(&a, ex->text, strlen(ex->text));
	if (engine_scan(e, &a, "example", &list, err) < 0) {
		found = -1;
		goto out;
	}
	for (size_t i = 0; i < list.nr; i++) {
		if (list.items[i].rule != rule)
			continue;
		/*
		 * Findings hold no secret: compare fingerprints, which are
		 * keyed hashes of (rule, secret).
		 */
		if (ex->expect == NULL ||
		    !strcmp(list.items[i].fingerprint, want)) {
			found = 1;
			break;
		}
		found = 2;	/* matched, but extracted something else */
	}
out:
	finding_list_release(&list);
	return found;
}

static int
rules_check(struct engine *e)
{
	size_t passed = 0, failed = 0;
	struct ls_err err = { 0, "" };

	for (size_t i = 0; i < e->rules.nr; i++) {
		const struct rule *r = &e->rules.rules[i];
		size_t nr_ex = 0, nr_nm = 0;

		for (size_t j = 0; j < r->nr_examples; j++) {
			const struct rule_example *ex = &r->examples[j];
			int found = check_example(e, i, ex, &err);
			int ok = ex->near_miss ? found == 0 : found == 1;

			/* An example must say what it extracts. */
			if (!ex->near_miss && ex->expect == NULL)
				found = 3, ok = 0;

			nr_ex += !ex->near_miss;
			nr_nm += ex->near_miss;
			printf("%s - %s %s at %s:%d%s\n", ok ? "ok" : "not ok",
			       r->id, ex->near_miss ? "near_miss" : "example",
			       r->file, ex->lineno,
			       ok ? "" : found < 0 ? ": scan failed" :
			       found == 3 ? ": has no 'expect' line" :
			       found == 2 ? ": extracts another secret than "
			       "'expect'" : ex->near_miss ? ": is reported" :
			       ": is not reported");
			ok ? passed++ : failed++;
		}
		int ok = nr_ex > 0 && nr_nm > 0;
		printf("%s - %s has examples and near misses at %s:%d\n",
		       ok ? "ok" : "not ok", r->id, r->file, r->lineno);
		ok ? passed++ : failed++;
	}
	printf("rules: %zu passed, %zu failed\n", passed, failed);
	return failed ? EXIT_FINDINGS : EXIT_CLEAN;
}

static int
cmd_rules(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct engine *e = NULL;
	struct buf dbp = BUF_INIT;
	int check = 0, code;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			check = 1;
		else {
			fprintf(stderr, "leakstop: usage: leakstop rules "
				"[--check]\n");
			return EXIT_USAGE;
		}
	}
	engine_db_path(&dbp);
	if (engine_open(&e, dbp.ptr, NULL, NULL, &err) < 0) {
		fprintf(stderr, "leakstop: rules: %s\n", err.msg);
		buf_release(&dbp);
		return EXIT_CANNOT;
	}
	if (check) {
		code = rules_check(e);
	} else {
		for (size_t i = 0; i < e->rules.nr; i++)
			printf("%-36s %-6s %s\n", e->rules.rules[i].id,
			       rules_confidence_name(
				       e->rules.rules[i].confidence),
			       e->rules.rules[i].description);
		code = EXIT_CLEAN;
	}
	engine_free(e);
	buf_release(&dbp);
	return code;
}

int
main(int argc, char **argv)
{
	/* A core dump of a scan would hold file contents. */
	struct rlimit nocore = { 0, 0 };

	setrlimit(RLIMIT_CORE, &nocore);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "hook"))
		return cmd_hook(argc - 1, argv + 1);
	if (!strcmp(argv[1], "install"))
		return cmd_install(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rebuild"))
		return cmd_rebuild(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("leakstop %s (Hyperscan %s, libgit2 %d.%d.%d)\n",
		       LS_VERSION, hs_version(), LIBGIT2_VER_MAJOR,
		       LIBGIT2_VER_MINOR, LIBGIT2_VER_REVISION);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		if (argc > 2 && !strcmp(argv[2], "allow"))
			fputs(help_allow, stdout);
		else
			fputs(usage_text, stdout);
		return EXIT_CLEAN;
	}
usage:
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
