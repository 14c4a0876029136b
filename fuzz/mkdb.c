/*
 * mkdb.c - write the small database fuzz_db's seed corpus starts from
 *
 *   mkdb OUT    compile fuzz_db_rules.h's two rules and serialize them
 *
 * (leakstop rebuild -o writes all built-in rules: 300 KB, too big a seed.)
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "fuzz_db_rules.h"
#include "rules.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct rule_set set;
	struct ls_err err = { 0, "" };
	struct db *db = NULL;
	struct buf bytes = BUF_INIT;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: mkdb OUT\n");
		return 64;
	}
	rules_init(&set);
	ret = rules_add_text(&set, FUZZ_DB_RULES_FILE, FUZZ_DB_RULES,
			     strlen(FUZZ_DB_RULES), &err);
	if (ret == 0)
		ret = rules_finish(&set, &err);
	if (ret == 0)
		ret = db_compile(&db, &set, &err);
	if (ret == 0)
		ret = db_serialize(db, &bytes, &err);
	if (ret == 0)
		ret = write_file_atomic(argv[1], bytes.ptr, bytes.len, 0644,
					&err);
	if (ret < 0)
		fprintf(stderr, "mkdb: %s\n", err.msg);
	else
		printf("mkdb: wrote %zu bytes to %s\n", bytes.len, argv[1]);
	buf_release(&bytes);
	db_free(db);
	rules_release(&set);
	return ret < 0 ? 2 : 0;
}
