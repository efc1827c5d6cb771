# The cartoon-head pipeline end to end on tiny synthetic faces (24x24):
# the attribute regressors E1 (photos) and E2 (cartoons) train and their
# error falls; cartoon_head_small.ini trains with E1/E2 frozen; `ganc eval`
# gives every metric in its range, and each moves the right way against
# the untrained model (1 step at lr 1e-12); bad arguments give clear errors.
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GANC" synth --style photo,cartoon --n 220 --size 28 --seed 5 --split train=0.9 --out "$work/faces" >/dev/null

# A column of metrics.csv: first and last interval means.
csv_first() { awk -F, -v k="$2" 'NR==1 {for (i = 1; i <= NF; i++) if ($i == k) c = i} NR==2 {print $c}' "$1"; }
csv_last() { awk -F, -v k="$2" 'NR==1 {for (i = 1; i <= NF; i++) if ($i == k) c = i} {v = $c} END {print v}' "$1"; }
# check NAME AWK-CONDITION a=VALUE b=VALUE ...: PASS when the condition holds.
check() {
    local name=$1 cond=$2
    shift 2
    local vars=() v
    for v in "$@"; do vars+=(-v "$v"); done
    if awk "${vars[@]}" "BEGIN { exit !($cond) }"; then echo "PASS $name ($*)"
    else echo "FAIL $name: $cond with $*"; fi
}

# ---- attribute regressors: 150 steps of batch 16 each ----
att=experiments/cartoon_head/attributes_small.ini
reg=(--set data.labels="$work/faces/labels.csv" --set data.load_size=28 --set data.crop_size=24 --set E.image_size=24
     --set E.width=16 --set train.steps=150 --set train.log_every=50 --set train.checkpoint_every=0)
expect_ok regressor_trains_E1 "$GANC" train "$att" "${reg[@]}" --set data.root="$work/faces/trainA" \
    --set train.out="$work/e1"
expect_ok regressor_trains_E2 "$GANC" train "$att" "${reg[@]}" --set data.root="$work/faces/trainB" \
    --set train.out="$work/e2"
# The MSE (mean over 50-step intervals) falls by 15% or more (measured: 0.149 -> 0.110, 0.141 -> 0.104).
for e in e1 e2; do
    check "regressor_${e}_loss_falls" "l <= 0.85 * f" f="$(csv_first "$work/$e/metrics.csv" loss)" \
        l="$(csv_last "$work/$e/metrics.csv" loss)"
done
out=$("$GANC" eval --checkpoint "$work/e1/checkpoints/latest.safetensors" --data "$work/faces/testA" 2>&1)
if grep -q '^| all | ' <<<"$out" && grep -q '^| a_skin_tone | ' <<<"$out" &&
   [ "$(grep -c '^| a_' <<<"$out")" -eq 36 ]; then
    echo "PASS eval_regressor_table (36 labels and all)"
else
    echo "FAIL eval_regressor_table: ${out: -300}"
fi
# Held-out skin tone, an easy attribute: R^2 > 0.3 after 150 steps (measured 0.81).
r2=$(awk -F, '$2 == "a_skin_tone" {print $6}' "$work/e1/eval.csv")
check eval_regressor_skin_tone_learned "r > 0.3" r="$r2"
mae=$(awk -F, '$2 == "all" {print $4}' "$work/e1/eval.csv")
check eval_regressor_mae_in_range "m > 0 && m < 1" m="$mae"

# ---- the cartoon-head model: untrained (1 step at lr 1e-12) and 80 steps of batch 4 ----
ch=(--set data.root="$work/faces" --set data.load_size=28 --set data.crop_size=24 --set G.ngf=8 --set G.n_blocks=2
    --set D.ndf=8 --set frozen.E1.image_size=24 --set frozen.E1.width=16 --set frozen.E2.image_size=24
    --set frozen.E2.width=16 --set frozen.E1.checkpoint="$work/e1/checkpoints/latest.safetensors"
    --set frozen.E2.checkpoint="$work/e2/checkpoints/latest.safetensors" --set train.sample_every=0
    --set train.checkpoint_every=0)
