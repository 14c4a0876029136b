/*
 * main.c - command line, modes and exit codes
 *
 * Every mode has the same shape: open what to scan, feed each file's
 * added text through the engine, then decide: report, override, exit.
 * Exit codes: 0 clean, 1 findings, 2 cannot scan, 64 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "filter.h"
#include "check.h"
#include "config.h"
#include "db.h"
#include "engine.h"
#include "install.h"
#include "pushspec.h"
#include "repo.h"
#include "report.h"
#include "source.h"

#define LS_VERSION "0.2.0"
#define EXIT_CLEAN 0
#define EXIT_FINDINGS 1
#define EXIT_CANNOT 2
#define EXIT_USAGE 64
#define DEFAULT_MAX_SIZE (10u * 1024 * 1024)
#define STDIN_MAX (256u * 1024 * 1024)

static const char usage_text[] =
	"usage: leakstop <command> [<args>]\n"
	"\n"
	"  install [--server | --global | --shared DIR]\n"
	"                         install the hooks into this repository\n"
	"                         (--server: pre-receive into a bare one;\n"
	"                         --global: for every repository of this\n"
	"                         user; --shared: a committed folder)\n"
	"  uninstall [--global]   remove them, restoring chained hooks\n"
	"  doctor                 check this clone enforces the hooks\n"
	"  hook <name> [args]     run as git hook <name>: pre-commit,\n"
	"                         pre-merge-commit, pre-push, pre-receive\n"
	"  scan [what] [options]  scan for CI and audits; what is one of\n"
	"      --staged           the index against HEAD\n"
	"      --range A..B       commits in B not in A\n"
	"      --history          every commit; each blob read once\n"
	"      PATH...            files and directories, whole content\n"
	"      -                  standard input\n"
	"    --format text|json|sarif   (default text)\n"
	"    --output FILE              (default standard output)\n"
	"    --quiet                    findings only: no notes, no progress\n"
	"  init                   write .leakstop.ini with a shared salt\n"
	"  ignore FP --reason R [--expires YYYY-MM-DD]\n"
	"                         add a finding to .leakstopignore\n"
	"  ignore --stale         list entries that match nothing in HEAD\n"
	"  baseline               record HEAD's findings in .leakstop-baseline\n"
	"  known add [--note N]   add the secret on stdin to .leakstop-known\n"
	"  rules [--check]        list the rules; --check tests every example\n"
	"  rules --profile FILE...  each rule's scan speed over FILEs (MB/s)\n"
	"  rebuild [-o FILE]      compile the rules into a database file\n"
	"  help [allow]           this text, or how to handle a false alarm\n"
	"  version                print the version\n";

static const char help_allow[] =
	"leakstop: what to do about a finding\n"
	"\n"
	"A real secret: remove it from the file, `git add` the file again,\n"
	"and rotate the secret at its provider. Whoever could read it may\n"
	"have copied it, and it may already be in other commits or clones.\n"
	"If it is in a commit that is not pushed yet, rewrite that commit\n"
	"(git commit --amend, or git rebase -i <commit>^).\n"
	"\n"
	"A false alarm, once:\n"
	"    LEAKSTOP_ALLOW=\"<fingerprint> <reason>\" git commit ...\n"
	"    LEAKSTOP_OVERRIDE=\"<reason>\" git commit ...   (every finding)\n"
	"Both are recorded in .git/leakstop/audit.log (never the secret) and\n"
	"as a 'Leakstop-Override: <fingerprint> <reason>' trailer, which\n"
	"pre-push and the server need to let the finding through. An empty\n"
	"reason is refused.\n"
	"\n"
	"A false alarm for good:\n"
	"    a 'leakstop:allow' comment on the line (or leakstop:allow-next-line\n"
	"    above it, or leakstop:allow-begin / leakstop:allow-end around it);\n"
	"    leakstop ignore <fingerprint> --reason \"...\" [--expires DATE],\n"
	"    then commit .leakstopignore (needs `leakstop init` once);\n"
	"    or an [allow] entry in .leakstop.ini (path, regex, stopword).\n"
	"\n"
	"Values that read as placeholders (EXAMPLE, xxxx, <token>, ${VAR},\n"
	"changeme, ...) are never reported in the first place.\n";

#define FIX_COMMIT "remove it from the file, `git add` again, and rotate " \
	"the key: it is exposed to anyone who saw it."
#define FIX_PUSH "rewrite the commit that added it (git rebase -i " \
	"<commit>^), and rotate the key: it is exposed to anyone who saw " \
	"it.\nfalse alarm? the commit needs a trailer 'Leakstop-Override: " \
	"<fingerprint> <reason>'; LEAKSTOP_ALLOW=\"<fingerprint> <reason>\" " \
	"git commit --amend adds it (see `leakstop help allow`)."
#define FIX_SERVER "rewrite the commit that added it, push again, and " \
	"rotate the key: it is exposed to anyone who saw it."
#define FIX_MESSAGE "edit the message (it is still in .git/COMMIT_EDITMSG) " \
	"and rotate the key: it is exposed to anyone who saw it."
#define OVERRIDE_COMMIT "LEAKSTOP_OVERRIDE=\"<reason>\" git commit ..."
#define OVERRIDE_PUSH "LEAKSTOP_OVERRIDE=\"<reason>\" git push ..."

/* One run of any mode. */
struct run {
	const char *mode;
	struct report_ctx rc;
	int dedupe;		/* report a secret once, with its first commit */
	struct repo *repo;
	struct engine *engine;
	struct policy policy;
	int policy_failed;	/* the policy itself could not be read */
	int policy_from_worktree;	/* management commands edit these */
	int trailers;		/* commit side: overrides become trailers */
	size_t by_trailer;	/* findings a commit's trailer let through */
	struct finding_list findings;
	struct scan_stats stats;
	const git_commit *commit;	/* being scanned, or NULL */
	size_t commits;
	/* progress on a terminal */
	int progress;
	struct timespec started, last;
};

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
		(double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
progress(struct run *run, int done)
{
	struct timespec now;
	double t;

	if (!run->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!done && elapsed(&run->last, &now) < 0.25)
		return;
	run->last = now;
	t = elapsed(&run->started, &now);
	fprintf(stderr, "\rleakstop: %zu commits, %zu files, %.1f MB, "
		"%.1f MB/s%s", run->commits, run->stats.files,
		(double)run->stats.bytes / 1e6,
		t > 0 ? (double)run->stats.bytes / 1e6 / t : 0.0,
		done ? "\n" : "");
}

static int
finding_seen(const struct finding_list *l, size_t upto,
	     const struct finding *f)
{
	for (size_t i = 0; i < upto; i++)
		if (l->items[i].rule == f->rule &&
		    !strcmp(l->items[i].fingerprint, f->fingerprint))
			return 1;
	return 0;
}

/* Does the commit carry "Leakstop-Override: <fp> ..."? */
static int
has_trailer(const git_commit *c, const char *fp)
{
	const char *m = git_commit_message(c);
	const char *key = "Leakstop-Override: ";

	for (const char *p = m; p && (p = strstr(p, key)) != NULL; p++)
		if ((p == m || p[-1] == '\n') &&
		    !strncmp(p + strlen(key), fp, 16) &&
		    (p[strlen(key) + 16] == ' ' || p[strlen(key) + 16] == '\n'))
			return 1;
	return 0;
}

/* Scan one buffer of added text as path; attribute to run->commit. */
static int
scan_added(struct run *run, const struct added *a, const char *path,
	   struct ls_err *err)
{
	size_t first = run->findings.nr;
	int ret;

	ret = engine_scan(run->engine, a, path, &run->findings, err);
	if (ret < 0)
		return ret;
	run->stats.files++;
	run->stats.bytes += a->len;
	for (size_t i = first; i < run->findings.nr;) {
		struct finding *f = &run->findings.items[i];
		if (run->dedupe && finding_seen(&run->findings, first, f)) {
			finding_remove(&run->findings, i);
			continue;
		}
		if (run->commit && has_trailer(run->commit, f->fingerprint)) {
			run->by_trailer++;
			finding_remove(&run->findings, i);
			continue;
		}
		if (run->commit) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex),
				      git_commit_id(run->commit));
			f->commit = xstrdup(hex);
			f->subject = xstrdup(git_commit_summary(
				(git_commit *)run->commit) ?: "");
		}
		i++;
	}
	progress(run, 0);
	return 0;
}

