/*
 * fuzz_db.c - bytes as a database file through db_load, against a fixed
 * two-rule set (fuzz_db_rules.h) built once
 *
 * db_load() reads a path and read_file() opens it with O_NOFOLLOW, so a
 * memfd's /proc/self/fd/N (a symbolic link) fails with ELOOP: the input
 * goes into one temporary file, rewritten for each input.
 *
 * Invariants: db_load returns 0, LS_EPARSE, LS_EMISMATCH or LS_EIO, with
 * the message set on error and *out NULL; a database it returns has the
 * set's rule count and hash and scans a small buffer without error, its
 * matches naming existing rules inside the buffer, and the confirm
 * stage (which reads the loaded widths) runs over them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "finding.h"
#include "fuzz.h"
#include "fuzz_db_rules.h"
#include "lines.h"
#include "rules.h"
#include "scan.h"

static struct rule_set rules;
static char path[PATH_MAX];
static int fd = -1;
static char dir[PATH_MAX - 16];

static void
cleanup(void)
{
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
	rules_release(&rules);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ls_err err = { 0, "" };
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	(void)argc;
	(void)argv;
	rules_init(&rules);
	if (rules_add_text(&rules, FUZZ_DB_RULES_FILE, FUZZ_DB_RULES,
			   strlen(FUZZ_DB_RULES), &err) < 0 ||
	    rules_finish(&rules, &err) < 0) {
		fprintf(stderr, "fuzz_db: %s\n", err.msg);
		abort();
	}
	snprintf(dir, sizeof(dir), "%s/fuzz_db.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_db: mkdtemp");
		abort();
	}
	snprintf(path, sizeof(path), "%s/in.db", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzz_db: open");
		abort();
	}
	atexit(cleanup);
	return 0;
}

static void
put_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate: %s", strerror(errno));
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done,
				   (off_t)done);
		FUZZ_CHECK(n > 0 || errno == EINTR, "pwrite: %s",
			   strerror(errno));
		if (n > 0)
			done += (size_t)n;
	}
}

/* Scan FUZZ_DB_TEXT with a loaded database and confirm what it finds. */
static void
scan_with(struct db *db)
{
	static const char text[] = FUZZ_DB_TEXT;
	static const unsigned char key[LS_KEY_LEN];
	struct ls_err err = { 0, "" };
	struct scanner *s = NULL;
	struct confirmer *c = NULL;
	struct raw_matches m = { NULL, 0, 0 };
	struct finding_list found = { NULL, 0, 0 };
	struct added a;
	int ret;

	lines_whole(&a, text, sizeof(text) - 1);
	ret = scanner_new(&s, db, &err);
	FUZZ_CHECK(ret == 0, "scanner_new: %s", err.msg);
	ret = scan_buffer(s, text, sizeof(text) - 1, &m, &err);
	FUZZ_CHECK(ret == 0, "scan_buffer: %s", err.msg);
	for (size_t i = 0; i < m.nr; i++)
		FUZZ_CHECK(m.items[i].rule < rules.nr &&
			   m.items[i].end <= sizeof(text) - 1,
			   "match of rule %u ending at %zu", m.items[i].rule,
			   m.items[i].end);
	ret = confirmer_new(&c, &rules, db, &err);
	FUZZ_CHECK(ret == 0, "confirmer_new: %s", err.msg);
	ret = finding_collect(&found, c, &m, &a, "t.txt", key, &err);
	FUZZ_CHECK(ret == 0, "finding_collect: %s", err.msg);
	finding_list_release(&found);
	confirmer_free(c);
	raw_matches_release(&m);
	scanner_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ls_err err = { 0, "" };
	struct db *db = (struct db *)&err;	/* must be reset to NULL */
	int ret;

	put_input(data, size);
	ret = db_load(&db, path, &rules, &err);
	FUZZ_CHECK(ret == 0 || ret == LS_EPARSE || ret == LS_EMISMATCH ||
		   ret == LS_EIO, "ret %d: %s", ret, err.msg);
	if (ret < 0) {
		FUZZ_CHECK(db == NULL, "database returned with error %d", ret);
		FUZZ_CHECK(err.code == ret && err.msg[0], "ret %d, code %d",
			   ret, err.code);
		return 0;
	}
	FUZZ_CHECK(db != NULL && db->hs != NULL, "no database on success");
	FUZZ_CHECK(db->nr_rules == rules.nr && db->rules_hash == rules.hash,
		   "loaded %zu rules, hash %llx", db->nr_rules,
		   (unsigned long long)db->rules_hash);
	scan_with(db);
	db_free(db);
	return 0;
}
