# ganc translate as a user of the PyTorch CycleGAN repository expects:
# outputs keep the input's size unless asked otherwise, options are strict
# and documented, no input or earlier output is overwritten, hidden files are
# skipped, bad images can be skipped and counted, nested output folders are
# created; and training refuses a grey network at set-up. Images are written
# as BMP by printf (no outside tools); sizes are read from the PNG header.
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# bmp W H FILE: a flat grey 24-bit BMP (rows padded to 4 bytes).
le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 24 & 255)))"; }
bmp() {
    local row=$((($1 * 3 + 3) / 4 * 4))
    local size=$((54 + row * $2))
    { printf 'BM'; le32 $size; le32 0; le32 54; le32 40; le32 "$1"; le32 "$2"; printf '\x01\x00\x18\x00'; le32 0
      le32 $((row * $2)); le32 2835; le32 2835; le32 0; le32 0
      head -c $((row * $2)) /dev/zero | tr '\0' '\200'; } >"$3"
}
# png_size FILE: "WxH" from the IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", $2 * 65536 + $3 * 256 + $4, $6 * 65536 + $7 * 256 + $8}'; }
check_size() { # name file expected
    local got
    got=$(png_size "$2" 2>/dev/null)
    if [ "$got" = "$3" ]; then echo "PASS $1 ($got)"; else echo "FAIL $1: $2 is '$got', expected $3"; fi
}

"$GANC" synth --style photo,cartoon --n 8 --size 36 --seed 5 --split train=0.75 --out "$work/faces" >/dev/null
"$GANC" train experiments/cyclegan/cyclegan_small.ini --set data.root="$work/faces" --set data.load_size=28 \
    --set data.crop_size=24 --set G.ngf=4 --set G.n_blocks=1 --set D.ndf=4 --set train.sample_every=0 \
    --set train.checkpoint_every=0 --set train.steps=1 --set train.out="$work/run" >/dev/null 2>&1
ck="$work/run/checkpoints/latest.safetensors"
[ -s "$ck" ] || { echo "FAIL translate_setup: training the tiny checkpoint failed"; exit 0; }
t() { "$GANC" translate --checkpoint "$ck" "$@"; }

# --help: every option with a line, on stdout, exit 0.
help=$("$GANC" translate --help 2>/dev/null)
status=$?
missing=""
for opt in --checkpoint --input --output --direction --preprocess --size --overwrite --skip-bad-images --npy \
    --max-image-pixels --help; do grep -q -- "^  $opt" <<<"$help" || missing="$missing $opt"; done
if [ $status -eq 0 ] && [ -z "$missing" ]; then echo "PASS translate_help_lists_every_option"
else echo "FAIL translate_help_lists_every_option: exit $status, missing:$missing"; fi

# Usage errors name the option and exit 2.
usage_error() { # name pattern args...
    local name=$1 pattern=$2 out status
    shift 2
    out=$("$GANC" translate "$@" 2>&1)
    status=$?
    if [ $status -eq 2 ] && grep -qE -- "$pattern" <<<"$out"; then echo "PASS $name"
    else echo "FAIL $name: exit $status (expected 2), output: ${out:0:200}"; fi
}
usage_error translate_unknown_flag_named 'unknown option --colour' --checkpoint "$ck" --input "$work/faces/testA" \
    --output "$work/u" --colour red
usage_error translate_size_not_a_number '--size abc: expected an integer' --checkpoint "$ck" \
    --input "$work/faces/testA" --output "$work/u" --preprocess resize --size abc
usage_error translate_size_needs_a_preprocess '--size needs --preprocess' --checkpoint "$ck" \
    --input "$work/faces/testA" --output "$work/u" --size 32
usage_error translate_bad_preprocess '--preprocess crop: expected none, scale_shorter or resize' --checkpoint "$ck" \
    --input "$work/faces/testA" --output "$work/u" --preprocess crop
[ ! -e "$work/u" ] && echo "PASS translate_usage_errors_write_nothing" || echo "FAIL translate_usage_errors_write_nothing"

# Sizes: the default keeps the input's size (also one that is no multiple of 4);
# scale_shorter keeps the aspect ratio; resize squashes to a square.
mkdir -p "$work/scenes"
bmp 96 64 "$work/scenes/wide.bmp"
bmp 90 62 "$work/scenes/odd.bmp"
expect_ok translate_default_runs t --input "$work/scenes" --output "$work/keep"
check_size translate_default_keeps_size "$work/keep/wide.png" 96x64
check_size translate_default_keeps_odd_size "$work/keep/odd.png" 90x62
expect_ok translate_scale_shorter_runs t --input "$work/scenes/wide.bmp" --output "$work/short" \
    --preprocess scale_shorter --size 32