static int
on_file(const struct source_file *f, void *payload, struct ls_err *err)
{
	struct run *run = payload;
	struct buf text = BUF_INIT, old_text[16];
	const char *olds[16];
	size_t lens[16], nr_old = f->nr_old < 16 ? f->nr_old : 16;
	const char *data = f->data;
	size_t len = f->len;
	struct added a;
	int ret;

	if (data == NULL) {
		data = git_blob_rawcontent(f->new_blob);
		len = (size_t)git_blob_rawsize(f->new_blob);
	}
	if (f->kind == LS_FILE_TEXT && f->data == NULL) {
		ret = lines_added_multi(&a, f->old_blobs, f->nr_old,
					f->new_blob, f->path, err);
	} else if (f->kind == LS_FILE_BINARY || f->data) {
		/* bytes (or an LFS object), whole */
		lines_decode(f->kind, &data, &len, &text);
		lines_whole(&a, data, len);
		ret = 0;
	} else {
		/* UTF-16: compared as the UTF-8 it decodes to */
		lines_decode(f->kind, &data, &len, &text);
		for (size_t i = 0; i < nr_old; i++) {
			old_text[i] = (struct buf)BUF_INIT;
			olds[i] = git_blob_rawcontent(f->old_blobs[i]);
			lens[i] = (size_t)git_blob_rawsize(f->old_blobs[i]);
			lines_decode(lines_classify(olds[i], lens[i]),
				     &olds[i], &lens[i], &old_text[i]);
		}
		ret = lines_added_buffers(&a, olds, lens, nr_old, data, len,
					  f->path, err);
		for (size_t i = 0; i < nr_old; i++)
			buf_release(&old_text[i]);
	}
	if (ret == 0)
		ret = scan_added(run, &a, f->path, err);
	lines_release(&a);
	buf_release(&text);
	return ret;
}

static int
on_commit(const git_commit *commit, void *payload, struct ls_err *err)
{
	struct run *run = payload;
	int ret;

	run->commit = commit;
	run->commits++;
	ret = source_commit(run->repo, commit, run->policy.max_file_size, &run->stats,
			    on_file, run, err);
	run->commit = NULL;
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

/* The git process running the hooks: the shims pass it on. */
static const char *
git_pid(void)
{
	static char b[24];
	const char *v = getenv("LEAKSTOP_GIT_PID");

	if (v && *v && strlen(v) < sizeof(b) && strspn(v, "0123456789") ==
	    strlen(v))
		return v;
	snprintf(b, sizeof(b), "%ld", (long)getppid());
	return b;
}

/* "Leakstop-Override: <fingerprint> <reason>", always one line. */
static void
add_trailer(struct buf *b, const char *fp, const char *reason)
{
	buf_printf(b, "Leakstop-Override: %s ", fp);
	for (const char *c = reason; *c; c++)
		buf_addch(b, *c == '\n' || *c == '\r' ? ' ' : *c);
	buf_addch(b, '\n');
}

/*
 * Trailers for the commit-msg hook: one line per finding let through,
 * tagged with the git process both hooks run under, so a commit that was
 * abandoned after pre-commit cannot pass its trailers to the next one.
 */
static int
write_trailers(struct run *run, const struct finding_list *list,
	       const char *reason, struct ls_err *err)
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	int ret;

	buf_printf(&b, "pid %s\n", git_pid());
	for (size_t i = 0; i < list->nr; i++) {
		add_trailer(&b, list->items[i].fingerprint, reason);
	}
	buf_printf(&path, "%s/pending-trailers", run->repo->leakstop_dir);
	ret = mkdir_p(run->repo->leakstop_dir, 0700, err);
	if (ret == 0)
		ret = write_file_atomic(path.ptr, b.ptr, b.len, 0600, err);
	buf_release(&b);
	buf_release(&path);
	return ret;
}

/*
 * LEAKSTOP_ALLOW="<fingerprint>[,<fingerprint>...] <reason>": let those
 * findings through, recorded like an override; the rest still block.
 * Returns -1 when the variable is malformed (after saying why).
 */
static int
allow_listed(struct run *run)
{
	const char *v = getenv("LEAKSTOP_ALLOW");
	struct finding_list allowed = { NULL, 0, 0 };
	struct ls_err err = { 0, "" };
	const char *sp, *reason;
	char *fps;
	int ret = 0;

	if (v == NULL)
		return 0;
	sp = strchr(v, ' ');
	reason = sp ? sp + 1 : "";
	if (sp == NULL || is_blank(reason)) {
		fprintf(stderr, "leakstop: LEAKSTOP_ALLOW needs fingerprints "
			"and a reason: LEAKSTOP_ALLOW=\"<fingerprint> <why>\"\n");
		report_findings(stderr, &run->findings, &run->engine->rules,
				&run->rc);
		return -1;
	}
	fps = xstrndup(v, (size_t)(sp - v));
	for (size_t i = 0; i < run->findings.nr;) {
		const char *fp = run->findings.items[i].fingerprint;
		const char *hit = strstr(fps, fp);
		if (hit == NULL || (hit != fps && hit[-1] != ',') ||
		    (hit[16] != '\0' && hit[16] != ',')) {
			i++;
			continue;
		}
		finding_move(&allowed, &run->findings, i);
	}
	if (allowed.nr) {
		char *user = repo_user(run->repo);
		struct audit_entry entry = { run->mode, user, reason, NULL };
		ret = audit_append(run->repo->leakstop_dir, &entry, &allowed,
				   &run->engine->rules, &err);
		if (ret == 0)
			ret = write_trailers(run, &allowed, reason, &err);
		free(user);
		if (ret < 0) {
			fprintf(stderr, "leakstop: LEAKSTOP_ALLOW refused: it "
				"must be recorded, and %s\n", err.msg);
			/* Put them back: nothing is let through untraced. */
			while (allowed.nr > 0)
				finding_move(&run->findings, &allowed, 0);
		} else {
			fprintf(stderr, "leakstop: LEAKSTOP_ALLOW let %zu "
				"finding%s through; recorded in %s/audit.log\n",
				allowed.nr, allowed.nr == 1 ? "" : "s",
				run->repo->leakstop_dir);
		}
	}
	finding_list_release(&allowed);
	free(fps);
	return 0;
}

/* Findings of rules the policy sets to "warn": shown, not blocking. */
static void
report_warnings(struct run *run)
{
	struct finding_list warn = { NULL, 0, 0 };
	struct report_ctx rc = { "", NULL, NULL, 0, 0, 0 };
	struct buf what = BUF_INIT;

	for (size_t i = 0; i < run->findings.nr;) {
		if (!run->findings.items[i].warn) {
			i++;
			continue;
		}
		finding_move(&warn, &run->findings, i);
	}
	buf_printf(&what, "%s that do not block (severity = warn)",
		   run->rc.what);
	rc.what = what.ptr;
	report_findings(stderr, &warn, &run->engine->rules, &rc);
	finding_list_release(&warn);
	buf_release(&what);
}

/*
 * The verdict, given what the scan found or why it failed: an override
 * with a reason lets a change through only after its trace is written.
 */
static int
decide(struct run *run, const struct ls_err *scan_err)
{
	const char *reason = getenv("LEAKSTOP_OVERRIDE");
	const struct rule_set *rules = run->engine ? &run->engine->rules :
		NULL;
	struct ls_err aerr = { 0, "" };
	int code;

	if (run->engine) {
		run->stats.inline_allowed = filter_inline_allowed(
			run->engine->filter);
		run->stats.ignored = filter_ignored(run->engine->filter);
		run->stats.baselined = filter_baselined(run->engine->filter);
		run->stats.disabled = filter_disabled(run->engine->filter);
	}
	run->stats.expired = run->policy.nr_expired;
	if (run->by_trailer && !run->rc.quiet)
		fprintf(stderr, "leakstop: note: %zu finding%s let through by "
			"the commits' Leakstop-Override trailers\n",
			run->by_trailer, run->by_trailer == 1 ? "" : "s");
	run->rc.colour = report_want_colour(stderr);
	if (scan_err->code == 0) {
		if (!run->rc.quiet)
			report_skipped(stderr, &run->stats);
		report_warnings(run);
	}
	if (scan_err->code == 0 && run->findings.nr == 0)
		return EXIT_CLEAN;
	if (scan_err->code && !run->policy.fail_closed &&
	    !run->policy_failed) {
		struct buf w = BUF_INIT;
		buf_addstr(&w, "leakstop: warning: cannot scan: ");
		buf_add_escaped(&w, scan_err->msg, strlen(scan_err->msg), 0);
		buf_addstr(&w, "; going ahead because .leakstop.ini sets "
			   "fail_closed = false\n");
		fputs(w.ptr, stderr);
		buf_release(&w);
		return EXIT_CLEAN;
	}
	code = scan_err->code ? EXIT_CANNOT : EXIT_FINDINGS;
	if (scan_err->code == 0 && run->trailers && allow_listed(run) < 0)
		return EXIT_FINDINGS;
	if (scan_err->code == 0 && run->findings.nr == 0)
		return EXIT_CLEAN;
	/* At a push, only a commit's trailer overrides a finding. */
	if (scan_err->code == 0 && !run->trailers)
		reason = NULL;
	if (scan_err->code)
		report_cannot_scan(stderr, scan_err->msg, run->rc.override);
	if (reason == NULL || run->rc.override == NULL || run->repo == NULL) {
		if (!scan_err->code) {
			/* A push offers no env override for findings. */
			if (!run->trailers)
				run->rc.override = NULL;
			report_findings(stderr, &run->findings, rules,
					&run->rc);
		}
		return code;
	}
	if (is_blank(reason)) {
		if (!scan_err->code)
			report_findings(stderr, &run->findings, rules,
					&run->rc);
		fprintf(stderr, "leakstop: LEAKSTOP_OVERRIDE needs a reason: "
			"LEAKSTOP_OVERRIDE=\"why this is safe\" %s\n",
			strstr(run->rc.override, "git push") ? "git push ..." :
			"git commit ...");
		return code;
	}
	char *user = repo_user(run->repo);
	struct audit_entry entry = { run->mode, user, reason,
				     scan_err->code ? scan_err->msg : NULL };
	if (audit_append(run->repo->leakstop_dir, &entry,
			 scan_err->code ? NULL : &run->findings, rules,
			 &aerr) < 0) {
		if (!scan_err->code)
			report_findings(stderr, &run->findings, rules,
					&run->rc);
		fprintf(stderr, "leakstop: override refused: it must be "
			"recorded, and %s\n", aerr.msg);
		free(user);
		return code;
	}
	run->rc.overriding = 1;
	if (!scan_err->code)
		report_findings(stderr, &run->findings, rules, &run->rc);
	if (!scan_err->code && run->trailers &&
	    write_trailers(run, &run->findings, reason, &aerr) < 0) {
		fprintf(stderr, "leakstop: override refused: %s\n", aerr.msg);
		free(user);
		return code;
	}
	struct buf b = BUF_INIT;
	buf_printf(&b, "leakstop: override: %s (reason: \"",
		   scan_err->code ? "going ahead without a scan" :
		   "letting this through");
	buf_add_escaped(&b, reason, strlen(reason), 1);
	buf_printf(&b, "\"); recorded in %s/audit.log\n",
		   run->repo->leakstop_dir);
	fputs(b.ptr, stderr);
	buf_release(&b);
	free(user);
	return EXIT_CLEAN;
}

