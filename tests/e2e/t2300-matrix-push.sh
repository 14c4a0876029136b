#!/bin/sh
# pre-push cases of the reliability matrix (P1-P18, and G13, whose
# backstop is the push) that t2000 leaves open: refs of every kind, many
# commits and refs, pushes to a URL. See tests/MATRIX.md.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)

# record_stdin: a pre-push hook that was there before leakstop's, which
# the shim chains: it records its arguments and stdin in ../pushed.
record_stdin() {
	printf '#!/bin/sh\necho "args $1 $2" >>../pushed\ncat >>../pushed\n' \
		>.git/hooks/pre-push.leakstop-chained
	chmod +x .git/hooks/pre-push.leakstop-chained
}

# G13, P12: cherry-pick and revert run no pre-commit hook; the push
# blocks what they bring.
cherry_pick_and_revert() {
	mk_pair
	git checkout -q -b side
	commit_nv "side secret" s.txt "k=$(aws_key)"
	git checkout -q main 2>/dev/null || git checkout -q -b main origin/main
	git cherry-pick side >/dev/null 2>&1 || die "cherry-pick refused"
	push_blocked origin HEAD:main
	expect_out "s.txt:1:3  aws-access-key-id"
	expect_out "in $(git rev-parse --short=7 HEAD) \"side secret\""
	git reset -q --hard origin/main
	# a secret already published, then removed; revert brings it back
	commit_nv "old" o.txt "k=$(aws_key2)"
	git rm -q o.txt && git commit -q --no-verify -m "remove it"
	git push -q --no-verify origin HEAD:main 2>/dev/null || die "seed push"
	git revert --no-edit HEAD >/dev/null 2>&1 || die "revert refused"
	push_blocked origin HEAD:main
	expect_out "o.txt:1:3  aws-access-key-id"
	expect_out "in $(git rev-parse --short=7 HEAD) \"Revert"
	assert_no_leak "$(aws_key)"
	assert_no_leak "$(aws_key2)"
}

# P3: a deletion beside an update: the update is still scanned.
delete_and_update() {
	mk_pair
	git checkout -q -b old && commit_nv o o.txt clean
	git push -q origin old 2>/dev/null || die "seed old"
	git checkout -q -b new main 2>/dev/null ||
		git checkout -q -b new origin/main
	commit_nv "new secret" n.txt "k=$(aws_key)"
	push_blocked origin :old new
	expect_out "n.txt:1:3  aws-access-key-id"
	remote_ref old >/dev/null || die "old was deleted by a refused push"
	git reset -q --hard HEAD~1 && commit_nv "new clean" n.txt clean
	push_passes origin :old new
	remote_ref old >/dev/null && die "old not deleted"
	remote_ref new >/dev/null || die "new not pushed"
}

# P4: force push over a commit this clone never fetched.
force_over_unknown() {
	mk_pair
	commit_nv "old secret" s.txt "k=$(aws_key2)"
	git push -q --no-verify origin HEAD:main 2>/dev/null || die "seed"
	cd .. && git clone -q -b main remote.git other 2>/dev/null && cd other ||
		die "second clone"
	git config user.name T && git config user.email t@x
	commit_nv "theirs" t.txt theirs
	git push -q --no-verify origin HEAD:main 2>/dev/null || die "their push"
	theirs=$(git rev-parse HEAD)
	cd ../r || die cd
	git cat-file -e "$theirs" 2>/dev/null && die "clone r has their commit"
	commit_nv "ours" s2.txt "t=$(gh_token)"
	push_blocked -f origin HEAD:main
	expect_out "s2.txt:1:3  github-personal-access-token"
	expect_out "\"ours\""
	# what origin/main has is not scanned again
	expect_no_out "aws-access-key-id"
	expect_out "leakstop: 1 secret in commits to push"
	[ "$(remote_ref main)" = "$theirs" ] || die "the remote ref moved"
	git reset -q --hard HEAD~1 && commit_nv "ours clean" c.txt clean
	push_passes -f origin HEAD:main
}

# P5: a branch, an annotated tag and a deletion; only the tag (the
# second line) brings a secret.
branch_tag_delete() {
	mk_pair
	git checkout -q -b feat && commit_nv f f.txt clean
	git push -q origin feat 2>/dev/null || die "seed feat"
	git checkout -q -b b2 && commit_nv "b2 work" b.txt clean
	git checkout -q --detach
	commit_nv "tagged secret" t.txt "k=$(aws_key)"
	git tag -a v1 -m "release 1"
	git checkout -q b2
	push_blocked origin b2 v1 :feat
	expect_out "t.txt:1:3  aws-access-key-id"
	expect_out "\"tagged secret\""
	remote_ref feat >/dev/null || die "feat deleted by a refused push"
	remote_ref b2 >/dev/null && die "b2 pushed by a refused push"
	remote_ref v1 >/dev/null && die "v1 pushed by a refused push"
	git tag -d v1 >/dev/null && git tag -a v1 -m "release 1" b2
	push_passes origin b2 v1 :feat
	remote_ref feat >/dev/null && die "feat not deleted"
	return 0
}