check_size translate_scale_shorter_keeps_aspect "$work/short/wide.png" 48x32
expect_ok translate_resize_runs t --input "$work/scenes/wide.bmp" --output "$work/square" --preprocess resize --size 32
check_size translate_resize_squashes "$work/square/wide.png" 32x32

# Nested output folders are created (mkdir -p).
expect_ok translate_nested_output t --input "$work/scenes/wide.bmp" --output "$work/deep/er/out"
[ -s "$work/deep/er/out/wide.png" ] && echo "PASS translate_nested_output_written" ||
    echo "FAIL translate_nested_output_written"

# No input is overwritten: output = input folder, inside it, or a file's own folder.
sum_before=$(cat "$work/scenes"/* | cksum)
expect_fail translate_refuses_output_equal_input 'is the input folder' t --input "$work/scenes" --output "$work/scenes"
expect_fail translate_refuses_output_inside_input 'inside the input folder' t --input "$work/scenes" \
    --output "$work/scenes/../scenes/sub"
cp "$work/keep/wide.png" "$work/scenes/pic.png"
sum_before=$(cat "$work/scenes"/* | cksum)
expect_fail translate_refuses_overwriting_the_input_file 'would overwrite the input' t \
    --input "$work/scenes/pic.png" --output "$work/scenes" --overwrite
if [ "$(cat "$work/scenes"/* | cksum)" = "$sum_before" ] && [ ! -e "$work/scenes/sub" ]; then
    echo "PASS translate_inputs_untouched"; else echo "FAIL translate_inputs_untouched"; fi
rm "$work/scenes/pic.png"

# An earlier run's outputs are not overwritten without --overwrite.
expect_fail translate_refuses_existing_outputs 'exist already .*--overwrite' t --input "$work/scenes" \
    --output "$work/keep"
expect_ok translate_overwrite_replaces t --input "$work/scenes" --output "$work/keep" --overwrite

# a.png and a.jpg (stb reads by content) in one folder get distinct names.
mkdir -p "$work/same"
bmp 40 40 "$work/same/a.bmp"
bmp 44 44 "$work/same/a.tga.bmp"
cp "$work/keep/wide.png" "$work/same/a.png"
expect_ok translate_colliding_stems t --input "$work/same" --output "$work/same_out"
if [ -s "$work/same_out/a.bmp.png" ] && [ -s "$work/same_out/a.png.png" ] && [ -s "$work/same_out/a.tga.png" ] &&
    [ ! -e "$work/same_out/a.png" ]; then echo "PASS translate_colliding_stems_named_uniquely"
else echo "FAIL translate_colliding_stems_named_uniquely: $(ls "$work/same_out" | tr '\n' ' ')"; fi

# Hidden files are skipped; a bad image stops the run unless --skip-bad-images.
mkdir -p "$work/mixed"
bmp 36 36 "$work/mixed/good.bmp"
printf 'junk' >"$work/mixed/.DS_Store"
printf 'resource fork' >"$work/mixed/._good.png"
expect_ok translate_skips_hidden_files t --input "$work/mixed" --output "$work/mixed_out"
printf 'not a png' >"$work/mixed/broken.png"
expect_fail translate_bad_image_stops 'broken.png' t --input "$work/mixed" --output "$work/mixed_out2"
out=$(t --input "$work/mixed" --output "$work/mixed_out3" --skip-bad-images 2>&1)
status=$?
if [ $status -eq 0 ] && grep -q "skipped 1 unreadable" <<<"$out" && grep -q "broken.png" <<<"$out" &&
    [ -s "$work/mixed_out3/good.png" ]; then echo "PASS translate_skip_bad_images_counts"
else echo "FAIL translate_skip_bad_images_counts: exit $status: ${out: -300}"; fi
mkdir -p "$work/allbad"
printf 'x' >"$work/allbad/a.png"
expect_fail translate_skip_bad_images_all_bad 'no image of .* could be translated' t --input "$work/allbad" \
    --output "$work/allbad_out" --skip-bad-images

# Grey networks: training refuses them at set-up, naming the key.
expect_fail train_refuses_grey_generator '\[G\] in_channels = 1' "$GANC" train experiments/cyclegan/cyclegan_small.ini \
    --set data.root="$work/faces" --set G.in_channels=1 --set train.steps=1 --set train.out="$work/grey"
[ ! -e "$work/grey/checkpoints" ] && echo "PASS train_grey_refused_before_any_step" ||
    echo "FAIL train_grey_refused_before_any_step"
