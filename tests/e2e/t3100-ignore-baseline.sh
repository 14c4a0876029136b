#!/bin/sh
# Shared salt (leakstop init), .leakstopignore by fingerprint with expiry,
# `ignore --stale`, and the baseline for repositories with old secrets.
. "$(dirname "$0")/lib.sh"

fp_of() { sed -n "s/.*$1.*fingerprint \([0-9a-f]\{16\}\).*/\1/p" ../$OUT | head -1; }

init_repo() {
	mk_repo r
	"$LEAKSTOP" init >../$OUT || die init
	expect_out "wrote"
	grep -q '^salt = [0-9a-f]\{64\}$' .leakstop.ini || die "no salt"
	git add .leakstop.ini && git commit -q -m policy || die "commit policy"
}

salt_shared_across_clones() {
	init_repo
	echo "k=$(aws_key)" >f && git add f && commit_blocked -m x
	a=$(fp_of aws-access-key-id)
	git reset -q
	cd .. && git clone -q r r2 2>/dev/null && cd r2 || die clone
	git config user.name T && git config user.email t@x
	"$LEAKSTOP" install >/dev/null
	echo "other=$(aws_key)" >g && git add g && commit_blocked -m y
	b=$(fp_of aws-access-key-id)
	[ -n "$a" ] && [ "$a" = "$b" ] || die "fingerprints differ: $a $b"
}

ignore_entry() {
	init_repo
	echo "k=$(aws_key)" >f && git add f && commit_blocked -m x
	fp=$(fp_of aws-access-key-id)
	"$LEAKSTOP" ignore "$fp" --reason "test fixture" >../$OUT || die ignore
	git add .leakstopignore && git commit -q --no-verify -m ignore .leakstopignore
	git add f && commit_passes -m x
	expect_out "1 finding let through by .leakstopignore"
	# another secret on the same line is not covered
	echo "k=$(aws_key) k2=$(aws_key2)" >f && git add f
	commit_blocked -m y
	expect_out "f:1:27  aws-access-key-id"
	expect_no_out "f:1:3 "
	"$LEAKSTOP" ignore nothex --reason x 2>/dev/null
	[ $? -eq 64 ] || die "bad fingerprint accepted"
	"$LEAKSTOP" ignore "$fp" --reason "" 2>/dev/null
	[ $? -eq 64 ] || die "empty reason accepted"
	"$LEAKSTOP" ignore "$fp" --reason x --expires 2026-02-30 2>/dev/null
	[ $? -eq 64 ] || die "bad date accepted"
}

expired_entry() {
	init_repo
	echo "k=$(aws_key)" >f && git add f && commit_blocked -m x
	fp=$(fp_of aws-access-key-id)
	"$LEAKSTOP" ignore "$fp" --reason "until rotation" --expires 2020-01-01 \
		>/dev/null || die ignore
	git add .leakstopignore && git commit -q --no-verify -m ignore .leakstopignore
	git add f && commit_blocked -m x
	expect_out "1 .leakstopignore entry has expired"
}

bad_ignore_file_fails_closed() {
	init_repo
	echo "not-a-fingerprint reason" >.leakstopignore
	git add .leakstopignore && git commit -q --no-verify -m ignore .leakstopignore
	echo x >f && git add f && commit_blocked -m x
	expect_out "cannot scan: .leakstopignore:1: expected a 16-digit fingerprint"
}

stale_entries() {
	init_repo
	echo "k=$(aws_key)" >f && git add f && commit_blocked -m x
	fp=$(fp_of aws-access-key-id)
	"$LEAKSTOP" ignore "$fp" --reason fixture >/dev/null
	"$LEAKSTOP" ignore 0123456789abcdef --reason gone >/dev/null
	git add .leakstopignore f && git commit -q --no-verify -m both
	"$LEAKSTOP" ignore --stale >../$OUT 2>../err || die stale
	grep -qx 0123456789abcdef ../$OUT || die "stale entry not listed"
	grep -q "$fp" ../$OUT && die "live entry listed as stale"
	grep -q "1 of 2 .leakstopignore entries matches nothing" ../err ||
		{ cat ../err >&2; die "summary"; }
}

baseline() {
	init_repo
	{ seq 1 5; echo "old=$(aws_key)"; } >legacy.env
	git add legacy.env && git commit -q --no-verify -m legacy
	"$LEAKSTOP" baseline >../$OUT || die baseline
	expect_out "recorded 1 finding"
	cp .leakstop-baseline ../b1
	git add .leakstop-baseline && git commit -q -m baseline
	# lines inserted above: the baseline file does not change
	{ echo top; seq 1 5; echo "old=$(aws_key) # moved"; } >legacy.env
	git add legacy.env
	commit_passes -m "edit the old line"
	expect_out "1 finding let through by the baseline"
	"$LEAKSTOP" baseline >/dev/null || die "baseline again"
	cmp -s ../b1 .leakstop-baseline || die "baseline changed on a move"
	echo "new=$(aws_key2)" >>legacy.env && git add legacy.env
	commit_blocked -m "new secret"
	expect_out "aws-access-key-id"
}

baseline_needs_salt() {
	mk_repo r
	echo x >f && git add f && git commit -q -m x
	"$LEAKSTOP" baseline 2>../$OUT
	[ $? -eq 2 ] || die "baseline without a salt did not fail"
	expect_out "run \`leakstop init\`"
}

test_case "a shared salt gives the same fingerprint in every clone" \
	salt_shared_across_clones
test_case "an ignore entry covers its secret, not another on the line" \
	ignore_entry
test_case "an expired ignore entry stops working" expired_entry
test_case "a malformed .leakstopignore fails closed" \
	bad_ignore_file_fails_closed
test_case "ignore --stale lists entries matching nothing" stale_entries
test_case "baseline: old secrets pass, moves keep the file, new ones block" \
	baseline
test_case "baseline needs a shared salt" baseline_needs_salt

known_secret() {
	init_repo
	internal="int-$(printf '%s' 'k9Qw2Lm7Zx4Rt8Vb')-prod"
	printf '%s\n' "$internal" | "$LEAKSTOP" known add --note "billing db" \
		>../$OUT || die "known add"
	grep -q '^[0-9a-f]\{64\} billing db$' .leakstop-known || die "format"
	git add .leakstop-known && git commit -q -m known
	printf 'db:\n  password: "%s"\nother = "%s-x"\n' "$internal" "$internal" \
		>app.yaml
	git add app.yaml && commit_blocked -m x
	expect_out "app.yaml:2:14  known-secret"
	[ "$(grep -c known-secret ../$OUT)" -eq 1 ] || die "another value matched"
	assert_no_leak "$internal"
	printf 'short\n' | "$LEAKSTOP" known add 2>/dev/null
	[ $? -eq 64 ] || die "a short secret was accepted"
}

test_case "known-secret list: an internal secret blocks, stored only hashed" \
	known_secret
