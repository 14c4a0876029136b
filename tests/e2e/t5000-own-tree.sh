#!/bin/sh
# The project's own files, scanned with the project's own policy (which
# allowlists patterns/), raise nothing: its fake secrets never make its
# own hook unusable.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)

own_tree_is_clean() {
	cd "$TOP" || die cd
	git rev-parse -q --verify HEAD >/dev/null || die "not a checkout"
	git cat-file -e HEAD:.leakstop.ini 2>/dev/null ||
		die "HEAD has no .leakstop.ini"
	git ls-files -z | xargs -0 "$LEAKSTOP" scan --quiet >"$LS_TMP/own" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { cat "$LS_TMP/own" >&2; die "findings in the tree ($rc)"; }
	# and without the policy, the examples in patterns/ do block
	git ls-files -z patterns | (cd /tmp && xargs -0 -I{} cat "$TOP/{}") \
		>"$LS_TMP/all.ini"
	"$LEAKSTOP" scan "$LS_TMP/all.ini" >/dev/null 2>&1
	[ $? -eq 1 ] || die "the examples were not found outside the repository"
}

test_case "the project's own tree passes its own policy" own_tree_is_clean
