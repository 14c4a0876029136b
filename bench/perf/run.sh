#!/bin/bash
# leakstop performance benchmark: pre-commit side by side with git itself,
# git-secrets and secretlint; history scan against git log -p; peak RSS.
#
#   bench/perf/run.sh [LEAKSTOP]
#
# LEAKSTOP: the installed binary (default build/stage/bin/leakstop; its
# rules.db must be at BIN/../lib/leakstop/rules.db). Both are copied to a
# temporary folder first, so a rebuild during the run cannot change them.
#
# Environment:
#   LEAKSTOP_PERF_REPOS  where the repositories are (built by mkrepos.sh when
#                        missing), default /tmp/leakstop-perf
#   WARMUP=3 MIN_RUNS=10 hyperfine settings
#   CAP=60               seconds: a command whose first (probe) run takes
#                        longer is stopped and reported as a timeout
#   LONG=20              seconds: a command whose probe run took longer is
#                        measured once more only, and marked "(1 run)"
#   CASES="synth-4k synth-4k-blocking big-60k bulk-10k history-10k"
#
# Prints one Markdown table and summary lines on stdout; progress on stderr.
# Needs bench/perf/setup.sh to have run. About 5 minutes on 2 cores.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${1:-$TOP/build/stage/bin/leakstop}
REPOS=${LEAKSTOP_PERF_REPOS:-/tmp/leakstop-perf}
WARMUP=${WARMUP:-3}
MIN_RUNS=${MIN_RUNS:-10}
CAP=${CAP:-60}
LONG=${LONG:-20}
CASES=${CASES:-synth-4k synth-4k-blocking big-60k bulk-10k history-10k}

SL=$HERE/node/node_modules/.bin/secretlint
SLRC=$HERE/node/.secretlintrc.json

die() { echo "run.sh: $*" >&2; exit 2; }
say() { echo "run.sh: $*" >&2; }

# --- prerequisites ----------------------------------------------------------
[ -x "$BIN" ] || die "no leakstop at $BIN (make -C $TOP install PREFIX=$TOP/build/stage)"
DB=$(dirname "$BIN")/../lib/leakstop/rules.db
[ -f "$DB" ] || die "no rules.db beside $BIN (expected $DB)"
for t in hyperfine git-secrets /usr/bin/time python3; do
    command -v "$t" >/dev/null 2>&1 || die "$t missing: run $HERE/setup.sh"
done
[ -x "$SL" ] && [ -f "$SLRC" ] || die "secretlint missing: run $HERE/setup.sh"

WORK=$(mktemp -d /tmp/leakstop-perf-run.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/stage/bin" "$WORK/stage/lib/leakstop"
cp "$BIN" "$WORK/stage/bin/leakstop"
BIN_ID="$(sha256sum "$BIN" | cut -c1-12), installed $(date -u -r "$BIN" +%Y-%m-%dT%H:%MZ); source HEAD $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
cp "$DB" "$WORK/stage/lib/leakstop/rules.db"
LS=$WORK/stage/bin/leakstop

# No user or system git config changes what git, git-secrets or libgit2 do.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C

MKREPOS_QUIET=1 "$HERE/mkrepos.sh" "$REPOS" >&2

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)
RESULTS=$WORK/results.tsv   # case tool median_s runs exit rss_kb note cpu_s
: > "$RESULTS"
N=0

# bench CASE TOOL CMD: run CMD (sh -c, in the current directory) once as a
# probe (warms the cache; gives exit code and max RSS), then with hyperfine.
bench() {
    local case=$1 tool=$2 cmd=$3 json e rss rc w median runs note=
    N=$((N + 1))
    json=$WORK/$N.json
    /usr/bin/time -o "$WORK/probe" -f '%e %M %x' \
        timeout "$CAP" sh -c "$cmd" >/dev/null 2>&1 || true
    read -r e rss rc < <(tail -n 1 "$WORK/probe")
    if [ "$rc" = 124 ]; then
        say "$case | $tool: timed out after $CAP s"
        printf '%s\t%s\t-\t0\t%s\t%s\ttimeout\t-\n' "$case" "$tool" "$rc" "$rss" >> "$RESULTS"
        return
    fi
    if awk -v e="$e" -v l="$LONG" 'BEGIN {exit !(e > l)}'; then
        hyperfine -i --style none --runs 1 --export-json "$json" \
            -n "$tool" "$cmd" >/dev/null 2>>"$WORK/hyperfine.log"
        note="1 run"
    else
        hyperfine -i --style none --warmup "$WARMUP" --min-runs "$MIN_RUNS" \
            --export-json "$json" -n "$tool" "$cmd" >/dev/null 2>>"$WORK/hyperfine.log"
    fi
    read -r median runs cpu < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["median"], len(r["times"]), r["user"] + r["system"])' "$json")
    say "$case | $tool: median $(awk -v m="$median" 'BEGIN {printf "%.1f", m * 1000}') ms over $runs runs (CPU $(awk -v m="$cpu" 'BEGIN {printf "%.1f", m * 1000}') ms), exit $rc, max RSS $((rss / 1024)) MiB"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" "$median" "$runs" "$rc" "$rss" "$note" "$cpu" >> "$RESULTS"
}