/*
 * A team file: from HEAD's tree for scans (a commit must not change its
 * own rules), from the work tree for the commands that edit them.
 */
static int
team_file(struct run *run, const char *name, struct buf *out, int *found,
	  struct ls_err *err)
{
	const char *wd = git_repository_workdir(run->repo->git);
	struct buf path = BUF_INIT;
	int ret = 0;

	if (!run->policy_from_worktree)
		return repo_head_file(run->repo, name, out, found, err);
	*found = 0;
	if (wd == NULL)
		return 0;
	buf_printf(&path, "%s%s", wd, name);
	if (access(path.ptr, F_OK) == 0) {
		ret = read_file(out, path.ptr, err);
		*found = ret == 0;
	}
	buf_release(&path);
	return ret;
}

/*
 * The team's policy from HEAD's tree, then the committer's stricter
 * settings. A policy that cannot be read fails closed, whatever it says.
 */
static int
load_policy(struct run *run, struct ls_err *err)
{
	struct buf b = BUF_INIT;
	char *size, *closed, *inl;
	int found = 0, ret;

	struct rule_set builtin;
	const struct rule_set *rules = run->engine ? &run->engine->rules :
		&builtin;

	/* Rule ids in [rule ID] are checked against the built-in rules. */
	rules_init(&builtin);
	if (run->engine == NULL)
		rules_add_builtin(&builtin, err);
	ret = team_file(run, LS_POLICY_FILE, &b, &found, err);
	if (ret == 0 && found)
		ret = policy_parse(&run->policy, LS_POLICY_FILE,
				   b.ptr ? b.ptr : "", b.len, rules, err);
	rules_release(&builtin);
	buf_reset(&b);
	if (ret == 0)
		ret = team_file(run, LS_IGNORE_FILE, &b, &found, err);
	if (ret == 0 && found) {
		char today[16];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		ret = policy_parse_ignore(&run->policy, LS_IGNORE_FILE,
					  b.ptr ? b.ptr : "", b.len, today,
					  err);
	}
	buf_reset(&b);
	if (ret == 0)
		ret = team_file(run, LS_BASELINE_FILE, &b, &found, err);
	if (ret == 0 && found)
		ret = policy_parse_baseline(&run->policy, LS_BASELINE_FILE,
					    b.ptr ? b.ptr : "", b.len, err);
	buf_reset(&b);
	if (ret == 0)
		ret = team_file(run, LS_KNOWN_FILE, &b, &found, err);
	if (ret == 0 && found)
		ret = policy_parse_known(&run->policy, LS_KNOWN_FILE,
					 b.ptr ? b.ptr : "", b.len, err);
	if (ret == 0 && run->policy.nr_known && !run->policy.has_salt)
		ret = ls_err_set(err, LS_EPARSE, LS_KNOWN_FILE " needs the "
				 "salt in .leakstop.ini it was made with");
	size = closed = inl = NULL;
	char *quiet = NULL;
	if (ret == 0)
		ret = repo_config(run->repo, "leakstop.maxFileSize", &size, err);
	if (ret == 0)
		ret = repo_config(run->repo, "leakstop.failClosed", &closed, err);
	if (ret == 0)
		ret = repo_config(run->repo, "leakstop.inlineAllow", &inl, err);
	if (ret == 0)
		ret = policy_personal(&run->policy, size, closed, inl, err);
	if (ret == 0)
		ret = repo_config(run->repo, "leakstop.quiet", &quiet, err);
	if (quiet && (!strcmp(quiet, "true") || !strcmp(quiet, "1")))
		run->rc.quiet = 1;
	free(quiet);
	if (ret < 0)
		run->policy_failed = 1;
	free(size);
	free(closed);
	free(inl);
	buf_release(&b);
	return ret;
}

/* libgit2 and the repository (need_repo 0: none is fine, run->repo NULL). */
static int
run_open_repo(struct run *run, int need_repo, struct ls_err *err)
{
	struct ls_err rerr = { 0, "" };

	repo_global_init();
	ls_trace("libgit2 init");
	if (repo_open(&run->repo, need_repo ? err : &rerr) < 0) {
		if (need_repo)
			return err->code;
		run->repo = NULL;	/* files and stdin need none */
	}
	ls_trace("repository opened");
	return 0;
}

/* The built-in rules and database; touches no libgit2 object. */
static int
run_open_engine(struct run *run, struct ls_err *err)
{
	struct buf dbp = BUF_INIT, cache = BUF_INIT;
	int ret;

	engine_db_path(&dbp);
	if (run->repo)
		buf_printf(&cache, "%s/cache", run->repo->leakstop_dir);
	ret = engine_open(&run->engine, dbp.ptr, run->repo ? cache.ptr : NULL,
			  run->repo ? run->repo->leakstop_dir : NULL, 0, err);
	buf_release(&cache);
	buf_release(&dbp);
	return ret;
}

/*
 * The policy, the team's custom rules, and the policy's filters. ret is
 * run_open_engine's result: the policy is read even when the engine
 * failed, since it decides whether "cannot scan" blocks; its own errors
 * come second.
 */
static int
run_open_policy(struct run *run, int ret, struct ls_err *err)
{
	struct buf cache = BUF_INIT;

	if (run->repo) {
		struct ls_err perr = { 0, "" };
		buf_printf(&cache, "%s/cache", run->repo->leakstop_dir);
		if (load_policy(run, &perr) < 0 && ret == 0)
			ret = ls_err_set(err, perr.code, "%s", perr.msg);
	}
	if (ret == 0 && run->policy.has_custom) {
		struct buf text = BUF_INIT;
		int found = 0;
		ret = team_file(run, LS_POLICY_FILE, &text, &found, err);
		if (ret == 0 && found)
			ret = engine_add_custom(run->engine, LS_POLICY_FILE,
						text.ptr ? text.ptr : "",
						text.len, cache.ptr, err);
		buf_release(&text);
	}
	if (ret == 0)
		ret = engine_set_policy(run->engine, &run->policy, err);
	ls_trace("policy read");
	run->policy.max_file_size = run->policy.max_file_size ?
		run->policy.max_file_size : DEFAULT_MAX_SIZE;
	buf_release(&cache);
	return ret;
}

/* Open the repository and the engine, with the cache and key under it. */
static int
run_open(struct run *run, int need_repo, struct ls_err *err)
{
	int ret = run_open_repo(run, need_repo, err);

	if (ret < 0)
		return ret;
	return run_open_policy(run, run_open_engine(run, err), err);
}

static void
run_release(struct run *run)
{
	finding_list_release(&run->findings);
	scan_stats_release(&run->stats);
	policy_release(&run->policy);
	engine_free(run->engine);
	repo_free(run->repo);
	git_libgit2_shutdown();
}

/*
 * The end of a hook's run: the process exits next, and the kernel takes
 * back its memory and mappings at once, faster than freeing them one by
 * one (2 ms of a 20 ms hook). Builds linked dynamically (the sanitizer
 * builds among them) free everything, so a leak still shows.
 */
static void
run_end(struct run *run)
{
#ifdef LS_STATIC
	(void)run;
#else
	run_release(run);
#endif
}

static void
run_init(struct run *run, const char *mode)
{
	memset(run, 0, sizeof(*run));
	policy_init(&run->policy);
	run->mode = mode;
	/* A change that adds a file too big to scan fails closed. */
	run->stats.large_fails = 1;
	clock_gettime(CLOCK_MONOTONIC, &run->started);
	run->last = run->started;
}

