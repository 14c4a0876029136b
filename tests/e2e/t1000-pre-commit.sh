#!/bin/sh
# pre-commit: what gets scanned (the index, only added lines) and what a
# finding looks like.
. "$(dirname "$0")/lib.sh"

blocks_new_file() {
	mk_repo r
	mkdir config
	printf 'region = eu-west-1\nuser = deploy\nkey = "%s"\n' "$(aws_key)" \
		>config/prod.env
	git add config/prod.env
	snapshot ../before
	# the hook alone, so that git's own index refresh is not counted
	"$LEAKSTOP" hook pre-commit 2>/dev/null && die "hook passed"
	snapshot ../after
	cmp -s ../before ../after || {
		diff ../before ../after >&2
		die "the scan changed the repository"
	}
	commit_blocked -m add
	expect_out "leakstop: 1 secret in staged changes"
	expect_out "config/prod.env:3:8  aws-access-key-id  AKIA…(20 chars)"
	expect_out "fix: remove it from the file, \`git add\` again, and rotate"
	expect_out "commit anyway: LEAKSTOP_OVERRIDE=\"<reason>\" git commit"
	expect_out "leakstop help allow"
	assert_no_leak "$(aws_key)"
	git rev-parse -q --verify HEAD >/dev/null && die "first commit made"
	return 0
}

blocks_modified_file() {
	mk_repo r
	printf 'a\nb\n' >f.txt
	git add f.txt
	commit_passes -m base
	printf 'a\nb\ntoken=%s\n' "$(gh_token)" >f.txt
	git add f.txt
	commit_blocked -m edit
	expect_out "f.txt:3:7  github-personal-access-token"
	assert_no_leak "$(gh_token)"
}

exit_code_is_one() {
	mk_repo r
	echo "k=$(aws_key)" >f
	git add f
	"$LEAKSTOP" hook pre-commit 2>../$OUT
	[ $? -eq 1 ] || die "exit code was not 1"
	echo clean >f
	git add f
	"$LEAKSTOP" hook pre-commit 2>../$OUT || die "clean index did not exit 0"
}

commit_all_uses_temporary_index() {
	mk_repo r
	echo one >f.txt
	git add f.txt
	commit_passes -m base
	echo "secret $(aws_key)" >>f.txt
	# nothing staged: only `commit -a`'s temporary index has the secret
	commit_blocked -a -m all
	expect_out "f.txt:2:8  aws-access-key-id"
}

commit_path_scans_named_path_only() {
	mk_repo r
	echo one >a.txt
	echo one >b.txt
	git add .
	commit_passes -m base
	echo "k $(aws_key)" >>a.txt
	commit_blocked -m path a.txt
	expect_out "a.txt:2:3"
	git checkout -q a.txt
	# the secret is staged in b.txt, but `commit a.txt` does not take it
	echo "k $(aws_key)" >>b.txt
	git add b.txt
	echo two >>a.txt
	commit_passes -m "only a" a.txt
	git show --stat HEAD | grep -q b.txt && die "b.txt was committed"
	commit_blocked -m rest
}

partial_staging() {
	mk_repo r
	seq 1 30 >f.txt
	git add f.txt
	commit_passes -m base
	# secret at the top staged, clean change at the bottom not staged
	{ echo "k $(aws_key)"; seq 1 30; echo tail; } >f.txt
	# what `git add -p` leaves when only the first hunk is taken
	{ echo "k $(aws_key)"; seq 1 30; } >../staged
	git update-index --add --cacheinfo \
		"100644,$(git hash-object -w ../staged),f.txt"
	commit_blocked -m top
	expect_out "f.txt:1:3"
	# the reverse: a clean hunk staged, the secret only in the work tree
	git reset -q
	{ echo "k $(aws_key)"; seq 1 30; echo tail; } >f.txt
	{ seq 1 30; echo tail; } >../staged
	git update-index --add --cacheinfo \
		"100644,$(git hash-object -w ../staged),f.txt"
	commit_passes -m bottom
	grep -q AKIA f.txt || die "the work tree lost its change"
	git show HEAD:f.txt | grep -q AKIA && die "the secret was committed"
	return 0
}

first_commit() {
	mk_repo r
	echo "k=$(aws_key)" >f
	git add f
	commit_blocked -m first
	expect_out "f:1:3  aws-access-key-id"
}

staged_then_fixed_in_worktree_only() {
	mk_repo r
	echo "k=$(aws_key)" >f
	git add f
	echo "k=fixed" >f
	commit_blocked -m first
}

passes_clean_and_worktree_only() {
	mk_repo r
	echo hello >f
	git add f
	commit_passes -m clean
	echo "k=$(aws_key)" >g
	echo more >>f
	git add f
	commit_passes -m "secret only in an untracked file"
	[ -f g ] || die "work tree file lost"
}

passes_deleted_secret_and_rename() {
	mk_repo r
	{ echo "k=$(aws_key)"; seq 1 20; } >f
	git add f
	LEAKSTOP_OVERRIDE="old fixture" git commit -q -m seed >../$OUT 2>&1 ||
		die "seed commit"
	git mv f g
	commit_passes -m "pure rename"
	{ echo "k=$(aws_key)"; seq 1 20; echo added; } >g
	git mv g h
	git add h
	commit_passes -m "rename with an edit that adds a clean line"
	sed -i '1d' h
	git add h
	commit_passes -m "delete the secret"
}