# P6: a lightweight tag; an annotated tag of an annotated tag; a tag on
# a blob (annotated); a tag on a tree is never let through unscanned.
tag_kinds() {
	mk_pair
	git checkout -q --detach
	commit_nv "light" l.txt "k=$(aws_key)"
	git tag light
	git checkout -q main 2>/dev/null || git checkout -q -b main origin/main
	push_blocked origin light
	expect_out "l.txt:1:3  aws-access-key-id"
	expect_out "\"light\""
	git tag -a inner -m inner light && git tag -a outer -m outer inner
	push_blocked origin outer
	expect_out "l.txt:1:3  aws-access-key-id"
	blob=$(printf 'x\nt=%s\n' "$(gh_token)" | git hash-object -w --stdin)
	git tag -a blobtag -m "a blob" "$blob"
	push_blocked origin blobtag
	expect_out "refs/tags/blobtag:2:3  github-personal-access-token"
	git tag treetag "$(git rev-parse light^{tree})"
	push_blocked origin treetag
	remote_ref treetag >/dev/null && die "a tree tag was pushed"
	assert_no_leak "$(aws_key)"
	assert_no_leak "$(gh_token)"
}

# P6: a tag on a tree is scanned like a commit with no parent.
tree_tag_scanned() {
	mk_pair
	mkdir d && echo "k=$(aws_key)" >d/s.txt && git add d
	tree=$(git write-tree) && git reset -q
	git tag treetag "$tree"
	push_blocked origin treetag
	expect_out "d/s.txt:1:3  aws-access-key-id"
	git tag clean "$(git rev-parse HEAD^{tree})"
	push_passes origin clean
}

