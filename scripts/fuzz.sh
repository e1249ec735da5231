#!/usr/bin/env bash
# Run the libFuzzer targets built into build/fuzz/ (see tests/fuzz/README.md).
#
#   scripts/fuzz.sh run TARGET...      fuzz each for $FUZZ_SECONDS (default 60), one after
#                                      the other at nice 19, and print a table of execs/s and
#                                      coverage; new inputs go to build/fuzz/corpus/TARGET
#                                      (scratch), the committed seeds are only read; the seeds
#                                      and new inputs are then merged (libFuzzer -merge=1)
#                                      into the minimal set build/fuzz/min/TARGET
#   scripts/fuzz.sh keep TARGET...     add to tests/fuzz/corpus/TARGET/found the fewest inputs
#                                      of the scratch corpus that cover what the committed
#                                      corpus does not (libFuzzer -set_cover_merge=1)
#   scripts/fuzz.sh replay TARGET...   run every committed seed and every input that ever
#                                      crashed (tests/fuzz/regress/TARGET) through each
#                                      target once, without fuzzing: part of `make test`
#
# A crash, leak or undefined behaviour stops that target; its input is written to
# build/fuzz/crashes/TARGET/ and the script exits non-zero after the others have run.
set -u
mode=${1:-}
shift || true
secs=${FUZZ_SECONDS:-60}
status=0

if command -v llvm-symbolizer-14 >/dev/null 2>&1; then
    export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14)}
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
mkdir -p build/fuzz/logs

# The value of "stat::NAME: V" in libFuzzer's final statistics, or "-".
stat() {
    sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -n 1 | grep . || echo -
}

# A field ("cov:", "ft:") of the last status line libFuzzer printed, or "-".
field() {
    grep -E '^#[0-9]+' "$2" | tail -n 1 | sed -n "s/.* $1 \([0-9]*\).*/\1/p" | grep . || echo -
}

case "$mode" in
run)
    rows=()
    for t in "$@"; do
        bin=build/fuzz/$t
        seeds=tests/fuzz/corpus/$t
        scratch=build/fuzz/corpus/$t
        min=build/fuzz/min/$t
        log=build/fuzz/logs/$t.log
        args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
              -artifact_prefix="build/fuzz/crashes/$t/")
        [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
        mkdir -p "$scratch" "build/fuzz/crashes/$t"
        echo "== $t: fuzzing for ${secs}s (log: $log)"
        nice -n 19 "$bin" "${args[@]}" "$scratch" "$seeds" >"$log" 2>&1
        rc=$?
        result=ok
        if [ "$rc" -ne 0 ]; then
            result="FAILED (exit $rc)"
            status=1
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|promise broken|artifact_prefix|Test unit written)' \
                "$log" | head -n 8 >&2
            echo "fuzz: $t: save the input into tests/fuzz/regress/$t/ before fixing" >&2
        fi
        rows+=("$(printf '%-9s %9s %7s %7s %10s %5s  %s' "$t" "$(stat average_exec_per_sec "$log")" \
            "$(field cov: "$log")" "$(field ft: "$log")" "$(stat number_of_executed_units "$log")" \
            "$(stat new_units_added "$log")" "$result")")
        rm -rf "$min" && mkdir -p "$min"
        nice -n 19 "$bin" -merge=1 "$min" "$seeds" "$scratch" >"build/fuzz/logs/$t.merge.log" 2>&1 ||
            echo "fuzz: $t: merge failed (build/fuzz/logs/$t.merge.log)" >&2
    done
    echo
    printf '%-9s %9s %7s %7s %10s %5s  %s\n' target execs/s cov ft runs new result
    printf '%s\n' "${rows[@]}"
    echo "seeds and new inputs merged to a minimal set: build/fuzz/min/TARGET;"
    echo "make fuzz-keep adds what covers more than the committed corpus to tests/fuzz/corpus/TARGET/found"
    ;;
keep)
    for t in "$@"; do
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/dj-fuzz-keep.XXXXXX") || exit 1
        # the committed corpus, flattened, as the merge's first corpus: only what adds to it
        # is added; the additions are the files the merge wrote (named by their SHA-1)
        find "tests/fuzz/corpus/$t" -type f ! -name '.*' -exec cp -t "$tmp" {} +
        ls "$tmp" >"$tmp.before"
        if nice -n 19 "build/fuzz/$t" -set_cover_merge=1 "$tmp" "build/fuzz/corpus/$t" \
            >"build/fuzz/logs/$t.keep.log" 2>&1; then
            mkdir -p "tests/fuzz/corpus/$t/found"
            n=0
            for f in "$tmp"/*; do
                grep -qxF "$(basename "$f")" "$tmp.before" && continue
                cp "$f" "tests/fuzz/corpus/$t/found/" && n=$((n + 1))
            done
            echo "fuzz-keep: $t: $n inputs added to tests/fuzz/corpus/$t/found"
        else
            echo "fuzz-keep: $t: merge failed (build/fuzz/logs/$t.keep.log)" >&2
            status=1
        fi
        rm -rf "$tmp" "$tmp.before"
    done
    ;;
replay)
    for t in "$@"; do
        files=()
        for d in "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"; do
            [ -d "$d" ] || continue
            while IFS= read -r -d '' f; do files+=("$f"); done \
                < <(find "$d" -type f ! -name '.*' ! -name README.md -print0 | sort -z)
        done
        if [ "${#files[@]}" -eq 0 ]; then
            echo "fuzz-replay: $t: no inputs" >&2
            status=1
            continue
        fi
        log=build/fuzz/logs/$t.replay.log
        # with files as arguments libFuzzer runs each once and exits: no fuzzing. FUZZ_JOBS:
        # body runs the score-run and daily-check handlers too (tests/fuzz/body.c, skipped)
        if FUZZ_JOBS=1 "build/fuzz/$t" -timeout=10 "${files[@]}" >"$log" 2>&1; then
            echo "fuzz-replay: $t: ${#files[@]} inputs ok"
        else
            echo "fuzz-replay: $t FAILED (log: $log)" >&2
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|promise broken|Running: )' "$log" |
                tail -n 6 >&2
            status=1
        fi
    done
    ;;
*)
    echo "usage: $0 run|keep|replay TARGET..." >&2
    exit 2
    ;;
esac
exit "$status"
