/*
 * db.c - compile, serialize and load the Hyperscan database
 */
#include "db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_MAGIC "LSDB\0\0\0\2"
#define DB_MAGIC_LEN 8
#define DB_VERSION_LEN 128
#define DB_HEADER_LEN (DB_MAGIC_LEN + DB_VERSION_LEN + 8 + 4 + 4)
#define DB_PAGE 4096
#define DB_HEAD_HASHED 512

static void
put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	hs_free_scratch(db->scratch);
	if (db->map)
		munmap(db->map, db->map_len);
	else
		hs_free_database(db->hs);
	free(db->max_width);
	free(db);
}

hs_scratch_t *
db_take_scratch(struct db *db)
{
	hs_scratch_t *s = db->scratch;

	db->scratch = NULL;
	return s;
}

/* The hash of the image's head: Hyperscan's header, which its CRC skips. */
static uint64_t
head_hash(const void *image, size_t size)
{
	return hash_fnv1a(HASH_FNV_INIT, image,
			  size < DB_HEAD_HASHED ? size : DB_HEAD_HASHED);
}

/* Where the image starts: past the header, the widths and 16 bytes. */
static size_t
image_offset(size_t nr)
{
	size_t n = DB_HEADER_LEN + 4 * nr + 16;

	return (n + DB_PAGE - 1) / DB_PAGE * DB_PAGE;
}

int
db_compile(struct db **out, const struct rule_set *rules, struct ls_err *err)
{
	const char **exprs = xcalloc(rules->nr, sizeof(*exprs));
	unsigned int *flags = xcalloc(rules->nr, sizeof(*flags));
	unsigned int *ids = xcalloc(rules->nr, sizeof(*ids));
	struct db *db = xcalloc(1, sizeof(*db));
	hs_compile_error_t *cerr = NULL;
	/*
	 * Generic tuning and no CPU features: the database then loads on
	 * any x86-64 with SSSE3 and scans as fast as a host-tuned one.
	 */
	hs_platform_info_t plat = { HS_TUNE_FAMILY_GENERIC, 0, 0, 0 };
	int ret = 0;

	*out = NULL;
	db->nr_rules = rules->nr;
	db->rules_hash = rules->hash;
	db->max_width = xcalloc(rules->nr, sizeof(*db->max_width));
	for (size_t i = 0; i < rules->nr; i++) {
		hs_expr_info_t *info = NULL;

		exprs[i] = rules->rules[i].regex;
		ids[i] = (unsigned int)i;
		/*
		 * One rule at a time first: the error then names the rule,
		 * and the widths bound the confirm window later.
		 */
		if (hs_expression_info(exprs[i], 0, &info, &cerr) !=
		    HS_SUCCESS) {
			ret = ls_err_set(err, LS_EPARSE, "%s:%d: rule '%s': %s",
					 rules->rules[i].file,
					 rules->rules[i].regex_lineno,
					 rules->rules[i].id,
					 cerr ? cerr->message : "rejected");
			goto out;
		}
		db->max_width[i] = info->max_width;
		free(info);
	}
	if (hs_compile_multi(exprs, flags, ids, (unsigned int)rules->nr,
			     HS_MODE_BLOCK, &plat, &db->hs, &cerr) !=
	    HS_SUCCESS) {
		int e = cerr ? cerr->expression : -1;
		if (e >= 0 && (size_t)e < rules->nr)
			ret = ls_err_set(err, LS_EPARSE, "%s:%d: rule '%s': %s",
					 rules->rules[e].file,
					 rules->rules[e].regex_lineno,
					 rules->rules[e].id, cerr->message);
		else
			ret = ls_err_set(err, LS_EHS,
					 "cannot compile the rules: %s",
					 cerr ? cerr->message : "unknown");
		goto out;
	}
	*out = db;
	db = NULL;
out:
	if (cerr)
		hs_free_compile_error(cerr);
	db_free(db);
	free(ids);
	free(flags);
	free(exprs);
	return ret;
}