static int
read_stdin(struct buf *out, struct ls_err *err)
{
	char tmp[65536];
	ssize_t n;

	while ((n = read(0, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ls_err_set(err, LS_EIO, "cannot read standard "
					  "input: %s", strerror(errno));
		}
		if (out->len + (size_t)n > STDIN_MAX)
			return ls_err_set(err, LS_EIO, "standard input is over "
					  "%u bytes", STDIN_MAX);
		buf_add(out, tmp, (size_t)n);
	}
	return 0;
}

/* --- staged ------------------------------------------------------------ */

struct engine_job {
	struct engine *engine;
	struct ls_err err;
	int ret;
};

static void *
engine_job_run(void *arg)
{
	struct engine_job *j = arg;
	struct buf dbp = BUF_INIT;

	engine_db_path(&dbp);
	j->ret = engine_open_installed(&j->engine, dbp.ptr, &j->err);
	buf_release(&dbp);
	return NULL;
}

/*
 * The engine (rules and database, a few ms) loads on a second thread,
 * started first, while this one starts libgit2, reads the index and
 * compares it with HEAD; blobs are read and scanned once both are done.
 * An installed database that does not fit is left to run_open_engine,
 * which needs the repository for its cache.
 */
static int
scan_staged(struct run *run, struct ls_err *err)
{
	struct engine_job job = { NULL, { 0, "" }, 0 };
	struct source_changes *ch = NULL;
	struct ls_err gerr = { 0, "" };
	pthread_t thread;
	int threaded, ret, gret = 0;

	threaded = pthread_create(&thread, NULL, engine_job_run, &job) == 0;
	ret = run_open_repo(run, 1, err);
	if (ret == 0) {
		gret = repo_load_staged(run->repo, &gerr);
		ls_trace("index loaded");
	}
	if (ret == 0 && gret == 0)
		gret = source_staged_changes(run->repo, &run->stats, &ch, &gerr);
	if (threaded)
		pthread_join(thread, NULL);
	else
		engine_job_run(&job);
	ls_trace("engine ready");
	if (ret < 0) {
		engine_free(job.engine);
		return ret;
	}
	if (job.ret == 0) {
		run->engine = job.engine;
		engine_load_key(run->engine, run->repo->leakstop_dir);
	} else {
		job.ret = run_open_engine(run, err);
	}
	/* the engine's and the policy's errors first, as before */
	ret = run_open_policy(run, job.ret, err);
	if (ret == 0 && gret < 0)
		ret = ls_err_set(err, gret, "%s", gerr.msg);
	if (ret == 0)
		ret = source_changes_run(ch, run->repo, run->policy.max_file_size,
					 &run->stats, on_file, run, err);
	ls_trace("staged files scanned");
	source_changes_free(ch);
	return ret;
}

/* --- pushes ------------------------------------------------------------ */

static void
skipped_lfs(struct run *run, const char *path)
{
	run->stats.lfs++;
	if (run->stats.first_skipped == NULL)
		run->stats.first_skipped = xstrdup(path);
}

/*
 * Push or scan what a ref update brings. A tag is peeled: to a commit,
 * walked; to a blob, scanned whole under the ref's name.
 */
static int
add_tip(struct run *run, const struct push_update *u, git_oid **push,
	size_t *nr, size_t *alloc, struct ls_err *err)
{
	git_object *obj = NULL, *peeled = NULL;
	int ret = 0;

	if (git_object_lookup(&obj, run->repo->git, &u->new_oid,
			      GIT_OBJECT_ANY) < 0)
		return repo_git_error(err, "cannot read a pushed object");
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
		LS_GROW(*push, *nr + 1, *alloc);
		(*push)[(*nr)++] = *git_object_id(peeled);
	} else if (git_object_peel(&peeled, obj, GIT_OBJECT_BLOB) == 0) {
		const git_blob *b = (const git_blob *)peeled;
		struct source_file f = { u->ref, NULL, 0, b, NULL,
					 lines_classify(git_blob_rawcontent(b),
					    (size_t)git_blob_rawsize(b)),
					 NULL, 0 };
		if ((size_t)git_blob_rawsize(b) > run->policy.max_file_size)
			ret = ls_err_set(err, LS_ETOOBIG, "'%s' is a blob of "
					 "%zu bytes, over the %zu-byte limit",
					 u->ref, (size_t)git_blob_rawsize(b),
					 run->policy.max_file_size);
		else if (f.kind == LS_FILE_LFS)
			skipped_lfs(run, u->ref);
		else
			ret = on_file(&f, run, err);
	} else if (git_object_peel(&peeled, obj, GIT_OBJECT_TREE) == 0) {
		struct buf prefix = BUF_INIT;
		buf_printf(&prefix, "%s:", u->ref);
		ret = source_tree(run->repo, (const git_tree *)peeled,
				  prefix.ptr, run->policy.max_file_size,
				  &run->stats, on_file, run, err);
		buf_release(&prefix);
	} else {
		ret = ls_err_set(err, LS_EGIT, "'%s' points at an object "
				 "leakstop cannot read", u->ref);
	}
	git_object_free(peeled);
	git_object_free(obj);
	return ret;
}

static int
scan_updates(struct run *run, const struct push_updates *u,
	     const char *hide_glob, struct ls_err *err)
{
	git_oid *push = NULL, *hide = NULL;
	size_t nr_push = 0, nr_hide = 0, ap = 0, ah = 0;
	git_odb *odb = NULL;
	int ret = 0;

	if (git_repository_odb(&odb, run->repo->git) < 0)
		return repo_git_error(err, "cannot open the object database");
	for (size_t i = 0; ret == 0 && i < u->nr; i++) {
		if (git_oid_is_zero(&u->items[i].new_oid))
			continue;	/* a deletion publishes nothing */
		ret = add_tip(run, &u->items[i], &push, &nr_push, &ap, err);
		/* What the other side has is not scanned again. */
		const git_oid *old = &u->items[i].old_oid;
		if (ret == 0 && !git_oid_is_zero(old) &&
		    git_odb_exists(odb, old)) {
			git_object *o = NULL, *c = NULL;
			if (git_object_lookup(&o, run->repo->git, old,
					      GIT_OBJECT_ANY) == 0 &&
			    git_object_peel(&c, o, GIT_OBJECT_COMMIT) == 0) {
				LS_GROW(hide, nr_hide + 1, ah);
				hide[nr_hide++] = *git_object_id(c);
			}
			git_object_free(c);
			git_object_free(o);
		}
	}
	if (ret == 0 && nr_push) {
		struct source_range range = { push, nr_push, hide, nr_hide,
					      hide_glob, 0 };
		ret = source_walk(run->repo, &range, on_commit, run, err);
	}
	free(push);
	free(hide);
	git_odb_free(odb);
	return ret;
}

static int
hook_pre_push(int argc, char **argv)
{
	struct run run;
	struct push_updates u = { NULL, 0, 0 };
	struct buf in = BUF_INIT, glob = BUF_INIT;
	struct ls_err err = { 0, "" };
	const char *remote = argc > 1 ? argv[1] : "";
	int ret, code;

	run_init(&run, "pre-push");
	run.rc = (struct report_ctx){ "commits to push", FIX_PUSH,
				      OVERRIDE_PUSH, 0, 0, 0 };
	run.dedupe = 1;
	/* Read all of stdin first: git must never see a closed pipe. */
	ret = read_stdin(&in, &err);
	if (ret == 0)
		ret = pushspec_parse(&u, LS_PUSH_PRE_PUSH, in.ptr ? in.ptr : "",
				     in.len, &err);
	if (ret == 0 && u.nr == 0) {
		code = EXIT_CLEAN;	/* nothing to push */
		goto out;
	}
	if (ret == 0)
		ret = run_open(&run, 1, &err);
	if (ret == 0) {
		/*
		 * A URL instead of a remote name has no tracking refs. (Not
		 * git_remote_lookup: in Debian's libgit2 1.5 its config
		 * regex leaks PCRE2 match frames.)
		 */
		if (*remote && repo_has_remote(run.repo, remote))
			buf_printf(&glob, "refs/remotes/%s/*", remote);
		ret = scan_updates(&run, &u, glob.len ? glob.ptr : NULL, &err);
	}
	progress(&run, 1);
	code = decide(&run, &err);
out:
	push_updates_release(&u);
	buf_release(&glob);
	buf_release(&in);
	run_release(&run);
	return code;
}

/*
 * During a push the new objects sit in a quarantine directory that git
 * names in the environment; libgit2 does not read those variables.
 */
static int
add_quarantine(struct repo *r, struct ls_err *err)
{
	const char *vars[] = { "GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY" };
	git_odb *odb = NULL;
	int ret = 0;

	if (git_repository_odb(&odb, r->git) < 0)
		return repo_git_error(err, "cannot open the object database");
	for (size_t i = 0; ret == 0 && i < 2; i++) {
		const char *dir = getenv(vars[i]);
		if (dir && *dir && git_odb_add_disk_alternate(odb, dir) < 0)
			ret = repo_git_error(err, "cannot read the pushed "
					     "objects");
	}
	git_odb_free(odb);
	return ret;
}

