# Crash safety of ganc train (docs/reliability.md, "Crash safety"): a small
# run is killed with SIGKILL 20 times at random moments, half of them inside
# a checkpoint write (GANC_TEST_CHECKPOINT_DELAY_MS holds each write open
# for 100 ms halfway), and resumed each time. Every checkpoint on disk must load, its
# step must never go back, and the final weights and metrics must equal those
# of an uninterrupted run bit for bit. SIGTERM and SIGINT save and exit 0.
# The kill times come from a seed printed below: GANC_CRASH_SEED=N repeats them.
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
seed=${GANC_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
echo "crash_resume: kill times drawn from seed $seed (repeat with GANC_CRASH_SEED=$seed)"
RANDOM=$seed
cfg=experiments/cyclegan/cyclegan_small.ini
"$GANC" synth --style photo,cartoon --n 16 --size 20 --seed 3 --split train=0.9 --out "$work/faces" >/dev/null
tiny=(--set data.root="$work/faces" --set data.load_size=16 --set data.crop_size=16 --set G.ngf=4 --set G.n_blocks=1
      --set D.ndf=4 --set train.sample_every=0 --set train.checkpoint_every=3 --set train.log_every=1
      --set train.steps=400)
"$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/straight" >/dev/null 2>&1

dir="$work/crashy/checkpoints"
ck="$dir/latest.safetensors"
kills=0 in_write=0 bad="" prev=0 steps_seen=""
for attempt in $(seq 60); do
    [ $kills -ge 20 ] && break
    resume=()
    [ -e "$ck" ] && resume=(--resume)
    GANC_TEST_CHECKPOINT_DELAY_MS=100 "$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/crashy" "${resume[@]}" \
        >>"$work/crashy.log" 2>&1 &
    pid=$!
    if [ $((attempt % 2)) -eq 0 ]; then
        # Wait for a checkpoint write to start, then kill within 50 ms: inside its 100 ms pause, or before it.
        for _ in $(seq 500); do [ -e "$ck.tmp.$pid" ] && break; sleep 0.01; done
        sleep "0.0$(printf %02d $((RANDOM % 50)))"
    else
        sleep "0.$(printf %03d $((RANDOM % 700 + 100)))"
    fi
    if ! kill -KILL $pid 2>/dev/null; then
        wait $pid
        echo "crash_resume: attempt $attempt: the run ended before the kill (exit $?)" >>"$work/crashy.log"
        break
    fi
    wait $pid 2>/dev/null
    kills=$((kills + 1))
    [ -e "$ck.tmp.$pid" ] && in_write=$((in_write + 1))
    for f in "$dir"/*.safetensors; do
        [ -e "$f" ] || continue
        "$GANC" info "$f" >"$work/info.txt" 2>&1 || bad+=" kill $kills: $(tail -n 1 "$work/info.txt");"
    done
    step=$(sed -n 's/^ *step = //p' "$work/info.txt" 2>/dev/null | head -n 1)
    [ -e "$ck" ] || step=0
    if [ -z "$step" ] || [ "$step" -lt "$prev" ]; then bad+=" kill $kills: checkpoint step '$step' after $prev;"; fi
    prev=${step:-$prev}
    steps_seen+=" $prev"
done
echo "crash_resume: checkpoint step on disk after each kill:$steps_seen"
expect_ok crash_resume_finishes "$GANC" train "$cfg" "${tiny[@]}" --set train.out="$work/crashy" --resume
a=$("$GANC" info "$work/straight/checkpoints/latest.safetensors" --tensors | grep crc32)
b=$("$GANC" info "$ck" --tensors | grep crc32)
if [ $kills -ge 20 ] && [ -z "$bad" ] && [ -n "$a" ] && [ "$a" = "$b" ]; then
    echo "PASS crash_resume_20_of_20 ($kills SIGKILLs, $in_write inside a checkpoint write; every checkpoint loaded;" \
         "final $(wc -l <<<"$a") tensors identical to the uninterrupted run)"
else
    echo "FAIL crash_resume_20_of_20: seed $seed, $kills kills;$bad $( [ "$a" = "$b" ] || echo ' final tensors differ')"
    tail -n 5 "$work/crashy.log"
fi
if [ $in_write -ge 5 ]; then echo "PASS crash_resume_kills_inside_writes ($in_write)"
else echo "FAIL crash_resume_kills_inside_writes: only $in_write of $kills kills landed inside a checkpoint write"; fi
if ls "$dir" | grep -q '\.tmp\.'; then echo "FAIL crash_resume_no_stale_temporaries: $(ls "$dir")"
else echo "PASS crash_resume_no_stale_temporaries"; fi
# metrics.csv rows (all but the wall time) match too: a resume drops rows past its checkpoint.
if diff <(cut -d, -f1,3- "$work/straight/metrics.csv") <(cut -d, -f1,3- "$work/crashy/metrics.csv") >/dev/null; then
    echo "PASS crash_resume_metrics_identical"
else
    echo "FAIL crash_resume_metrics_identical: $(diff <(cut -d, -f1,3- "$work/straight/metrics.csv") \
        <(cut -d, -f1,3- "$work/crashy/metrics.csv") | head -n 3)"
fi

# SIGTERM and SIGINT: the run saves a checkpoint at the step it reached and exits 0.
for sig in TERM INT; do
    out="$work/sig$sig"
    "$GANC" train "$cfg" "${tiny[@]}" --set train.steps=100000 --set train.out="$out" >"$out.log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do [ -e "$out/checkpoints/latest.safetensors" ] && break; sleep 0.05; done
    sleep 0.2
    kill -$sig $pid
    wait $pid
    status=$?
    saved=$(sed -n 's/.*interrupted: checkpoint saved at step \([0-9]*\).*/\1/p' "$out.log" | tail -n 1)
    step=$("$GANC" info "$out/checkpoints/latest.safetensors" 2>&1 | sed -n 's/^ *step = //p')
    if [ $status -eq 0 ] && [ -n "$saved" ] && [ "$saved" = "$step" ]; then
        echo "PASS sig${sig,,}_saves_and_exits (saved at step $saved)"
    else
        echo "FAIL sig${sig,,}_saves_and_exits: exit $status, log says step '$saved', checkpoint step '$step':" \
             "$(tail -n 2 "$out.log")"
    fi
done