small=experiments/cartoon_head/cartoon_head_small.ini
expect_ok cartoon_head_untrained "$GANC" train "$small" "${ch[@]}" --set train.steps=1 --set optim.lr=1e-12 \
    --set train.out="$work/untrained"
expect_ok cartoon_head_small_trains "$GANC" train "$small" "${ch[@]}" --set train.steps=80 --set train.batch_size=4 \
    --set optim.lr=0.001 --set train.log_every=40 --set train.out="$work/trained"
m="$work/trained/metrics.csv"
if head -n 1 "$m" | grep -q ',cycle,identity,color,edge,attr,'; then echo "PASS cartoon_head_logs_every_term"
else echo "FAIL cartoon_head_logs_every_term: $(head -n 1 "$m")"; fi
# Measured: cycle 0.606 -> 0.499, color 1.267 -> 1.050.
check cartoon_head_cycle_falls "l <= 0.9 * f" f="$(csv_first "$m" cycle)" l="$(csv_last "$m" cycle)"
check cartoon_head_color_falls "l <= 0.9 * f" f="$(csv_first "$m" color)" l="$(csv_last "$m" color)"

expect_ok eval_cartoon_head "$GANC" eval --checkpoint "$work/untrained/checkpoints/latest.safetensors" \
    --checkpoint "$work/trained/checkpoints/latest.safetensors" --data "$work/faces" --csv "$work/eval.csv" \
    --grid "$work/grid.png"
col() {
    awk -F, -v r="$1" -v k="$2" 'NR==1 {for (i = 1; i <= NF; i++) if ($i == k) c = i} $1 == r {print $c}' \
        "$work/eval.csv"
}
if [ "$(wc -l <"$work/eval.csv")" -eq 5 ] && [ "$(head -n 1 "$work/eval.csv")" = \
     "run,images,colour16,edge_f1,attr,cycle_A,cycle_B,l1_true,psnr_true" ]; then
    echo "PASS eval_csv_rows"
else
    echo "FAIL eval_csv_rows: $(cat "$work/eval.csv")"
fi
# Ranges: colour distance of [-1, 1] RGB vectors in [0, 2 sqrt 3], F1 in [0, 1], L1 in [0, 2], PSNR in [0, 100].
for r in untrained trained; do
    check "eval_${r}_ranges" "i == 22 && c >= 0 && c <= 3.47 && f >= 0 && f <= 1 && a >= 0 && ca >= 0 && ca <= 2 && \
        cb >= 0 && cb <= 2 && l >= 0 && l <= 2 && p > 0 && p <= 100" i="$(col $r images)" c="$(col $r colour16)" \
        f="$(col $r edge_f1)" a="$(col $r attr)" ca="$(col $r cycle_A)" cb="$(col $r cycle_B)" l="$(col $r l1_true)" \
        p="$(col $r psnr_true)"
done
input="input (untranslated)"
check eval_input_row "c == 0 && f == 1 && a > 0 && l > 0" c="$(col "$input" colour16)" f="$(col "$input" edge_f1)" \
    a="$(col "$input" attr)" l="$(col "$input" l1_true)"
truth="true cartoon (B)"
check eval_true_cartoon_row "c > 0 && f > 0 && f < 1 && a > 0 && l == 0 && p == 100" c="$(col "$truth" colour16)" \
    f="$(col "$truth" edge_f1)" a="$(col "$truth" attr)" l="$(col "$truth" l1_true)" p="$(col "$truth" psnr_true)"
# Trained against untrained (measured: colour 0.55 -> 0.45, F1 0 -> 0.55, attr 1.63 -> 0.89,
# cycle A 0.32 -> 0.19, cycle B 0.60 -> 0.28, L1 0.59 -> 0.42, PSNR 9.2 -> 12.0 dB).
for k in colour16:0.9 attr:0.8 cycle_A:0.8 cycle_B:0.8 l1_true:0.9; do
    check "eval_${k%%:*}_improves" "t <= ${k##*:} * u" u="$(col untrained "${k%%:*}")" t="$(col trained "${k%%:*}")"
