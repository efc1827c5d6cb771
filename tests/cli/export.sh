# ganc export / info end to end: the small CycleGAN's G_A and the pix2pix
# U-Net, trained a few steps, exported to ONNX and safetensors; onnxruntime
# runs the ONNX files on the tensors `ganc translate --npy` fed the
# generator and must match its outputs within 1e-4 (SKIP without
# onnxruntime); PyTorch loads the safetensors export (SKIP without torch);
# bad arguments give errors that say what is wrong.
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GANC" synth --style photo,cartoon --n 24 --size 36 --seed 5 --split train=0.9 --out "$work/faces" >/dev/null
quick=(--set data.root="$work/faces" --set data.load_size=36 --set data.crop_size=32 --set train.steps=3
       --set train.sample_every=0 --set train.checkpoint_every=0 --set train.log_every=1)
"$GANC" train experiments/cyclegan/cyclegan_small.ini "${quick[@]}" --set train.out="$work/cg" >/dev/null 2>&1
# Kaiming weights: the default N(0, 0.02) makes an untrained U-Net's output
# nearly zero, which would make the comparison below say little.
"$GANC" train experiments/pix2pix/pix2pix_small.ini "${quick[@]}" --set G.init=kaiming --set train.out="$work/p2p" \
    >/dev/null 2>&1
cg="$work/cg/checkpoints/latest.safetensors"
p2p="$work/p2p/checkpoints/latest.safetensors"

expect_ok export_cyclegan_onnx "$GANC" export --checkpoint "$cg" --net G_A --format onnx --out "$work/g_a.onnx"
expect_ok export_cyclegan_onnx_dynamic "$GANC" export --checkpoint "$cg" --net G_A --format onnx --dynamic \
    --opset 13 --out "$work/g_a_dynamic.onnx"
expect_ok export_pix2pix_onnx "$GANC" export --checkpoint "$p2p" --net G --format onnx --out "$work/g.onnx"
expect_ok export_discriminator_onnx "$GANC" export --checkpoint "$cg" --net D_B --format onnx --input-shape 2x3x32x32 \
    --out "$work/d_b.onnx"
expect_ok export_cyclegan_safetensors "$GANC" export --checkpoint "$cg" --net G_A --format safetensors \
    --out "$work/g_a.safetensors"

info=$("$GANC" info "$work/g_a.onnx")
if grep -q "input .*float32 *(1,3,32,32)" <<<"$info" && grep -q "output .*float32 *(1,3,32,32)" <<<"$info" &&
    grep -q "^  Conv  *10$" <<<"$info" && grep -q "architecture = ResnetGenerator" <<<"$info" &&
    grep -q "^ngf = 16$" <<<"$info"; then
    echo "PASS info_describes_onnx"
else
    echo "FAIL info_describes_onnx: ${info:0:600}"
fi
if "$GANC" info "$work/g_a_dynamic.onnx" | grep -q "input .*(batch,3,height,width)"; then
    echo "PASS info_shows_dynamic_dims"
else
    echo "FAIL info_shows_dynamic_dims"
fi
info=$("$GANC" info "$work/g_a.safetensors")
if grep -q "architecture = ResnetGenerator" <<<"$info" && grep -q "^  model  .* 24 tensors" <<<"$info"; then
    echo "PASS info_describes_safetensors_export"
else
    echo "FAIL info_describes_safetensors_export: ${info:0:400}"
fi

# The generators' own inputs and outputs, from translate (the dynamic
# model runs at 48x48, not the 32x32 it was exported at).
"$GANC" translate --checkpoint "$cg" --input "$work/faces/testA" --output "$work/t32" --preprocess resize --npy "$work/npy32" >/dev/null
"$GANC" translate --checkpoint "$cg" --input "$work/faces/testA" --output "$work/t48" --preprocess resize --size 48 \
    --npy "$work/npy48" >/dev/null
"$GANC" translate --checkpoint "$p2p" --input "$work/faces/testA" --output "$work/tp" --preprocess resize --npy "$work/npyp" >/dev/null
# translate refuses an image over its pixel limit from the header, naming it (36x36 = 1296 pixels).
first=$(ls "$work/faces/testA" | head -n 1)
expect_fail translate_max_image_pixels "testA/$first: its header claims 36x36 = 1296 pixels, more than the limit of 1295" \
    "$GANC" translate --checkpoint "$cg" --input "$work/faces/testA" --output "$work/tl" --max-image-pixels 1295
