# tests/e2e/lib.sh - helpers for end-to-end tests on real git repositories
#
# Each test file sources this, then calls test_case "description" fn for
# each case. A case runs in a subshell inside a fresh temporary folder
# with its own HOME; it fails by calling die (or any helper that does).
# Output is TAP-like: "ok - ..." / "not ok - ..." lines.
set -u

: "${LEAKSTOP:?LEAKSTOP must name the installed leakstop binary}"
LS_TMP=$(mktemp -d)
trap 'rm -rf "$LS_TMP"' EXIT
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX LEAKSTOP_OVERRIDE \
	GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 LC_ALL=C.UTF-8

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# Fake secrets are assembled at run time, so no test file holds one
# whole and the project's own hook has nothing to find in tests/.
aws_key() { printf '%s%s' 'AKIA' 'Z7QF3WLM2XK5RT4B'; }
aws_key2() { printf '%s%s' 'ASIA' 'Q4MX7ZK2WRB5TL3N'; }
gh_token() { printf '%s%s' 'ghp_' 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW11ySowm'; }

test_case() {
	desc=$1
	shift
	dir=$LS_TMP/case.$$.$(date +%s%N)
	mkdir -p "$dir/home" "$dir/tmp" "$dir/work"
	if (
		export HOME="$dir/home" TMPDIR="$dir/tmp"
		cd "$dir/work" || exit 1
		"$@"
	) >"$dir/log" 2>&1; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		sed 's/^/#   /' "$dir/log"
	fi
	rm -rf "$dir"
}

# mk_repo NAME: a new repository with leakstop's hooks installed; cd into it.
mk_repo() {
	git init -q "$1" || die "git init"
	cd "$1" || die "cd $1"
	git config user.name "Test User"
	git config user.email "test@example.invalid"
	git config commit.gpgsign false
	"$LEAKSTOP" install >/dev/null || die "leakstop install"
}

# commit_blocked ARGS...: git commit ARGS must fail and leave HEAD as it was.
# The hook's stderr is kept in $OUT.
OUT=out.txt
commit_blocked() {
	before=$(git rev-parse -q --verify HEAD || echo none)
	if git commit -q "$@" >"../$OUT" 2>&1; then
		cat "../$OUT" >&2
		die "commit $* was not blocked"
	fi
	after=$(git rev-parse -q --verify HEAD || echo none)
	[ "$before" = "$after" ] || die "HEAD moved although the commit failed"
}

commit_passes() {
	before=$(git rev-parse -q --verify HEAD || echo none)
	git commit -q "$@" >"../$OUT" 2>&1 || {
		cat "../$OUT" >&2
		die "commit $* was blocked"
	}
	after=$(git rev-parse -q --verify HEAD || echo none)
	[ "$before" != "$after" ] || die "commit $* made no commit"
}

# expect_out TEXT: the last hook output contains TEXT (fixed string).
expect_out() {
	grep -qF -- "$1" "../$OUT" || {
		cat "../$OUT" >&2
		die "output lacks: $1"
	}
}

expect_no_out() {
	if grep -qF -- "$1" "../$OUT"; then
		cat "../$OUT" >&2
		die "output has: $1"
	fi
}

# assert_no_leak SECRET: the full secret is in no output and no file that
# the hook could write: the test's HOME, TMPDIR, and .git (but objects
# and the index, where git itself keeps committed content).
assert_no_leak() {
	s=$1
	top=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
	gd=$(git rev-parse --git-common-dir 2>/dev/null || echo .git)
	case $gd in /*) ;; *) gd=$top/$gd ;; esac
	if grep -rqF -- "$s" "$top/../$OUT" "$HOME" "$TMPDIR" 2>/dev/null; then
		die "full secret found in output or HOME/TMPDIR"
	fi
	if grep -rlF -- "$s" "$gd" 2>/dev/null |
		grep -v -e '/objects/' -e '/index$' -e '/index.lock$' \
			-e '/COMMIT_EDITMSG$' | grep -q .; then
		die "full secret found under .git: $(grep -rlF -- "$s" "$gd")"
	fi
}

# snapshot FILE: what a scan must never change: the index, status, stash
# list and every work tree file's hash.
snapshot() {
	{
		sha1sum "$(git rev-parse --git-dir)/index" 2>/dev/null
		git status --porcelain=v2 --untracked-files=all
		git stash list
		git ls-files -s
		find . -path ./.git -prune -o -type f -print | LC_ALL=C sort |
			while read -r f; do sha1sum "$f"; done
	} >"$1"
}

# policy TEXT: commit .leakstop.ini holding TEXT, without the hook (the
# policy is read from HEAD, so it applies from the next commit on).
policy() {
	printf '%s\n' "$1" >.leakstop.ini
	git add .leakstop.ini
	git commit -q --no-verify -m policy
}

# mk_pair: a bare "remote" and a clone with leakstop's hooks, main pushed.
mk_pair() {
	git init -q --bare remote.git
	git clone -q remote.git r 2>/dev/null || die clone
	cd r || die cd
	git config user.name T && git config user.email t@example.invalid
	"$LEAKSTOP" install >/dev/null || die install
	echo base >f && git add f && git commit -q --no-verify -m base
	git push -q --no-verify origin HEAD:main 2>/dev/null || die "first push"
}

# commit_nv MSG FILE CONTENT: a commit made without the pre-commit hook.
commit_nv() {
	printf '%s\n' "$3" >"$2"
	git add "$2"
	git commit -q --no-verify -m "$1"
}

push_blocked() {
	if git push "$@" >../$OUT 2>&1; then
		cat ../$OUT >&2
		die "push $* was not blocked"
	fi
}

push_passes() {
	git push "$@" >../$OUT 2>&1 || { cat ../$OUT >&2; die "push $* blocked"; }
}

remote_ref() { git --git-dir=../remote.git rev-parse -q --verify "$1"; }
