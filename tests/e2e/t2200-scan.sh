#!/bin/sh
# leakstop scan: staged, range, history, files, stdin; text, JSON, SARIF.
. "$(dirname "$0")/lib.sh"

history_repo() {
	git init -q r && cd r || die init
	git config user.name T && git config user.email t@example.invalid
	echo a >f && git add f && git commit -q -m one
	printf 'x\nk=%s\n' "$(aws_key)" >s.txt && git add s.txt &&
		git commit -q -m "add secret"
	echo more >>s.txt && git add s.txt && git commit -q -m "touch s"
	git rm -q s.txt && git commit -q -m "remove"
	echo "t=$(gh_token)" >g.txt && git add g.txt && git commit -q -m "gh"
}

scan_history() {
	history_repo
	"$LEAKSTOP" scan --history >../$OUT 2>../err
	[ $? -eq 1 ] || die "history scan did not exit 1"
	expect_out "leakstop: 2 secrets in scanned commits"
	expect_out "s.txt:2:3  aws-access-key-id"
	expect_out "in $(git rev-parse --short=7 HEAD~3) \"add secret\""
	expect_out "g.txt:1:3  github-personal-access-token"
	[ "$(grep -c aws-access-key-id ../$OUT)" -eq 1 ] ||
		die "the same secret was reported twice"
	assert_no_leak "$(aws_key)"
}

scan_range() {
	history_repo
	"$LEAKSTOP" scan --range HEAD~2..HEAD >../$OUT 2>&1
	[ $? -eq 1 ] || die "range with a secret did not exit 1"
	expect_out "g.txt:1:3"
	expect_no_out "s.txt"
	"$LEAKSTOP" scan --range HEAD~3..HEAD~1 >../$OUT 2>&1 ||
		die "a range that only touches and removes must pass"
}

scan_staged() {
	history_repo
	echo "k=$(aws_key2)" >new.txt && git add new.txt
	"$LEAKSTOP" scan --staged >../$OUT 2>&1
	[ $? -eq 1 ] || die "staged scan did not exit 1"
	expect_out "leakstop: 1 secret in staged changes"
	expect_out "new.txt:1:3"
}

scan_paths_and_stdin() {
	mkdir -p d/sub d/.git
	echo "k=$(aws_key)" >d/sub/a.env
	echo "k=$(aws_key2)" >d/.git/config
	printf 'b\000in %s' "$(aws_key)" >d/bin.dat
	ln -s sub/a.env d/link
	echo clean >c.txt
	"$LEAKSTOP" scan d c.txt >../$OUT 2>&1
	[ $? -eq 1 ] || die "path scan did not exit 1"
	expect_out "d/sub/a.env:1:3  aws-access-key-id"
	expect_no_out ".git/config"
	expect_no_out "d/link"
	expect_out "d/bin.dat:1:6  aws-access-key-id"
	"$LEAKSTOP" scan c.txt >../$OUT 2>&1 || die "clean file did not pass"
	echo "t=$(gh_token)" | "$LEAKSTOP" scan - >../$OUT 2>&1
	[ $? -eq 1 ] || die "stdin scan did not exit 1"
	expect_out "-:1:3  github-personal-access-token"
	"$LEAKSTOP" scan does-not-exist >../$OUT 2>&1
	[ $? -eq 2 ] || die "missing path did not exit 2"
	expect_out "cannot scan: cannot read 'does-not-exist'"
}

json_output() {
	history_repo
	"$LEAKSTOP" scan --history --format json --output ../r.json \
		>../$OUT 2>&1
	[ $? -eq 1 ] || die "exit code"
	jq -e 'type == "array" and length == 2' ../r.json >/dev/null ||
		die "not an array of 2"
	jq -e 'all(.[]; (.rule|type)=="string" and (.file|type)=="string"
		and (.line|type)=="number" and (.column|type)=="number"
		and (.commit|test("^[0-9a-f]{40}$"))
		and (.fingerprint|test("^[0-9a-f]{16}$"))
		and (.secret|endswith("chars)")) and (.length > 0))' \
		../r.json >/dev/null || { cat ../r.json >&2; die "fields"; }
	grep -qF "$(aws_key)" ../r.json && die "full secret in JSON"
	"$LEAKSTOP" scan --format json c 2>/dev/null >../empty.json ||
		true
	echo clean >c
	"$LEAKSTOP" scan --format json c >../empty.json || die "clean exit"
	jq -e 'length == 0' ../empty.json >/dev/null || die "empty array"
}

sarif_output() {
	history_repo
	"$LEAKSTOP" scan --history --format sarif >../r.sarif 2>/dev/null
	[ $? -eq 1 ] || die "exit code"
	jq -e --slurpfile s ../r.sarif -n '$s[0] as $d |
			all($d.runs[0].results[]; $d.runs[0].tool.driver.rules[.ruleIndex].id == .ruleId)
			and $d.version == "2.1.0" and ($d."$schema"|test("sarif"))
			and ($d.runs|length) == 1
			and $d.runs[0].tool.driver.name == "leakstop"
			and ($d.runs[0].tool.driver.rules|length) > 40
			and all($d.runs[0].tool.driver.rules[]; .id and .shortDescription.text)
			and ($d.runs[0].results|length) == 2
			and all($d.runs[0].results[]; .partialFingerprints["leakstop/v1"]
				and .locations[0].physicalLocation.region.startLine >= 1
				and (.locations[0].physicalLocation.artifactLocation.uri|type) == "string"
				and .message.text)' >/dev/null ||
		{ cat ../r.sarif >&2; die "SARIF structure"; }
	grep -qF "$(aws_key)" ../r.sarif && die "full secret in SARIF"
	return 0
}

progress_on_tty_only() {
	history_repo
	"$LEAKSTOP" scan --history >/dev/null 2>../err
	grep -q "MB/s" ../err && die "progress shown without a terminal"
	script -qec "\"$LEAKSTOP\" scan --history" /dev/null >../tty 2>&1
	grep -q "leakstop: [0-9]* commits, [0-9]* files, [0-9.]* MB, [0-9.]* MB/s" \
		../tty || { cat ../tty >&2; die "no progress on a terminal"; }
}

usage() {
	"$LEAKSTOP" scan 2>/dev/null
	[ $? -eq 64 ] || die "scan without what did not exit 64"
	"$LEAKSTOP" scan --staged --history 2>/dev/null
	[ $? -eq 64 ] || die "two modes did not exit 64"
	"$LEAKSTOP" scan --format xml x 2>/dev/null
	[ $? -eq 64 ] || die "bad format did not exit 64"
}

test_case "scan --history: each secret once, with the commit adding it" \
	scan_history
test_case "scan --range A..B" scan_range
test_case "scan --staged" scan_staged
test_case "scan PATH... and -: whole files, no .git, no links" \
	scan_paths_and_stdin
test_case "JSON: one object per finding, redacted" json_output
test_case "SARIF 2.1.0: rules, results, locations, fingerprints" \
	sarif_output
test_case "progress on a terminal only" progress_on_tty_only
test_case "scan usage errors exit 64" usage
