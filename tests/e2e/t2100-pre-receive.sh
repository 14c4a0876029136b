#!/bin/sh
# pre-receive on a bare server repository: the pushed objects are read
# from git's quarantine; a secret rejects the push and no ref moves.
. "$(dirname "$0")/lib.sh"

mk_server() {
	git init -q --bare server.git
	(cd server.git && "$LEAKSTOP" install --server >/dev/null) ||
		die "install --server"
	[ -x server.git/hooks/pre-receive ] || die "no pre-receive installed"
	[ -e server.git/hooks/pre-commit ] && die "client hook on a server"
	git clone -q server.git c 2>/dev/null || die clone
	cd c || die cd
	git config user.name T && git config user.email t@example.invalid
	echo base >f && git add f && git commit -q -m base
	git push -q origin HEAD:main 2>/dev/null || die "first push"
}

rejects_secret() {
	mk_server
	echo "k=$(aws_key)" >s.txt && git add s.txt && git commit -q -m "add key"
	before=$(git --git-dir=../server.git rev-parse main)
	if git push origin HEAD:main >../$OUT 2>&1; then
		die "server accepted a secret"
	fi
	expect_out "remote: leakstop: 1 secret in pushed commits"
	expect_out "s.txt:1:3  aws-access-key-id"
	expect_out "push rejected by the server's secret scan"
	[ "$(git --git-dir=../server.git rev-parse main)" = "$before" ] ||
		die "the server ref moved"
	git --git-dir=../server.git cat-file -e "$(git rev-parse HEAD)" \
		2>/dev/null && die "quarantined objects were kept"
	assert_no_leak "$(aws_key)"
}

accepts_clean() {
	mk_server
	echo clean >g && git add g && git commit -q -m clean
	git push -q origin HEAD:main >../$OUT 2>&1 || die "clean push rejected"
	git checkout -q -b topic && echo t >t && git add t && git commit -q -m t
	git push -q origin topic >../$OUT 2>&1 || die "new branch rejected"
	git push -q origin :topic >../$OUT 2>&1 || die "deletion rejected"
}

old_secret_not_rescanned() {
	mk_server
	echo "k=$(aws_key)" >s.txt && git add s.txt && git commit -q -m old
	git --git-dir=../server.git update-ref refs/heads/main "$(git rev-parse HEAD)" 2>/dev/null ||
		git push -q --no-verify origin HEAD:main 2>/dev/null
	# put the commit on the server without the hook: fetch into it
	(cd ../server.git && git fetch -q ../c "+HEAD:refs/heads/main") ||
		die "seed server"
	git checkout -q -b new && echo n >n && git add n && git commit -q -m n
	git push -q origin new >../$OUT 2>&1 || { cat ../$OUT >&2; die "rejected"; }
}

malformed_input_fails_closed() {
	git init -q --bare s.git && cd s.git || die init
	printf 'not three fields\n' | "$LEAKSTOP" hook pre-receive \
		>/dev/null 2>../$OUT
	[ $? -eq 2 ] || die "malformed input did not fail closed"
	expect_out "cannot scan: stdin:1:"
}

test_case "server rejects a pushed secret; ref unchanged" rejects_secret
test_case "server accepts clean pushes, new branches and deletions" \
	accepts_clean
test_case "server does not rescan what it already has" \
	old_secret_not_rescanned
test_case "malformed pre-receive input fails closed" \
	malformed_input_fails_closed
