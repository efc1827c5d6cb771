# --device cuda from the command line. Without a GPU: training and the
# benchmark refuse with a clear error and `auto` falls back to the CPU. With
# one: a small CycleGAN trains a few steps on it (memory report, checkpoint,
# resume on the CPU from the GPU's checkpoint) and the benchmark prints its
# rates next to the peaks.
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cfg=experiments/cyclegan/cyclegan_small.ini
"$GANC" synth --style photo,cartoon --n 12 --size 32 --seed 5 --split train=0.75 --out "$work/faces" >/dev/null
tiny=(--set data.root="$work/faces" --set data.load_size=28 --set data.crop_size=24 --set G.ngf=8
      --set G.n_blocks=2 --set D.ndf=8 --set train.sample_every=2 --set train.checkpoint_every=0
      --set train.log_every=1)

if ! "$GANC" device --device cuda >/dev/null 2>&1; then
    expect_fail train_cuda_without_gpu 'no GPU|not built' "$GANC" train "$cfg" "${tiny[@]}" \
        --set train.out="$work/nogpu" --set train.steps=1 --device cuda
    expect_fail bench_cuda_without_gpu 'no GPU|not built' "$GANC" bench ops --device cuda
    out=$("$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/auto" --set train.steps=1 --device auto 2>&1)
    if grep -q 'running on the CPU' <<<"$out" && [ -s "$work/auto/checkpoints/latest.safetensors" ]; then
        echo "PASS train_auto_falls_back_to_cpu"
    else
        echo "FAIL train_auto_falls_back_to_cpu: ${out: -300}"
    fi
    echo "SKIP train_on_cuda: no usable GPU"
    echo "SKIP bench_ops_cuda: no usable GPU"
    exit 0
fi

out=$("$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/gpu" --set train.steps=4 --device cuda 2>&1)
status=$?
train_out=$out
if [ $status -eq 0 ] && grep -q '^GPU memory: peak' <<<"$out" && [ -s "$work/gpu/checkpoints/latest.safetensors" ] &&
    [ -s "$work/gpu/samples/step_00000004.png" ]; then
    echo "PASS train_on_cuda"
else
    echo "FAIL train_on_cuda: ${out: -400}"
fi
# A checkpoint written from the GPU resumes on the CPU.
expect_ok resume_cuda_checkpoint_on_cpu "$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/gpu" \
    --set train.steps=5 --resume --device cpu
# And one written on the CPU resumes on the GPU.
expect_ok train_on_cpu_for_resume "$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/cpu" --set train.steps=2 --device cpu
expect_ok resume_cpu_checkpoint_on_cuda "$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/cpu" \
    --set train.steps=4 --resume --device cuda
if grep -q "^device cuda:0: ganc CUDA simulator" <<<"$train_out"; then
    echo "SKIP bench_ops_cuda: the CUDA simulator's cuDNN is a plain loop nest on the CPU; its timings mean nothing"
    exit 0
fi
out=$("$GANC" bench ops --device cuda --repeat 3 2>&1)
if [ $? -eq 0 ] && grep -q 'GFLOP/s' <<<"$out" && grep -q 'GB/s' <<<"$out"; then
    echo "PASS bench_ops_cuda"
    grep -E 'conv2d|instance_norm|^add|^relu|peak' <<<"$out" | sed 's/^/    /'
else
    echo "FAIL bench_ops_cuda: ${out: -400}"
fi
