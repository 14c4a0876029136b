#!/bin/sh
# scan --history on packed repositories: deltas read from the pack itself,
# ref deltas, several packs plus loose objects, and damaged packs.
. "$(dirname "$0")/lib.sh"

# A 300-line file edited over 30 commits; version 12 holds an AWS key on
# line 40, version 25 a GitHub token on line 200. The key is gone again
# in version 13, so only an old, deltified blob holds it.
versions_repo() {
	git init -q r && cd r || die init
	git config user.name T && git config user.email t@example.invalid
	i=0
	while [ $i -lt 300 ]; do
		echo "line $i: some configuration text to make deltas worth it"
		i=$((i + 1))
	done >app.cfg
	c=0
	while [ $c -lt 30 ]; do
		sed -i "$((c * 9 + 5))s/.*/edit $c/" app.cfg
		[ $c -eq 12 ] && sed -i "40s/.*/key=$(aws_key)/" app.cfg
		[ $c -eq 13 ] && sed -i "40s/.*/key=from-the-vault/" app.cfg
		[ $c -eq 25 ] && sed -i "200s/.*/tok=$(gh_token)/" app.cfg
		echo "$c" >"n$((c % 3)).txt"
		git add -A && git commit -q -m "v$c" || die "commit $c"
		c=$((c + 1))
	done
}

# how many blobs of the pack are deltas
blob_deltas() {
	git verify-pack -v .git/objects/pack/*.idx |
		awk '$2 == "blob" && NF >= 7 { n++ } END { print n + 0 }'
}

expect_both() {
	"$LEAKSTOP" scan --history >../$OUT 2>../err
	rc=$?
	[ $rc -eq 1 ] || { cat ../err; die "history scan exited $rc, not 1"; }
	expect_out "leakstop: 2 secrets in scanned commits"
	expect_out "app.cfg:40:5  aws-access-key-id"
	expect_out "in $(git rev-parse --short=7 HEAD~17) \"v12\""
	expect_out "app.cfg:200:5  github-personal-access-token"
	expect_out "in $(git rev-parse --short=7 HEAD~4) \"v25\""
	assert_no_leak "$(aws_key)"
}

gc_aggressive() {
	versions_repo
	git gc -q --aggressive || die gc
	[ "$(blob_deltas)" -gt 20 ] || die "git wrote too few deltas to test"
	[ -z "$(find .git/objects -path '*/objects/??/*' -type f)" ] ||
		die "objects left loose"
	expect_both
}

ref_deltas() {
	versions_repo
	git -c repack.useDeltaBaseOffset=false repack -adfq || die repack
	[ "$(blob_deltas)" -gt 20 ] || die "git wrote too few deltas to test"
	expect_both
}

two_packs_and_loose() {
	versions_repo
	git gc -q || die gc
	echo "late=$(aws_key2)" >late.txt && git add late.txt &&
		git commit -q -m late
	git repack -q || die "repack"	# a second pack with the new objects
	[ "$(ls .git/objects/pack/*.idx | wc -l)" -eq 2 ] || die "not 2 packs"
	printf 'loose=%s%s\n' AKIA ZK3MQ7WX2RB5TL6V >loose.txt &&
		git add loose.txt &&
		git commit -q -m loose
	"$LEAKSTOP" scan --history >../$OUT 2>../err
	[ $? -eq 1 ] || { cat ../err; die "history scan did not exit 1"; }
	expect_out "leakstop: 4 secrets in scanned commits"
	expect_out "late.txt:1:6"
	expect_out "loose.txt:1:7  aws-access-key-id"
	expect_out "app.cfg:40:5  aws-access-key-id"
	# a third pack holding every object again (repack without -d)
	git repack -aq || die "repack -a"
	[ "$(ls .git/objects/pack/*.idx | wc -l)" -eq 3 ] || die "not 3 packs"
	"$LEAKSTOP" scan --history >../$OUT 2>../err
	[ $? -eq 1 ] || { cat ../err; die "3 packs: did not exit 1"; }
	expect_out "leakstop: 4 secrets in scanned commits"
}

clean_pack() {
	versions_repo
	git rm -q app.cfg && git commit -q -m gone
	# rewrite history without the secrets: a clean pack scans clean
	git checkout -q --orphan clean && git rm -rfq . &&
		echo ok >README && git add README && git commit -q -m clean &&
		git branch -D -q master 2>/dev/null; git branch -D -q main 2>/dev/null
	git reflog expire --expire=now --all && git gc -q --prune=now ||
		die gc
	"$LEAKSTOP" scan --history >../$OUT 2>&1 ||
		die "a clean packed history must pass"
}

# Flip one bit in the middle of the pack: the entry's CRC no longer
# matches its index, and the scan stops instead of skipping what it hid.
damaged_pack() {
	versions_repo
	git gc -q --aggressive || die gc
	pack=$(ls .git/objects/pack/*.pack)
	size=$(wc -c <"$pack")
	chmod u+w "$pack"
	python3 - "$pack" $((size / 2)) <<'PY' || die "cannot damage the pack"
import sys
p, at = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 0x10]))
PY
	"$LEAKSTOP" scan --history >../$OUT 2>&1
	[ $? -eq 2 ] || die "a damaged pack did not fail closed (exit 2)"
	expect_out "leakstop: cannot scan: '$PWD/.git/objects/pack/"
	expect_out "is damaged (its CRC differs from the index's); run \`git fsck\`"
	assert_no_leak "$(aws_key)"
}

# A clone -s reads its source's objects through objects/info/alternates:
# the list comes from libgit2, each object once, its own packs read here.
alternates() {
	versions_repo
	git gc -q --aggressive || die gc
	cd .. && git clone -q -s r c && cd c || die "clone -s"
	[ -s .git/objects/info/alternates ] || die "no alternates"
	git config user.name T && git config user.email t@example.invalid
	printf 'new=%s%s\n' AKIA ZK3MQ7WX2RB5TL6V >new.txt && git add new.txt &&
		git commit -q -m new && git repack -q || die "commit, repack"
	"$LEAKSTOP" scan --history >../$OUT 2>../err
	[ $? -eq 1 ] || { cat ../err; die "history scan did not exit 1"; }
	expect_out "leakstop: 3 secrets in scanned commits"
	expect_out "app.cfg:40:5  aws-access-key-id"
	expect_out "new.txt:1:5  aws-access-key-id"
	[ "$(grep -c github-personal-access-token ../$OUT)" -eq 1 ] ||
		die "a secret was reported twice"
}

# From a linked worktree the packs are the main repository's.
linked_worktree() {
	versions_repo
	git gc -q --aggressive || die gc
	git worktree add -q ../wt 2>/dev/null || die "worktree add"
	cd ../wt || die "cd wt"
	expect_both
}

test_case "history: deltas of a gc'd pack read, old secret found" gc_aggressive
test_case "history: a pack of ref deltas reads through libgit2" ref_deltas
test_case "history: two packs and loose objects" two_packs_and_loose
test_case "history: a clean packed history passes" clean_pack
test_case "history: a damaged pack fails closed with its path" damaged_pack
test_case "history: a clone -s reads its source's pack too" alternates
test_case "history: from a linked worktree" linked_worktree
