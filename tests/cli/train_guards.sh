# ganc train refuses what would lose or mix data, and --resume refuses what
# would silently make another run.
. tests/cli_lib.sh
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
"$GANC" synth --style photo,cartoon --n 12 --size 20 --seed 3 --split train=0.9 --out "$work/faces" >/dev/null 2>&1
cfg=experiments/cyclegan/cyclegan_small.ini
tiny=(--set data.root="$work/faces" --set data.load_size=16 --set data.crop_size=16 --set G.ngf=4 --set G.n_blocks=1
      --set D.ndf=4 --set train.sample_every=0)

long=$work$(for _ in $(seq 11); do printf '/%s' "$(printf 'd%.0s' $(seq 100))"; done)
expect_fail out_path_too_long '--set train.out: the value is [0-9]+ characters long: at most 1023' \
    "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=1 --set train.out="$long"

# A second run into the folder of a live one is refused and names the holder.
"$GANC" train "$cfg" "${tiny[@]}" --set train.steps=100000 --set train.out="$work/shared" >"$work/first.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    grep -q "pid" "$work/shared/.ganc.lock" 2>/dev/null && break
    sleep 0.1
done
expect_fail second_run_same_out "is in use by another run \(ganc train, pid ${pids[0]} on " \
    "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=2 --set train.out="$work/shared"
# The log of a run killed mid-way, redirected to a file, has every line printed so far.
kill -KILL "${pids[0]}"
wait "${pids[0]}" 2>/dev/null
if grep -q "^resolved config" "$work/first.log" && grep -q "^layer tables:" "$work/first.log"; then
    echo "PASS log_is_line_buffered"
else
    echo "FAIL log_is_line_buffered: a SIGKILLed run's log lacks its first lines: $(head -c 300 "$work/first.log")"
fi
# The kernel dropped the killed run's lock: the folder can be used again.
expect_ok lock_gone_after_sigkill "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=2 --set train.out="$work/shared2"

# --resume: a changed config is refused before anything is written, unless named.
"$GANC" train "$cfg" "${tiny[@]}" --set train.steps=2 --set train.out="$work/run" >/dev/null 2>&1
before=$(cksum <"$work/run/config.ini")
expect_fail resume_refuses_changed_keys '\[cyclegan\] gan_mode: lsgan -> vanilla; \[optim\] lr: .* -> 0.0001.*--allow-change cyclegan.gan_mode,optim.lr' \
    "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=4 --set train.out="$work/run" --resume \
    --set optim.lr=0.0001 --set cyclegan.gan_mode=vanilla
expect_fail resume_refuses_new_loss_term '\[loss.colour\] kind: \(absent\) -> color' \
    "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=4 --set train.out="$work/run" --resume \
    --set loss.colour.kind=color --set loss.colour.weight=1
if [ "$(cksum <"$work/run/config.ini")" = "$before" ] && [ ! -e "$work/run/checkpoints/latest.safetensors.step4" ]; then
    echo "PASS refused_resume_leaves_config_ini"
else
    echo "FAIL refused_resume_leaves_config_ini: OUT/config.ini was rewritten by a refused --resume"
fi
out=$("$GANC" train "$cfg" "${tiny[@]}" --set train.steps=4 --set train.out="$work/run" --resume \
    --set optim.lr=0.0001 --allow-change optim.lr 2>&1)
if grep -q "resume: \[optim\] lr changed from .* to 0.0001 (allowed by --allow-change)" <<<"$out" &&
    grep -q "^done: 4 steps" <<<"$out"; then
    echo "PASS resume_allow_change_prints_it"
else
    echo "FAIL resume_allow_change_prints_it: ${out: -300}"
fi
expect_ok resume_more_steps_needs_no_flag "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=6 \
    --set optim.lr=0.0001 --set train.out="$work/run" --resume

# metrics.csv after a resume equals an uninterrupted run's, with the
# checkpoint and log intervals coprime (3 and 5) and a stop at step 7.
coprime=(--set train.checkpoint_every=3 --set train.log_every=5)
"$GANC" train "$cfg" "${tiny[@]}" "${coprime[@]}" --set train.steps=12 --set train.out="$work/straight" >/dev/null 2>&1
"$GANC" train "$cfg" "${tiny[@]}" "${coprime[@]}" --set train.steps=7 --set train.out="$work/split" >/dev/null 2>&1
"$GANC" train "$cfg" "${tiny[@]}" "${coprime[@]}" --set train.steps=12 --set train.out="$work/split" --resume \
    >/dev/null 2>&1
# Every column but wall_time (the second).
if diff <(cut -d, -f1,3- "$work/straight/metrics.csv") <(cut -d, -f1,3- "$work/split/metrics.csv") >/dev/null &&
    [ "$(wc -l <"$work/straight/metrics.csv")" -eq 4 ]; then
    echo "PASS resumed_metrics_equal_straight"
else
    echo "FAIL resumed_metrics_equal_straight: $(diff <(cut -d, -f1,3- "$work/straight/metrics.csv") \
        <(cut -d, -f1,3- "$work/split/metrics.csv") | head -c 300)"
fi

# The im2col + BLAS path sums in an order that depends on the thread count:
# a resume on another count says that it is not bit for bit.
GANC_CPU_CONV=blas OMP_NUM_THREADS=2 "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=2 --set train.out="$work/threads" \
    >/dev/null 2>&1
out=$(GANC_CPU_CONV=blas OMP_NUM_THREADS=1 "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=3 \
    --set train.out="$work/threads" --resume 2>&1)
if grep -q 'warning: .* "blas, 2 thread(s)", this run has "blas, 1 thread(s)": the continuation is not bit for bit' <<<"$out"; then
    echo "PASS resume_other_thread_count_warns"
else
    echo "FAIL resume_other_thread_count_warns: ${out: -300}"
fi
