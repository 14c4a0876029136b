#!/bin/sh
# Build the benchmark repositories, deterministically (fixed seeds, fixed
# dates: the same commit ids every time).
#
#   bench/perf/mkrepos.sh OUTDIR [KIND...]
#
# KIND: synth-4k big-60k bulk-10k history-10k (default: all). A repository
# already complete in OUTDIR is kept; delete it to rebuild. OUTDIR must not
# be inside this git repository (use /tmp). See README.md for what each
# repository holds. About 4 minutes on 2 cores, ~1.5 GB of disk.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [synth-4k|big-60k|bulk-10k|history-10k]..." >&2; exit 64; }
OUT=$1; shift
[ $# -gt 0 ] || set -- synth-4k big-60k bulk-10k history-10k

OUT=$(realpath -m "$OUT")
TOP=$(cd "$HERE/../.." && pwd -P)
case "$OUT/" in
"$TOP"/*) echo "mkrepos: $OUT is inside $TOP; put the repositories elsewhere (/tmp)" >&2; exit 64 ;;
esac
mkdir -p "$OUT"

# No user or system git config may change what is generated.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C TZ=UTC

for kind in "$@"; do
    case $kind in
    synth-4k|big-60k|bulk-10k|history-10k) ;;
    *) echo "mkrepos: unknown kind $kind" >&2; exit 64 ;;
    esac
    dir=$OUT/$kind
    if [ -f "$dir/.git/bench-complete" ]; then
        echo "mkrepos: $kind: kept ($dir)"
    else
        rm -rf "$dir" "$dir.tmp"
        start=$(date +%s)
        python3 "$HERE/gen.py" "$kind" "$dir.tmp"
        date -u +%Y-%m-%dT%H:%M:%SZ > "$dir.tmp/.git/bench-complete"
        mv "$dir.tmp" "$dir"
        echo "mkrepos: $kind: built in $(( $(date +%s) - start )) s"
    fi
    [ -n "${MKREPOS_QUIET:-}" ] || (
        cd "$dir"
        commits=$(git rev-list --count HEAD)
        files=$(git ls-tree -r HEAD | wc -l)
        tree_mb=$(git ls-tree -r -l HEAD | awk '{s += $4} END {printf "%.1f", s / 1e6}')
        staged=$(git diff --cached --name-only | wc -l)
        added=$(git diff --cached -U0 --no-color --no-ext-diff | awk '/^\+\+\+ /{next} /^\+/{s += length($0)} END {print s + 0}')
        echo "mkrepos: $kind: HEAD $(git rev-parse --short=12 HEAD), $commits commits, $files files ($tree_mb MB) in HEAD, staged: $staged files, $added bytes added"
    )
done
