#!/bin/sh
# Run the whole suite for each build variant named (normal, sanitize):
# unit tests, every rule example and near miss, and the end-to-end tests
# against an installed copy of that build. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_variant() {
	v=$1
	case $v in
	normal) b=build; san=0 ;;
	sanitize) b=build-san; san=1 ;;
	*) echo "not ok - unknown variant '$v'"; return ;;
	esac
	stage=$top/$b/stage
	echo "# $v build"
	if ! make -s BUILD="$b" SAN="$san" all unit >"$top/$b.make.log" 2>&1 ||
	   ! make -s BUILD="$b" SAN="$san" PREFIX="$stage" install \
		>>"$top/$b.make.log" 2>&1; then
		echo "not ok - [$v] build"
		sed 's/^/# /' "$top/$b.make.log"
		return
	fi
	echo "ok - [$v] build"
	for t in "$top/$b"/tests/test_*; do
		case $t in *.d) continue ;; esac
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		printf '%s\n' "$out" | sed "s/^\(not \)\{0,1\}ok - /&[$v] /"
		# a crash or sanitizer abort must count even after "ok" lines
		if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok '; then
			echo "not ok - [$v] $(basename "$t") exited with $rc"
		fi
	done
	"$stage/bin/leakstop" rules --check 2>&1 |
		sed -e "s/^\(not \)\{0,1\}ok - /&[$v] /" -e '/^rules: /d'
	for t in "$top"/tests/e2e/t[0-9]*.sh; do
		LEAKSTOP="$stage/bin/leakstop" VARIANT="$v" sh "$t" 2>&1 |
			sed "s/^\(not \)\{0,1\}ok - /&[$v] /"
	done
}

# The fuzz corpus (seeds, minimized runs and every crash found) replayed
# through the standalone driver, under ASan+UBSan with gcc.
run_fuzz_regress() {
	echo "# fuzz corpus"
	"$top/fuzz/build.sh" --regress 2>&1 |
		sed -n -e 's/^ok /ok - [fuzz] /p' -e 's/^not ok /not ok - [fuzz] /p' \
			-e 's/^FAIL/# &/p'
}

# Detection quality on the seeded corpus of bench/detect: recall at the
# right line >= 97%, tricky negative files flagged <= 2%.
run_detect() {
	echo "# detection benchmark"
	out=$("$top/bench/detect/run.sh" --check "$top/build/stage/bin/leakstop" 2>&1)
	rc=$?
	line=$(printf '%s\n' "$out" | grep '^result:')
	if [ $rc -eq 0 ]; then
		echo "ok - [detect] $line"
	else
		echo "not ok - [detect] ${line:-run failed}"
		printf '%s\n' "$out" | tail -30 | sed 's/^/#   /'
	fi
}

# LeakSanitizer and UBSan report through a non-zero exit the tests see.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
# One suppression (tests/lsan.supp): a leak inside libgit2. It matches by
# function name, so the one test that meets it asks for full stacks.
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for v in "$@"; do
	if [ "$v" = fuzz ]; then
		run_fuzz_regress
	elif [ "$v" = detect ]; then
		run_detect
	else
		run_variant "$v"
	fi
done | tee "$log"
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
if [ "$failed" -gt 0 ]; then
	echo "# failed:"
	grep '^not ok ' "$log" | sed 's/^/#   /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