register_aws() { # git-secrets' AWS patterns in this repository's own config
    git config --get-all secrets.patterns >/dev/null 2>&1 || git secrets --register-aws >/dev/null
}

# precommit CASE REPO [INDEX]: the four pre-commit rows of one case.
precommit() {
    local case=$1 repo=$REPOS/$2 pre=
    [ $# -ge 3 ] && pre="GIT_INDEX_FILE=$repo/.git/$3; export GIT_INDEX_FILE; "
    cd "$repo"
    register_aws
    bench "$case" "git diff --cached -U0" "${pre}exec git diff --cached -U0 --no-color --no-ext-diff"
    bench "$case" "leakstop" "${pre}exec $LS hook pre-commit"
    bench "$case" "git-secrets" "${pre}exec git secrets --pre_commit_hook"
    bench "$case" "secretlint" "${pre}git diff --cached --name-only -z --diff-filter=ACMR | xargs -0 $SL --secretlintrc $SLRC"
    if [ "$case" = synth-4k ]; then
        # What a hook that calls `npx secretlint` pays on top: one more Node.
        bench "$case" "secretlint via npx" "${pre}git diff --cached --name-only -z --diff-filter=ACMR | xargs -0 npx --prefix $HERE/node --no-install secretlint --secretlintrc $SLRC"
    fi
}

HIST_LOG_BYTES= HIST_BLOB_BYTES= HIST_CAT_BYTES= HIST_BLOBS=
history() {
    local repo=$REPOS/history-10k
    cd "$repo"
    say "history-10k: measuring output sizes"
    HIST_LOG_BYTES=$(git log -p --all | wc -c)
    HIST_CAT_BYTES=$(git cat-file --batch-all-objects --batch | wc -c)
    read -r HIST_BLOBS HIST_BLOB_BYTES < <(git cat-file --batch-all-objects \
        --batch-check='%(objecttype) %(objectsize)' |
        awk '$1 == "blob" {n++; s += $2} END {print n, s}')
    bench history-10k "git log -p --all" "exec git log -p --all"
    bench history-10k "leakstop scan --history" "exec $LS scan --history"
    bench history-10k "git cat-file --batch-all-objects --batch" "exec git cat-file --batch-all-objects --batch"
}

RSS_MAX= RSS_MED=
peak_rss() { # leakstop pre-commit on big-60k, 5 runs of /usr/bin/time -v
    cd "$REPOS/big-60k"
    local i out=()
    for i in 1 2 3 4 5; do
        /usr/bin/time -v -o "$WORK/timev" "$LS" hook pre-commit >/dev/null 2>&1 || true
        out+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/timev")")
    done
    RSS_MAX=$(printf '%s\n' "${out[@]}" | sort -n | tail -n 1)
    RSS_MED=$(printf '%s\n' "${out[@]}" | sort -n | sed -n 3p)
}

for c in $CASES; do
    case $c in
    synth-4k) precommit synth-4k synth-4k ;;
    synth-4k-blocking) precommit synth-4k-blocking synth-4k index-blocking ;;
    big-60k) precommit big-60k big-60k ;;
    bulk-10k) precommit bulk-10k bulk-10k ;;
    history-10k) history ;;
    *) die "unknown case $c" ;;
    esac
done
case " $CASES " in *" big-60k "*) peak_rss ;; esac
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - T0 ))

