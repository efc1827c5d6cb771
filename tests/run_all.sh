#!/usr/bin/env bash
# Runs the float32 and float64 test runners (the convolution tests twice:
# packed and im2col + BLAS) and the command-line tests, then
# prints one closing line: "total: N passed, N failed, N skipped".
set -u
# A third argument, the CUDA simulator's build folder, adds the CUDA tests
# run there: in launch order and in a seeded random schedule, and the CLI's
# --device cuda tests with the simulator's binary. An empty first argument
# runs only those.
build=$1 build64=$2 sim=${3:-}
passed=0 failed=0 skipped=0

tally() { # reads a runner's "[...] P pass / F fail / S skip" line from $1
    local line
    line=$(grep -E '^\[.*runner\] [0-9]+ pass / [0-9]+ fail / [0-9]+ skip$' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        echo "runner $2 ended without a summary (crash?)"
        failed=$((failed + 1))
        return
    fi
    set -- $(echo "$line" | sed -E 's/.*\] ([0-9]+) pass \/ ([0-9]+) fail \/ ([0-9]+) skip/\1 \2 \3/')
    passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}

log=$(mktemp)
if [ -n "$sim" ]; then
    for seed in 0 1; do
        echo "== $sim/run_tests cuda, GANC_SIM_SCHEDULE_SEED=$seed"
        GANC_SIM_SCHEDULE_SEED=$seed "$sim/run_tests" cuda 2>&1 | tee "$log"
        tally "$log" "simulator run_tests cuda (schedule seed $seed)"
    done
    echo "== $sim/run_tests device_cuda_without_gpu, GANC_SIM_DEVICE_COUNT=0 (the simulator without a GPU)"
    GANC_SIM_DEVICE_COUNT=0 "$sim/run_tests" device_cuda_without_gpu 2>&1 | tee "$log"
    tally "$log" "simulator run_tests device_cuda_without_gpu"
    echo "== tests/cli/cuda.sh with $sim/ganc"
    GANC="$sim/ganc" bash tests/cli/cuda.sh 2>&1 | tee "$log"
    echo "[sim cli runner] $(grep -c '^PASS ' "$log") pass / $(grep -c '^FAIL ' "$log") fail / $(grep -c '^SKIP ' "$log") skip" |
        tee -a "$log"
    tally "$log" "simulator tests/cli/cuda.sh"
fi
if [ -z "$build" ]; then
    rm -f "$log"
    echo "total: $passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
    exit
fi
for runner in "$build/run_tests" "$build64/run_tests"; do
    echo "== $runner"
    "$runner" 2>&1 | tee "$log"
    tally "$log" "$runner"
done
# Where the packed path runs (float32, AVX-512: core/cpu/conv_packed.h),
# run the convolution tests once more on the other path, im2col + BLAS.
# Elsewhere every convolution above already ran as im2col + BLAS, and a
# rerun would repeat it: one SKIP says so. The runner tells which: its
# packed-path test skips when conv_packed_enabled() is false.
probe=conv2d_packed_path_matches_direct_loops
if "$build/run_tests" "$probe" 2>&1 | grep -q "^SKIP $probe"; then
    echo "SKIP conv_tests_on_blas_path: the packed convolution path is off here ($("$build/run_tests" "$probe" 2>&1 |
        sed -n "s/^SKIP $probe: //p")), so the convolution tests above already ran as im2col + BLAS"
    skipped=$((skipped + 1))
else
    echo "== $build/run_tests conv, GANC_CPU_CONV=blas"
    GANC_CPU_CONV=blas "$build/run_tests" conv 2>&1 | tee "$log"
    tally "$log" "GANC_CPU_CONV=blas run_tests conv"
fi
echo "== command-line tests"
GANC_BUILD=$build tests/cli_tests.sh 2>&1 | tee "$log"
tally "$log" cli_tests.sh
rm -f "$log"

echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
