/*
 * test_db.c - the signature database: compile, serialize, load; each way
 * a file can be damaged or stale, and db_open's per-machine cache
 */
#include <stdint.h>
#include <string.h>

#include "db.h"
#include "fixture.h"
#include "harness.h"
#include "rules.h"
#include "scan.h"
#include "util.h"

/* Header offsets, from db.h's layout. */
#define OFF_VERSION 8
#define OFF_HASH (8 + 128)
#define OFF_NR (OFF_HASH + 8)
#define OFF_WIDTHS (OFF_NR + 8)

static const char rules_a[] =
	"[one]\ndescription = one\nregex = \\b(one_[a-z]{8})\\b\n"
	"[two]\ndescription = two\nregex = two=([0-9]{6,})\n";
static const char rules_b[] =
	"[one]\ndescription = one\nregex = \\b(one_[a-z]{9})\\b\n"
	"[two]\ndescription = two\nregex = two=([0-9]{6,})\n";

static int
load_rules(struct rule_set *set, const char *fname, const char *text)
{
	struct ls_err err = { 0, "" };
	int ret;

	rules_init(set);
	ret = rules_add_text(set, fname, text, strlen(text), &err);
	if (ret == 0)
		ret = rules_finish(set, &err);
	if (ret)
		printf("#   rules: %s\n", err.msg);
	return ret;
}

/* Write bytes to dir/name; path receives the file's path. */
static int
put(struct buf *path, const char *dir, const char *name, const void *data,
    size_t len)
{
	struct ls_err err = { 0, "" };

	buf_reset(path);
	buf_printf(path, "%s/%s", dir, name);
	return write_file_atomic(path->ptr, data, len, 0600, &err);
}

static void
test_round_trip(const char *dir, const struct rule_set *set,
		const struct buf *bytes)
{
	struct buf path = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	struct scanner *s = NULL;
	struct raw_matches m = { NULL, 0, 0 };
	static const char text[] = "x one_abcdefgh two=1234567\n";

	CHECK(put(&path, dir, "good.db", bytes->ptr, bytes->len) == 0,
	      "database file written");
	CHECK(db_load(&db, path.ptr, set, &err) == 0 && db,
	      "db_load reads a fresh database");
	if (db == NULL) {
		printf("#   error: %s\n", err.msg);
		goto out;
	}
	CHECK(db->nr_rules == 2 && db->rules_hash == set->hash,
	      "loaded: rule count and hash");
	CHECK(db->max_width[0] == 12 && db->max_width[1] == UINT32_MAX,
	      "loaded: widths (12, unbounded)");
	CHECK(scanner_new(&s, db, &err) == 0 &&
	      scan_buffer(s, text, sizeof(text) - 1, &m, &err) == 0,
	      "loaded: scans");
	CHECK(m.nr == 2 && m.items[0].rule == 0 && m.items[0].end == 14 &&
	      m.items[1].rule == 1 && m.items[1].end == 26,
	      "loaded: finds both rules, one match each");
out:
	raw_matches_release(&m);
	scanner_free(s);
	db_free(db);
	buf_release(&path);
}

/* A copy of bytes with a change; expect from db_load of it. */
static void
damaged(const char *dir, const struct rule_set *set, const struct buf *bytes,
	const char *name, size_t cut, size_t at, unsigned char x, int expect)
{
	struct buf path = BUF_INIT, copy = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct db *db = (struct db *)1;
	int ret;

	buf_add(&copy, bytes->ptr, cut < bytes->len ? cut : bytes->len);
	/* a cut past the end (and not SIZE_MAX) appends zero bytes */
	while (cut != SIZE_MAX && copy.len < cut)
		buf_addch(&copy, '\0');
	if (at < copy.len)
		copy.ptr[at] ^= (char)x;
	put(&path, dir, "bad.db", copy.ptr, copy.len);
	ret = db_load(&db, path.ptr, set, &err);
	CHECK(ret == expect && db == NULL && err.code == expect,
	      "%s: db_load returns %d", name, expect);
	if (ret != expect)
		printf("#   got %d: %s\n", ret, err.msg);
	db_free(ret == 0 ? db : NULL);
	buf_release(&copy);
	buf_release(&path);
}

/*
 * A database written on a machine with other CPU features: Hyperscan
 * 5.4's platform word (bytes 16-23 of its in-memory header; private,
 * hence only here) changed, and the header hash at hash_at made anew.
 */
static void
other_cpu(const char *dir, const struct rule_set *set, const struct buf *b,
	  size_t hash_at, size_t image)
{
	struct buf path = BUF_INIT, copy = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	uint64_t h;
	int ret;

	buf_add(&copy, b->ptr, b->len);
	copy.ptr[image + 23] ^= (char)0x80;
	h = hash_fnv1a(HASH_FNV_INIT, copy.ptr + image, 512);
	for (int i = 0; i < 8; i++)
		copy.ptr[hash_at + (size_t)i] = (char)(h >> (8 * i));
	put(&path, dir, "cpu.db", copy.ptr, copy.len);
	ret = db_load(&db, path.ptr, set, &err);
	CHECK(ret == LS_EMISMATCH && db == NULL,
	      "built for another CPU: db_load returns LS_EMISMATCH");
	CHECK_HAS(err.msg, "does not fit this CPU",
		  "built for another CPU: the message says so");
	db_free(db);
	buf_release(&copy);
	buf_release(&path);
}

