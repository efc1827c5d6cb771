#!/usr/bin/env bash
# Command-line checks of `ganc synth`: one line per check, PASS/FAIL/SKIP.
# Run from the repository root with GANC=path/to/ganc (default bin/ganc).
set -u
GANC=${GANC:-bin/ganc}
if [ ! -x "$GANC" ]; then
    echo "SKIP synth_cli: $GANC is not built"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# layout of one style: images/, masks/, labels.csv with a header and one row per image
if OMP_NUM_THREADS=3 "$GANC" synth --style photo --n 6 --size 32 --seed 5 --out "$tmp/a" >"$tmp/log" 2>&1; then
    n_img=$(ls "$tmp/a/images" 2>/dev/null | grep -c '\.png$')
    n_mask=$(ls "$tmp/a/masks" 2>/dev/null | grep -c '\.png$')
    header=$(head -n 1 "$tmp/a/labels.csv" 2>/dev/null)
    rows=$(($(wc -l <"$tmp/a/labels.csv") - 1))
    if [ "$n_img" = 6 ] && [ "$n_mask" = 6 ] && [ "$rows" = 6 ] && [[ $header == file,mask,split,style,index,identity,* ]]; then
        pass synth_cli_layout
    else
        fail synth_cli_layout "images=$n_img masks=$n_mask rows=$rows header=${header:0:40}"
    fi
else
    fail synth_cli_layout "exit status $?: $(cat "$tmp/log")"
fi

# two styles with a split: the CycleGAN folders
if "$GANC" synth --style photo,cartoon --n 8 --size 24 --identities 4 --split train=0.5 --out "$tmp/s" >"$tmp/log" 2>&1 &&
    [ -f "$tmp/s/trainA/000000.png" ] && [ -f "$tmp/s/trainB/000000.png" ] &&
    [ -f "$tmp/s/testA/000002.png" ] && [ -f "$tmp/s/testB_masks/000003.png" ] &&
    [ "$(wc -l <"$tmp/s/labels.csv")" = 17 ]; then
    pass synth_cli_split_layout
else
    fail synth_cli_split_layout "missing trainA/trainB/testA/testB files: $(ls "$tmp/s" 2>/dev/null | tr '\n' ' ')"
fi

# same seed and options (another thread count): byte-identical files;
# another seed: different images
OMP_NUM_THREADS=1 "$GANC" synth --style photo --n 6 --size 32 --seed 5 --out "$tmp/b" >/dev/null 2>&1
"$GANC" synth --style photo --n 6 --size 32 --seed 6 --out "$tmp/c" >/dev/null 2>&1
same=1 compared=0
for g in "$tmp/a/labels.csv" "$tmp"/a/images/*.png "$tmp"/a/masks/*.png; do
    [ -e "$g" ] || continue
    compared=$((compared + 1))
    cmp -s "$g" "$tmp/b/${g#"$tmp/a/"}" || same=0
done
if [ "$same" = 1 ] && [ "$compared" -ge 13 ]; then
    pass synth_cli_deterministic
else
    fail synth_cli_deterministic "same seed gave different files ($compared compared)"
fi
if ! cmp -s "$tmp/a/images/000000.png" "$tmp/c/images/000000.png"; then
    pass synth_cli_seed_matters
else
    fail synth_cli_seed_matters "seeds 5 and 6 gave the same image"
fi

# scenes for a face detector
if "$GANC" synth --style cartoon --scene 96x64 --n 3 --seed 1 --out "$tmp/scene" >"$tmp/log" 2>&1 &&
    head -n 1 "$tmp/scene/labels.csv" | grep -q '^file,mask,split,style,index,n_faces,face0_identity,face0_x0'; then
    pass synth_cli_scene
else
    fail synth_cli_scene "$(cat "$tmp/log")"
fi

# the style grid
if "$GANC" synth --grid "$tmp/grid.png" --identities 3 --size 32 >"$tmp/log" 2>&1 && [ -s "$tmp/grid.png" ]; then
    pass synth_cli_grid
else
    fail synth_cli_grid "$(cat "$tmp/log")"
fi

# bad arguments: non-zero exit and a message naming the argument
expect_error() { # name, text the message must contain, arguments...
    local name=$1 needle=$2
    shift 2
    "$GANC" synth "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq 0 ]; then
        fail "$name" "exit status 0 for: $*"
    elif ! grep -q -- "$needle" "$tmp/err"; then
        fail "$name" "message does not name $needle: $(cat "$tmp/err")"
    else
        pass "$name"
    fi
}
expect_error synth_cli_unknown_style --style --style sketch --n 1 --out "$tmp/x"
expect_error synth_cli_size_zero --size --style photo --size 0 --n 1 --out "$tmp/x"
expect_error synth_cli_unwritable_out --out --style photo --n 1 --size 32 --out /proc/x
expect_error synth_cli_bad_split --split --style photo --n 1 --split train=2 --out "$tmp/x"
expect_error synth_cli_bad_scene --scene --style photo --n 1 --scene 10 --out "$tmp/x"

exit $failed
