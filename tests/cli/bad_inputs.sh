# The bad-input catalogue of docs/reliability.md ("Bad inputs"): each bad
# file or setting a user can hand ganc, and the message they see. Every case
# must exit with status 1 (an error, not a crash or an abort: those exit
# with 128 + the signal) and print a message naming the file or key; none
# may leave a half-written file behind. Rows already checked elsewhere are
# named in the table (tests/cli/train.sh, export.sh, cuda.sh, disk_errors.sh).
. tests/cli_lib.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
plugins=${GANC_BUILD:-build/release}/plugins
cfg=experiments/cyclegan/cyclegan_small.ini
att=experiments/cartoon_head/attributes_small.ini

# expect_error NAME PATTERN CMD...: exit status exactly 1 and PATTERN (an ERE) in the output.
# BAD_INPUTS_SHOW=1 also prints each message, with the work folder as $W (the table's text).
expect_error() {
    local name=$1 pattern=$2
    shift 2
    local out status
    out=$("$@" 2>&1)
    status=$?
    if [ $status -ne 1 ]; then echo "FAIL $name: exit status $status (expected 1): ${out: -300}"
    elif ! grep -qE -- "$pattern" <<<"$out"; then echo "FAIL $name: error did not mention /$pattern/: ${out: -300}"
    else echo "PASS $name"; fi
    [ -n "${BAD_INPUTS_SHOW:-}" ] && grep -E -- "$pattern" <<<"$out" | head -n 1 | sed "s|$work|\$W|g; s/^/    /"
    return 0
}

"$GANC" synth --style photo,cartoon --n 16 --size 20 --seed 3 --split train=0.9 --out "$work/faces" >/dev/null
tiny=(--set data.root="$work/faces" --set data.load_size=16 --set data.crop_size=16 --set G.ngf=4 --set G.n_blocks=1
      --set D.ndf=4 --set train.sample_every=0 --set train.checkpoint_every=0 --set train.steps=2)
train() { "$GANC" train "$cfg" "${tiny[@]}" "$@"; }
# A copy of the faces with one training image replaced; 20 steps read every image once.
faces_with() {
    rm -rf "$work/$1"
    cp -r "$work/faces" "$work/$1"
}

