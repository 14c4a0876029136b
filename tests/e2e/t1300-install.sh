#!/bin/sh
# leakstop install: hook shims by absolute path, existing hooks chained
# and kept, core.hooksPath honoured.
. "$(dirname "$0")/lib.sh"

installs_both_hooks() {
	mk_repo r
	for h in pre-commit pre-merge-commit; do
		[ -x .git/hooks/$h ] || die "$h not installed"
		grep -qF "leakstop='$LEAKSTOP'" .git/hooks/$h ||
			die "$h does not name the binary by absolute path"
	done
	"$LEAKSTOP" install >../$OUT || die "second install"
	expect_out "updated"
	ls .git/hooks | grep -q chained && die "reinstall chained itself"
	return 0
}

chains_existing_hook() {
	git init -q r && cd r || die init
	git config user.name T && git config user.email t@example.invalid
	printf '#!/bin/sh\necho chained-ran >>"$(git rev-parse --git-dir)/ran"\n' \
		>.git/hooks/pre-commit
	chmod +x .git/hooks/pre-commit
	cp .git/hooks/pre-commit ../orig
	"$LEAKSTOP" install >../$OUT || die install
	expect_out "chaining the existing hook"
	cmp -s ../orig .git/hooks/pre-commit.leakstop-chained ||
		die "the existing hook was not kept byte for byte"
	echo clean >f && git add f
	commit_passes -m clean
	grep -q chained-ran .git/ran || die "chained hook did not run"
	rm .git/ran
	echo "k=$(aws_key)" >g && git add g
	commit_blocked -m secret
	[ -e .git/ran ] && die "chained hook ran although the scan blocked"
	return 0
}

honours_hooks_path() {
	git init -q r && cd r || die init
	git config user.name T && git config user.email t@example.invalid
	git config core.hooksPath .githooks
	"$LEAKSTOP" install >/dev/null || die install
	[ -x .githooks/pre-commit ] || die "not installed into core.hooksPath"
	[ -e .git/hooks/pre-commit ] && die "installed where git won't look"
	echo "k=$(aws_key)" >g && git add g
	commit_blocked -m secret
	expect_out "aws-access-key-id"
}

install_outside_repo_fails() {
	mkdir plain && cd plain || die cd
	GIT_CEILING_DIRECTORIES=$PWD/.. "$LEAKSTOP" install 2>../$OUT &&
		die "install outside a repository succeeded"
	expect_out "leakstop: install: cannot open the repository"
}

usage_errors() {
	"$LEAKSTOP" frobnicate 2>/dev/null
	[ $? -eq 64 ] || die "unknown command did not exit 64"
	"$LEAKSTOP" hook 2>/dev/null
	[ $? -eq 64 ] || die "hook without a name did not exit 64"
	"$LEAKSTOP" help allow | grep -q "LEAKSTOP_OVERRIDE=" ||
		die "help allow does not explain the override"
}

test_case "installs pre-commit and pre-merge-commit; reinstall updates" \
	installs_both_hooks
test_case "an existing hook is kept and runs after a clean scan" \
	chains_existing_hook
test_case "core.hooksPath is where the hooks go" honours_hooks_path
test_case "install outside a repository fails" install_outside_repo_fails
test_case "usage errors exit 64; help allow explains the override" \
	usage_errors
