#!/usr/bin/env bash
# The cartoon-head ablation of docs/cartoon_head.md, from the repository root
# after `make`:   bash experiments/cartoon_head/ablation.sh
# Renders the synthetic faces, trains the attribute regressors E1 and E2,
# then cartoon_head_small.ini five times with the same seed and steps:
# plain CycleGAN (colour, edge and attribute terms off), + colour, + edge,
# + attribute, and all three; evaluates the five on the held-out faces.
# Steps already done (their checkpoint exists) are skipped, so an
# interrupted run continues where it stopped. Environment: GANC (bin/ganc),
# DATA (build/cartoon_faces), OUT (runs/cartoon_ablation), STEPS (2000).
set -euo pipefail
ganc=${GANC:-bin/ganc}
data=${DATA:-build/cartoon_faces}
out=${OUT:-runs/cartoon_ablation}
steps=${STEPS:-2000}
exp=experiments/cartoon_head

done_run() { [ -f "$1/checkpoints/latest.safetensors" ]; }

[ -d "$data/trainA" ] ||
    "$ganc" synth --style photo,cartoon --n 2000 --size 40 --seed 1 --split train=0.9 --out "$data"

# E1 on photos (A), E2 on cartoons (B), and their held-out errors.
for side in A:photo B:cartoon; do
    run="$out/attributes_${side#*:}"
    done_run "$run" || "$ganc" train "$exp/attributes_small.ini" --set data.root="$data/train${side%%:*}" \
        --set data.labels="$data/labels.csv" --set train.out="$run"
    "$ganc" eval --checkpoint "$run/checkpoints/latest.safetensors" --data "$data/test${side%%:*}" \
        --labels "$data/labels.csv" --csv "$run/eval.csv" | head -n 6
done

# The five variants: the terms each one switches off.
variants=(plain:color,edge,attr color:edge,attr edge:color,attr attr:color,edge all:)
checkpoints=()
for v in "${variants[@]}"; do
    name=${v%%:*} off=${v#*:} run="$out/$name"
    sets=()
    for term in ${off//,/ }; do sets+=(--set "loss.$term.weight=0"); done
    done_run "$run" || "$ganc" train "$exp/cartoon_head_small.ini" --set data.root="$data" --set train.out="$run" \
        --set train.steps="$steps" --set frozen.E1.checkpoint="$out/attributes_photo/checkpoints/latest.safetensors" \
        --set frozen.E2.checkpoint="$out/attributes_cartoon/checkpoints/latest.safetensors" "${sets[@]}"
    checkpoints+=(--checkpoint "$run/checkpoints/latest.safetensors")
done
"$ganc" eval "${checkpoints[@]}" --data "$data" --csv "$out/ablation.csv" --grid "$out/ablation.png"