done
check eval_edge_f1_improves "t >= u + 0.25" u="$(col untrained edge_f1)" t="$(col trained edge_f1)"
check eval_psnr_improves "t >= u + 1" u="$(col untrained psnr_true)" t="$(col trained psnr_true)"
# The grid: input | untrained | trained | true cartoon, 8 rows of 24x24 enlarged 4x, 2-pixel gaps.
size=$(od -An -tu1 -j16 -N8 "$work/grid.png" | awk '{print ($3 * 256 + $4) "x" ($7 * 256 + $8)}')
if [ "$size" = "390x782" ]; then echo "PASS eval_grid_png ($size)"
else echo "FAIL eval_grid_png: $size, expected 390x782"; fi

# Held-out A and B of other names (unpaired real data): no true cartoons, L1/PSNR n/a.
mkdir -p "$work/unpaired/testA" "$work/unpaired/testB"
cp "$work/faces/testA/"*.png "$work/unpaired/testA/"
for f in "$work/faces/testB/"*.png; do cp "$f" "$work/unpaired/testB/cartoon_${f##*/}"; done
out=$("$GANC" eval --checkpoint "$work/trained/checkpoints/latest.safetensors" --data "$work/unpaired" \
      --csv "$work/unpaired.csv" 2>&1)
if grep -q 'names differ' <<<"$out" && [ "$(wc -l <"$work/unpaired.csv")" -eq 3 ] &&
   [ "$(awk -F, '$1 == "trained" {print $8 "," $9}' "$work/unpaired.csv")" = "n/a,n/a" ]; then
    echo "PASS eval_unpaired_data"
else
    echo "FAIL eval_unpaired_data: ${out: -300}"
fi

# ---- bad arguments ----
ck="$work/trained/checkpoints/latest.safetensors"
expect_fail eval_needs_data '--checkpoint and --data are required' "$GANC" eval --checkpoint "$ck"
expect_fail eval_unknown_option 'unknown option --colour' "$GANC" eval --checkpoint "$ck" --data "$work/faces" \
    --colour 1
expect_fail eval_bad_grid_n '--grid-n: expected an integer 1..64, got "0"' "$GANC" eval --checkpoint "$ck" \
    --data "$work/faces" --grid-n 0
expect_fail eval_bad_canny_blur '--canny-blur: expected 0 \(none\) or an odd size' "$GANC" eval --checkpoint "$ck" \
    --data "$work/faces" --canny-blur 4
expect_fail eval_missing_checkpoint 'nothing.safetensors' "$GANC" eval --checkpoint "$work/nothing.safetensors" \
    --data "$work/faces"
expect_fail eval_missing_folder 'nowhere/testA does not exist' "$GANC" eval --checkpoint "$ck" --data "$work/nowhere"
expect_fail eval_bad_phase '--phase: expected test or train' "$GANC" eval --checkpoint "$ck" --data "$work/faces" \
    --phase val
expect_fail eval_mixed_recipes 'trained by recipe regressor; these metrics need cyclegan' "$GANC" eval \
    --checkpoint "$ck" --checkpoint "$work/e1/checkpoints/latest.safetensors" --data "$work/faces"
expect_fail eval_regressor_then_cyclegan 'trained by recipe cyclegan; give checkpoints of one recipe' "$GANC" eval \
    --checkpoint "$work/e1/checkpoints/latest.safetensors" --checkpoint "$ck" --data "$work/faces/testA"
expect_fail eval_regressor_missing_labels 'no_labels.csv' "$GANC" eval \
    --checkpoint "$work/e1/checkpoints/latest.safetensors" --data "$work/faces/testA" --labels "$work/no_labels.csv"
expect_fail regressor_outputs_mismatch 'set \[E\] outputs = 36' "$GANC" train "$att" "${reg[@]}" \
    --set data.root="$work/faces/trainA" --set E.outputs=10 --set train.out="$work/bad_e"
expect_fail translate_regressor 'recipe regressor has no generator' "$GANC" translate \
    --checkpoint "$work/e1/checkpoints/latest.safetensors" --input "$work/faces/testA" --output "$work/tr"
