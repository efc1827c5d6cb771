# Command-line behaviour of the core commands.
. tests/cli_lib.sh

expect_ok help "$GANC" --help
expect_fail unknown_command 'unknown command "frobnicate"' "$GANC" frobnicate
expect_fail no_command 'usage' "$GANC"
expect_ok gradcheck_one_op_both_precisions "$GANC" gradcheck tanh
out=$("$GANC" gradcheck tanh 2>&1)
if grep -q "gradcheck float32: 1 passed, 0 failed" <<<"$out" && grep -q "gradcheck float64: 1 passed, 0 failed" <<<"$out"; then
    echo "PASS gradcheck_reports_both_precisions"
else
    echo "FAIL gradcheck_reports_both_precisions: ${out: -300}"
fi
expect_fail gradcheck_unknown_op 'no op or case named "nosuchop"' "$GANC" gradcheck nosuchop
expect_fail gradcheck_bad_precision 'precision must be' "$GANC" gradcheck --precision f16
expect_fail device_bad_name 'expected cpu, cuda, cuda:N or auto' "$GANC" device --device tpu
if "$GANC" device --device cuda >/dev/null 2>&1; then
    echo "SKIP device_cuda_without_gpu: a GPU is present"
else
    expect_fail device_cuda_without_gpu 'no GPU|CUDA not built|not built' "$GANC" device --device cuda
fi
# auto must fall back to the CPU, say so and why, where no GPU is usable.
out=$("$GANC" device --device auto 2>&1)
status=$?
if "$GANC" device --device cuda >/dev/null 2>&1; then
    if [ $status -eq 0 ] && ! grep -q "running on the CPU" <<<"$out"; then echo "PASS device_auto_uses_the_gpu"
    else echo "FAIL device_auto_uses_the_gpu: exit $status: ${out: -300}"; fi
elif [ $status -eq 0 ] && grep -qx "cpu" <<<"$out" && grep -q "device auto: no usable GPU (.*), running on the CPU" <<<"$out"; then
    echo "PASS device_auto_falls_back"
else
    echo "FAIL device_auto_falls_back: exit $status, expected \"cpu\" and the reason: ${out: -300}"
fi
