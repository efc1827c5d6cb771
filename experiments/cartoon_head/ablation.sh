#!/usr/bin/env bash
# The cartoon-head ablation of docs/cartoon_head.md, from the repository root
# after `make`:   bash experiments/cartoon_head/ablation.sh
# Renders the synthetic faces, trains the attribute regressors E1 and E2,
# then cartoon_head_small.ini with the same seed and steps as: plain
# CycleGAN (colour, edge and attribute terms off), + colour, + edge,
# + attribute, all three, and all three with the colour weight at 0.5
# instead of 5; evaluates them on the held-out faces (table, CSV, grid).
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
        --labels "$data/labels.csv" --csv "$run/eval.csv" >"$run/eval.md"
    head -n 6 "$run/eval.md"
done

# The variants: a name, then the weights that differ from the config's.
variants=("plain loss.color.weight=0 loss.edge.weight=0 loss.attr.weight=0"
          "color loss.edge.weight=0 loss.attr.weight=0"
          "edge loss.color.weight=0 loss.attr.weight=0"
          "attr loss.color.weight=0 loss.edge.weight=0"
          "all"
          "all_color_0.5 loss.color.weight=0.5")
checkpoints=()
for v in "${variants[@]}"; do
    read -r name weights <<<"$v"
    run="$out/$name"
    sets=()
    for w in $weights; do sets+=(--set "$w"); done
    done_run "$run" || "$ganc" train "$exp/cartoon_head_small.ini" --set data.root="$data" --set train.out="$run" \
        --set train.steps="$steps" --set frozen.E1.checkpoint="$out/attributes_photo/checkpoints/latest.safetensors" \
        --set frozen.E2.checkpoint="$out/attributes_cartoon/checkpoints/latest.safetensors" "${sets[@]}"
    checkpoints+=(--checkpoint "$run/checkpoints/latest.safetensors")
done
"$ganc" eval "${checkpoints[@]}" --data "$data" --csv "$out/ablation.csv" --grid "$out/ablation.png" --grid-n 6