# PNGs written byte by byte: any size in the header, any colour type.
python3 - "$work" <<'EOF'
import struct, sys, zlib
w = sys.argv[1]
def png(name, width, height, color_type, rows):
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack('>IIBBBBB', width, height, 8, color_type, 0, 0, 0)
    with open(f'{w}/{name}', 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
png('huge.png', 100000, 100000, 2, b'\0' * 301)
png('large.png', 16000, 16000, 2, b'\0' * 48001)
png('wide.png', 20000, 2, 2, b'\0' * 60001 * 2)
png('gray.png', 20, 20, 0, b''.join(b'\0' + bytes(range(20)) for _ in range(20)))
png('rgba.png', 20, 20, 6, b''.join(b'\0' + bytes([9, 99, 199, 255]) * 20 for _ in range(20)))
EOF

# ---- images ----
faces_with cutpng
img=$(ls "$work/cutpng/trainA" | head -n 1)
head -c 200 "$work/faces/trainA/$img" >"$work/cutpng/trainA/$img"
expect_error image_truncated_png "image $work/cutpng/trainA/$img: cannot decode: truncated PNG" \
    train --set data.root="$work/cutpng" --set train.out="$work/o_cutpng" --set train.steps=20
faces_with jpg
cp tests/data/face24.jpg "$work/jpg/trainA/whole.jpg"
expect_ok image_jpeg_trains train --set data.root="$work/jpg" --set train.out="$work/o_jpg" --set train.steps=20
faces_with cutjpg
head -c 500 tests/data/face24.jpg >"$work/cutjpg/trainA/cut.jpg"
expect_error image_truncated_jpeg "image $work/cutjpg/trainA/cut.jpg: cannot decode: " \
    train --set data.root="$work/cutjpg" --set train.out="$work/o_cutjpg" --set train.steps=20
faces_with empty
: >"$work/empty/trainA/empty.png"
expect_error image_zero_bytes "image $work/empty/trainA/empty.png: cannot decode: the file is empty" \
    train --set data.root="$work/empty" --set train.out="$work/o_empty"
# Skipped: the run completes and reports the file by name, once.
out=$(train --set data.root="$work/empty" --set train.out="$work/o_empty2" --skip-bad-images 2>&1)
status=$?
skips=$(grep -c "skipping a bad image (skip_bad_images = true): image $work/empty/trainA/empty.png: cannot decode: the file is empty" <<<"$out")
if [ $status -eq 0 ] && [ "$skips" -eq 1 ] && grep -q "^done: 2 steps" <<<"$out"; then echo "PASS image_zero_bytes_skipped"
else echo "FAIL image_zero_bytes_skipped: exit $status, $skips skip lines for empty.png (expected 1): ${out: -300}"; fi
# Refused before the pixels are allocated: by the pixel limit, the side limit, or stb's own size check.
for f in huge large wide; do
    faces_with "$f"
    cp "$work/$f.png" "$work/$f/trainA/"
    expect_error "image_header_${f}" "image $work/$f/trainA/$f.png: .*(pixels|cannot decode)" \
        train --set data.root="$work/$f" --set train.out="$work/o_$f" --set train.steps=20
done
faces_with channels
cp "$work/gray.png" "$work/rgba.png" "$work/channels/trainA/"
out=$(train --set data.root="$work/channels" --set train.out="$work/o_channels" --set train.steps=20 2>&1)
if [ $? -eq 0 ] && grep -q 'converting 1 grayscale image to RGB; dropping the alpha channel of 1 image' <<<"$out"; then
    echo "PASS image_gray_and_rgba_converted"
else
    echo "FAIL image_gray_and_rgba_converted: ${out: -300}"
fi

# ---- checkpoints ----
train --set train.out="$work/run" >/dev/null 2>&1
ck="$work/run/checkpoints/latest.safetensors"
expect_error checkpoint_other_width \
    "checkpoint $ck has G_A.model.1.weight with shape \(4,3,7,7\), network G_A expects \(8,3,7,7\)" \
    train --set G.ngf=8 --set train.out="$work/run" --set train.steps=4 --resume --allow-change G.ngf
expect_error checkpoint_other_depth "checkpoint $ck has no tensor G_A.model.11.conv_block.1.weight" \
    train --set G.n_blocks=2 --set train.out="$work/run" --set train.steps=4 --resume --allow-change G.n_blocks
expect_error checkpoint_other_recipe "checkpoint $ck was written by recipe \"cyclegan\", this run is \"regressor\"" \
    "$GANC" train "$att" --set data.root="$work/faces/trainA" --set data.labels="$work/faces/labels.csv" \
    --set data.load_size=16 --set data.crop_size=16 --set E.image_size=16 --set E.width=8 --set train.batch_size=2 \
    --set train.out="$work/run" --resume
cp "$ck" "$work/flipped.safetensors"
size=$(stat -c %s "$ck")
printf '\x55' | dd of="$work/flipped.safetensors" bs=1 seek=$((size - 100)) conv=notrunc status=none
expect_error checkpoint_flipped_payload_byte \
    "file $work/flipped.safetensors is corrupt \(crc32 [0-9a-f]{8}, expected [0-9a-f]{8}\)" "$GANC" info "$work/flipped.safetensors"
cp "$ck" "$work/flipped_header.safetensors"
printf 'X' | dd of="$work/flipped_header.safetensors" bs=1 seek=20 conv=notrunc status=none
expect_error checkpoint_flipped_header_byte "file $work/flipped_header.safetensors: bad header JSON at byte [0-9]+" \
    "$GANC" info "$work/flipped_header.safetensors"
head -c 1000 "$ck" >"$work/cut.safetensors"
expect_error checkpoint_truncated "file $work/cut.safetensors: bad header length [0-9]+ \(the file has 992 bytes" \
    "$GANC" info "$work/cut.safetensors"
head -c $((size - 10)) "$ck" >"$work/cut_payload.safetensors"
expect_error checkpoint_truncated_payload "file $work/cut_payload.safetensors is truncated" \
    "$GANC" info "$work/cut_payload.safetensors"
: >"$work/zero.safetensors"
expect_error checkpoint_zero_bytes "file $work/zero.safetensors is truncated: 0 bytes, fewer than the 8-byte header length" \
    "$GANC" info "$work/zero.safetensors"
expect_error checkpoint_translate_corrupt "file $work/flipped.safetensors is corrupt" \
    "$GANC" translate --checkpoint "$work/flipped.safetensors" --input "$work/faces/testA" --output "$work/o_translate"

# ---- configs ----
expect_error config_missing_file "nothere.ini" "$GANC" train "$work/nothere.ini"
expect_error config_unknown_key 'unknown key "ngff" in \[G\]; valid keys: arch' train --set G.ngff=8 --set train.out="$work/x"
expect_error config_bad_number '\[optim\] lr = "0.0o1": expected a number in 1e-12..1000' \
    train --set optim.lr=0.0o1 --set train.out="$work/x"
expect_error config_bad_integer '\[train\] steps = "1e3": expected an integer in 0..' \
    train --set train.steps=1e3 --set train.out="$work/x"
grep -v '^\[experiment\]\|^recipe' "$cfg" >"$work/no_experiment.ini"
expect_error config_missing_section 'config: \[experiment\] needs the key "recipe"' \
    "$GANC" train "$work/no_experiment.ini" "${tiny[@]}" --set train.out="$work/x"
awk '/^\[G\]/ {skip = 1; next} /^\[/ {skip = 0} !skip' "$cfg" >"$work/no_G.ini"
expect_error config_missing_network_section 'config: \[G\] needs the key "arch"' \
    "$GANC" train "$work/no_G.ini" --set data.root="$work/faces" --set train.out="$work/x"

# ---- loss plugins ----
expect_error plugin_without_symbol "plugin = $plugins/libplugin_no_symbol.so does not export ganc_loss_plugin_register\(\)" \
    train --set train.out="$work/x" --set loss.p.plugin="$plugins/libplugin_no_symbol.so"
expect_error plugin_other_abi "libplugin_wrong_abi.so was built for loss-plugin ABI 999, this ganc has ABI 1" \
    train --set train.out="$work/x" --set loss.p.plugin="$plugins/libplugin_wrong_abi.so"
expect_error plugin_other_real "plugin = [^ ]*/libplugin_wrong_real.so was built with [48]-byte reals, this ganc computes in float(32|64): build it with(out)? -DGANC_REAL_DOUBLE" \
    train --set train.out="$work/x" --set loss.p.plugin="$plugins/libplugin_wrong_real.so"
expect_error plugin_missing_file "plugin = $work/nothere.so: cannot load it: .*No such file" \
    train --set train.out="$work/x" --set loss.p.plugin="$work/nothere.so"
expect_error plugin_not_a_library "plugin = $work/gray.png: cannot load it: .*invalid ELF header" \
    train --set train.out="$work/x" --set loss.p.plugin="$work/gray.png"

# ---- devices and memory ----
if "$GANC" device --device cuda >/dev/null 2>&1; then
    echo "SKIP cuda_without_gpu: a GPU is usable here"
else
    expect_error cuda_without_gpu 'device cuda requested but no GPU is usable|not built' \
        train --set train.out="$work/x" --device cuda
fi
GANC_ARENA_LIMIT_MB=1 expect_error out_of_memory \
    'arena \(cpu\): out of memory allocating [0-9]+ bytes \([0-9]+ in use, limit 1 MiB from GANC_ARENA_LIMIT_MB\)' \
    train --set G.ngf=16 --set D.ndf=16 --set train.out="$work/o_oom"
GANC_ARENA_LIMIT_MB=lots expect_error out_of_memory_bad_limit 'GANC_ARENA_LIMIT_MB = "lots": expected a whole number' \
    train --set train.out="$work/o_oom2"
GANC_CPU_CONV=fast expect_error cpu_conv_unknown_path 'GANC_CPU_CONV = "fast": expected blas or packed' \
    train --set train.out="$work/o_conv"

# ---- labels CSV (the regressor recipe) ----
reg=(--set data.root="$work/faces/trainA" --set data.load_size=16 --set data.crop_size=16 --set E.image_size=16
     --set E.width=8 --set train.steps=2 --set train.checkpoint_every=0 --set train.batch_size=2)
python3 - "$work/faces" <<'EOF'
import sys
d = sys.argv[1]
lines = open(f'{d}/labels.csv').read().splitlines()
i = lines[0].split(',').index('a_face_width')
row = lines[2].split(',')
row[i] = 'abc'
open(f'{d}/bad_number.csv', 'w').write('\n'.join(lines[:2] + [','.join(row)] + lines[3:]) + '\n')
short = ','.join(lines[3].split(',')[:-1])
open(f'{d}/short_row.csv', 'w').write('\n'.join(lines[:3] + [short] + lines[4:]) + '\n')
EOF
expect_ok labels_good "$GANC" train "$att" "${reg[@]}" --set data.labels="$work/faces/labels.csv" --set train.out="$work/l0"
expect_error labels_missing_column "labels $work/faces/labels.csv: no label column \"a_wings\"" \
    "$GANC" train "$att" "${reg[@]}" --set data.labels="$work/faces/labels.csv" \
    --set data.label_columns=a_face_width,a_wings --set E.outputs=2 --set train.out="$work/l1"
expect_error labels_bad_number "labels $work/faces/bad_number.csv:3: column a_face_width: expected a finite number, got \"abc\"" \
    "$GANC" train "$att" "${reg[@]}" --set data.labels="$work/faces/bad_number.csv" --set train.out="$work/l2"
expect_error labels_short_row "labels $work/faces/short_row.csv:4: [0-9]+ fields, but the header has [0-9]+" \
    "$GANC" train "$att" "${reg[@]}" --set data.labels="$work/faces/short_row.csv" --set train.out="$work/l3"
expect_error labels_missing_file "labels $work/faces/none.csv: cannot open: No such file or directory" \
    "$GANC" train "$att" "${reg[@]}" --set data.labels="$work/faces/none.csv" --set train.out="$work/l4"

# ---- ONNX for ganc info ----
cp tests/data/face24.jpg "$work/junk.onnx"
expect_error onnx_junk "ONNX file $work/junk.onnx: " "$GANC" info "$work/junk.onnx"
: >"$work/empty.onnx"
expect_error onnx_zero_bytes "$work/empty.onnx is not an ONNX model: no ir_version" "$GANC" info "$work/empty.onnx"

# No failure above may leave a temporary file, or a checkpoint of a run that failed.
left=$(find "$work" -name '*.tmp.*'; ls -d "$work"/o_*/checkpoints 2>/dev/null | grep -v '/o_jpg/\|/o_empty2/\|/o_channels/')
if [ -z "$left" ]; then echo "PASS bad_inputs_leave_no_partial_files"
else echo "FAIL bad_inputs_leave_no_partial_files: $left"; fi