static int
hook_pre_receive(void)
{
	struct run run;
	struct push_updates u = { NULL, 0, 0 };
	struct buf in = BUF_INIT;
	struct ls_err err = { 0, "" };
	int ret, code;

	run_init(&run, "pre-receive");
	run.rc = (struct report_ctx){ "pushed commits", FIX_SERVER, NULL, 0, 0, 0 };
	run.dedupe = 1;
	ret = read_stdin(&in, &err);
	if (ret == 0)
		ret = pushspec_parse(&u, LS_PUSH_PRE_RECEIVE,
				     in.ptr ? in.ptr : "", in.len, &err);
	if (ret == 0 && u.nr == 0) {
		code = EXIT_CLEAN;
		goto out;
	}
	if (ret == 0)
		ret = run_open(&run, 1, &err);
	if (ret == 0)
		ret = add_quarantine(run.repo, &err);
	/* Refs are not moved yet: every ref is what the server has. */
	if (ret == 0)
		ret = scan_updates(&run, &u, "refs/*", &err);
	code = decide(&run, &err);
	if (code != EXIT_CLEAN)
		fprintf(stderr, "leakstop: push rejected by the server's "
			"secret scan\n");
out:
	push_updates_release(&u);
	buf_release(&in);
	run_release(&run);
	return code;
}

/* --- scan ------------------------------------------------------------- */

static int
scan_range(struct run *run, const char *spec, struct ls_err *err)
{
	git_revspec rs;
	int ret = run_open(run, 1, err);

	if (ret < 0)
		return ret;
	if (git_revparse(&rs, run->repo->git, spec) < 0)
		return repo_git_error(err, "cannot resolve the range");
	git_oid push = *git_object_id(rs.to ? rs.to : rs.from);
	git_oid hide;
	size_t nr_hide = 0;
	if (rs.flags & GIT_REVSPEC_RANGE) {
		hide = *git_object_id(rs.from);
		nr_hide = 1;
	}
	git_object_free(rs.from);
	git_object_free(rs.to);
	if (rs.flags & GIT_REVSPEC_MERGE_BASE)
		return ls_err_set(err, LS_EUSAGE, "'...' ranges are not "
				  "supported; use A..B");
	struct source_range range = { &push, 1, &hide, nr_hide, NULL, 0 };
	return source_walk(run->repo, &range, on_commit, run, err);
}

static int
on_history_file(const struct source_file *f, void *payload,
		struct ls_err *err)
{
	struct run *run = payload;

	if (f->commit != run->commit) {
		run->commit = f->commit;
		run->commits++;
	}
	return on_file(f, payload, err);
}

/* One thread of the history's first pass, with its own engine. */
struct pre_worker {
	struct engine *engine;
	int own;		/* engine opened for this worker */
	struct finding_list findings;
	size_t files, bytes;
};

/* A blob with no finding, whatever its path, needs no second look. */
static int
pre_blob(const char *data, size_t len, enum file_kind kind, void *payload,
	 struct ls_err *err)
{
	struct pre_worker *w = payload;
	struct buf text = BUF_INIT;
	struct added a;
	int ret, found;

	lines_decode(kind, &data, &len, &text);
	lines_whole(&a, data, len);
	ret = engine_scan(w->engine, &a, "", &w->findings, err);
	found = w->findings.nr > 0;
	finding_list_release(&w->findings);
	buf_release(&text);
	if (ret < 0)
		return ret;
	if (!found) {
		w->files++;
		w->bytes += len;
	}
	return found;
}

/* Another engine like run's: same rules, policy and custom rules. */
static int
open_engine(struct run *run, struct engine **out, struct ls_err *err)
{
	struct buf dbp = BUF_INIT, cache = BUF_INIT, text = BUF_INIT;
	int found = 0, ret;

	engine_db_path(&dbp);
	buf_printf(&cache, "%s/cache", run->repo->leakstop_dir);
	ret = engine_open(out, dbp.ptr, cache.ptr, run->repo->leakstop_dir, 0,
			  err);
	if (ret == 0 && run->policy.has_custom)
		ret = team_file(run, LS_POLICY_FILE, &text, &found, err);
	if (ret == 0 && found)
		ret = engine_add_custom(*out, LS_POLICY_FILE,
					text.ptr ? text.ptr : "", text.len,
					cache.ptr, err);
	if (ret == 0)
		ret = engine_set_policy(*out, &run->policy, err);
	buf_release(&text);
	buf_release(&cache);
	buf_release(&dbp);
	return ret;
}

static int
scan_history(struct run *run, struct ls_err *err)
{
	struct pre_worker w[SOURCE_MAX_WORKERS];
	void *payloads[SOURCE_MAX_WORKERS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nr = cpus < 1 ? 1 : cpus > SOURCE_MAX_WORKERS ?
		SOURCE_MAX_WORKERS : (size_t)cpus;
	int ret = run_open(run, 1, err);

	/* Old history is reported, not refused: big blobs are a note. */
	run->stats.large_fails = 0;
	memset(w, 0, sizeof(w));
	for (size_t i = 0; ret == 0 && i < nr; i++) {
		payloads[i] = &w[i];
		if (i == 0) {
			w[i].engine = run->engine;	/* idle until the walk */
		} else {
			ret = open_engine(run, &w[i].engine, err);
			w[i].own = 1;
		}
	}
	ls_trace("history: engines opened");
	if (ret == 0)
		ret = source_history(run->repo, run->policy.max_file_size,
				     &run->stats, pre_blob, payloads, nr,
				     on_history_file, run, err);
	for (size_t i = 0; i < nr; i++) {
		run->stats.files += w[i].files;
		run->stats.bytes += w[i].bytes;
		if (w[i].own)
			engine_free(w[i].engine);
	}
	run->commit = NULL;
	return ret;
}

static int scan_path(struct run *run, const char *path, struct ls_err *err);

static int
scan_dir(struct run *run, const char *path, struct ls_err *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return ls_err_set(err, LS_EIO, "cannot read '%s': %s", path,
				  strerror(errno));
	while (ret == 0 && (de = readdir(d)) != NULL) {
		struct buf p = BUF_INIT;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		/* "." adds nothing: paths read as from the top. */
		if (!strcmp(path, "."))
			buf_addstr(&p, de->d_name);
		else
			buf_printf(&p, "%s%s%s", path,
				   path[strlen(path) - 1] == '/' ? "" : "/",
				   de->d_name);
		ret = scan_path(run, p.ptr, err);
		buf_release(&p);
	}
	closedir(d);
	return ret;
}

static int
scan_path(struct run *run, const char *path, struct ls_err *err)
{
	struct stat st;
	struct buf b = BUF_INIT, text = BUF_INIT;
	struct added a;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return ls_err_set(err, LS_EIO, "cannot read '%s': %s", path,
				  strerror(errno));
	if (S_ISDIR(st.st_mode))
		return scan_dir(run, path, err);
	if (!S_ISREG(st.st_mode))
		return 0;	/* links, devices, sockets: not content */
	if ((size_t)st.st_size > run->policy.max_file_size) {
		run->stats.large++;
		if (!run->stats.first_skipped)
			run->stats.first_skipped = xstrdup(path);
		return 0;
	}
	ret = read_file(&b, path, err);
	if (ret == 0) {
		enum file_kind k = lines_classify(b.ptr ? b.ptr : "", b.len);
		const char *data = b.ptr ? b.ptr : "";
		size_t len = b.len;
		if (k == LS_FILE_LFS) {
			run->stats.lfs++;
		} else {
			/* text, UTF-16 decoded, or bytes: all of it */
			lines_decode(k, &data, &len, &text);
			lines_whole(&a, data, len);
			ret = scan_added(run, &a, path, err);
			lines_release(&a);
		}
	}
	buf_release(&text);
	buf_release(&b);
	return ret;
}

static int
scan_paths(struct run *run, char **paths, int n, struct ls_err *err)
{
	int ret = run_open(run, 0, err);

	for (int i = 0; ret == 0 && i < n; i++) {
		if (strcmp(paths[i], "-")) {
			const char *p = paths[i];
			while (p[0] == '.' && p[1] == '/' && p[2] != '\0')
				p += 2;
			ret = scan_path(run, p, err);
			continue;
		}
		struct buf in = BUF_INIT;
		struct added a;
		ret = read_stdin(&in, err);
		if (ret == 0) {
			lines_whole(&a, in.ptr ? in.ptr : "", in.len);
			ret = scan_added(run, &a, "-", err);
			lines_release(&a);
		}
		buf_release(&in);
	}
	return ret;
}

static int
cmd_scan(int argc, char **argv)
{
	enum { W_NONE, W_STAGED, W_RANGE, W_HISTORY, W_PATHS } what = W_NONE;
	enum report_format format = LS_FORMAT_TEXT;
	const char *range = NULL, *output = NULL;
	char **paths = xcalloc((size_t)argc, sizeof(*paths));
	int nr_paths = 0, ret = 0, code, quiet = 0;
	struct ls_err err = { 0, "" };
	struct run run;
	FILE *out = stdout;

	run_init(&run, "scan");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--staged"))
			what = what == W_NONE ? W_STAGED : -1;
		else if (!strcmp(a, "--history"))
			what = what == W_NONE ? W_HISTORY : -1;
		else if (!strcmp(a, "--range") && i + 1 < argc) {
			what = what == W_NONE ? W_RANGE : -1;
			range = argv[++i];
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			a = argv[++i];
			if (!strcmp(a, "text"))
				format = LS_FORMAT_TEXT;
			else if (!strcmp(a, "json"))
				format = LS_FORMAT_JSON;
			else if (!strcmp(a, "sarif"))
				format = LS_FORMAT_SARIF;
			else
				goto usage;
		} else if (!strcmp(a, "--output") && i + 1 < argc) {
			output = argv[++i];
		} else if (!strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			goto usage;
		} else {
			what = what == W_NONE || what == W_PATHS ? W_PATHS :
				-1;
			paths[nr_paths++] = argv[i];
		}
	}
	if (what == W_NONE || (int)what == -1)
		goto usage;
	run.rc = (struct report_ctx){ what == W_STAGED ? "staged changes" :
				      what == W_PATHS ? "scanned files" :
				      "scanned commits", NULL, NULL, 0, 0, 0 };
	run.dedupe = what == W_RANGE || what == W_HISTORY;
	run.progress = isatty(2) && what != W_STAGED && !quiet;
	if (what == W_STAGED)
		ret = scan_staged(&run, &err);
	else if (what == W_RANGE)
		ret = scan_range(&run, range, &err);
	else if (what == W_HISTORY)
		ret = scan_history(&run, &err);
	else
		ret = scan_paths(&run, paths, nr_paths, &err);
	progress(&run, 1);
	(void)ret;
	if (output && (out = fopen(output, "w")) == NULL) {
		fprintf(stderr, "leakstop: cannot write '%s': %s\n", output,
			strerror(errno));
		code = EXIT_CANNOT;
		goto done;
	}
	if (err.code) {
		report_cannot_scan(stderr, err.msg, NULL);
		code = EXIT_CANNOT;
	} else {
		if (!quiet && !run.rc.quiet)
			report_skipped(stderr, &run.stats);
		run.rc.colour = !output && report_want_colour(out);
		if (format == LS_FORMAT_TEXT)
			report_findings(out, &run.findings,
					&run.engine->rules, &run.rc);
		else
			report_machine(out, format, &run.findings,
				       &run.engine->rules, LS_VERSION);
		code = run.findings.nr ? EXIT_FINDINGS : EXIT_CLEAN;
	}
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "leakstop: cannot write '%s'\n", output);
		code = EXIT_CANNOT;
	}
