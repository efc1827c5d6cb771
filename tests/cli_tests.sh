#!/usr/bin/env bash
# Runs every tests/cli/*.sh with GANC pointing at bin/ganc. Each script
# prints "PASS name", "FAIL name: why" or "SKIP name: why" per check; this
# prints them and a runner summary line that tests/run_all.sh tallies.
set -u
export GANC=${GANC:-bin/ganc}
export GANC_F64=${GANC_F64:-bin/ganc-f64}
pass=0 fail=0 skip=0
# Each script's wall and CPU seconds, to keep CI's time in view; CPU time
# is the figure that holds on a machine shared with other jobs.
TIMEFORMAT='%R %U %S'
for script in tests/cli/*.sh; do
    name=$(basename "$script" .sh)
    # GANC_CLI_EXCLUDE="train export" leaves scripts out (CI does so in
    # its sanitizer pass to stay within its time budget); they report SKIP.
    if [[ " ${GANC_CLI_EXCLUDE:-} " == *" $name "* ]]; then
        echo "SKIP $script: excluded by GANC_CLI_EXCLUDE"
        skip=$((skip + 1))
        continue
    fi
    { time out=$(bash "$script" 2>&1); status=$?; } 2>"${TMPDIR:-/tmp}/ganc_cli_time.$$"
    echo "$out"
    read -r real user sys <"${TMPDIR:-/tmp}/ganc_cli_time.$$"
    echo "[time] $script: ${real} s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.1f", u + s}') s CPU"
    pass=$((pass + $(grep -c '^PASS ' <<<"$out")))
    fail=$((fail + $(grep -c '^FAIL ' <<<"$out")))
    skip=$((skip + $(grep -c '^SKIP ' <<<"$out")))
    if [ $status -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
        echo "FAIL $script: exited $status without reporting a failure"
        fail=$((fail + 1))
    fi
done
rm -f "${TMPDIR:-/tmp}/ganc_cli_time.$$"
echo "[cli runner] $pass pass / $fail fail / $skip skip"
