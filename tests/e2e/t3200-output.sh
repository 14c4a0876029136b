#!/bin/sh
# Output that reads like git: colour on a terminal only, NO_COLOR, quiet
# mode; the man page is installed.
. "$(dirname "$0")/lib.sh"

stage_secret() {
	mk_repo r
	echo "k=$(aws_key)" >f && git add f
	# an LFS pointer without its object: a "not scanned" note
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize 12\n' \
		"$(printf '%064d' 7)" >b.bin && git add b.bin
}

colour_on_terminal_only() {
	stage_secret
	"$LEAKSTOP" hook pre-commit 2>../$OUT
	grep -q "$(printf '\033')" ../$OUT && die "colour without a terminal"
	script -qec "\"$LEAKSTOP\" hook pre-commit" /dev/null >../tty 2>&1
	grep -q "$(printf '\033')\[1;31mleakstop: 1 secret" ../tty ||
		{ cat ../tty >&2; die "no colour on a terminal"; }
	NO_COLOR=1 script -qec "\"$LEAKSTOP\" hook pre-commit" /dev/null \
		>../tty 2>&1
	grep -q "$(printf '\033')" ../tty && die "NO_COLOR was not honoured"
	grep -q "leakstop: 1 secret" ../tty || die "no output with NO_COLOR"
}

quiet_mode() {
	stage_secret
	git config leakstop.quiet true
	"$LEAKSTOP" hook pre-commit 2>../$OUT
	[ $? -eq 1 ] || die "quiet changed the verdict"
	expect_out "f:1:3  aws-access-key-id"
	expect_no_out "fix:"
	expect_no_out "not scanned"
	git config --unset leakstop.quiet
	"$LEAKSTOP" hook pre-commit 2>../$OUT
	expect_out "fix:"
	expect_out "not scanned: 1 Git LFS pointer"
	"$LEAKSTOP" scan --quiet f b.bin >../$OUT 2>&1
	expect_no_out "not scanned"
}

man_page() {
	page="$(dirname "$LEAKSTOP")/../share/man/man1/leakstop.1"
	[ -f "$page" ] || die "no man page installed"
	command -v man >/dev/null || die "man is not installed"
	MANWIDTH=80 man -l "$page" 2>/dev/null >../$OUT || die "man -l failed"
	expect_out "leakstop - block secrets before they enter git history"
	expect_out "LEAKSTOP_OVERRIDE"
}

test_case "colour on a terminal only; NO_COLOR honoured" \
	colour_on_terminal_only
test_case "leakstop.quiet and --quiet drop hints and notes, not findings" \
	quiet_mode
test_case "the man page is installed and renders" man_page
