#!/bin/sh
# Every rule's examples, committed as files: each is blocked, and no
# extracted secret ('expect' value) appears whole anywhere the hook writes.
. "$(dirname "$0")/lib.sh"

PATTERNS=${LS_PATTERNS:-$(cd "$(dirname "$0")/../../patterns" && pwd)}

sweep() {
	mk_repo r
	mkdir fixtures
	# The rule files hold every example; strip the 'example =' keys so
	# the secrets stand as they would in a real file.
	for f in "$PATTERNS"/*.ini; do
		sed -n 's/^example = //p; s/^  //p' "$f" |
			sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' \
			>"fixtures/$(basename "$f" .ini).txt"
	done
	git add fixtures
	commit_blocked -m sweep
	n=$(grep -c '^fixtures/' ../$OUT)
	[ "$n" -gt 0 ] || die "no findings"
	# each single-line expected secret must be absent everywhere
	# expect values, a part ending in a backslash joined with the next
	cat "$PATTERNS"/*.ini |
		sed -n -e '/^expect = /{' -e ':a' -e '/\\$/{N;s/\\\n  //;ba' \
			-e '}' -e 's/^expect = //p' -e '}' | sort -u >../expects
	[ -s ../expects ] || die "no expect values found"
	checked=0
	while IFS= read -r s; do
		[ ${#s} -ge 8 ] || continue
		assert_no_leak "$s"
		checked=$((checked + 1))
	done <../expects
	echo "checked $checked secrets, $n findings"
	[ "$checked" -gt 0 ] || die "nothing checked"
	# the rule ids reported cover every rule that has an example
	for id in $(sed -n 's/^\[\(.*\)\]$/\1/p' "$PATTERNS"/*.ini); do
		grep -q "  $id  " ../$OUT || die "rule $id reported nothing"
	done
}

test_case "every rule example is blocked and never shown whole" sweep
