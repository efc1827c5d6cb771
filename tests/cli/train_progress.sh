# What ganc train tells the user while and after it runs: --help, the
# progress lines (the same interval means as metrics.csv, with epoch and
# learning rate) and the closing summary.
. tests/cli_lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GANC" synth --style photo,cartoon --n 12 --size 20 --seed 3 --split train=0.9 --out "$work/faces" >/dev/null 2>&1
cfg=experiments/cyclegan/cyclegan_small.ini
tiny=(--set data.root="$work/faces" --set data.load_size=16 --set data.crop_size=16 --set G.ngf=4 --set G.n_blocks=1
      --set D.ndf=4 --set train.sample_every=0)

# --help: every option with its text on stdout, nothing on stderr, exit 0.
if "$GANC" train --help >"$work/help.out" 2>"$work/help.err" && [ ! -s "$work/help.err" ] &&
    for opt in --set --resume --allow-change --device --skip-bad-images --help; do
        grep -qE -- "^  (-h, )?$opt .*[a-z]" "$work/help.out" || exit 1
    done; then
    echo "PASS train_help_lists_every_option"
else
    echo "FAIL train_help_lists_every_option: $(head -c 300 "$work/help.out" "$work/help.err")"
fi
expect_fail train_unknown_option_named 'unknown option --bogus' "$GANC" train "$cfg" --bogus
expect_fail train_missing_value_named 'missing value after --set' "$GANC" train "$cfg" --set

# 7 steps, log_every 3, batch 2 (6 steps per epoch): rows at steps 3, 6
# and 7; a bad image among the inputs is skipped and counted.
printf 'not a png' >"$work/faces/trainA/zz_bad.png"
"$GANC" train "$cfg" "${tiny[@]}" --set train.steps=7 --set train.log_every=3 --set train.batch_size=2 \
    --set train.out="$work/run" --skip-bad-images >"$work/run.out" 2>"$work/run.err"
status=$?

# Each plain progress line shows, per loss, what metrics.csv holds for that
# step (as %.3g): the mean over the interval, not the step's own value.
mismatch=$(awk '
    NR == FNR { m = split($0, c, ",")
                if (FNR == 1) { for (i = 3; i <= m; i++) name[i] = c[i]; next }
                for (i = 3; i <= m; i++) want[c[1], name[i]] = sprintf("%.3g", c[i]); rows[c[1]] = 1; next }
    /^step [0-9]+\/7 / { split($2, s, "/"); step = s[1]; seen[step] = 1
        for (i = 1; i < NF; i++) if ((step, $i) in want) got[step, $i] = $(i + 1) }
    END { for (k in want) { split(k, p, SUBSEP); if (got[p[1], p[2]] != want[k]) print k ": log " got[p[1], p[2]] " csv " want[k] }
          for (r in rows) if (!(r in seen)) print "no line for step " r }' \
    "$work/run/metrics.csv" "$work/run.err")
if [ $status -eq 0 ] && [ "$(wc -l <"$work/run/metrics.csv")" -eq 4 ] && [ -z "$mismatch" ]; then
    echo "PASS progress_lines_equal_metrics_csv"
else
    echo "FAIL progress_lines_equal_metrics_csv: exit $status; $(head -c 300 <<<"$mismatch") $(tail -c 300 "$work/run.err")"
fi
if grep -q "^losses in the progress lines are means over the steps since the last log step (log_every = 3)" \
    "$work/run.out"; then
    echo "PASS progress_says_what_it_shows"
else
    echo "FAIL progress_says_what_it_shows: $(head -c 300 "$work/run.out")"
fi
if grep -q "^step 3/7 epoch 1/2 .* lr 0.0002  " "$work/run.err" && grep -q "^step 7/7 epoch 2/2 " "$work/run.err"; then
    echo "PASS progress_shows_epoch_and_lr"
else
    echo "FAIL progress_shows_epoch_and_lr: $(grep '^step' "$work/run.err" | head -c 300)"
fi

# The summary: steps, time and rate, skipped images, and the last row's losses.
last=$(awk -F, 'NR == 1 { for (i = 3; i <= NF; i++) name[i] = $i } END { for (i = 3; i <= NF; i++) printf " %s %.4g", name[i], $i }' \
    "$work/run/metrics.csv")
if grep -qE "^summary: 7 steps in [0-9.]+ s \([0-9.e+]+ steps/s\); 1 unreadable image skipped$" "$work/run.out" &&
    grep -qxF "last losses (step 7, as in metrics.csv):$last" "$work/run.out"; then
    echo "PASS train_ends_with_summary"
else
    echo "FAIL train_ends_with_summary: want losses$last; got $(tail -n 3 "$work/run.out")"
fi

# Ctrl-C between two log steps: the summary's losses are the open
# interval's, which metrics.csv gets only from the resumed run.
rm "$work/faces/trainA/zz_bad.png"
"$GANC" train "$cfg" "${tiny[@]}" --set train.steps=100000 --set train.log_every=1000 --set train.checkpoint_every=2 \
    --set train.out="$work/int" >"$work/int.out" 2>"$work/int.err" &
pid=$!
for _ in $(seq 300); do
    grep -q "checkpoint saved at step" "$work/int.err" 2>/dev/null && break
    sleep 0.1
done
kill -INT $pid
wait $pid
status=$?
if [ $status -eq 0 ] && grep -qE "^summary: [0-9]+ steps in " "$work/int.out" &&
    grep -qE "^last losses \(mean of steps 1-[0-9]+, not in metrics.csv until resumed\): G_A " "$work/int.out"; then
    echo "PASS interrupted_summary_says_interval_is_open"
else
    echo "FAIL interrupted_summary_says_interval_is_open: exit $status; $(tail -n 3 "$work/int.out")"
fi

# A resume with another log_every keeps every row the first run closed:
# 7 steps logged every 5 (rows 5 and a partial 7), resumed to 12 logged
# every 4: rows 5, 8 (the mean of steps 6-8) and 12.
"$GANC" train "$cfg" "${tiny[@]}" --set train.steps=7 --set train.log_every=5 --set train.out="$work/relog" \
    >/dev/null 2>&1
row5=$(grep '^5,' "$work/relog/metrics.csv")
"$GANC" train "$cfg" "${tiny[@]}" --set train.steps=12 --set train.log_every=4 --set train.out="$work/relog" \
    --resume >/dev/null 2>&1
steps=$(cut -d, -f1 "$work/relog/metrics.csv" | tr '\n' ' ')
if [ "$steps" = "step 5 8 12 " ] && [ -n "$row5" ] && [ "$(grep '^5,' "$work/relog/metrics.csv")" = "$row5" ]; then
    echo "PASS resume_with_other_log_every_keeps_closed_rows"
else
    echo "FAIL resume_with_other_log_every_keeps_closed_rows: rows at steps $steps"
fi
