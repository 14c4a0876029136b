#!/bin/sh
# The index as leakstop reads it (src/indexfile.c): every format git
# writes, the cache-tree that lets unchanged directories be skipped, and
# damage that must fail closed (git's own checksum aside: git does not
# check it either).
. "$(dirname "$0")/lib.sh"

# A tree of 3 x 4 directories with a file each, committed.
mk_tree() {
	for a in 1 2 3; do
		for b in 1 2 3 4; do
			mkdir -p "d$a/e$b"
			printf 'name = %s/%s\n' "$a" "$b" >"d$a/e$b/f.txt"
		done
	done
	echo top >top.txt
	git add . && commit_passes -m tree
}

deep_change_among_unchanged_dirs() {
	mk_repo r
	mk_tree
	printf 'key = "%s"\n' "$(aws_key)" >>d2/e3/f.txt
	git add d2/e3/f.txt
	commit_blocked -m deep
	expect_out "d2/e3/f.txt:2:8  aws-access-key-id"
	assert_no_leak "$(aws_key)"
}

new_directory_beside_old_ones() {
	mk_repo r
	mk_tree
	mkdir -p d2/e9/g
	printf 'token=%s\n' "$(gh_token)" >d2/e9/g/new.env
	git add d2/e9
	commit_blocked -m new
	expect_out "d2/e9/g/new.env:1:7  github-personal-access-token"
	assert_no_leak "$(gh_token)"
}

index_version_4() {
	mk_repo r
	mk_tree
	git update-index --index-version 4
	printf 'key = "%s"\n' "$(aws_key)" >d3/e1/g.txt
	printf 'more\n' >>d3/e1/f.txt
	git add d3/e1
	[ "$(od -An -tu1 -j7 -N1 .git/index | tr -d ' ')" = 4 ] ||
		die "index is not version 4"
	commit_blocked -m v4
	expect_out "d3/e1/g.txt:1:8  aws-access-key-id"
	assert_no_leak "$(aws_key)"
}

index_version_4_clean_passes() {
	mk_repo r
	mk_tree
	git update-index --index-version 4
	echo fine >>d1/e1/f.txt
	git add d1/e1/f.txt
	commit_passes -m v4
}

# move_old_secret: the tree with a secret committed long ago in d1/e2,
# then d1 moved to moved/.
move_old_secret() {
	mk_repo r
	mk_tree
	printf 'old = "%s"\n' "$(aws_key)" >>d1/e2/f.txt
	git add d1/e2/f.txt
	git commit -q --no-verify -m "secret from before" || die commit
	git mv d1 moved
}

# A directory moved with one line added: only that line is new.
moved_directory_with_an_edit() {
	move_old_secret
	printf 'token=%s\n' "$(gh_token)" >>moved/e2/f.txt
	git add moved
	commit_blocked -m move
	expect_out "moved/e2/f.txt:3:7  github-personal-access-token"
	expect_no_out "aws-access-key-id"
}

pure_move_adds_nothing() {
	move_old_secret
	commit_passes -m move
}

# git reads an index without checking its SHA-1 trailer (only git fsck
# does) and commits what it says: leakstop scans the same.
wrong_checksum_read_as_git_does() {
	mk_repo r
	mk_tree
	printf 'key = "%s"\n' "$(aws_key)" >>top.txt
	git add top.txt
	size=$(wc -c <.git/index)
	# flip the last byte of the SHA-1 trailer
	last=$(od -An -tu1 -j$((size - 1)) -N1 .git/index | tr -d ' ')
	printf "$(printf '\\%03o' $(((last + 1) % 256)))" |
		dd of=.git/index bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
	cp .git/index ../index.before
	git diff --cached --quiet && die "git sees no staged change"
	# the hook alone: git commit would write the index afresh first
	"$LEAKSTOP" hook pre-commit >../$OUT 2>&1
	[ $? -eq 1 ] || { cat ../$OUT >&2; die "exit was not 1"; }
	expect_out "top.txt:2:8  aws-access-key-id"
	assert_no_leak "$(aws_key)"
	cmp -s .git/index ../index.before || die "the index was changed"
}

truncated_index_fails_closed() {
	mk_repo r
	mk_tree
	echo more >>top.txt
	git add top.txt
	head -c 200 .git/index >../short
	GIT_INDEX_FILE=../short "$LEAKSTOP" hook pre-commit 2>../$OUT
	[ $? -eq 2 ] || die "exit was not 2"
	expect_out "cannot read the index '../short': it is damaged"
}

unmerged_entries_fail_closed() {
	mk_repo r
	echo base >f.txt && git add f.txt && commit_passes -m base
	git checkout -q -b side
	echo side >f.txt && git commit -qam side --no-verify
	git checkout -q -
	echo main >f.txt && git commit -qam main --no-verify
	git merge -q side >/dev/null 2>&1 && die "merge did not conflict"
	"$LEAKSTOP" hook pre-commit 2>../$OUT
	[ $? -eq 2 ] || die "exit was not 2"
	expect_out "'f.txt' is unmerged in the index"
}

# Over 64 new files are read ahead by reader threads (source.c prefetch):
# every one is still scanned, in path order, whatever its kind.
many_new_files() {
	mk_repo r
	mk_tree
	mkdir -p v
	for i in $(seq 100 299); do echo "line $i" >v/f$i.txt; done
	printf 'bin\000ary k=%s\n' "$(aws_key)" >v/f150.bin
	printf 'token=%s\n' "$(gh_token)" >v/f299.txt
	git add v
	commit_blocked -m many
	expect_out "leakstop: 2 secrets in staged changes"
	expect_out "v/f150.bin:1:11  aws-access-key-id"
	expect_out "v/f299.txt:1:7  github-personal-access-token"
	[ "$(grep -n 'f150.bin' ../$OUT | cut -d: -f1)" -lt \
	  "$(grep -n 'f299.txt' ../$OUT | cut -d: -f1)" ] || die "not in path order"
	git rm -q --cached v/f150.bin v/f299.txt
	commit_passes -m clean
	assert_no_leak "$(aws_key)"
	assert_no_leak "$(gh_token)"
}

test_case "a change deep among unchanged directories blocks" \
	deep_change_among_unchanged_dirs
test_case "a new directory beside unchanged ones blocks" \
	new_directory_beside_old_ones
test_case "index version 4 (path compression) blocks" index_version_4
test_case "index version 4 with a clean change passes" \
	index_version_4_clean_passes
test_case "a moved directory adds only its edits" moved_directory_with_an_edit
test_case "a moved directory without edits adds nothing" pure_move_adds_nothing
test_case "an index with a wrong checksum is read as git reads it, untouched" \
	wrong_checksum_read_as_git_does
test_case "a truncated index fails closed" truncated_index_fails_closed
test_case "unmerged index entries fail closed naming the path" \
	unmerged_entries_fail_closed
test_case "200 new files (read ahead by threads) are all scanned" \
	many_new_files
