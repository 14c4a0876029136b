#!/bin/sh
# pre-push: exactly the commits the push publishes, every stdin line,
# each finding named with the commit that added it.
. "$(dirname "$0")/lib.sh"

secret_in_middle_commit() {
	mk_pair
	commit_nv one a.txt clean
	commit_nv "add config" b.txt "k=$(aws_key)"
	commit_nv three c.txt clean
	before=$(remote_ref main)
	push_blocked origin HEAD:main
	expect_out "leakstop: 1 secret in commits to push"
	short=$(git rev-parse --short=7 HEAD~1)
	expect_out "b.txt:1:3  aws-access-key-id  AKIA…(20 chars)"
	expect_out "in $short \"add config\""
	expect_out "false alarm? the commit needs a trailer 'Leakstop-Override: <fingerprint> <reason>'"
	expect_no_out "push anyway"
	[ "$(remote_ref main)" = "$before" ] || die "the remote ref moved"
	assert_no_leak "$(aws_key)"
}

added_then_removed_inside_push() {
	mk_pair
	commit_nv "add" s.txt "k=$(aws_key)"
	git rm -q s.txt && git commit -q --no-verify -m "remove"
	push_blocked origin HEAD:main
	expect_out "in $(git rev-parse --short=7 HEAD~1) \"add\""
}

old_secret_on_remote_does_not_block() {
	mk_pair
	commit_nv "old secret" s.txt "k=$(aws_key)"
	git push -q --no-verify origin HEAD:main >../$OUT 2>&1 ||
		die "seed push"
	git checkout -q -b feature
	commit_nv "clean work" c.txt clean
	push_passes origin feature
	git --git-dir=../remote.git rev-parse -q --verify feature >/dev/null ||
		die "feature not pushed"
}

second_ref_has_the_secret() {
	mk_pair
	git checkout -q -b b1 && commit_nv c1 c1.txt clean
	git checkout -q main 2>/dev/null || git checkout -q -b main origin/main
	git checkout -q -b b2 && commit_nv "secret on b2" s.txt "t=$(gh_token)"
	push_blocked origin b1 b2
	expect_out "s.txt:1:3  github-personal-access-token"
	expect_out "\"secret on b2\""
}

deletion_passes() {
	mk_pair
	git checkout -q -b gone && commit_nv c c.txt clean
	push_passes origin gone
	push_passes origin :gone
	git --git-dir=../remote.git rev-parse -q --verify gone &&
		die "branch not deleted"
	return 0
}

force_push_scans_new_commits() {
	mk_pair
	commit_nv c1 c.txt one
	push_passes origin HEAD:main
	git reset -q --hard HEAD~1
	commit_nv "rewritten" c.txt "k=$(aws_key)"
	push_blocked -f origin HEAD:main
	expect_out "\"rewritten\""
}

tag_push() {
	mk_pair
	commit_nv "tagged secret" t.txt "k=$(aws_key)"
	git tag -a v1 -m "release" HEAD
	git reset -q --hard HEAD~1
	push_blocked origin v1
	expect_out "\"tagged secret\""
	# a tag on a blob is scanned as a file named after the ref
	git tag blobtag "$(printf 'k=%s\n' "$(aws_key2)" | git hash-object -w --stdin)"
	push_blocked origin blobtag
	expect_out "refs/tags/blobtag:1:3  aws-access-key-id"
}

merge_resolution_adds_secret() {
	mk_pair
	git checkout -q -b side
	commit_nv side f "side"
	git checkout -q main 2>/dev/null || git checkout -q -b main origin/main
	commit_nv main f "main"
	git merge -q side 2>/dev/null && die "expected a conflict"
	printf 'resolved k=%s\n' "$(aws_key)" >f
	git add f
	git commit -q --no-verify -m "merge side" || die "merge commit"
	push_blocked origin HEAD:main
	expect_out "\"merge side\""
	expect_out "leakstop: 1 secret in commits to push"
}

clean_merge_passes() {
	mk_pair
	# the side branch has a secret already on the remote
	git checkout -q -b side
	commit_nv "side secret" s.txt "k=$(aws_key)"
	git push -q --no-verify origin side >../$OUT 2>&1 || die "seed push"
	git checkout -q main 2>/dev/null || git checkout -q -b main origin/main
	commit_nv main m.txt clean
	git merge -q --no-ff --no-verify -m "merge side" side || die merge
	push_passes origin HEAD:main
}

shallow_clone_fails_closed() {
	git init -q --bare remote.git
	git clone -q remote.git seed 2>/dev/null
	(cd seed && git config user.name T && git config user.email t@x &&
		for i in 1 2 3; do echo $i >f; git add f; git commit -q -m c$i; done &&
		git push -q origin HEAD:main 2>/dev/null) || die seed
	git clone -q --depth 1 --branch main "file://$PWD/remote.git" r 2>/dev/null ||
		die "shallow clone"
	cd r || die cd
	git config user.name T && git config user.email t@x
	"$LEAKSTOP" install >/dev/null || die install
	commit_nv "new" s.txt "k=$(aws_key)"
	git init -q --bare ../other.git
	push_blocked ../other.git HEAD:refs/heads/main
	expect_out "cannot scan: this is a shallow clone and the commits to scan reach"
	expect_out "git fetch --unshallow"
	# to its own remote, the walk stops at what origin has: a finding
	push_blocked origin HEAD:main
	expect_out "aws-access-key-id"
}

