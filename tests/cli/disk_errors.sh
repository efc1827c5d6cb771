# A full disk or a read-only output directory stops ganc train with a message
# naming the path and the OS error, and leaves the previous checkpoint intact
# and no temporary file behind (docs/reliability.md, "Crash safety"). The
# full disk is simulated by GANC_TEST_FAIL_WRITE_AFTER_BYTES and, where this
# user may mount, by a real small tmpfs; a read-only directory by chmod
# (non-root) or a tmpfs remounted read-only (root, where chmod stops nothing).
. tests/cli_lib.sh

work=$(mktemp -d)
mnt="$work/mnt"
mounted=0
cleanup() {
    [ $mounted -eq 1 ] && umount "$mnt" 2>/dev/null
    chmod -R u+w "$work" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cfg=experiments/cyclegan/cyclegan_small.ini
"$GANC" synth --style photo,cartoon --n 16 --size 20 --seed 3 --split train=0.9 --out "$work/faces" >/dev/null
tiny=(--set data.root="$work/faces" --set data.load_size=16 --set data.crop_size=16 --set G.ngf=4 --set G.n_blocks=1
      --set D.ndf=4 --set train.sample_every=0 --set train.checkpoint_every=3 --set train.log_every=1)
train() { "$GANC" train "$cfg" "${tiny[@]}" "$@"; }
train --set train.steps=3 --set train.out="$work/base" >/dev/null 2>&1
size=$(stat -c %s "$work/base/checkpoints/latest.safetensors")

# The checkpoint of step 3 must still load, hold step 3, and have no temporary beside it.
intact() {
    local name=$1 dir=$2 step
    step=$("$GANC" info "$dir/checkpoints/latest.safetensors" 2>&1 | sed -n 's/^ *step = //p')
    if [ "$step" = 3 ] && ! ls "$dir/checkpoints" | grep -q '\.tmp\.'; then echo "PASS ${name}_keeps_checkpoint"
    else echo "FAIL ${name}_keeps_checkpoint: step '$step'; $(ls "$dir/checkpoints")"; fi
}

# Injected: the second checkpoint write of the process runs out of space halfway.
cp -r "$work/base" "$work/inj"
GANC_TEST_FAIL_WRITE_AFTER_BYTES=$((size + size / 2)) expect_fail disk_full_injected \
    "latest.safetensors.tmp.[0-9]+ failed: No space left on device.*training stopped at step 9, and the checkpoint of step 6" \
    train --set train.steps=12 --set train.out="$work/inj" --resume
GANC_TEST_FAIL_WRITE_AFTER_BYTES=$((size / 2)) expect_fail disk_full_injected_first_write \
    "$work/inj2/checkpoints/latest.safetensors.tmp.[0-9]+ failed: No space left on device.*before any checkpoint" \
    train --set train.steps=6 --set train.out="$work/inj2"
GANC_TEST_FAIL_WRITE_AFTER_BYTES=$((size / 2)) expect_fail disk_full_injected_resume \
    "No space left on device.*training stopped at step 6, and the checkpoint of step 3 is unchanged" \
    train --set train.steps=9 --set train.out="$work/base" --resume
intact disk_full_injected "$work/base"

mkdir -p "$mnt"
if mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null; then
    mounted=1
    # A real full disk: the run's files, then filler up to half a checkpoint of free space.
    cp -r "$work/base" "$mnt/run"
    avail=$(df -B1 --output=avail "$mnt" | tail -n 1)
    dd if=/dev/zero of="$mnt/filler" bs=4096 count=$(((avail - size / 2) / 4096)) status=none 2>/dev/null
    expect_fail disk_full_tmpfs "$mnt/run/checkpoints/latest.safetensors.tmp.[0-9]+ failed: No space left on device" \
        train --set train.steps=9 --set train.out="$mnt/run" --resume
    intact disk_full_tmpfs "$mnt/run"
    rm -f "$mnt/filler"
    if mount -o remount,ro "$mnt" 2>/dev/null; then
        expect_fail read_only_mount "cannot open the run lock $mnt/run/.ganc.lock: Read-only file system" \
            train --set train.steps=9 --set train.out="$mnt/run" --resume
        intact read_only_mount "$mnt/run"
    else
        echo "SKIP read_only_mount: cannot remount the tmpfs read-only"
    fi
else
    echo "SKIP disk_full_tmpfs: mounting a tmpfs is not allowed here (the injected test above covers the path)"
    echo "SKIP read_only_mount: mounting a tmpfs is not allowed here"
fi

# chmod a-w stops writes only for users other than root.
cp -r "$work/base" "$work/ro"
chmod a-w "$work/ro/checkpoints"
if touch "$work/ro/checkpoints/probe" 2>/dev/null; then
    rm -f "$work/ro/checkpoints/probe"
    echo "SKIP read_only_chmod: running as root, where chmod a-w does not stop writes (read_only_mount covers this)"
else
    expect_fail read_only_checkpoints_dir \
        "cannot create the temporary file $work/ro/checkpoints/latest.safetensors.tmp.[0-9]+: Permission denied.*checkpoint of step 3 is unchanged" \
        train --set train.steps=9 --set train.out="$work/ro" --resume
    intact read_only_checkpoints_dir "$work/ro"
    chmod -R a-w "$work/ro"
    expect_fail read_only_output_dir "$work/ro/.*Permission denied" \
        train --set train.steps=9 --set train.out="$work/ro" --resume
    intact read_only_output_dir "$work/ro"
fi
