#!/bin/sh
# LEAKSTOP_OVERRIDE="<reason>": lets findings through, says what, and
# leaves a redacted trace in .git/leakstop/audit.log.
. "$(dirname "$0")/lib.sh"

stage_secret() {
	mk_repo r
	printf 'line\nk=%s\n' "$(aws_key)" >f
	git add f
}

passes_with_reason() {
	stage_secret
	LEAKSTOP_OVERRIDE="rotated already, ticket SEC-12" git commit -q -m x \
		>../$OUT 2>&1 || { cat ../$OUT >&2; die "override refused"; }
	expect_out "f:2:3  aws-access-key-id  AKIA…(20 chars)"
	expect_out "letting this through (reason: \"rotated already, ticket SEC-12\")"
	expect_out "recorded in"
	log=.git/leakstop/audit.log
	[ -f $log ] || die "no audit log"
	[ "$(wc -l <$log)" -eq 1 ] || die "expected one audit line"
	grep -q 'mode="pre-commit" user="Test User <test@example.invalid>" reason="rotated already, ticket SEC-12" rule="aws-access-key-id" location="f:2" fingerprint="[0-9a-f]\{16\}"$' $log ||
		{ cat $log >&2; die "audit line has the wrong shape"; }
	[ "$(stat -c %a $log)" = 600 ] || die "audit log is not 0600"
	assert_no_leak "$(aws_key)"
}

refused_without_reason() {
	stage_secret
	for reason in "" "   "; do
		LEAKSTOP_OVERRIDE="$reason" commit_blocked -m x
		expect_out "LEAKSTOP_OVERRIDE needs a reason"
	done
	[ -e .git/leakstop/audit.log ] && die "a refused override was logged"
	return 0
}

refused_when_log_unwritable() {
	stage_secret
	mkdir -p .git/leakstop
	mkdir .git/leakstop/audit.log	# a directory: cannot append
	LEAKSTOP_OVERRIDE="reason" commit_blocked -m x
	expect_out "override refused: it must be recorded"
}

reason_is_escaped() {
	stage_secret
	LEAKSTOP_OVERRIDE="$(printf 'two\nlines \033[31m "q"')" \
		git commit -q -m x >../$OUT 2>&1 || die "override refused"
	[ "$(wc -l <.git/leakstop/audit.log)" -eq 1 ] ||
		die "the reason broke the one-line format"
	grep -qF 'reason="two\nlines \x1b[31m \"q\""' .git/leakstop/audit.log ||
		die "reason not escaped"
}

clean_commit_logs_nothing() {
	mk_repo r
	echo clean >f && git add f
	LEAKSTOP_OVERRIDE="habit" commit_passes -m x
	[ -e .git/leakstop/audit.log ] && die "clean commit was logged"
	return 0
}

test_case "override with a reason passes and leaves a redacted audit line" \
	passes_with_reason
test_case "override without a reason is refused" refused_without_reason
test_case "override that cannot be recorded is refused" \
	refused_when_log_unwritable
test_case "override reason is escaped in the audit log" reason_is_escaped
test_case "override on a clean commit records nothing" \
	clean_commit_logs_nothing
