#!/usr/bin/env bash
# Training speed when another process keeps one core busy, as on a shared
# laptop or CI machine: 20 steps of cyclegan_small with ganc's default
# threads and with OMP_NUM_THREADS=1, on both CPU convolution paths, in
# alternating rounds, with and without a busy loop beside them. Prints wall
# and CPU seconds (CPU time from bash's `times`-style TIMEFORMAT).
#   scripts/bench_shared_core.sh [ROUNDS]     (default 3; bin/ganc must exist)
set -euo pipefail
rounds=${1:-3}
ganc=${GANC:-bin/ganc}
work=$(mktemp -d)
busy_pid=""
trap 'if [ -n "$busy_pid" ]; then kill "$busy_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
"$ganc" synth --style photo,cartoon --n 60 --size 40 --seed 1 --split train=0.9 --out "$work/faces" >/dev/null

one_run() { # LABEL ENV... : prints "LABEL wall cpu"
    local label=$1
    shift
    local TIMEFORMAT='%R %U %S'
    local t
    t=$( { time env "$@" "$ganc" train experiments/cyclegan/cyclegan_small.ini --set data.root="$work/faces" \
        --set train.out="$work/run_$RANDOM$RANDOM" --set train.steps=20 --set train.sample_every=0 \
        --set train.log_every=20 >/dev/null 2>&1; } 2>&1)
    read -r wall user sys <<<"$t"
    echo "$label $wall $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')"
}

for load in idle busy; do
    if [ $load = busy ]; then
        bash -c 'while :; do :; done' &
        busy_pid=$!
    fi
    for r in $(seq "$rounds"); do
        for conv in packed blas; do
            one_run "$load $conv default" GANC_CPU_CONV=$conv
            one_run "$load $conv OMP_NUM_THREADS=1" GANC_CPU_CONV=$conv OMP_NUM_THREADS=1
        done
    done
    if [ -n "$busy_pid" ]; then kill "$busy_pid"; busy_pid=""; fi
done | awk '{k=$1" "$2" "$3; w[k]=w[k]" "$4; c[k]=c[k]" "$5} END {
    printf "%-36s %-24s %s\n", "load conv threads", "wall s (each round)", "CPU s (each round)";
    for (k in w) printf "%-36s %-24s %s\n", k, w[k], c[k] }' | sort
