#!/usr/bin/env bash
# make mutation-check: applies each tests/mutations/*.patch, one at a time, to
# a scratch copy of this tree (tracked files plus uncommitted changes and
# untracked, not ignored files), rebuilds it (CUDA=0) and runs the tests its
# "# tests:" line names: f32:FILTER (build/release/run_tests FILTER),
# f64:FILTER (build/release-f64/run_tests FILTER), cli:NAME (tests/cli/NAME.sh),
# sim:FILTER (the CUDA simulator's build/release-sim/run_tests FILTER).
# A mutation is caught when one of them fails. Prints a table; exits 1 when a
# mutation survived, a patch no longer applies or the unmutated tree fails a
# listed test; a filter that matches no test is reported. Other "# " header lines are ignored. Not part of `make test`.
set -u
root=$(git rev-parse --show-toplevel) || exit 1
cd "$root" || exit 1
scratch=$(mktemp -d /tmp/ganc_mutation_XXXXXX)
trap 'rm -rf "$scratch"' EXIT
git ls-files -z -c -o --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$scratch"
cd "$scratch" || exit 1
jobs=${MUTATION_JOBS:-2}
# MUTATIONS="a b" checks only tests/mutations/a.patch and b.patch.
if [ -n "${MUTATIONS:-}" ]; then
    patches=()
    for m in $MUTATIONS; do patches+=("$root/tests/mutations/$m.patch"); done
else
    patches=("$root"/tests/mutations/*.patch)
fi
for p in "${patches[@]}"; do [ -f "$p" ] || { echo "no patch $p"; exit 1; }; done

tests_of() { sed -n 's/^# tests: *//p' "$1" | head -1; }

build() { # targets for the listed tests
    local need=() t sim=
    for t in "$@"; do
        case $t in
            f32:*) need+=(build/release/run_tests) ;;
            f64:*) need+=(build/release-f64/run_tests) ;;
            cli:*) need+=(all) ;;
            sim:*) sim=1 ;;
        esac
    done
    : >build.log
    if [ ${#need[@]} -gt 0 ]; then make CUDA=0 -j"$jobs" "${need[@]}" >>build.log 2>&1 || return 1; fi
    if [ -n "${sim:-}" ]; then make CUDA_SIM=1 -j"$jobs" build/release-sim/run_tests >>build.log 2>&1 || return 1; fi
}

# Runs one test spec; prints "fail", "pass" or "none" (the filter matched nothing).
run_one() {
    local spec=$1 out
    case $spec in
        f32:*) out=$(build/release/run_tests "${spec#f32:}" 2>&1) ;;
        f64:*) out=$(build/release-f64/run_tests "${spec#f64:}" 2>&1) ;;
        sim:*) out=$(build/release-sim/run_tests "${spec#sim:}" 2>&1) ;;
        cli:*) out=$(GANC=bin/ganc GANC_F64=bin/ganc-f64 bash "tests/cli/${spec#cli:}.sh" 2>&1)
               if [ $? -ne 0 ] || grep -q '^FAIL' <<<"$out"; then echo fail; elif grep -q '^PASS' <<<"$out"; then echo pass; else echo none; fi
               return ;;
        *) echo "bad"; return ;;
    esac
    local rc=$?
    if grep -q '^FAIL' <<<"$out" || { [ $rc -ne 0 ] && ! grep -q ' runner\] ' <<<"$out"; }; then echo fail
    elif grep -q '^PASS' <<<"$out"; then echo pass
    else echo none; fi
}

status=0
# Baseline: every listed test must pass on the unmutated tree.
declare -A seen=()
all=()
for p in "${patches[@]}"; do for t in $(tests_of "$p"); do [ -n "${seen[$t]:-}" ] || { seen[$t]=1; all+=("$t"); }; done; done
if ! build "${all[@]}"; then echo "the unmutated tree does not build (see below)"; tail -20 build.log; exit 1; fi
for t in "${all[@]}"; do
    r=$(run_one "$t")
    case $r in
        pass) ;;
        none) echo "warning: $t matches no test"; ;;
        *) echo "baseline: $t does not pass on the unmutated tree ($r)"; status=1 ;;
    esac
done

printf '%-36s | %-8s | %s\n' mutation result "caught by"
printf '%-36s-+-%-8s-+-%s\n' "------------------------------------" "--------" "---------"
for p in "${patches[@]}"; do
    name=$(basename "$p" .patch)
    specs=$(tests_of "$p")
    if [ -z "$specs" ]; then printf '%-36s | %-8s | %s\n' "$name" ERROR "no '# tests:' line"; status=1; continue; fi
    if ! git apply --check "$p" 2>/dev/null; then
        printf '%-36s | %-8s | %s\n' "$name" ERROR "patch no longer applies"; status=1; continue
    fi
    git apply "$p"
    by=""
    if ! build $specs; then
        by="(does not build)"
        result=ERROR
        status=1
    else
        for t in $specs; do [ "$(run_one "$t")" = fail ] && by="${by:+$by, }$t"; done
        if [ -n "$by" ]; then result=caught; else result=SURVIVED; by="-"; status=1; fi
    fi
    printf '%-36s | %-8s | %s\n' "$name" "$result" "$by"
    git apply -R "$p"
done
# Leave the scratch build consistent for a rerun's incremental build (and the trap removes it).
[ $status -eq 0 ] && echo "all $((${#patches[@]})) mutations caught" || echo "mutation check FAILED"
exit $status