done:
	free(paths);
	run_release(&run);
	return code;
usage:
	free(paths);
	fprintf(stderr, "leakstop: usage: leakstop scan --staged | --range "
		"A..B | --history | PATH... | - [--format text|json|sarif] "
		"[--output FILE]\n");
	return EXIT_USAGE;
}

/* --- team files: init, ignore, baseline -------------------------------- */

/* The work tree's top, with a trailing '/'; NULL in a bare repository. */
static const char *
worktree(struct run *run, struct ls_err *err)
{
	const char *wd = git_repository_workdir(run->repo->git);

	if (wd == NULL)
		ls_err_set(err, LS_EUSAGE, "this repository has no work tree");
	return wd;
}

static int
cmd_init(void)
{
	struct run run;
	struct ls_err err = { 0, "" };
	struct buf path = BUF_INIT, text = BUF_INIT;
	unsigned char salt[LS_SALT_LEN];
	const char *wd;
	int ret;

	run_init(&run, "init");
	run.policy_from_worktree = 1;
	ret = run_open(&run, 1, &err);
	wd = ret == 0 ? worktree(&run, &err) : NULL;
	if (wd == NULL)
		goto out;
	buf_printf(&path, "%s" LS_POLICY_FILE, wd);
	if (run.policy.has_salt) {
		printf("leakstop: %s already has a salt\n", path.ptr);
		goto out;
	}
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt)) {
		ls_err_set(&err, LS_EIO, "cannot get random bytes");
		goto out;
	}
	buf_addstr(&text, "salt = ");
	for (size_t i = 0; i < sizeof(salt); i++)
		buf_printf(&text, "%02x", salt[i]);
	if (run.policy.from_file) {
		printf("leakstop: add this line under [policy] in %s:\n%s\n",
		       path.ptr, text.ptr);
		goto out;
	}
	struct buf file = BUF_INIT;
	buf_printf(&file, "; leakstop team policy: read from HEAD, so changes "
		   "take effect once committed.\n; See `man leakstop`.\n\n"
		   "[policy]\n; the fingerprint key every clone shares\n%s\n"
		   "; max_file_size = 10M\n; fail_closed = true\n"
		   "; inline_allow = true\n\n; [allow]\n"
		   "; path = tests/fixtures/\n; stopword = fixture\n",
		   text.ptr);
	ret = write_file_atomic(path.ptr, file.ptr, file.len, 0644, &err);
	buf_release(&file);
	if (ret == 0)
		printf("leakstop: wrote %s; commit it\n", path.ptr);
out:
	wipe(salt, sizeof(salt));
	if (err.code)
		fprintf(stderr, "leakstop: init: %s\n", err.msg);
	buf_release(&text);
	buf_release(&path);
	run_release(&run);
	return err.code ? EXIT_CANNOT : EXIT_CLEAN;
}

/* Scan HEAD's tree with the work tree's policy, lists left out. */
static int
scan_head_tree(struct run *run, struct ls_err *err)
{
	int ret;

	run->policy_from_worktree = 1;
	ret = run_open(run, 1, err);
	if (ret == 0 && worktree(run, err) == NULL)
		ret = err->code;
	if (ret == 0)
		filter_skip_lists(run->engine->filter);
	if (ret == 0)
		run->stats.large_fails = 0;
	if (ret == 0)
		ret = source_head_tree(run->repo, run->policy.max_file_size,
				       &run->stats, on_file, run, err);
	return ret;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmd_baseline(void)
{
	struct run run;
	struct ls_err err = { 0, "" };
	struct buf path = BUF_INIT, text = BUF_INIT;
	char **lines = NULL;
	size_t nr = 0;
	int ret;

	run_init(&run, "baseline");
	run.dedupe = 1;
	ret = scan_head_tree(&run, &err);
	if (ret == 0 && !run.policy.has_salt)
		ret = ls_err_set(&err, LS_EUSAGE, "fingerprints must agree "
				 "across clones: run `leakstop init` and "
				 "commit .leakstop.ini first");
	if (ret < 0)
		goto out;
	lines = xcalloc(run.findings.nr + 1, sizeof(*lines));
	for (size_t i = 0; i < run.findings.nr; i++) {
		struct buf l = BUF_INIT;
		const struct finding *f = &run.findings.items[i];
		buf_printf(&l, "%s %s", f->fingerprint,
			   run.engine->rules.rules[f->rule].id);
		lines[nr++] = xstrdup(l.ptr);
		buf_release(&l);
	}
	/* Sorted by fingerprint: moving lines never changes the file. */
	qsort(lines, nr, sizeof(*lines), cmp_str);
	buf_addstr(&text, "# leakstop baseline: findings present when it was "
		   "made; they do not block.\n# <fingerprint> <rule>; made by "
		   "`leakstop baseline`.\n");
	for (size_t i = 0; i < nr; i++)
		if (i == 0 || strcmp(lines[i], lines[i - 1]))
			buf_printf(&text, "%s\n", lines[i]);
	buf_printf(&path, "%s" LS_BASELINE_FILE,
		   git_repository_workdir(run.repo->git));
	ret = write_file_atomic(path.ptr, text.ptr, text.len, 0644, &err);
	if (ret == 0)
		printf("leakstop: recorded %zu finding%s in %s; commit it\n",
		       run.findings.nr, run.findings.nr == 1 ? "" : "s",
		       path.ptr);
out:
	if (ret < 0)
		report_cannot_scan(stderr, err.msg, NULL);
	for (size_t i = 0; i < nr; i++)
		free(lines[i]);
	free(lines);
	buf_release(&text);
	buf_release(&path);
	run_release(&run);
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
}

static int
ignore_stale(void)
{
	struct run run;
	struct ls_err err = { 0, "" };
	struct policy all;
	struct buf path = BUF_INIT, b = BUF_INIT;
	size_t stale = 0;
	int ret;

	run_init(&run, "ignore");
	policy_init(&all);
	ret = scan_head_tree(&run, &err);
	if (ret == 0) {
		buf_printf(&path, "%s" LS_IGNORE_FILE,
			   git_repository_workdir(run.repo->git));
		if (access(path.ptr, F_OK) == 0)
			ret = read_file(&b, path.ptr, &err);
	}
	/* Every entry, expired or not: a stale one is worth removing too. */
	if (ret == 0)
		ret = policy_parse_ignore(&all, LS_IGNORE_FILE,
					  b.ptr ? b.ptr : "", b.len,
					  "0000-00-00", &err);
	for (size_t i = 0; ret == 0 && i < all.nr_ignored; i++) {
		int live = 0;
		for (size_t j = 0; j < run.findings.nr && !live; j++)
			live = !strcmp(run.findings.items[j].fingerprint,
				       all.ignored[i]);
		if (!live) {
			printf("%s\n", all.ignored[i]);
			stale++;
		}
	}
	if (ret == 0)
		fprintf(stderr, "leakstop: %zu of %zu .leakstopignore entr%s "
			"match%s nothing in HEAD\n", stale, all.nr_ignored,
			all.nr_ignored == 1 ? "y" : "ies",
			stale == 1 ? "es" : "");
	else
		report_cannot_scan(stderr, err.msg, NULL);
	policy_release(&all);
	buf_release(&b);
	buf_release(&path);
	run_release(&run);
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
}

static int
cmd_ignore(int argc, char **argv)
{
	const char *fp = NULL, *reason = NULL, *expires = NULL;
	struct run run;
	struct ls_err err = { 0, "" };
	struct buf path = BUF_INIT, line = BUF_INIT;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--stale"))
		return ignore_stale();
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (!strcmp(argv[i], "--expires") && i + 1 < argc)
			expires = argv[++i];
		else if (fp == NULL && argv[i][0] != '-')
			fp = argv[i];
		else
			goto usage;
	}
	if (fp == NULL || reason == NULL)
		goto usage;
	if (strlen(fp) != 16 || strspn(fp, "0123456789abcdef") != 16) {
		fprintf(stderr, "leakstop: ignore: '%s' is not a fingerprint "
			"(16 hex digits, shown with each finding)\n", fp);
		return EXIT_USAGE;
	}
	if (is_blank(reason) || strpbrk(reason, "\n\r")) {
		fprintf(stderr, "leakstop: ignore: the reason must be one "
			"non-empty line\n");
		return EXIT_USAGE;
	}
	if (expires && !policy_valid_date(expires)) {
		fprintf(stderr, "leakstop: ignore: --expires takes a date "
			"YYYY-MM-DD, not '%s'\n", expires);
		return EXIT_USAGE;
	}
	run_init(&run, "ignore");
	repo_global_init();
	ret = repo_open(&run.repo, &err);
	if (ret == 0 && worktree(&run, &err) == NULL)
		ret = err.code;
	if (ret == 0) {
		buf_printf(&path, "%s" LS_IGNORE_FILE,
			   git_repository_workdir(run.repo->git));
		buf_printf(&line, "%s%s%s %s\n", fp, expires ? " expires=" : "",
			   expires ? expires : "", reason);
		ret = append_file(path.ptr, line.ptr, line.len, 0644, 0,
				  &err);
	}
	if (ret == 0)
		printf("leakstop: added %s to %s; commit it\n", fp, path.ptr);
	else
		fprintf(stderr, "leakstop: ignore: %s\n", err.msg);
	buf_release(&line);
	buf_release(&path);
	run_release(&run);
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
usage:
	fprintf(stderr, "leakstop: usage: leakstop ignore <fingerprint> "
		"--reason \"...\" [--expires YYYY-MM-DD] | --stale\n");
	return EXIT_USAGE;
}