int
db_serialize(const struct db *db, struct buf *out, struct ls_err *err)
{
	unsigned char hdr[DB_HEADER_LEN] = { 0 }, tail[16];
	char *bytes = NULL;
	void *image = NULL;
	size_t len = 0, size = 0;
	int ret = 0;

	if (hs_serialize_database(db->hs, &bytes, &len) != HS_SUCCESS)
		return ls_err_set(err, LS_EHS,
				  "cannot serialize the signature database");
	/*
	 * The file holds the database as it lies in memory once loaded at
	 * a page boundary, so loading maps it and copies nothing.
	 */
	if (hs_serialized_database_size(bytes, len, &size) != HS_SUCCESS ||
	    posix_memalign(&image, DB_PAGE, size) != 0 ||
	    hs_deserialize_database_at(bytes, len, image) != HS_SUCCESS) {
		ret = ls_err_set(err, LS_EHS,
				 "cannot lay out the signature database");
		goto out;
	}
	memcpy(hdr, DB_MAGIC, DB_MAGIC_LEN);
	snprintf((char *)hdr + DB_MAGIC_LEN, DB_VERSION_LEN, "%s",
		 hs_version());
	put_u64(hdr + DB_MAGIC_LEN + DB_VERSION_LEN, db->rules_hash);
	put_u32(hdr + DB_MAGIC_LEN + DB_VERSION_LEN + 8,
		(uint32_t)db->nr_rules);
	buf_add(out, hdr, sizeof(hdr));
	for (size_t i = 0; i < db->nr_rules; i++) {
		unsigned char w[4];
		put_u32(w, db->max_width[i]);
		buf_add(out, w, 4);
	}
	put_u64(tail, size);
	put_u64(tail + 8, head_hash(image, size));
	buf_add(out, tail, sizeof(tail));
	while (out->len % DB_PAGE)
		buf_addch(out, '\0');
	buf_add(out, image, size);
out:
	free(image);
	free(bytes);
	return ret;
}

/*
 * Check the database at p (len bytes, mapped at a page boundary) and
 * use it in place: db->hs points into p. Hyperscan checks its own
 * header (version, CPU) here, and the bytecode's CRC32C when allocating
 * scratch space, which is done here too and kept for the first scanner.
 */
static int
db_parse(struct db **out, const char *path, const unsigned char *p, size_t len,
	 const struct rule_set *rules, struct ls_err *err)
{
	char version[DB_VERSION_LEN];
	struct db *db = NULL;
	size_t nr, off, size, hsize = 0;
	const unsigned char *tail;
	hs_database_t *hs;
	hs_error_t e;
	int ret = 0;

	*out = NULL;
	if (len < DB_HEADER_LEN || memcmp(p, DB_MAGIC, DB_MAGIC_LEN - 1))
		return ls_err_set(err, LS_EPARSE, "'%s' is not a leakstop "
				  "signature database (bad header)", path);
	if (p[DB_MAGIC_LEN - 1] != (unsigned char)DB_MAGIC[DB_MAGIC_LEN - 1])
		return ls_err_set(err, LS_EMISMATCH, "'%s' has database format "
				  "%u, this leakstop reads %u", path,
				  p[DB_MAGIC_LEN - 1],
				  (unsigned char)DB_MAGIC[DB_MAGIC_LEN - 1]);
	memcpy(version, p + DB_MAGIC_LEN, DB_VERSION_LEN);
	version[DB_VERSION_LEN - 1] = '\0';
	if (strcmp(version, hs_version()))
		return ls_err_set(err, LS_EMISMATCH, "'%s' was built by "
				  "Hyperscan %s, this is %s", path, version,
				  hs_version());
	if (get_u64(p + DB_MAGIC_LEN + DB_VERSION_LEN) != rules->hash)
		return ls_err_set(err, LS_EMISMATCH, "'%s' was built from "
				  "other rules than this leakstop's", path);
	nr = get_u32(p + DB_MAGIC_LEN + DB_VERSION_LEN + 8);
	if (nr != rules->nr)
		return ls_err_set(err, LS_EPARSE, "'%s' holds %zu rules, "
				  "expected %zu", path, nr, rules->nr);
	off = image_offset(nr);
	if (len <= off)
		return ls_err_set(err, LS_EPARSE, "'%s' is truncated", path);
	tail = p + DB_HEADER_LEN + 4 * nr;
	size = get_u64(tail);
	if (size != len - off)
		return ls_err_set(err, LS_EPARSE, "'%s' is %s", path,
				  size > len - off ? "truncated" :
				  "damaged (bad length)");
	hs = (hs_database_t *)(p + off);
	e = hs_database_size(hs, &hsize);
	if (e == HS_DB_VERSION_ERROR)
		return ls_err_set(err, LS_EMISMATCH, "'%s' does not fit this "
				  "Hyperscan version (Hyperscan error %d)",
				  path, e);
	/*
	 * Hyperscan's header (where its bytecode starts, how long it is)
	 * must be the one written: its CRC covers the bytecode only.
	 */
	if (e != HS_SUCCESS || hsize > size ||
	    get_u64(tail + 8) != head_hash(hs, size))
		return ls_err_set(err, LS_EPARSE, "'%s' is damaged (bad "
				  "Hyperscan header)", path);

	db = xcalloc(1, sizeof(*db));
	db->nr_rules = nr;
	db->rules_hash = rules->hash;
	db->max_width = xcalloc(nr, sizeof(*db->max_width));
	for (size_t i = 0; i < nr; i++)
		db->max_width[i] = get_u32(p + DB_HEADER_LEN + 4 * i);
	e = hs_alloc_scratch(hs, &db->scratch);
	ls_trace("db checked");
	if (e == HS_DB_VERSION_ERROR || e == HS_DB_PLATFORM_ERROR)
		ret = ls_err_set(err, LS_EMISMATCH, "'%s' does not fit this "
				 "%s (Hyperscan error %d)", path,
				 e == HS_DB_VERSION_ERROR ?
				 "Hyperscan version" : "CPU", e);
	else if (e == HS_NOMEM)
		ret = ls_err_set(err, LS_ENOMEM, "out of memory loading '%s'",
				 path);
	else if (e != HS_SUCCESS)
		ret = ls_err_set(err, LS_EPARSE, "'%s' is damaged (Hyperscan "
				 "error %d)", path, e);
	if (ret < 0) {
		db_free(db);
		return ret;
	}
	db->hs = hs;
	*out = db;
	return 0;
}