# --- report ----------------------------------------------------------------
python3 - "$RESULTS" "$CAP" <<'PY'
import sys
cap = sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
base, ls = {}, {}
for case, tool, med, runs, rc, rss, note, cpu in rows:
    if med == "-":
        continue
    if tool in ("git diff --cached -U0", "git log -p --all"):
        base[case] = float(med)
    if tool.startswith("leakstop"):
        ls[case] = float(med)
def ratio(v, d):
    return "%.2fx" % (v / d) if d else "-"
print("| case | tool | median ms | ratio vs git diff | ratio vs leakstop | CPU ms |")
print("|---|---|---:|---:|---:|---:|")
for case, tool, med, runs, rc, rss, note, cpu in rows:
    if med == "-":
        print(f"| {case} | {tool} | > {cap}000 (timed out) | - | - | - |")
        continue
    v = float(med)
    cell = "%.1f" % (v * 1000) + (f" ({note})" if note else "")
    print(f"| {case} | {tool} | {cell} | {ratio(v, base.get(case))} | "
          f"{ratio(v, ls.get(case))} | {float(cpu) * 1000:.1f} |")
print()
print("For history-10k the \"git diff\" column is relative to `git log -p --all`. "
      "CPU ms = mean user + system time per run.")
codes = {}
for case, tool, med, runs, rc, rss, note, cpu in rows:
    codes.setdefault(case, []).append(f"{tool} {rc}")
print("Exit codes (first run): " + "; ".join(f"{c}: " + ", ".join(v) for c, v in codes.items()) + ".")
print("leakstop max RSS (first run, MiB): " + ", ".join(
    f"{case} {int(rss) / 1024:.0f}" for case, tool, med, runs, rc, rss, note, cpu in rows
    if tool.startswith("leakstop")) + ".")
PY
if [ -n "$HIST_LOG_BYTES" ]; then
    python3 - "$RESULTS" "$HIST_LOG_BYTES" "$HIST_BLOB_BYTES" "$HIST_BLOBS" "$HIST_CAT_BYTES" <<'PY'
import sys
rows = {r[1]: r for r in (l.rstrip("\n").split("\t") for l in open(sys.argv[1])) if r[0] == "history-10k"}
log_b, blob_b, blobs, cat_b = (int(x) for x in sys.argv[2:6])
def med(tool):
    r = rows.get(tool)
    return float(r[2]) if r and r[2] != "-" else None
g, l, c = med("git log -p --all"), med("leakstop scan --history"), med("git cat-file --batch-all-objects --batch")
mb = lambda b: b / 1e6
print()
if g:
    print(f"History: `git log -p --all` writes {mb(log_b):.1f} MB in {g:.2f} s = {mb(log_b)/g:.1f} MB/s.")
if l:
    line = f"History: `leakstop scan --history` takes {l:.2f} s"
    if g:
        line += f": {mb(log_b)/l:.1f} MB/s of `git log -p` output equivalent, {g/l:.2f}x git log -p throughput (target >= 0.9x)"
    import os
    cores = os.cpu_count() or 1
    line += f"; {blobs} blobs, {mb(blob_b):.1f} MB of blob content = {mb(blob_b)/l:.1f} MB/s on {cores} cores, {mb(blob_b)/l/cores:.1f} MB/s per core (target >= 250 MB/s per core)."
    print(line)
if c:
    print(f"History: `git cat-file --batch-all-objects --batch` reads {mb(cat_b):.1f} MB (all objects) in {c:.2f} s = {mb(cat_b)/c:.1f} MB/s.")
PY
fi
if [ -n "$RSS_MAX" ]; then
    echo "Peak RSS: leakstop hook pre-commit on big-60k, /usr/bin/time -v over 5 runs: max $((RSS_MAX / 1024)) MiB ($RSS_MAX KiB), median $((RSS_MED / 1024)) MiB (target <= 50 MiB)."
fi
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr); $("$LS" version) (binary sha256 $BIN_ID); $(git --version); hyperfine $(hyperfine --version | cut -d' ' -f2); git-secrets $(dpkg-query -W -f='${Version}' git-secrets 2>/dev/null); secretlint $("$SL" --version) on node $(node --version)."
echo "Load average (1/5/15 min) at start: $LOAD0; at end: $LOAD1. Benchmark time: $ELAPSED s. $(date -u +%Y-%m-%d)."