static void
test_damage(const char *dir, const struct rule_set *set,
	    const struct buf *b)
{
	size_t hs = OFF_WIDTHS + 4 * 2;	/* lengths, then the image */
	size_t image = 4096;		/* the image's page */
	size_t all = SIZE_MAX, none = SIZE_MAX;

	damaged(dir, set, b, "empty file", 0, none, 0, LS_EPARSE);
	damaged(dir, set, b, "cut in the header", 20, none, 0, LS_EPARSE);
	damaged(dir, set, b, "cut after the header", OFF_WIDTHS, none, 0,
		LS_EPARSE);
	damaged(dir, set, b, "cut after the widths", hs, none, 0, LS_EPARSE);
	damaged(dir, set, b, "cut in the lengths", hs + 8, none, 0,
		LS_EPARSE);
	damaged(dir, set, b, "cut in Hyperscan's header", image + 8, none, 0,
		LS_EPARSE);
	damaged(dir, set, b, "image length changed", all, hs + 1, 0x01,
		LS_EPARSE);
	damaged(dir, set, b, "Hyperscan's bytecode offset changed", all,
		image + 36, 0x40, LS_EPARSE);
	damaged(dir, set, b, "byte appended", b->len + 1, none, 0,
		LS_EPARSE);
	damaged(dir, set, b, "cut in the middle", hs + (b->len - hs) / 2,
		none, 0, LS_EPARSE);
	damaged(dir, set, b, "last byte cut", b->len - 1, none, 0, LS_EPARSE);
	damaged(dir, set, b, "bad magic", all, 0, 'X' ^ 'L', LS_EPARSE);
	damaged(dir, set, b, "byte flipped in Hyperscan's bytecode", all,
		hs + (b->len - hs) / 2, 0x01, LS_EPARSE);
	damaged(dir, set, b, "rule count changed", all, OFF_NR, 0x01,
		LS_EPARSE);
	damaged(dir, set, b, "other format version", all, 7, 0x02,
		LS_EMISMATCH);
	damaged(dir, set, b, "other hs_version", all, OFF_VERSION, 0x01,
		LS_EMISMATCH);
	other_cpu(dir, set, b, hs + 8, image);
	damaged(dir, set, b, "other rules hash", all, OFF_HASH + 3, 0x10,
		LS_EMISMATCH);
}

static void
test_other_rules(const char *dir, const struct buf *bytes)
{
	struct rule_set other;
	struct buf path = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;

	if (load_rules(&other, "a.ini", rules_b) == 0) {
		put(&path, dir, "good.db", bytes->ptr, bytes->len);
		CHECK(db_load(&db, path.ptr, &other, &err) == LS_EMISMATCH &&
		      db == NULL, "database of other rules is LS_EMISMATCH");
	}
	ls_err_clear(&err);
	buf_reset(&path);
	buf_printf(&path, "%s/missing.db", dir);
	CHECK(db_load(&db, path.ptr, &other, &err) == LS_EIO && db == NULL,
	      "missing database is LS_EIO");
	rules_release(&other);
	buf_release(&path);
}

static void
test_compile_error(void)
{
	static const char text[] =
		"[good]\ndescription = g\nregex = abc\n"
		"\n[backref]\ndescription = b\nregex = (a)\\1\n";
	struct rule_set set;
	struct ls_err err = { 0, "" };
	struct db *db = (struct db *)1;

	if (load_rules(&set, "bad.ini", text) == 0) {
		CHECK(db_compile(&db, &set, &err) == LS_EPARSE && db == NULL,
		      "back-reference: db_compile refuses");
		CHECK_HAS(err.msg, "bad.ini:7:", "back-reference: file:line");
		CHECK_HAS(err.msg, "rule 'backref'", "back-reference: rule id");
	}
	rules_release(&set);
}

/* Cut the one file in dir to half its size. */
static int
damage_cache(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf path = BUF_INIT, b = BUF_INIT;
	struct ls_err err = { 0, "" };
	int ret = -1;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		buf_printf(&path, "%s/%s", dir, e->d_name);
		if (read_file(&b, path.ptr, &err) == 0)
			ret = write_file_atomic(path.ptr, b.ptr, b.len / 2,
						0600, &err);
		break;
	}
	if (d)
		closedir(d);
	buf_release(&b);
	buf_release(&path);
	return ret;
}

