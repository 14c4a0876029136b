/*
 * engine.c - the scan pipeline for one buffer
 */
#include "engine.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>

#include "filter.h"
#include "scan.h"

void
engine_db_path(struct buf *out)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		buf_addstr(out, "/usr/local/lib/leakstop/rules.db");
		return;
	}
	exe[n] = '\0';
	buf_printf(out, "%s/../lib/leakstop/rules.db", dirname(exe));
}

/* The scanner and confirmer over e->db; the key is loaded apart. */
static int
engine_start(struct engine *e, struct ls_err *err)
{
	int ret;

	/* After the database: it does not match this rule itself. */
	e->known_rule = rules_add_synthetic(&e->rules, "known-secret",
					    "a secret on the team's list "
					    "(.leakstop-known)");
	ret = scanner_new(&e->scanner, e->db, err);
	if (ret == 0)
		ret = confirmer_new(&e->confirmer, &e->rules, e->db, err);
	return ret;
}

void
engine_load_key(struct engine *e, const char *key_dir)
{
	struct ls_err kerr = { 0, "" };

	if (finding_key_load(e->key, key_dir, &kerr) < 0) {
		/* Fingerprints then differ per run; the scan still counts. */
		ls_note("%s; fingerprints of this run are not stable",
			kerr.msg);
	}
}

/*
 * The built-in rules, then the database: the installed one, or with
 * fallback (cache_dir set or not) one from the cache or compiled.
 */
