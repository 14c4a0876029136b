#!/bin/sh
# run.sh - run the libFuzzer targets built by build.sh, one at a time
#
#   fuzz/run.sh [-t SECONDS] [-k] [TARGET...]
#
#   -t SECONDS  time per target (default 180; CI wants 600)
#   -k          keep going after a crash (-fork=1 -ignore_crashes=1), for
#               a target whose known bug would otherwise stop it at once
#
# Each target starts from tests/fuzz-corpus/<target>/ (its crash-* and
# regress-* files left out) plus what earlier runs kept in
# $FUZZBUILD/corpus/<target>/; new crashes go to
# $FUZZBUILD/artifacts/<target>/. One line per target gives executions,
# exec/s, coverage and crashes. Nothing in the tree is
# written: merge a run into the seeds by hand (see fuzz/README.md).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZBUILD:-/tmp/fuzzbuild}
SECS=180
KEEP=0
while getopts t:k opt; do
	case $opt in
	t) SECS=$OPTARG ;;
	k) KEEP=1 ;;
	*) echo "usage: $0 [-t SECONDS] [-k] [TARGET...]" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
TARGETS=${*:-rules inifile db pushspec lines escape filter marker config indexfile pack}

status=0
for t in $TARGETS; do
	bin=$OUT/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "run.sh: no $bin; run fuzz/build.sh" >&2
		exit 2
	fi
	work=$OUT/corpus/$t
	seeds=$OUT/seeds/$t
	art=$OUT/artifacts/$t
	rm -rf "$seeds"
	mkdir -p "$work" "$seeds" "$art"
	for f in "$ROOT/tests/fuzz-corpus/$t"/*; do
		# Reproducers: crash-* still fail, regress-* are big or slow.
		case $(basename "$f") in crash-* | regress-*) continue ;; esac
		[ -f "$f" ] && cp "$f" "$seeds/"
	done
	extra=
	[ $KEEP = 1 ] && extra="-fork=1 -ignore_crashes=1"
	log=$OUT/run-$t.log
	set +e
	# shellcheck disable=SC2086
	(cd "$art" && "$bin" -max_total_time="$SECS" -rss_limit_mb=4096 \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$art/" \
		$extra "$work" "$seeds") >"$log" 2>&1
	rc=$?
	set -e
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	crashes=$(find "$art" -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' | wc -l)
	echo "$t: rc=$rc crashes=$crashes $last"
	[ $rc -eq 0 ] || status=1
done
exit $status
