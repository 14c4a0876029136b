/*
 * fuzz_db_rules.h - the fixed rule set fuzz_db.c loads databases against
 * and mkdb.c builds its seed database from: the same text and file name,
 * so the seed's rule hash matches and the fuzzer starts past the header.
 */
#ifndef LS_FUZZ_DB_RULES_H
#define LS_FUZZ_DB_RULES_H

#define FUZZ_DB_RULES_FILE "fuzz.ini"
#define FUZZ_DB_RULES \
	"[one]\ndescription = one\nregex = \\b(one_[a-z]{8})\\b\n" \
	"[two]\ndescription = two\nregex = two=([0-9]{6,})\n"

/* What a loaded database scans: one match of each rule. */
#define FUZZ_DB_TEXT "x one_abcdefgh two=1234567\n"

#endif