/* With the installed database of rules_a, open for rules_b. */
static void
test_open(const char *dir, const struct buf *bytes)
{
	struct rule_set set;
	struct buf inst = BUF_INIT, cache = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	int rebuilt = -1, n;

	if (load_rules(&set, "a.ini", rules_b) != 0)
		goto out;
	put(&inst, dir, "installed.db", bytes->ptr, bytes->len);
	buf_printf(&cache, "%s/cache/sub", dir);

	CHECK(db_open(&db, inst.ptr, cache.ptr, &set, &rebuilt, &err) == 0 &&
	      db && rebuilt == 1, "db_open: stale database is rebuilt");
	CHECK(db && db->rules_hash == set.hash, "db_open: for these rules");
	n = fixture_count(cache.ptr);
	CHECK(n == 1, "db_open: one cache file written");
	db_free(db);
	db = NULL;
	CHECK(db_open(&db, inst.ptr, cache.ptr, &set, &rebuilt, &err) == 0 &&
	      db && rebuilt == 0, "db_open: second time from the cache");
	CHECK(fixture_count(cache.ptr) == 1, "db_open: cache file reused");
	db_free(db);
	db = NULL;

	/* A damaged cache only means: compile again, and replace it. */
	CHECK(damage_cache(cache.ptr) == 0, "cache file damaged");
	CHECK(db_open(&db, inst.ptr, cache.ptr, &set, &rebuilt, &err) == 0 &&
	      db && rebuilt == 1, "db_open: damaged cache is rebuilt");
	db_free(db);
	db = NULL;
	CHECK(db_open(&db, inst.ptr, cache.ptr, &set, &rebuilt, &err) == 0 &&
	      db && rebuilt == 0, "db_open: rebuilt cache is used");
	db_free(db);
	db = NULL;

	CHECK(db_open(&db, inst.ptr, NULL, &set, &rebuilt, &err) == 0 &&
	      db && rebuilt == 1, "db_open: no cache dir compiles in memory");
	db_free(db);
	db = NULL;

	ls_err_clear(&err);
	buf_reset(&inst);
	buf_printf(&inst, "%s/missing.db", dir);
	CHECK(db_open(&db, inst.ptr, cache.ptr, &set, &rebuilt, &err) ==
	      LS_EIO && db == NULL, "db_open: missing database is an error");
out:
	rules_release(&set);
	buf_release(&cache);
	buf_release(&inst);
}

/*
 * A matching installed database is used as is: no cache is made. A
 * damaged one is an error, never a reason to compile.
 */
static void
test_open_fresh(const char *dir, const struct rule_set *set,
		const struct buf *bytes)
{
	struct buf inst = BUF_INIT, cache = BUF_INIT, bad = BUF_INIT;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	int rebuilt = -1;
	size_t hs = OFF_WIDTHS + 4 * 2;

	put(&inst, dir, "fresh.db", bytes->ptr, bytes->len);
	buf_printf(&cache, "%s/unused-cache", dir);
	CHECK(db_open(&db, inst.ptr, cache.ptr, set, &rebuilt, &err) == 0 &&
	      db && rebuilt == 0, "db_open: fresh database is loaded");
	CHECK(fixture_count(cache.ptr) == -1, "db_open: fresh: no cache");
	db_free(db);
	db = NULL;

	buf_add(&bad, bytes->ptr, bytes->len);
	bad.ptr[hs + (bad.len - hs) / 2] ^= 1;
	put(&inst, dir, "damaged.db", bad.ptr, bad.len);
	CHECK(db_open(&db, inst.ptr, cache.ptr, set, &rebuilt, &err) ==
	      LS_EPARSE && db == NULL && rebuilt == 0,
	      "db_open: damaged installed database is an error");
	CHECK_HAS(err.msg, "damaged", "db_open: damaged: says so");
	CHECK(fixture_count(cache.ptr) == -1, "db_open: damaged: no cache");
	buf_release(&bad);
	buf_release(&cache);
	buf_release(&inst);
}

int
main(void)
{
	char dir[4096];
	struct rule_set set;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	struct buf bytes = BUF_INIT;

	if (!CHECK(fixture_tmpdir(dir, sizeof(dir)) == 0, "temporary dir"))
		return harness_done();
	if (!CHECK(load_rules(&set, "a.ini", rules_a) == 0, "rules load"))
		goto out;
	CHECK(db_compile(&db, &set, &err) == 0 && db, "db_compile");
	if (db == NULL) {
		printf("#   error: %s\n", err.msg);
		goto out;
	}
	CHECK(db->nr_rules == 2 && db->rules_hash == set.hash,
	      "compiled: rule count and hash");
	CHECK(db_serialize(db, &bytes, &err) == 0 &&
	      bytes.len > OFF_WIDTHS + 8 && !memcmp(bytes.ptr, "LSDB", 4),
	      "db_serialize");
	test_round_trip(dir, &set, &bytes);
	test_damage(dir, &set, &bytes);
	test_other_rules(dir, &bytes);
	test_compile_error();
	test_open(dir, &bytes);
	test_open_fresh(dir, &set, &bytes);
out:
	db_free(db);
	buf_release(&bytes);
	rules_release(&set);
	fixture_rmtree(dir);
	return harness_done();
}