expect_ok translate_max_image_pixels_exact "$GANC" translate --checkpoint "$cg" --input "$work/faces/testA/$first" \
    --output "$work/tl" --max-image-pixels 1296
expect_fail translate_max_image_pixels_bad 'max-image-pixels 0: expected a positive integer' "$GANC" translate \
    --checkpoint "$cg" --input "$work/faces/testA" --output "$work/tl" --max-image-pixels 0
one=$(ls "$work/npy32" | head -n 1)
one=${one%.input.npy}
if python3 -c 'import onnx, onnxruntime, numpy' >/dev/null 2>&1; then
    for case in "g_a npy32" "g_a_dynamic npy48" "g npyp"; do
        set -- $case
        out=$(python3 tests/tools/run_onnx.py "$work/$1.onnx" "$work/$2/$one.input.npy" \
            --reference "output=$work/$2/$one.output.npy" 2>&1)
        if [ $? -eq 0 ]; then echo "PASS onnxruntime_matches_translate_$1 ($(grep -o 'max|diff| = .*' <<<"$out"))"
        else echo "FAIL onnxruntime_matches_translate_$1: ${out: -400}"; fi
    done
else
    echo "SKIP onnxruntime_matches_translate: python3 with onnx, onnxruntime and numpy is not installed"
fi
if python3 -c 'import torch, safetensors, numpy' >/dev/null 2>&1; then
    out=$(python3 tests/tools/torch_resnet.py "$work/g_a.safetensors" "$work/npy32/$one.input.npy" \
        "$work/npy32/$one.output.npy" --ngf 16 --n-blocks 3 2>&1)
    if [ $? -eq 0 ]; then echo "PASS torch_loads_safetensors_export ($(grep -o 'max|diff| = [^ ]*' <<<"$out"))"
    else echo "FAIL torch_loads_safetensors_export: ${out: -400}"; fi
else
    echo "SKIP torch_loads_safetensors_export: python3 with torch, safetensors and numpy is not installed"
fi

# Face pinching's F (residual BasicBlocks) and R (an MLP on F's flattened
# features): R's ONNX input is (1, in_features) unless given as NxF.
"$GANC" synth --style virtual --n 8 --size 48 --seed 1 --out "$work/virtual" >/dev/null
"$GANC" synth --style photo --n 8 --size 48 --seed 2 --out "$work/photo" >/dev/null
"$GANC" train experiments/face_pinch/face_pinch_small.ini --set data.root="$work/virtual/images" \
    --set data.labels="$work/virtual/labels.csv" --set target.root="$work/photo/images" \
    --set target.labels="$work/photo/labels.csv" --set train.steps=2 --set train.batch_size=4 \
    --set train.sample_every=0 --set train.checkpoint_every=0 --set train.out="$work/pinch" >/dev/null 2>&1
pinch="$work/pinch/checkpoints/latest.safetensors"
expect_ok export_face_pinch_f_onnx "$GANC" export --checkpoint "$pinch" --net F --format onnx --out "$work/f.onnx"
expect_ok export_face_pinch_r_onnx "$GANC" export --checkpoint "$pinch" --net R --format onnx --out "$work/r.onnx"
expect_ok export_face_pinch_r_onnx_batch "$GANC" export --checkpoint "$pinch" --net R --format onnx \
    --input-shape 3x256 --out "$work/r3.onnx"
expect_ok export_face_pinch_domain_onnx_dynamic "$GANC" export --checkpoint "$pinch" --net domain --format onnx \
    --dynamic --out "$work/domain.onnx"
expect_fail export_mlp_wrong_features 'does not run on input \(1,15\).*expected 256 features per sample' "$GANC" export \
    --checkpoint "$pinch" --net R --format onnx --input-shape 1x15 --out "$work/x.onnx"
info_f=$("$GANC" info "$work/f.onnx")
info_r=$("$GANC" info "$work/r.onnx")
if grep -q "input .*float32 *(1,3,32,32)" <<<"$info_f" && grep -q "output .*float32 *(1,256)" <<<"$info_f" &&
    grep -q "architecture = ResidualEncoder" <<<"$info_f" && grep -q "input .*float32 *(1,256)" <<<"$info_r" &&
    grep -q "output .*float32 *(1,15)" <<<"$info_r" && grep -q "^  Gemm  *3$" <<<"$info_r" &&
    grep -q "architecture = MLP" <<<"$info_r" && "$GANC" info "$work/domain.onnx" | grep -q "input .*(batch,256)"; then
    echo "PASS info_describes_face_pinch_onnx"
