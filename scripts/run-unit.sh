#!/usr/bin/env bash
# Run cmocka unit test binaries one after the other.
#
#   scripts/run-unit.sh BIN...
#
# Each binary's output is shown as it runs.  The counts of cmocka's summary lines
# ("[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:") are added up
# and printed at the end as one line:  unit: N passed, M failed
# The first binary that fails (non-zero exit) stops the run; the summary is still printed
# and the script exits non-zero.  A binary that dies without printing a FAILED count
# (crash, sanitizer report, leak found at exit) counts as one failure.
# With no arguments (no unit tests yet) it prints "unit: 0 passed, 0 failed" and succeeds.
set -u

passed=0
failed=0
status=0
log=$(mktemp "${TMPDIR:-/tmp}/dj-unit.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for bin in "$@"; do
    case "$bin" in
    */*) cmd=$bin ;;
    *) cmd=./$bin ;;
    esac
    if [ ! -x "$cmd" ]; then
        echo "run-unit: $bin: not found or not executable" >&2
        failed=$((failed + 1))
        status=1
        break
    fi

    echo "== $bin"
    # stdout and stderr both go to the terminal and into $log (cmocka writes failure
    # details to stderr); the binary's own exit status comes from PIPESTATUS.
    "$cmd" 2>&1 </dev/null | tee "$log"
    rc=${PIPESTATUS[0]}

    p=$(sed -n 's/^\[  PASSED  \] *\([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
    f=$(sed -n 's/^\[  FAILED  \] *\([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
    passed=$((passed + p))
    failed=$((failed + f))

    if [ "$rc" -ne 0 ]; then
        if [ "$f" -eq 0 ]; then
            # no failed test reported, yet a non-zero exit: a crash or a sanitizer finding
            failed=$((failed + 1))
        fi
        if [ "$rc" -gt 128 ]; then
            echo "run-unit: $bin killed by signal $((rc - 128))" >&2
        else
            echo "run-unit: $bin exited with status $rc" >&2
        fi
        status=1
        break
    fi
done

echo "unit: $passed passed, $failed failed"
exit "$status"