/*
 * leakstop known add: read a secret from stdin, append its salted hash
 * to .leakstop-known. The secret is never written anywhere.
 */
static int
cmd_known(int argc, char **argv)
{
	struct run run;
	struct ls_err err = { 0, "" };
	struct buf secret = BUF_INIT, line = BUF_INIT, path = BUF_INIT;
	const char *note = "";
	unsigned char h[32];
	int ret;

	if (argc < 2 || strcmp(argv[1], "add") ||
	    !(argc == 2 || (argc == 4 && !strcmp(argv[2], "--note")))) {
		fprintf(stderr, "leakstop: usage: leakstop known add "
			"[--note TEXT] < secret\n");
		return EXIT_USAGE;
	}
	if (argc == 4)
		note = argv[3];
	run_init(&run, "known");
	run.policy_from_worktree = 1;
	ret = run_open(&run, 1, &err);
	if (ret == 0 && worktree(&run, &err) == NULL)
		ret = err.code;
	if (ret == 0 && !run.policy.has_salt)
		ret = ls_err_set(&err, LS_EUSAGE, "run `leakstop init` first: "
				 "the list is salted with .leakstop.ini's "
				 "salt");
	if (ret == 0)
		ret = read_stdin(&secret, &err);
	while (secret.len && (secret.ptr[secret.len - 1] == '\n' ||
			      secret.ptr[secret.len - 1] == '\r'))
		secret.ptr[--secret.len] = '\0';
	if (ret == 0 && (secret.len < 16 || secret.len > 512))
		ret = ls_err_set(&err, LS_EUSAGE, "a known secret is 16 to 512 "
				 "bytes (got %zu)", secret.len);
	if (ret == 0) {
		finding_known_hash(h, run.policy.salt, secret.ptr, secret.len);
		for (size_t i = 0; i < sizeof(h); i++)
			buf_printf(&line, "%02x", h[i]);
		if (*note)
			buf_printf(&line, " %s", note);
		buf_addch(&line, '\n');
		buf_printf(&path, "%s" LS_KNOWN_FILE,
			   git_repository_workdir(run.repo->git));
		ret = append_file(path.ptr, line.ptr, line.len, 0644, 0,
				  &err);
	}
	if (ret == 0)
		printf("leakstop: added a hash to %s; commit it\n", path.ptr);
	else
		fprintf(stderr, "leakstop: known: %s\n", err.msg);
	wipe(h, sizeof(h));
	buf_release(&secret);
	buf_release(&line);
	buf_release(&path);
	run_release(&run);
	return ret < 0 ? (err.code == LS_EUSAGE ? EXIT_USAGE : EXIT_CANNOT) :
		EXIT_CLEAN;
}

/* --- hooks, install, rules ---------------------------------------------- */

/*
 * LEAKSTOP_ALLOW when committing a message (e.g. `git commit --amend`,
 * where pre-commit sees nothing new): a trailer, and an audit line, for
 * each listed fingerprint pre-commit did not already handle.
 */
static int
allow_at_commit_msg(struct repo *r, struct buf *pending, const char *pid,
		    struct ls_err *err)
{
	const char *v = getenv("LEAKSTOP_ALLOW");
	const char *sp = v ? strchr(v, ' ') : NULL;
	int ret = 0;

	if (v == NULL)
		return 0;
	if (sp == NULL || is_blank(sp + 1))
		return ls_err_set(err, LS_EUSAGE, "LEAKSTOP_ALLOW needs "
				  "fingerprints and a reason");
	if (pending->len == 0)
		buf_addstr(pending, pid);
	char *user = repo_user(r);
	struct audit_entry e = { "commit-msg", user, sp + 1, NULL };
	for (const char *p = v; ret == 0 && p < sp;) {
		const char *end = memchr(p, ',', (size_t)(sp - p));
		size_t n = (size_t)((end ? end : sp) - p);
		char fp[17];
		if (n != 16 || strspn(p, "0123456789abcdef") < 16) {
			ret = ls_err_set(err, LS_EUSAGE, "LEAKSTOP_ALLOW: "
					 "'%.*s' is not a fingerprint", (int)n,
					 p);
			break;
		}
		memcpy(fp, p, 16);
		fp[16] = '\0';
		if (!strstr(pending->ptr, fp)) {
			ret = audit_append_fingerprint(r->leakstop_dir, &e, fp,
						       err);
			add_trailer(pending, fp, sp + 1);
		}
		p = end ? end + 1 : sp;
	}
	free(user);
	return ret;
}

/* Append the pending Leakstop-Override trailers to the message. */
/*
 * The message as git will store it: comment lines and everything below
 * the scissors line of `git commit -v` dropped.
 */
static int
has_scissors(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '>' && p[i + 1] == '8')
			return 1;
	return 0;
}

static void
message_text(const struct buf *raw, struct buf *out)
{
	const char *p = raw->ptr ? raw->ptr : "", *end = p + raw->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n >= 4 && !memcmp(p, "# -", 3) && has_scissors(p, n))
			break;
		if (p[0] != '#')
			buf_add(out, p, n);
		buf_addch(out, '\n');	/* keep line numbers */
		p += n + 1;
	}
}

/* G42: a secret in the commit message blocks like one in a file. */
static int
scan_message(const char *file)
{
	struct run run;
	struct ls_err err = { 0, "" };
	struct buf raw = BUF_INIT, text = BUF_INIT;
	struct added a;
	int ret, code;

	run_init(&run, "commit-msg");
	run.rc = (struct report_ctx){ "the commit message", FIX_MESSAGE,
				      OVERRIDE_COMMIT, 0, 0, 0 };
	ret = run_open(&run, 1, &err);
	if (ret == 0)
		ret = read_file(&raw, file, &err);
	if (ret == 0) {
		message_text(&raw, &text);
		lines_whole(&a, text.ptr ? text.ptr : "", text.len);
		ret = scan_added(&run, &a, "(commit message)", &err);
		lines_release(&a);
	}
	code = decide(&run, &err);
	buf_release(&text);
	buf_release(&raw);
	run_release(&run);
	return code;
}