missing_object_fails_closed() {
	mk_pair
	commit_nv "new" n.txt "fresh content $$"
	blob=$(git rev-parse HEAD:n.txt)
	rm -f ".git/objects/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-)"
	push_blocked origin HEAD:main
	expect_out "leakstop: cannot scan: cannot read 'n.txt' (object $(echo "$blob" | cut -c1-12))"
	expect_out "push anyway: LEAKSTOP_OVERRIDE="
}

malformed_stdin_fails_closed() {
	mk_pair
	for input in "refs/heads/main abc refs/heads/main def" \
		"only three fields" \
		"refs/heads/main $(git rev-parse HEAD)  refs/heads/main $(git rev-parse HEAD)"; do
		printf '%s\n' "$input" | "$LEAKSTOP" hook pre-push origin x \
			>/dev/null 2>../$OUT
		[ $? -eq 2 ] || die "malformed input did not fail closed: $input"
		expect_out "cannot scan: stdin:1:"
	done
	: | "$LEAKSTOP" hook pre-push origin x || die "empty input blocked"
}

many_commits_no_cap() {
	mk_pair
	{
		for i in $(seq 1 300); do
			printf 'commit refs/heads/main\ncommitter T <t@x> %s +0000\n' $((1700000000 + i))
			printf 'data 2\nc%s\n' ''
			[ "$i" -eq 1 ] && printf 'from %s\n' "$(git rev-parse HEAD)"
			if [ "$i" -eq 7 ]; then
				line="k=$(aws_key)"
				printf 'M 100644 inline s.txt\ndata %d\n%s\n' $((${#line} + 1)) "$line"
			else
				printf 'M 100644 inline f%s.txt\ndata 2\n%s\n' "$i" x
			fi
			echo
		done
	} | git fast-import --quiet --force || die fast-import
	git reset -q --hard main
	push_blocked origin main
	expect_out "s.txt:1:3  aws-access-key-id"
}

override_needs_trailer() {
	mk_pair
	echo "k=$(aws_key)" >a.env && git add a.env
	LEAKSTOP_OVERRIDE="test fixture" git commit -q -m "with override" \
		>../$OUT 2>&1 || die "override commit"
	git log -1 --format=%B | grep -q "^Leakstop-Override: [0-9a-f]\{16\} test fixture$" ||
		{ git log -1 --format=%B >&2; die "no trailer in the commit"; }
	echo "k=$(aws_key2)" >b.env && git add b.env
	git commit -q --no-verify -m "no hook, no trailer"
	push_blocked origin HEAD:main
	expect_out "b.env:1:3"
	expect_no_out "a.env:"
	LEAKSTOP_OVERRIDE="x" git push origin HEAD:main >../$OUT 2>&1 &&
		die "an env override at push time let a finding through"
	# amend with LEAKSTOP_ALLOW: the trailer makes the push pass
	fp=$(sed -n 's/.*b.env.*fingerprint \([0-9a-f]\{16\}\).*/\1/p' ../$OUT | head -1)
	[ -n "$fp" ] || die "no fingerprint shown"
	LEAKSTOP_ALLOW="$fp rotated, harmless" git commit -q --amend \
		--no-edit >../$OUT 2>&1 || { cat ../$OUT >&2; die amend; }
	git log -1 --format=%B | grep -q "^Leakstop-Override: $fp rotated, harmless$" ||
		die "LEAKSTOP_ALLOW added no trailer"
	push_passes origin HEAD:main
	expect_out "2 findings let through by the commits' Leakstop-Override trailers"
	grep -c 'reason=' .git/leakstop/audit.log | grep -qx 2 ||
		die "expected two audit lines"
}

abandoned_override_leaves_no_trailer() {
	mk_pair
	echo "k=$(aws_key)" >a.env && git add a.env
	# pre-commit passes with the override, then the commit is abandoned
	GIT_EDITOR=false LEAKSTOP_OVERRIDE="x" git commit -q >../$OUT 2>&1 &&
		die "a failing editor should abort the commit"
	git reset -q && rm a.env
	echo clean >c && git add c && git commit -q -m clean
	git log -1 --format=%B | grep -q Leakstop-Override &&
		die "a stale trailer reached another commit"
	return 0
}

test_case "pre-push accepts an override only with the commit's trailer" \
	override_needs_trailer
test_case "an abandoned commit's trailers do not reach the next one" \
	abandoned_override_leaves_no_trailer
test_case "secret in a middle commit blocks, naming the commit" \
	secret_in_middle_commit
test_case "secret added then removed inside one push still blocks" \
	added_then_removed_inside_push
test_case "new branch over an old remote secret passes" \
	old_secret_on_remote_does_not_block
test_case "two refs, secret only in the second" second_ref_has_the_secret
test_case "deleting a branch passes" deletion_passes
test_case "force push scans the rewritten commits" \
	force_push_scans_new_commits
test_case "tags: annotated tag peeled; tag on a blob scanned" tag_push
test_case "merge whose conflict resolution adds a secret blocks" \
	merge_resolution_adds_secret
test_case "merge of a branch the remote has passes" clean_merge_passes
test_case "shallow clone: fails closed past its history" \
	shallow_clone_fails_closed
test_case "a missing object fails closed" missing_object_fails_closed
test_case "malformed pre-push input fails closed" \
	malformed_stdin_fails_closed
test_case "300 commits, no cap" many_commits_no_cap
