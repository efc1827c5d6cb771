#!/usr/bin/env bash
# Runs every tests/cli/*.sh with GANC pointing at bin/ganc. Each script
# prints "PASS name", "FAIL name: why" or "SKIP name: why" per check; this
# prints them and a runner summary line that tests/run_all.sh tallies.
set -u
export GANC=${GANC:-bin/ganc}
export GANC_F64=${GANC_F64:-bin/ganc-f64}
pass=0 fail=0 skip=0
for script in tests/cli/*.sh; do
    out=$(bash "$script" 2>&1)
    status=$?
    echo "$out"
    pass=$((pass + $(grep -c '^PASS ' <<<"$out")))
    fail=$((fail + $(grep -c '^FAIL ' <<<"$out")))
    skip=$((skip + $(grep -c '^SKIP ' <<<"$out")))
    if [ $status -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
        echo "FAIL $script: exited $status without reporting a failure"
        fail=$((fail + 1))
    fi
done
echo "[cli runner] $pass pass / $fail fail / $skip skip"