static int
load(struct db **out, const char *path, const struct rule_set *rules,
     int own_only, struct ls_err *err)
{
	struct stat st;
	void *map = MAP_FAILED;
	int fd, ret;

	*out = NULL;
	ret = open_regular(path, &fd, &st, err);
	if (ret < 0)
		return ret;
	/*
	 * A cache someone else could have written is not used: compiled
	 * again, it is replaced by one of ours.
	 */
	if (own_only && (st.st_uid != geteuid() || (st.st_mode & 022))) {
		ret = ls_err_set(err, LS_EMISMATCH, "'%s' is not owned by you "
				 "or is writable by others", path);
		goto out;
	}
	if (st.st_size == 0) {
		ret = db_parse(out, path, (const unsigned char *)"", 0, rules,
			       err);
		goto out;
	}
	/*
	 * Mapped, never copied: the database is used where it lies in the
	 * page cache. Copying 2 MB into fresh memory touched twice the
	 * pages, each first touch costly on a virtual machine.
	 */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ,
		   MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		ret = ls_err_set(err, LS_EIO, "cannot read '%s': %s", path,
				 strerror(errno));
		goto out;
	}
	ls_trace("db mapped");
	ret = db_parse(out, path, map, (size_t)st.st_size, rules, err);
	if (ret == 0) {
		(*out)->map = map;
		(*out)->map_len = (size_t)st.st_size;
		map = MAP_FAILED;
	}
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return ret;
}

int
db_load(struct db **out, const char *path, const struct rule_set *rules,
	struct ls_err *err)
{
	return load(out, path, rules, 0, err);
}

int
db_load_cache(struct db **out, const char *path, const struct rule_set *rules,
	      struct ls_err *err)
{
	return load(out, path, rules, 1, err);
}

int
db_open(struct db **out, const char *installed, const char *cache_dir,
	const struct rule_set *rules, int *rebuilt, struct ls_err *err)
{
	struct ls_err mismatch = { 0, "" };
	struct buf path = BUF_INIT, bytes = BUF_INIT;
	struct ls_err cerr = { 0, "" };
	int ret;

	*out = NULL;
	*rebuilt = 0;
	ret = db_load(out, installed, rules, &mismatch);
	if (ret != LS_EMISMATCH) {
		if (ret < 0)
			ret = ls_err_set(err, ret, "%s", mismatch.msg);
		goto out;
	}
	if (cache_dir) {
		buf_printf(&path, "%s/rules-%016" PRIx64 "-%016" PRIx64 ".db",
			   cache_dir, rules->hash,
			   hash_fnv1a(HASH_FNV_INIT, hs_version(),
				      strlen(hs_version())));
		/* Anything wrong with the cache only means: compile again. */
		if (db_load_cache(out, path.ptr, rules, &cerr) == 0) {
			ret = 0;
			goto out;
		}
	}
	ret = db_compile(out, rules, err);
	if (ret < 0)
		goto out;
	*rebuilt = 1;
	if (cache_dir) {
		ls_err_clear(&cerr);
		if (mkdir_p(cache_dir, 0700, &cerr) == 0 &&
		    db_serialize(*out, &bytes, &cerr) == 0)
			write_file_atomic(path.ptr, bytes.ptr, bytes.len, 0600,
					  &cerr);
		/* A read-only .git still gets a scan, from memory. */
	}
	ls_note("%s; rebuilt it for this machine%s%s",
		mismatch.msg, cache_dir && !cerr.code ? " into " : "",
		cache_dir && !cerr.code ? path.ptr : " (in memory only)");
out:
	buf_release(&bytes);
	buf_release(&path);
	return ret;
}
