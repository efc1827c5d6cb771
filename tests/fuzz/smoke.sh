#!/usr/bin/env bash
# make fuzz-smoke: builds the fuzzers and runs each for FUZZ_SECONDS from its
# seed corpus (tests/fuzz/corpus/<name>/) and the saved crash inputs
# (tests/fuzz/regressions/<name>/). New corpus entries go to a scratch copy,
# so the checked-in seeds stay as they are. Any crash, leak, timeout or
# sanitizer report fails the target; without clang's libFuzzer it says SKIP.
set -uo pipefail
cd "$(dirname "$0")/../.."
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-60}
make_cmd=${MAKE:-make}

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' \
    > "$probe/probe.c"
if ! command -v "$cc" >/dev/null 2>&1 ||
   ! "$cc" -fsanitize=fuzzer,address,undefined -fopenmp "$probe/probe.c" -o "$probe/probe" >/dev/null 2>&1; then
    echo "SKIP fuzz-smoke: $cc with libFuzzer and OpenMP is missing (Debian: apt-get install clang libclang-rt-dev libomp-dev)"
    exit 0
fi

$make_cmd --no-print-directory -j2 fuzz || exit 1

failed=0
for bin in build/fuzz/fuzz_*; do
    name=$(basename "$bin")
    work="$probe/$name"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp tests/fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null
    cp tests/fuzz/regressions/"$name"/* "$work/corpus/" 2>/dev/null
    # -rss_limit_mb: a header that makes ganc allocate gigabytes is a finding too.
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
        echo "PASS fuzz $name: ${runs:-?} runs in ${seconds} s"
    else
        failed=1
        echo "FAIL fuzz $name: see below; the input is kept in build/fuzz/artifacts/$name/"
        mkdir -p "build/fuzz/artifacts/$name"
        cp "$work/artifacts/"* "build/fuzz/artifacts/$name/" 2>/dev/null
        tail -n 60 "$work/log"
    fi
done
exit $failed