else
    echo "FAIL info_describes_face_pinch_onnx: ${info_f:0:400} ${info_r:0:400}"
fi
# onnxruntime runs F then R on a photo as `ganc pinch` preprocesses it
# (48x48 loaded as is, centre 32x32 crop, [-1, 1]); the 15 parameters must
# be the ones pinch writes (6 decimals). Measured: max|diff| 7e-7.
"$GANC" pinch --checkpoint "$pinch" --input "$work/photo/images/000000.png" --out "$work/virtual.png" \
    --params "$work/params.csv" --size 32 >/dev/null
if python3 -c 'import onnx, onnxruntime, numpy, cv2' >/dev/null 2>&1; then
    out=$(python3 - "$work/f.onnx" "$work/r.onnx" "$work/photo/images/000000.png" "$work/params.csv" 2>&1 <<'PY'
import csv
import sys
import cv2
import numpy as np
import onnx
import onnxruntime as ort
f, r, photo, params = sys.argv[1:]
for path in (f, r):
    onnx.checker.check_model(onnx.load(path), full_check=True)
img = cv2.cvtColor(cv2.imread(photo), cv2.COLOR_BGR2RGB).astype(np.float32)
x = np.ascontiguousarray((img[8:40, 8:40] / 127.5 - 1).transpose(2, 0, 1)[None])
run = lambda path, v: ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": v})[0]
got = run(r, run(f, x))[0]
want = np.array([float(row["value"]) for row in csv.DictReader(open(params))])
diff = float(np.max(np.abs(got - want)))
print(f"max|diff| = {diff:.2g}")
sys.exit(0 if got.shape == want.shape and diff <= 1e-5 else 1)
PY
    )
    if [ $? -eq 0 ]; then echo "PASS onnxruntime_f_then_r_matches_pinch ($out)"
    else echo "FAIL onnxruntime_f_then_r_matches_pinch: ${out: -400}"; fi
else
    echo "SKIP onnxruntime_f_then_r_matches_pinch: python3 with onnx, onnxruntime, numpy and cv2 is not installed"
fi

expect_fail export_unknown_network 'no network "G_X" \(it has G_A, G_B, D_A, D_B\)' "$GANC" export \
    --checkpoint "$cg" --net G_X --format onnx --out "$work/x.onnx"
expect_fail export_bad_format 'format tflite: expected onnx or safetensors' "$GANC" export --checkpoint "$cg" \
    --net G_A --format tflite --out "$work/x"
expect_fail export_shape_and_dynamic 'not both' "$GANC" export --checkpoint "$cg" --net G_A --format onnx --dynamic \
    --input-shape 1x3x32x32 --out "$work/x.onnx"
expect_fail export_bad_shape 'does not run on input \(1,3,30,30\).*multiples of 4' "$GANC" export \
    --checkpoint "$cg" --net G_A --format onnx --input-shape 1x3x30x30 --out "$work/x.onnx"
expect_fail export_bad_shape_text 'expected NxCxHxW' "$GANC" export --checkpoint "$cg" --net G_A --format onnx \
    --input-shape 3x32x32 --out "$work/x.onnx"
expect_fail export_bad_opset 'opset 9 is not supported; ganc writes opsets 13 to 21' "$GANC" export \
    --checkpoint "$cg" --net G_A --format onnx --opset 9 --out "$work/x.onnx"
expect_fail export_onnx_options_for_safetensors 'are for --format onnx' "$GANC" export --checkpoint "$cg" --net G_A \
    --format safetensors --opset 17 --out "$work/x.safetensors"
expect_fail export_missing_out 'required' "$GANC" export --checkpoint "$cg" --net G_A --format onnx
if [ ! -e "$work/x.onnx" ]; then echo "PASS export_failures_write_nothing"
else echo "FAIL export_failures_write_nothing: $work/x.onnx exists"; fi
head -c 100 "$work/g_a.onnx" >"$work/cut.onnx"
expect_fail info_truncated_onnx 'cut.onnx: malformed protobuf at byte [0-9]+: length past the end' "$GANC" info \
    "$work/cut.onnx"
expect_fail info_onnx_tensors 'is an ONNX model' "$GANC" info "$work/g_a.onnx" --tensors