static int
engine_new(struct engine **out, const char *db_path, int fallback,
	   const char *cache_dir, int examples, struct ls_err *err)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	int ret;

	*out = NULL;
	rules_init(&e->rules);
	e->rules.skip_examples = !examples;
	ret = rules_add_builtin(&e->rules, err);
	if (ret == 0)
		ret = rules_finish(&e->rules, err);
	ls_trace("rules parsed");
	if (ret == 0 && fallback)
		ret = db_open(&e->db, db_path, cache_dir, &e->rules,
			      &e->rebuilt, err);
	else if (ret == 0)
		ret = db_load(&e->db, db_path, &e->rules, err);
	ls_trace("database loaded");
	if (ret == 0)
		ret = engine_start(e, err);
	ls_trace("engine started");
	if (ret < 0) {
		engine_free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int
engine_open(struct engine **out, const char *db_path, const char *cache_dir,
	    const char *key_dir, int examples, struct ls_err *err)
{
	int ret = engine_new(out, db_path, 1, cache_dir, examples, err);

	if (ret == 0)
		engine_load_key(*out, key_dir);
	return ret;
}

int
engine_open_installed(struct engine **out, const char *db_path,
		      struct ls_err *err)
{
	return engine_new(out, db_path, 0, NULL, 0, err);
}

int
engine_compile(struct engine **out, struct ls_err *err)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	int ret;

	*out = NULL;
	rules_init(&e->rules);
	ret = rules_add_builtin(&e->rules, err);
	if (ret == 0)
		ret = rules_finish(&e->rules, err);
	if (ret == 0)
		ret = db_compile(&e->db, &e->rules, err);
	if (ret == 0)
		ret = engine_start(e, err);
	if (ret < 0) {
		engine_free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int
engine_scan(struct engine *e, const struct added *a, const char *path,
	    struct finding_list *out, struct ls_err *err)
{
	size_t first = out->nr;
	int ret;

	e->raw.nr = 0;
	ret = scan_buffer(e->scanner, a->data, a->len, &e->raw, err);
	if (ret == 0 && e->custom_scanner) {
		size_t from = e->raw.nr;
		ret = scan_buffer(e->custom_scanner, a->data, a->len, &e->raw,
				  err);
		for (size_t i = from; i < e->raw.nr; i++)
			e->raw.items[i].rule += (unsigned int)e->custom_base;
	}
	if (ret == 0 && e->raw.nr)
		ret = finding_collect(out, e->confirmer, &e->raw, a, path,
				      e->key, err);
	if (ret == 0 && e->policy && e->policy->nr_known)
		finding_known(out, e->known_rule,
			      &e->rules.rules[e->known_rule], a, path,
			      (const unsigned char (*)[32])e->policy->known,
			      e->policy->nr_known, e->key);
	if (ret == 0)
		filter_apply(e->filter, out, first, &e->rules, a);
	finding_forget_secrets(out, first);
	return ret;
}

int
engine_set_policy(struct engine *e, const struct policy *policy,
		  struct ls_err *err)
{
	filter_free(e->filter);
	e->filter = NULL;
	/* A shared salt makes fingerprints agree across clones. */
	if (policy->has_salt)
		memcpy(e->key, policy->salt, LS_KEY_LEN);
	e->policy = policy;
	return filter_new(&e->filter, policy, err);
}

int
engine_add_custom(struct engine *e, const char *fname, const char *data,
		  size_t len, const char *cache_dir, struct ls_err *err)
{
	struct rule_set custom;
	struct buf path = BUF_INIT, bytes = BUF_INIT;
	struct ls_err cerr = { 0, "" };
	int ret;

	rules_init(&custom);
	ret = rules_add_prefixed(&custom, fname, data, len, "custom ", err);
	for (size_t i = 0; ret == 0 && i < custom.nr; i++)
		if (rules_find(&e->rules, custom.rules[i].id))
			ret = ls_err_set(err, LS_EPARSE, "%s:%d: custom rule "
					 "'%s' has the id of a built-in rule",
					 fname, custom.rules[i].lineno,
					 custom.rules[i].id);
	if (ret < 0 || custom.nr == 0)
		goto out;
	if (cache_dir) {
		buf_printf(&path, "%s/custom-%016" PRIx64 "-%016" PRIx64 ".db",
			   cache_dir, custom.hash,
			   hash_fnv1a(HASH_FNV_INIT, hs_version(),
				      strlen(hs_version())));
		if (db_load_cache(&e->custom_db, path.ptr, &custom, &cerr) < 0)
			e->custom_db = NULL;
	}
	if (e->custom_db == NULL) {
		ret = db_compile(&e->custom_db, &custom, err);
		/* A cache that cannot be written only costs time. */
		if (ret == 0 && cache_dir &&
		    mkdir_p(cache_dir, 0700, &cerr) == 0 &&
		    db_serialize(e->custom_db, &bytes, &cerr) == 0)
			write_file_atomic(path.ptr, bytes.ptr, bytes.len, 0600,
					  &cerr);
	}
	if (ret == 0)
		ret = scanner_new(&e->custom_scanner, e->custom_db, err);
	if (ret < 0)
		goto out;
	/* The custom rules join the table after the built-in ones. */
	e->custom_base = e->rules.nr;
	free(e->widths);
	e->widths = xcalloc(e->rules.nr + custom.nr, sizeof(*e->widths));
	for (size_t i = 0; i < e->db->nr_rules; i++)
		e->widths[i] = e->db->max_width[i];
	for (size_t i = 0; i < custom.nr; i++) {
		LS_GROW(e->rules.rules, e->rules.nr + 1, e->rules.alloc);
		e->rules.rules[e->rules.nr++] = custom.rules[i];
		e->widths[e->custom_base + i] = e->custom_db->max_width[i];
	}
	custom.nr = 0;
	confirmer_set_widths(e->confirmer, &e->rules, e->widths);
out:
	rules_release(&custom);
	buf_release(&bytes);
	buf_release(&path);
	return ret;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	scanner_free(e->custom_scanner);
	db_free(e->custom_db);
	free(e->widths);
	filter_free(e->filter);
	raw_matches_release(&e->raw);
	confirmer_free(e->confirmer);
	scanner_free(e->scanner);
	db_free(e->db);
	rules_release(&e->rules);
	wipe(e->key, sizeof(e->key));
	free(e);
}
