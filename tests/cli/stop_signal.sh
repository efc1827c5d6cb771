# One SIGTERM always ends ganc train: at the end of the step with a
# checkpoint, or, when no step ends within GANC_STOP_GRACE_S, at once.
. tests/cli_lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GANC" synth --style photo,cartoon --n 12 --size 20 --seed 3 --split train=0.9 --out "$work/faces" >/dev/null 2>&1
tiny=(--set data.root="$work/faces" --set data.load_size=16 --set data.crop_size=16 --set G.ngf=4 --set G.n_blocks=1
      --set D.ndf=4 --set train.sample_every=0 --set train.checkpoint_every=2 --set train.steps=1000)

# A checkpoint write held open for 10 minutes stands for a step that never ends.
GANC_STOP_GRACE_S=2 GANC_TEST_CHECKPOINT_DELAY_MS=600000 "$GANC" train experiments/cyclegan/cyclegan_small.ini \
    "${tiny[@]}" --set train.out="$work/stuck" >"$work/stuck.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
    ls "$work"/stuck/checkpoints/*.tmp.* >/dev/null 2>&1 && break
    sleep 0.1
done
start=$(date +%s)
kill -TERM $pid
for _ in $(seq 150); do
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -KILL $pid 2>/dev/null
{ wait $pid; } 2>/dev/null
status=$?
took=$(($(date +%s) - start))
if [ $status -ne 0 ] && [ $took -le 10 ] && grep -q "ganc train: stopping" "$work/stuck.log"; then
    echo "PASS sigterm_ends_a_stuck_step (exit $status after $took s)"
else
    echo "FAIL sigterm_ends_a_stuck_step: exit $status after $took s: $(tail -c 300 "$work/stuck.log")"
fi

expect_fail stop_grace_not_a_number 'GANC_STOP_GRACE_S = "soon": expected whole seconds' \
    env GANC_STOP_GRACE_S=soon "$GANC" train experiments/cyclegan/cyclegan_small.ini "${tiny[@]}" \
    --set train.out="$work/never"
