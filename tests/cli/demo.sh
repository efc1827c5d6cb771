# ganc demo end to end: a short run must write its files and beat its own
# untrained generator on the held-out test faces.
. tests/cli_lib.sh

out=$(mktemp -d)
expect_ok demo_short_run "$GANC" demo --out "$out" --steps 60 --size 32 --width 8
for f in results.png loss.csv metrics.txt; do
    if [ -s "$out/$f" ]; then echo "PASS demo_wrote_$f"; else echo "FAIL demo_wrote_$f: $out/$f missing or empty"; fi
done
before=$(awk '/^test_l1_before/ {print $2}' "$out/metrics.txt" 2>/dev/null)
after=$(awk '/^test_l1_after/ {print $2}' "$out/metrics.txt" 2>/dev/null)
if [ -n "$before" ] && [ -n "$after" ] && awk -v b="$before" -v a="$after" 'BEGIN { exit !(a < 0.8 * b) }'; then
    echo "PASS demo_test_l1_drops ($before -> $after)"
else
    echo "FAIL demo_test_l1_drops: before '$before', after '$after'"
fi
rm -rf "$out"

expect_fail demo_bad_steps '--steps must be an integer' "$GANC" demo --steps zero
expect_fail demo_size_not_multiple_of_4 'multiple of 4' "$GANC" demo --size 30
expect_fail demo_unwritable_out 'cannot create output directory /proc/ganc' "$GANC" demo --out /proc/ganc --steps 1
expect_fail demo_unknown_flag 'usage: ganc demo' "$GANC" demo --frobnicate 1
