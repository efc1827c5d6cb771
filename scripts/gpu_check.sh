#!/usr/bin/env bash
# The first minutes on a machine with an NVIDIA GPU, as one command: builds
# the nvcc variant, runs the CUDA test suite, compute-sanitizer's memcheck
# and racecheck on a reduced suite, the CLI's --device cuda tests, `ganc
# bench ops --device cuda`, and scripts/bench_vs_torch.py --device cuda
# (256², 9 blocks, batch 1, TF32 off and on) when torch is importable. Each
# step has a time limit so the whole fits in about 8 minutes; the first
# failure stops the run and its output's tail is printed. Ends with a
# compact report of every step (status, seconds) and the figures to copy
# into the README.
#   scripts/gpu_check.sh [--skip-torch]      (from the repository root)
set -uo pipefail
cd "$(dirname "$0")/.."
skip_torch=0
[ "${1:-}" = --skip-torch ] && skip_torch=1
out=${GPU_CHECK_OUT:-gpu_check}
mkdir -p "$out"
report=()
sanitizer=${CUDA_HOME:-/usr/local/cuda}/bin/compute-sanitizer

finish() {
    echo
    echo "== gpu_check report ($(date -u '+%Y-%m-%d %H:%M UTC'), logs in $out/)"
    printf '  %s\n' "${report[@]}"
    [ -s "$out/figures.txt" ] && { echo "== figures"; cat "$out/figures.txt"; }
    exit "$1"
}

# step NAME LIMIT_SECONDS COMMAND...: runs it, logs it, stops everything on failure.
step() {
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    timeout "$limit" "$@" >"$out/$name.log" 2>&1
    local status=$?
    local took=$((SECONDS - start))
    if [ $status -eq 0 ] && ! grep -qE '^FAIL|ERROR SUMMARY: [1-9]' "$out/$name.log"; then
        report+=("PASS $name (${took} s)")
        return 0
    fi
    [ $status -eq 124 ] && report+=("FAIL $name: over its ${limit} s limit") || report+=("FAIL $name (exit $status, ${took} s)")
    echo "== $name failed; the end of $out/$name.log:"
    grep -E '^FAIL|ERROR|error' "$out/$name.log" | head -n 20
    tail -n 30 "$out/$name.log"
    finish 1
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$out/gpu.txt" 2>&1 ||
    { report+=("FAIL nvidia-smi: no GPU or driver here ($(head -c 200 "$out/gpu.txt"))"); finish 1; }
report+=("GPU $(cat "$out/gpu.txt")")

step build 240 make CUDA=1 -j"$(nproc)" all build/release-cuda/run_tests
step cuda_tests 120 build/release-cuda/run_tests cuda
step cli_cuda 120 env GANC=bin/ganc bash tests/cli/cuda.sh
if [ -x "$sanitizer" ]; then
    step memcheck 150 "$sanitizer" --tool memcheck --error-exitcode 1 build/release-cuda/run_tests cuda_parity_larger_shapes
    step racecheck 150 "$sanitizer" --tool racecheck --error-exitcode 1 build/release-cuda/run_tests cuda_memory_transfers
else
    report+=("SKIP memcheck, racecheck: no $sanitizer")
fi
step bench_ops 90 bin/ganc bench ops --device cuda --repeat 5
grep -E 'GFLOP/s|GB/s|peak' "$out/bench_ops.log" >>"$out/figures.txt"
if [ $skip_torch -eq 0 ] && python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
    for tf32 in "" --tf32; do
        name=bench_vs_torch${tf32:+_tf32}
        step "$name" 150 python3 scripts/bench_vs_torch.py --device cuda --size 256 --blocks 9 --batch 1 --iters 10 \
            --rounds 2 $tf32
        tail -n 12 "$out/$name.log" >>"$out/figures.txt"
    done
else
    report+=("SKIP bench_vs_torch: torch with CUDA is not importable (or --skip-torch)")
fi
finish 0