# fast_import N SECRETS...: N commits on main after HEAD, by fast-import;
# commit number I gets file sI.txt with the secret given as "I=secret".
fast_import() {
	n=$1
	shift
	for i in $(seq 1 "$n"); do
		printf 'commit refs/heads/main\n'
		printf 'committer T <t@x> %s +0000\n' $((1700000000 + i))
		printf 'data %d\nc%d\n' $((${#i} + 2)) "$i"
		[ "$i" -eq 1 ] && printf 'from %s\n' "$(git rev-parse HEAD)"
		line=
		for s in "$@"; do
			[ "${s%%=*}" = "$i" ] && line="k=${s#*=}"
		done
		if [ -n "$line" ]; then
			printf 'M 100644 inline s%d.txt\ndata %d\n%s\n' "$i" \
				$((${#line} + 1)) "$line"
		else
			printf 'M 100644 inline f%d.txt\ndata %d\n%d\n' \
				$((i % 50)) $((${#i} + 1)) "$i"
		fi
		echo
	done |
		# glibc's default trims the heap on each free; fast-import's
		# allocation pattern then spends seconds in brk on some VMs
		MALLOC_TOP_PAD_=33554432 git fast-import --quiet --force ||
		die fast-import
	git reset -q --hard main
}

# P7: 1000 commits, secrets in the first, the 500th and the last.
thousand_commits() {
	mk_pair
	fast_import 1000 "1=$(aws_key)" "500=$(aws_key2)" "1000=$(gh_token)"
	[ "$(git rev-list --count origin/main..main)" -eq 1000 ] ||
		die "not 1000 commits"
	push_blocked origin main
	expect_out "leakstop: 3 secrets in commits to push"
	expect_out "s1.txt:1:3  aws-access-key-id"
	expect_out "\"c1\""
	expect_out "s500.txt:1:3  aws-access-key-id"
	expect_out "\"c500\""
	expect_out "s1000.txt:1:3  github-personal-access-token"
	expect_out "\"c1000\""
	assert_no_leak "$(gh_token)"
}

# P8, P17: 1000 refs in one push; the secret only behind the last line.
# Every line reaches leakstop and, once clean, the chained hook.
thousand_refs() {
	mk_pair
	record_stdin
	base=$(git rev-parse HEAD)
	git checkout -q --detach
	commit_nv "last ref" s.txt "k=$(aws_key)"
	for i in $(seq -w 1 1000 | head -n 999); do
		echo "create refs/heads/b$i $base"
	done | git update-ref --stdin || die update-ref
	git update-ref refs/heads/b1000 HEAD
	push_blocked origin 'refs/heads/b*:refs/heads/b*'
	expect_out "s.txt:1:3  aws-access-key-id"
	expect_out "\"last ref\""
	grep -qi -e "signal" -e "broken pipe" ../$OUT && die "SIGPIPE"
	[ -e ../pushed ] && die "chained hook ran after a finding"
	[ -z "$(git --git-dir=../remote.git for-each-ref refs/heads/b*)" ] ||
		die "refs pushed by a refused push"
	git update-ref refs/heads/b1000 "$base"
	push_passes origin 'refs/heads/b*:refs/heads/b*'
	[ "$(grep -c '^refs/heads/b[0-9]* [0-9a-f]* refs/heads/b' ../pushed)" \
		-eq 1000 ] || die "the chained hook got $(wc -l <../pushed) lines"
	tail -n 1 ../pushed | grep -q '^refs/heads/b1000 ' ||
		die "b1000 was not the last line"
	[ "$(git --git-dir=../remote.git for-each-ref refs/heads/b* | wc -l)" \
		-eq 1000 ] || die "not 1000 refs on the remote"
}

# P9: a push to a URL: no remote name, no tracking refs.
push_to_url() {
	mk_pair
	record_stdin
	url=$(cd ../remote.git && pwd)
	commit_nv "to a url" u.txt "k=$(aws_key)"
	push_blocked "$url" HEAD:refs/heads/x
	expect_out "u.txt:1:3  aws-access-key-id"
	expect_out "\"to a url\""
	git reset -q --hard HEAD~1
	commit_nv "clean" c.txt clean
	push_passes "$url" HEAD:refs/heads/x
	grep -qxF "args $url $url" ../pushed || die "hook args: $(head -1 ../pushed)"
	remote_ref x >/dev/null || die "x not pushed"
	# an update of a ref the URL has: only the new commit counts
	commit_nv "more" m.txt "k=$(aws_key2)"
	push_blocked "$url" HEAD:refs/heads/x
	expect_out "leakstop: 1 secret in commits to push"
	expect_out "m.txt:1:3"
}

# P14: a push with nothing to send: git runs the hook with empty stdin.
up_to_date() {
	mk_pair
	record_stdin
	push_passes origin HEAD:main
	expect_out "Everything up-to-date"
	[ "$(cat ../pushed)" = "args origin $(cd ../remote.git && pwd)" ] ||
		die "hook input: $(cat ../pushed)"
}

# P16: a SHA-256 repository's push fails closed, saying why.
sha256_push() {
	git init -q --bare --object-format=sha256 remote.git
	git init -q --object-format=sha256 r && cd r || die init
	git config user.name T && git config user.email t@x
	git remote add origin ../remote.git
	# (leakstop install cannot open it either: the shim by hand)
	sed "s|@LEAKSTOP@|$LEAKSTOP|" "$TOP/hook/pre-push" >.git/hooks/pre-push
	chmod +x .git/hooks/pre-push
	echo "k=$(aws_key)" >s.txt && git add s.txt && git commit -q -m s
	push_blocked origin HEAD:main
	expect_out "leakstop: cannot scan: stdin:1: SHA-256 object names"
	remote_ref main >/dev/null && die "pushed"
	return 0
}

# P18: git push --no-verify cannot be stopped on the client; the README
# says so and names the server hook as the backstop.
readme_no_verify() {
	grep -q 'git push --no-verify' "$TOP/README.md" ||
		die "README does not say that git push --no-verify skips pre-push"
	grep -q 'pre-receive' "$TOP/README.md" ||
		die "README names no server backstop"
}

test_case "G13/P12 cherry-pick and revert bring a secret: the push blocks" \
	cherry_pick_and_revert
test_case "P3 a deletion beside an update: the update is scanned" \
	delete_and_update
test_case "P4 force push over a commit this clone never fetched" \
	force_over_unknown
test_case "P5 branch, annotated tag and deletion; secret in the second" \
	branch_tag_delete
test_case "P6 lightweight, nested annotated, blob and tree tags are scanned" \
	tag_kinds
test_case "P6 a tag on a tree is scanned" \
	tree_tag_scanned
test_case "P7 1000 commits by fast-import: every one scanned" \
	thousand_commits
test_case "P8/P17 1000 refs: every line read, chained hook gets them all" \
	thousand_refs
test_case "P9 push to a URL" push_to_url
test_case "P14 nothing to push: the hook runs with empty stdin and passes" \
	up_to_date
test_case "P16 SHA-256 repository: push fails closed saying why" sha256_push
test_case "P18 README: git push --no-verify and the server backstop" \
	readme_no_verify
