#!/bin/sh
# Team policy in .leakstop.ini, read from HEAD; inline allow markers;
# personal git config that can only make things stricter.
. "$(dirname "$0")/lib.sh"

allow_path() {
	mk_repo r
	policy '[allow]
path = tests/fixtures/
path = *.snap'
	mkdir -p tests/fixtures
	echo "k=$(aws_key)" >tests/fixtures/creds.env
	echo "k=$(aws_key)" >ui.snap
	git add . && commit_passes -m fixtures
	echo "k=$(aws_key)" >app.env && git add app.env
	commit_blocked -m app
	expect_out "app.env:1:3"
}

policy_and_secret_in_one_commit() {
	mk_repo r
	echo base >f && git add f && commit_passes -m base
	printf '[allow]\npath = app.env\n' >.leakstop.ini
	echo "k=$(aws_key)" >app.env
	git add . && commit_blocked -m sneaky
	expect_out "app.env:1:3"
	expect_out "this change edits .leakstop.ini; the scan used the policy in HEAD"
}

bad_policy_fails_closed() {
	mk_repo r
	policy '[policy]
max_file_size = 5M
allowist = x'
	echo ok >f && git add f && commit_blocked -m x
	expect_out "leakstop: cannot scan: .leakstop.ini:3: unknown key 'allowist' in [policy]"
	policy '[allow]
path = **'
	echo ok2 >f && git add f && commit_blocked -m x
	expect_out ".leakstop.ini:2: path '**' would allow every file"
	policy '[allow]
regex = .*'
	echo ok3 >f && git add f && commit_blocked -m x
	expect_out ".leakstop.ini:2: regex '.*': it matches every secret"
	policy '[rule no-such-rule]
enabled = false'
	echo ok4 >f && git add f && commit_blocked -m x
	expect_out ".leakstop.ini:1: no rule 'no-such-rule'"
	policy '[policy]
max_file_size = -5'
	echo ok5 >f && git add f && commit_blocked -m x
	expect_out ".leakstop.ini:2: max_file_size must be a size"
}

rule_disabled_and_warn() {
	mk_repo r
	policy '[rule aws-access-key-id]
enabled = false

[rule github-personal-access-token]
severity = warn'
	echo "k=$(aws_key)" >a && echo "t=$(gh_token)" >g
	git add a g && commit_passes -m x
	expect_out "leakstop: 1 secret in staged changes that do not block (severity = warn)"
	expect_out "g:1:3  github-personal-access-token"
	expect_no_out "aws-access-key-id"
	# never silent (matrix C12/S8): the note says a rule was switched off
	expect_out "leakstop: note: 1 finding of rules that .leakstop.ini disables (enabled = false) let through"
}

stopword_and_regex() {
	mk_repo r
	policy '[allow]
stopword = Q4MX7Z
regex = ^AKIAZ7QF'
	echo "k=$(aws_key)" >a && echo "k=$(aws_key2)" >b
	git add a b && commit_passes -m x
}

inline_markers() {
	mk_repo r
	{
		echo "k=$(aws_key) # leakstop:allow test fixture"
		echo "# leakstop:allow-next-line"
		echo "k2=$(aws_key2)"
		echo "# leakstop:allow-begin"
		echo "t=$(gh_token)"
		echo "# leakstop:allow-end"
	} >f
	git add f && commit_passes -m markers
	expect_out "3 findings let through by leakstop:allow markers"
	{
		echo "# leakstop:allow"
		echo "k=$(aws_key)"
	} >g
	git add g && commit_blocked -m "marker on another line"
	expect_out "g:2:3"
}

inline_disabled() {
	mk_repo r
	policy '[policy]
inline_allow = false'
	echo "k=$(aws_key) # leakstop:allow" >f
	git add f && commit_blocked -m x
	expect_out "f:1:3"
}

personal_only_stricter() {
	mk_repo r
	git config leakstop.inlineAllow false
	echo "k=$(aws_key) # leakstop:allow" >f
	git add f && commit_blocked -m x
	git config leakstop.inlineAllow true
	policy '[policy]
inline_allow = false'
	echo "k=$(aws_key) # leakstop:allow" >f
	git add f && commit_blocked -m "personal config cannot loosen"
	git config leakstop.maxFileSize 10
	echo "0123456789abcdef k=$(aws_key)" >big
	git add big && git rm -q --cached f
	# a smaller limit is stricter: a file over it cannot be scanned
	commit_blocked -m "big is over 10 bytes"
	expect_out "cannot scan: 'big' is 40 bytes, over the 10-byte limit"
}

fail_open_switch() {
	cp -r "$(dirname "$LEAKSTOP")/.." prefix || die "copy prefix"
	git init -q r && cd r || die init
	git config user.name T && git config user.email t@example.invalid
	../prefix/bin/leakstop install >/dev/null || die install
	policy '[policy]
fail_closed = false'
	rm ../prefix/lib/leakstop/rules.db
	echo x >f && git add f && commit_passes -m x
	expect_out "leakstop: warning: cannot scan: "
	expect_out "going ahead because .leakstop.ini sets fail_closed = false"
	git config leakstop.failClosed true
	echo y >f && git add f && commit_blocked -m y
	expect_out "leakstop: cannot scan: "
}

custom_rules() {
	mk_repo r
	policy '[custom acme-internal-token]
description = ACME internal service token
regex = \b(acme_[a-z0-9]{24})\b
example = token = acme_0123456789abcdefghijklmn
expect = acme_0123456789abcdefghijklmn
near_miss = acme_short'
	ls .git/leakstop/cache/custom-*.db >/dev/null 2>&1 &&
		die "cache before any scan"
	tok="acme_$(printf '%s' 'k3j9x0q2m5n8b1v4c7z6l0p2')"
	echo "svc=$tok" >svc.conf && git add svc.conf
	commit_blocked -m x
	expect_out "svc.conf:1:5  acme-internal-token"
	ls .git/leakstop/cache/custom-*.db >/dev/null 2>&1 ||
		die "custom rules were not cached"
	commit_blocked -m again
	expect_out "acme-internal-token"
	assert_no_leak "$tok"
	git reset -q
	policy '[custom broken]
description = back-reference
regex = (a)\1'
	echo x >f && git add f && commit_blocked -m x
	expect_out "cannot scan: .leakstop.ini:3: rule 'broken': "
	policy '[custom aws-access-key-id]
description = clash
regex = \bAKIA_[0-9]{4}\b'
	echo y >f && git add f && commit_blocked -m y
	expect_out "custom rule 'aws-access-key-id' has the id of a built-in rule"
}

test_case "allowlisted paths pass, others block" allow_path
test_case "custom rules from the policy block, compiled once and cached" \
	custom_rules
test_case "a commit adding a secret and its allowlist entry is blocked" \
	policy_and_secret_in_one_commit
test_case "a bad policy fails closed at file:line" bad_policy_fails_closed
test_case "rules disabled or set to warn" rule_disabled_and_warn
test_case "stopword and regex allowlists" stopword_and_regex
test_case "inline markers: same line, next line, begin/end" inline_markers
test_case "the policy can switch inline markers off" inline_disabled
test_case "personal git config only makes things stricter" \
	personal_only_stricter
test_case "fail_closed = false warns and lets through; personal config wins" \
	fail_open_switch