passes_documented_sample_key() {
	mk_repo r
	printf 'aws_access_key_id = %s%s\n' AKIA IOSFODNN7EXAMPLE >f
	git add f
	commit_passes -m doc
}

linked_worktree() {
	mk_repo r
	echo base >f
	git add f
	commit_passes -m base
	git worktree add -q ../wt 2>/dev/null || die "worktree add"
	cd ../wt || die "cd"
	echo "k=$(aws_key)" >>f
	git add f
	commit_blocked -m wt
	expect_out "f:2:3  aws-access-key-id"
}

from_subdirectory() {
	mk_repo r
	mkdir -p sub/deep
	echo "k=$(aws_key)" >sub/deep/f
	git add sub
	cd sub/deep || die cd
	commit_blocked -m sub
	expect_out "sub/deep/f:1:3"
}

odd_file_names() {
	mk_repo r
	name="sp ace ünï $(printf 'esc\033[2Jx')"
	echo "k=$(aws_key)" >"$name"
	git add .
	commit_blocked -m names
	expect_out "sp ace ünï esc\\x1b[2Jx:1:3"
	if grep -q "$(printf '\033')" ../$OUT; then
		die "a raw escape byte reached the output"
	fi
	return 0
}

# G19: bytes are scanned too; an LFS pointer without its object is noted.
binary_scanned_lfs_counted() {
	mk_repo r
	printf 'bin\000ary %s\n' "$(aws_key)" >blob.bin
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize 12\n' \
		"$(printf '%064d' 7)" >big.dat
	git add .
	commit_blocked -m binary
	expect_out "blob.bin:1:9  aws-access-key-id"
	expect_out "not scanned: 1 Git LFS pointer"
	assert_no_leak "$(aws_key)"
	git rm -q --cached blob.bin
	commit_passes -m lfs
	expect_out "not scanned: 1 Git LFS pointer"
}

# G21: UTF-16 text (with a byte order mark) is decoded, compared, scanned.
utf16_scanned() {
	mk_repo r
	command -v iconv >/dev/null || die "iconv missing"
	printf 'name = a\r\n' | iconv -f UTF-8 -t UTF-16 >w.txt
	git add w.txt && commit_passes -m base
	printf 'name = a\r\nkey = "%s"\r\n' "$(aws_key)" |
		iconv -f UTF-8 -t UTF-16 >w.txt
	git add w.txt
	commit_blocked -m utf16
	expect_out "w.txt:2:8  aws-access-key-id"
	printf 'name = a\r\nkey = "%s"\r\n' "$(aws_key)" |
		iconv -f UTF-8 -t UTF-16BE | { printf '\376\377'; cat; } >w.txt
	git add w.txt
	commit_blocked -m utf16be
	expect_out "w.txt:2:8  aws-access-key-id"
	assert_no_leak "$(aws_key)"
}

# G22: a file over the limit cannot be scanned: fail closed, say which.
large_file_fails_closed() {
	mk_repo r
	{ echo "k=$(aws_key)"; head -c 11000000 /dev/zero | tr '\0' 'a'; } >big.txt
	echo "k=$(aws_key)" >small.txt
	git add .
	commit_blocked -m big
	expect_out "cannot scan: 'big.txt' is $(stat -c %s big.txt) bytes, over the 10485760-byte limit"
	expect_out "to commit anyway: LEAKSTOP_OVERRIDE="
	expect_no_out "big.txt:"
}

merge_brings_secret() {
	mk_repo r
	echo base >f
	git add f
	commit_passes -m base
	git checkout -q -b side
	echo "k=$(aws_key)" >s
	git add s
	git commit -q --no-verify -m "side secret"
	git checkout -q -
	echo main >g
	git add g
	commit_passes -m main
	if git merge -q --no-ff --no-edit side >../$OUT 2>&1; then
		die "merge was not blocked"
	fi
	expect_out "s:1:3  aws-access-key-id"
	git merge --abort 2>/dev/null
	return 0
}

test_case "blocks a secret in a new file, redacted, repo untouched" \
	blocks_new_file
test_case "blocks a secret added to a modified file" blocks_modified_file
test_case "hook exits 1 on findings, 0 when clean" exit_code_is_one
test_case "commit -a: scans git's temporary index" \
	commit_all_uses_temporary_index
test_case "commit <path>: scans only what that commit takes" \
	commit_path_scans_named_path_only
test_case "partial staging: the index decides, not the work tree" \
	partial_staging
test_case "first commit of a repository" first_commit
test_case "staged secret removed only from the work tree still blocks" \
	staged_then_fixed_in_worktree_only
test_case "clean change and untracked secret pass" \
	passes_clean_and_worktree_only
test_case "deleting or renaming a committed secret passes" \
	passes_deleted_secret_and_rename
test_case "documented sample key passes" passes_documented_sample_key
test_case "linked worktree" linked_worktree
test_case "commit from a subdirectory" from_subdirectory
test_case "file names with spaces, unicode and escapes" odd_file_names
test_case "G19 binary files are scanned; LFS pointers counted" \
	binary_scanned_lfs_counted
test_case "G21 UTF-16 with a byte order mark is decoded and scanned" \
	utf16_scanned
test_case "G22 a file over 10 MiB fails closed, not loaded" \
	large_file_fails_closed
test_case "pre-merge-commit blocks a merge that brings a secret" \
	merge_brings_secret