static int
hook_commit_msg(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct repo *r = NULL;
	struct buf path = BUF_INIT, pending = BUF_INIT, msg = BUF_INIT;
	char pid[32];
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "leakstop: usage: leakstop hook commit-msg "
			"FILE\n");
		return EXIT_USAGE;
	}
	ret = scan_message(argv[1]);
	if (ret != EXIT_CLEAN)
		return ret;
	repo_global_init();
	if (repo_open(&r, &err) < 0)
		goto out;
	buf_printf(&path, "%s/pending-trailers", r->leakstop_dir);
	snprintf(pid, sizeof(pid), "pid %s\n", git_pid());
	if (access(path.ptr, F_OK) == 0) {
		ret = read_file(&pending, path.ptr, &err);
		unlink(path.ptr);
		/* Left by a commit that never happened: drop it. */
		if (ret == 0 && pending.ptr &&
		    strncmp(pending.ptr, pid, strlen(pid)))
			buf_reset(&pending);
	}
	if (ret == 0)
		ret = allow_at_commit_msg(r, &pending, pid, &err);
	if (ret < 0 || pending.len <= strlen(pid))
		goto out;
	ret = read_file(&msg, argv[1], &err);
	if (ret < 0)
		goto out;
	while (msg.len && msg.ptr[msg.len - 1] == '\n')
		msg.ptr[--msg.len] = '\0';
	/* A blank line starts the trailer block, unless one is there. */
	const char *last = msg.len ? strrchr(msg.ptr, '\n') : NULL;
	if (!last || !strchr(last, ':') || last[1] == '#')
		buf_addch(&msg, '\n');
	buf_addch(&msg, '\n');
	buf_addstr(&msg, pending.ptr + strlen(pid));
	ret = write_file_atomic(argv[1], msg.ptr, msg.len, 0644, &err);
out:
	if (err.code)
		fprintf(stderr, "leakstop: commit-msg: %s\n", err.msg);
	buf_release(&msg);
	buf_release(&pending);
	buf_release(&path);
	repo_free(r);
	git_libgit2_shutdown();
	return err.code ? EXIT_CANNOT : EXIT_CLEAN;
}

static int
cmd_hook(int argc, char **argv)
{
	struct run run;
	struct ls_err err = { 0, "" };
	int code;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "pre-push"))
		return hook_pre_push(argc - 1, argv + 1);
	if (!strcmp(argv[1], "pre-receive"))
		return hook_pre_receive();
	if (!strcmp(argv[1], "commit-msg"))
		return hook_commit_msg(argc - 1, argv + 1);
	if (strcmp(argv[1], "pre-commit") && strcmp(argv[1], "pre-merge-commit"))
		goto usage;
	run_init(&run, argv[1]);
	run.rc = (struct report_ctx){ "staged changes", FIX_COMMIT,
				      OVERRIDE_COMMIT, 0, 0, 0 };
	run.trailers = 1;
	scan_staged(&run, &err);
	code = decide(&run, &err);
	ls_trace("decided");
	run_end(&run);
	return code;
usage:
	fprintf(stderr, "leakstop: usage: leakstop hook pre-commit|"
		"pre-merge-commit|pre-push|pre-receive\n");
	return EXIT_USAGE;
}

static int
cmd_install(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct repo *r = NULL;
	enum install_where where = LS_INSTALL_REPO;
	const char *shared = NULL;
	char exe[PATH_MAX];
	int ret = 0;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--server"))
			where = LS_INSTALL_SERVER;
		else if (!strcmp(argv[i], "--global"))
			where = LS_INSTALL_GLOBAL;
		else if (!strcmp(argv[i], "--shared") && i + 1 < argc) {
			where = LS_INSTALL_SHARED;
			shared = argv[++i];
		} else {
			fprintf(stderr, "leakstop: usage: leakstop install "
				"[--server | --global | --shared DIR]\n");
			return EXIT_USAGE;
		}
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "leakstop: cannot find my own binary\n");
		return EXIT_CANNOT;
	}
	exe[n] = '\0';
	repo_global_init();
	if (where != LS_INSTALL_GLOBAL)
		ret = repo_open(&r, &err);
	if (ret == 0)
		ret = install_hooks(r, exe, where, shared, &err);
	if (ret < 0)
		fprintf(stderr, "leakstop: install: %s\n", err.msg);
	repo_free(r);
	git_libgit2_shutdown();
	return ret < 0 ? (err.code == LS_EUSAGE ? EXIT_USAGE : EXIT_CANNOT) :
		EXIT_CLEAN;
}

static int
cmd_uninstall(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct repo *r = NULL;
	int global = argc == 2 && !strcmp(argv[1], "--global");
	int ret = 0;

	if (argc > 2 || (argc == 2 && !global)) {
		fprintf(stderr, "leakstop: usage: leakstop uninstall "
			"[--global]\n");
		return EXIT_USAGE;
	}
	repo_global_init();
	if (!global)
		ret = repo_open(&r, &err);
	if (ret == 0)
		ret = uninstall_hooks(r, global, &err);
	if (ret < 0)
		fprintf(stderr, "leakstop: uninstall: %s\n", err.msg);
	repo_free(r);
	git_libgit2_shutdown();
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
}

/* Does this clone really enforce the hooks? For CI and support. */
static int
cmd_doctor(void)
{
	struct run run;
	struct ls_err err = { 0, "" };
	int problems = 0;

	run_init(&run, "doctor");
	repo_global_init();
	if (repo_open(&run.repo, &err) < 0) {
		printf("problem - %s\n", err.msg);
		run_release(&run);
		return EXIT_FINDINGS;
	}
	problems = install_doctor(run.repo);
	repo_free(run.repo);
	run.repo = NULL;
	git_libgit2_shutdown();
	if (run_open(&run, 1, &err) < 0) {
		printf("problem - %s\n", err.msg);
		problems++;
	} else {
		printf("ok - the signature database loads (%zu rules)\n",
		       run.engine->rules.nr);
		printf("ok - the policy %s\n", run.policy.from_file ?
		       "in .leakstop.ini parses" : "is the default (no "
		       ".leakstop.ini in HEAD)");
	}
	printf("leakstop: %d problem%s\n", problems, problems == 1 ? "" : "s");
	run_release(&run);
	return problems ? EXIT_FINDINGS : EXIT_CLEAN;
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

/*
 * leakstop rules --profile FILE...: each rule alone over the files (at
 * most 256 MB), then the whole installed database, in MB/s.
 */
static int
rules_profile(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct engine *e = NULL;
	struct buf dbp = BUF_INIT, corpus = BUF_INIT;
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "leakstop: usage: leakstop rules --profile "
			"FILE...\n");
		return EXIT_USAGE;
	}
	for (int i = 1; ret == 0 && i < argc; i++) {
		ret = read_file(&corpus, argv[i], &err);
		if (corpus.len > 256u * 1024 * 1024)
			ret = ls_err_set(&err, LS_EIO, "the corpus is over "
					 "256 MB");
	}
	engine_db_path(&dbp);
	if (ret == 0)
		ret = engine_open(&e, dbp.ptr, NULL, NULL, 0, &err);
	if (ret == 0 && corpus.len == 0)
		ret = ls_err_set(&err, LS_EUSAGE, "the corpus is empty");
	if (ret == 0)
		ret = check_profile(&e->rules, e->db, corpus.ptr, corpus.len,
				    stdout, &err);
	if (ret < 0)
		fprintf(stderr, "leakstop: rules --profile: %s\n", err.msg);
	engine_free(e);
	buf_release(&corpus);
	buf_release(&dbp);
	return ret < 0 ? EXIT_CANNOT : EXIT_CLEAN;
}

static int
cmd_rules(int argc, char **argv)
{
	struct ls_err err = { 0, "" };
	struct engine *e = NULL;
	struct buf dbp = BUF_INIT;
	int check = 0, code = EXIT_CLEAN;

	if (argc >= 2 && !strcmp(argv[1], "--profile"))
		return rules_profile(argc - 1, argv + 1);
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
	if (engine_open(&e, dbp.ptr, NULL, NULL, 1, &err) < 0) {
		fprintf(stderr, "leakstop: rules: %s\n", err.msg);
		buf_release(&dbp);
		return EXIT_CANNOT;
	}
	if (check)
		code = check_rules(e, stdout) ? EXIT_FINDINGS : EXIT_CLEAN;
	else
		for (size_t i = 0; i < e->rules.nr; i++)
			printf("%-36s %-6s %s\n", e->rules.rules[i].id,
			       rules_confidence_name(
				       e->rules.rules[i].confidence),
			       e->rules.rules[i].description);
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
	ls_trace("start");
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "hook"))
		return cmd_hook(argc - 1, argv + 1);
	if (!strcmp(argv[1], "scan"))
		return cmd_scan(argc - 1, argv + 1);
	if (!strcmp(argv[1], "install"))
		return cmd_install(argc - 1, argv + 1);
	if (!strcmp(argv[1], "uninstall"))
		return cmd_uninstall(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor") && argc == 2)
		return cmd_doctor();
	if (!strcmp(argv[1], "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rebuild"))
		return cmd_rebuild(argc - 1, argv + 1);
	if (!strcmp(argv[1], "init") && argc == 2)
		return cmd_init();
	if (!strcmp(argv[1], "baseline") && argc == 2)
		return cmd_baseline();
	if (!strcmp(argv[1], "ignore"))
		return cmd_ignore(argc - 1, argv + 1);
	if (!strcmp(argv[1], "known"))
		return cmd_known(argc - 1, argv + 1);
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
