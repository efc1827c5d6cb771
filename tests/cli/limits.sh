# Resource limits end in a clear error within seconds, never a hang.
. tests/cli_lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GANC" synth --style photo,cartoon --n 12 --size 40 --seed 1 --split train=0.9 --out "$work/faces" >/dev/null 2>&1

if [[ ${GANC_BUILD:-} == *san* ]]; then
    echo "SKIP memory_cap_fails_fast: AddressSanitizer maps terabytes of shadow memory, so no ulimit -v applies"
    exit 0
fi
# OpenBLAS used to loop forever on its 128 MiB buffer under ulimit -v, and
# its thread pool then blocked the exit; the BLAS path calls it in every conv.
for limit in 100000 300000; do
    start=$(date +%s)
    out=$( (ulimit -v $limit; GANC_CPU_CONV=blas timeout -s KILL 60 "$GANC" train experiments/cyclegan/cyclegan_small.ini \
        --set data.root="$work/faces" --set train.out="$work/capped_$limit" --set train.steps=2 \
        --set train.sample_every=0) 2>&1)
    status=$?
    took=$(($(date +%s) - start))
    if [ $status -eq 1 ] && [ $took -le 20 ] && grep -q "memory limit (ulimit -v $limit KiB)" <<<"$out"; then
        echo "PASS memory_cap_${limit}_fails_fast"
    else
        echo "FAIL memory_cap_${limit}_fails_fast: exit $status after $took s: ${out: -300}"
    fi
done
