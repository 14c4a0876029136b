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

uninstall_restores() {
	git init -q r && cd r || die init
	printf '#!/bin/sh\n# my own hook\nexit 0\n' >.git/hooks/pre-commit
	chmod 750 .git/hooks/pre-commit
	cp -p .git/hooks/pre-commit ../orig
	"$LEAKSTOP" install >/dev/null || die install
	"$LEAKSTOP" uninstall >../$OUT || die uninstall
	expect_out "restored the hook it chained"
	cmp -s ../orig .git/hooks/pre-commit || die "not restored byte for byte"
	[ "$(stat -c %a .git/hooks/pre-commit)" = 750 ] || die "mode changed"
	for h in pre-merge-commit pre-push commit-msg; do
		[ -e .git/hooks/$h ] && die "$h left behind"
	done
	ls .git/hooks | grep -q chained && die "chained copy left behind"
	return 0
}

global_install() {
	"$LEAKSTOP" install --global >../$OUT || die "install --global"
	[ "$(git config --global core.hooksPath)" = "$HOME/.config/leakstop/hooks" ] ||
		die "global core.hooksPath not set"
	git init -q fresh && cd fresh || die init
	git config user.name T && git config user.email t@x
	echo "k=$(aws_key)" >f && git add f
	commit_blocked -m x
	expect_out "aws-access-key-id"
	"$LEAKSTOP" uninstall --global >/dev/null || die "uninstall --global"
	git config --global core.hooksPath && die "global hooksPath left set"
	commit_passes -m "no hook any more"
}

global_refuses_foreign_hooks_path() {
	git config --global core.hooksPath /somewhere/else
	"$LEAKSTOP" install --global 2>../$OUT && die "replaced a foreign hooksPath"
	expect_out "global core.hooksPath is already '/somewhere/else'"
}

shared_folder() {
	mk_repo r
	"$LEAKSTOP" uninstall >/dev/null
	"$LEAKSTOP" install --shared .githooks >../$OUT || die "install --shared"
	[ "$(git config core.hooksPath)" = .githooks ] || die "hooksPath not set"
	grep -q 'command -v leakstop' .githooks/pre-commit ||
		die "a shared shim must find leakstop on PATH"
	echo "k=$(aws_key)" >f && git add f
	commit_blocked -m x
	"$LEAKSTOP" install --shared /abs 2>/dev/null
	[ $? -eq 64 ] || die "an absolute --shared folder was accepted"
}

doctor() {
	mk_repo r
	"$LEAKSTOP" doctor >../$OUT || { cat ../$OUT >&2; die "doctor found problems"; }
	expect_out "ok - the signature database loads"
	expect_out "leakstop: 0 problems"
	chmod -x .git/hooks/pre-push
	"$LEAKSTOP" doctor >../$OUT && die "doctor missed a non-executable hook"
	expect_out "pre-push is not executable"
	rm .git/hooks/commit-msg
	"$LEAKSTOP" doctor >../$OUT
	expect_out "commit-msg is not leakstop's hook"
	expect_out "leakstop: 2 problems"
}

test_case "uninstall restores a chained hook byte for byte" uninstall_restores
test_case "install --global covers new repositories; uninstall undoes it" \
	global_install
test_case "install --global keeps a foreign global hooksPath" \
	global_refuses_foreign_hooks_path
test_case "install --shared: a committed hooks folder" shared_folder
test_case "doctor reports what does not enforce the hooks" doctor
test_case "installs pre-commit and pre-merge-commit; reinstall updates" \
	installs_both_hooks
test_case "an existing hook is kept and runs after a clean scan" \
	chains_existing_hook
test_case "core.hooksPath is where the hooks go" honours_hooks_path
test_case "install outside a repository fails" install_outside_repo_fails
test_case "usage errors exit 64; help allow explains the override" \
	usage_errors
