#!/usr/bin/env bash
# Reproduces the face-pinch table of docs/face_pinch.md: the bone error on
# held-out user photos (the target domain) of three settings, source-only,
# DANN and the target-supervised bound, each trained with 3 seeds, as
# mean ± std, next to the error on held-out virtual faces (the source
# domain) and that of always answering 0.5; and the photo | predicted |
# true grid of the first DANN run.
#
#   scripts/face_pinch_table.sh [OUT]     (default runs/face_pinch_table)
#
# Environment: GANC (default bin/ganc), JOBS runs at a time (default 2,
# each on one thread), STEPS per run (default: the config's), SEEDS
# (default "1 2 3"), CONFIG (default experiments/face_pinch/face_pinch.ini).
# The data goes to build/pinch (made once; delete it to remake it).
set -euo pipefail
GANC=${GANC:-bin/ganc}
CONFIG=${CONFIG:-experiments/face_pinch/face_pinch.ini}
SEEDS=${SEEDS:-1 2 3}
JOBS=${JOBS:-2}
out=${1:-runs/face_pinch_table}
data=build/pinch
mkdir -p "$out"

# Independent identities in each set: virtual faces with their parameters
# (source), user photos (target, labels unused in training), held-out photos
# and held-out virtual faces.
synth() { [ -s "$data/$4/labels.csv" ] || "$GANC" synth --style "$1" --n "$2" --size 96 --seed "$3" --out "$data/$4"; }
synth virtual 4000 1 virtual
synth photo 4000 2 photo
synth photo 500 3 photo_test
synth virtual 500 4 virtual_test

declare -A extra=(
    [source_only]="--set loss.domain.lambda=0 --set loss.domain.schedule=fixed"
    [dann]=""
    [target_supervised]="--set loss.domain.lambda=0 --set loss.domain.schedule=fixed --set loss.regression.a=pred_target --set loss.regression.b=params_target"
)
settings="source_only dann target_supervised"

run() { # setting seed
    local dir="$out/$1-$2"
    if [ ! -s "$dir/eval.txt" ]; then
        rm -rf "$dir"
        # shellcheck disable=SC2086
        OMP_NUM_THREADS=1 "$GANC" train "$CONFIG" --set train.out="$dir" --set train.seed="$2" \
            ${STEPS:+--set train.steps=$STEPS} ${extra[$1]} > "$out/$1-$2.log" 2>&1
        "$GANC" pinch --checkpoint "$dir/checkpoints/latest.safetensors" --eval "$data/photo_test" > "$dir/eval.txt"
    fi
    [ -s "$dir/eval_source.txt" ] ||
        "$GANC" pinch --checkpoint "$dir/checkpoints/latest.safetensors" --eval "$data/virtual_test" > "$dir/eval_source.txt"
    echo "$1 seed $2: $(grep '^all ' "$dir/eval.txt")"
}

start=$(date +%s)
for seed in $SEEDS; do
    for s in $settings; do
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
        run "$s" "$seed" &
    done
done
wait
echo "all runs: $(( $(date +%s) - start )) s"

# mean ± sample std over the seeds of each setting, per group
table="$out/table.md"
{
    echo "| setting | all bones | face shape | eyes | nose | mouth | source: all bones |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for s in $settings; do
        # the held-out virtual faces' "all" rows come in as "source"
        { cat "$out/$s"-*/eval.txt; sed -n 's/^all /source /p' "$out/$s"-*/eval_source.txt; } | awk -v name="$s" '
            $1 ~ /^(all|face_shape|eyes|nose|mouth|source)$/ && NF == 3 { n[$1]++; sum[$1] += $2; sq[$1] += $2 * $2; c[$1] = $3 }
            END {
                printf "| %s |", name
                split("all face_shape eyes nose mouth source", g, " ")
                for (i = 1; i <= 6; i++) {
                    k = g[i]; m = sum[k] / n[k]
                    v = n[k] > 1 ? (sq[k] - n[k] * m * m) / (n[k] - 1) : 0
                    printf " %.4f ± %.4f |", m, sqrt(v > 0 ? v : 0)
                }
                printf "\n"
                if (name == "target_supervised") {
                    printf "| constant 0.5 |"
                    for (i = 1; i <= 6; i++) printf " %.4f |", c[g[i]]
                    printf "\n"
                }
            }'
    done
} > "$table"
cat "$table"

first_dann="$out/dann-$(set -- $SEEDS; echo "$1")"
"$GANC" pinch --checkpoint "$first_dann/checkpoints/latest.safetensors" --eval "$data/photo_test" \
    --grid "$out/grid.png" --grid-rows 6 --size 96 > /dev/null
echo "grid: $out/grid.png"
