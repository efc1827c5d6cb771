# One consistent command line (issue 16, section 6) and no command writing
# over its own inputs (section 3): --help on every command prints every
# option to stdout and exits 0; `ganc help X` and `ganc --version`; unknown
# flags are named; a folder given as an input file says so; gradcheck
# refuses when ganc-f64 is missing; grids are PNG or JPEG by extension or
# refused; export/eval/pinch refuse an output that is one of their inputs
# however it is spelt; eval prints its table before a CSV it cannot write.
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Absolute, as some checks run inside $work to spell paths relatively.
GANC=$(cd "$(dirname "$GANC")" && pwd)/$(basename "$GANC")

# ---- --help, help COMMAND, --version ----
# option_lines CMD...: the number of "  --option  text" lines the help prints.
for cmd in info device export eval gradcheck synth pinch "bench" "bench ops" "bench train" "bench infer" "bench synth"; do
    name=help_${cmd// /_}
    # shellcheck disable=SC2086
    out=$("$GANC" $cmd --help 2>"$work/err")
    status=$?
    described=$(grep -cE '^  +--[a-z0-9-]+[ =A-Za-z|.,:]* {2,}[A-Za-z(]' <<<"$out")
    undescribed=$(grep -E '^  +--[a-z0-9-]+ *$' <<<"$out")
    if [ $status -ne 0 ] || [ -s "$work/err" ]; then
        echo "FAIL $name: exit $status, stderr: $(head -c 300 "$work/err")"
    elif [ "$cmd" != bench ] && { [ "$described" -lt 1 ] || [ -n "$undescribed" ]; }; then
        echo "FAIL $name: options without a line of text: $undescribed (${out:0:300})"
    else
        echo "PASS $name ($described options described)"
    fi
done
# Every option the usage line shows has its own line of text.
for cmd in info device export eval gradcheck synth pinch "bench ops" "bench train" "bench synth"; do
    # shellcheck disable=SC2086
    out=$("$GANC" $cmd --help)
    missing=""
    for opt in $(grep -oE '\[?--[a-z0-9-]+' <<<"$(grep -E '^ *(usage:|ganc )' <<<"$out")" | tr -d '[' | sort -u); do
        grep -qE "^  +$opt\b" <<<"$out" || missing="$missing $opt"
    done
    if [ -z "$missing" ]; then echo "PASS help_lists_every_option_${cmd// /_}"
    else echo "FAIL help_lists_every_option_${cmd// /_}: no line for$missing"; fi
done
if [ "$("$GANC" help export)" = "$("$GANC" export --help)" ] && "$GANC" help >/dev/null; then
    echo "PASS help_command_runs_command_help"
else
    echo "FAIL help_command_runs_command_help"
fi
expect_fail help_unknown_command 'unknown command "frobnicate"' "$GANC" help frobnicate
out=$("$GANC" --version)
if [ $? -eq 0 ] && grep -qE '^ganc [0-9]+\.[0-9]+' <<<"$out" && grep -q 'real: *float32' <<<"$out" &&
    grep -q 'blas: ' <<<"$out" && grep -qE 'cpu convolution: *(packed|im2col)' <<<"$out" &&
    grep -qE 'cuda: *(compiled in|not compiled in)' <<<"$out"; then
    echo "PASS version_prints_the_build"
else
    echo "FAIL version_prints_the_build: $out"
fi
if GANC_CPU_CONV=blas "$GANC" --version | grep -q 'cpu convolution: *im2col + BLAS (GANC_CPU_CONV=blas)'; then
    echo "PASS version_names_the_conv_path"
else
    echo "FAIL version_names_the_conv_path"
fi

# ---- unknown flags are named ----
for cmd in "" info device export eval gradcheck synth pinch "bench ops" "bench train" "bench synth"; do
    # shellcheck disable=SC2086
    expect_fail "unknown_flag_named_${cmd// /_}" "unknown (option|argument) --no-such-flag" "$GANC" $cmd --no-such-flag
done
expect_fail unknown_benchmark_named 'unknown benchmark "nope"' "$GANC" bench nope

# ---- a folder where a file is expected ----
mkdir "$work/folder"
expect_fail info_folder 'folder: Is a directory' "$GANC" info "$work/folder"
expect_fail export_checkpoint_folder 'folder: Is a directory' "$GANC" export --checkpoint "$work/folder" --net G_A \
    --format onnx --out "$work/x.onnx"
expect_fail eval_checkpoint_folder 'folder: Is a directory' "$GANC" eval --checkpoint "$work/folder" --data "$work"
expect_fail train_config_folder 'folder: cannot open: Is a directory' "$GANC" train "$work/folder"

# ---- gradcheck without ganc-f64 beside it ----
mkdir "$work/alone"
cp "$GANC" "$work/alone/ganc"
for p in both f64; do
    expect_fail "gradcheck_${p}_without_f64" "ganc-f64, which is missing" "$work/alone/ganc" gradcheck relu --precision "$p"
done
expect_ok gradcheck_f32_without_f64 "$work/alone/ganc" gradcheck relu --precision f32

# ---- grids: PNG or JPEG by the extension, anything else refused ----
magic() { head -c 3 "$1" | od -An -tx1 | tr -d ' \n'; }
"$GANC" synth --grid "$work/grid.jpg" --identities 2 --size 16 >/dev/null
"$GANC" synth --grid "$work/grid.png" --identities 2 --size 16 >/dev/null
if [ "$(magic "$work/grid.jpg")" = ffd8ff ] && [ "$(magic "$work/grid.png")" = 89504e ]; then
    echo "PASS synth_grid_format_by_extension"
else
    echo "FAIL synth_grid_format_by_extension: jpg $(magic "$work/grid.jpg"), png $(magic "$work/grid.png")"
fi
expect_fail synth_grid_gif_refused 'expected .png, .jpg or .jpeg' "$GANC" synth --grid "$work/grid.gif" --size 16
expect_fail eval_grid_gif_refused '--grid: expected a file name ending in .png, .jpg or .jpeg' \
    "$GANC" eval --checkpoint "$work/folder" --data "$work" --grid "$work/grid.gif"
expect_fail pinch_out_gif_refused 'expected a file name ending in .png, .jpg or .jpeg' \
    "$GANC" pinch --checkpoint "$work/folder" --input "$work/grid.png" --out "$work/v.gif"

# ---- no output over an input, however it is spelt ----
echo "not really a checkpoint" >"$work/ck.safetensors"
cp "$work/ck.safetensors" "$work/ck.orig"
ln "$work/ck.safetensors" "$work/hardlink.safetensors"
ln -s "$work/ck.safetensors" "$work/symlink.safetensors"
cd "$work" || exit 1
expect_fail export_out_is_checkpoint '--out ./ck.safetensors is the same file as --checkpoint ck.safetensors' \
    "$GANC" export --checkpoint ck.safetensors --net G_A --format safetensors --out ./ck.safetensors
expect_fail export_out_is_hard_link 'is the same file as --checkpoint' \
    "$GANC" export --checkpoint ck.safetensors --net G_A --format onnx --out hardlink.safetensors
expect_fail export_out_is_symlink 'is the same file as --checkpoint' \
    "$GANC" export --checkpoint symlink.safetensors --net G_A --format onnx --out "$work/ck.safetensors"
expect_fail eval_csv_is_checkpoint '--csv ck.safetensors is the same file as --checkpoint' \
    "$GANC" eval --checkpoint ck.safetensors --data folder --csv ck.safetensors
ln -s ck.safetensors ck.png
expect_fail eval_grid_is_checkpoint '--grid ck.png is the same file as --checkpoint' \
    "$GANC" eval --checkpoint ck.safetensors --data folder --grid ck.png
echo "a,b" >folder/labels.csv
expect_fail eval_csv_inside_data 'already exists inside the folder --data folder' \
    "$GANC" eval --checkpoint ck.safetensors --data folder --csv folder/labels.csv
expect_fail eval_csv_is_grid '--grid ./out.png is the same file as --csv out.png' \
    "$GANC" eval --checkpoint ck.safetensors --data "$work" --csv out.png --grid ./out.png
cp grid.png photo.png
expect_fail pinch_out_is_input '--out ./photo.png is the same file as --input photo.png' \
    "$GANC" pinch --checkpoint ck.safetensors --input photo.png --out ./photo.png
expect_fail pinch_params_is_out '--params ./v.png is the same file as --out v.png' \
    "$GANC" pinch --checkpoint ck.safetensors --input photo.png --out v.png --params ./v.png
cd - >/dev/null || exit 1
if cmp -s "$work/ck.safetensors" "$work/ck.orig" && cmp -s "$work/photo.png" "$work/grid.png" && [ "$(cat "$work/folder/labels.csv")" = "a,b" ] &&
    [ ! -e "$work/out.png" ] && [ ! -e "$work/v.png" ]; then
    echo "PASS inputs_untouched_after_refusals"
else
    echo "FAIL inputs_untouched_after_refusals"
fi

# ---- eval: the table comes first, then the CSV's error with the OS's reason ----
"$GANC" synth --style photo --n 12 --size 20 --seed 3 --out "$work/faces" >/dev/null
"$GANC" train experiments/cartoon_head/attributes_small.ini --set data.root="$work/faces/images" \
    --set data.labels="$work/faces/labels.csv" --set data.load_size=20 --set data.crop_size=16 \
    --set E.image_size=16 --set E.width=8 --set train.batch_size=4 --set train.steps=1 --set train.log_every=1 \
    --set train.checkpoint_every=0 --set train.out="$work/e1" >/dev/null 2>&1
out=$("$GANC" eval --checkpoint "$work/e1/checkpoints/latest.safetensors" --data "$work/faces/images" \
    --labels "$work/faces/labels.csv" --csv "$work/no/such/dir/eval.csv" 2>"$work/err")
status=$?
if [ $status -eq 1 ] && grep -q '^| all | ' <<<"$out" &&
    grep -q "cannot write the CSV $work/no/such/dir/eval.csv: No such file or directory" "$work/err"; then
    echo "PASS eval_table_before_csv_error"
else
    echo "FAIL eval_table_before_csv_error: exit $status, stdout ${out:0:200}, stderr $(head -c 300 "$work/err")"
fi
out=$("$GANC" eval --checkpoint "$work/e1/checkpoints/latest.safetensors" --data "$work/faces/images" \
    --labels "$work/faces/labels.csv" --csv "$work/eval.csv" 2>&1)
if [ "$(head -n 1 "$work/eval.csv" 2>/dev/null)" = "run,label,images,mae,rmse,r2,mean_mae" ] &&
    grep -q '^e1,all,12,' "$work/eval.csv" && [ "$(grep -c '^| ' <<<"$out")" -eq "$(($(wc -l <"$work/eval.csv") + 1))" ]; then
    echo "PASS eval_csv_holds_the_table"
else
    echo "FAIL eval_csv_holds_the_table: $(head -c 300 "$work/eval.csv" 2>&1) / ${out:0:300}"
fi
