# Sourced by tests/cli/*.sh: expect_ok NAME CMD..., expect_fail NAME PATTERN CMD...
# (the command must exit non-zero and print PATTERN on stderr or stdout).
expect_ok() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then echo "PASS $name"; else echo "FAIL $name: exit $? from $*: ${out: -300}"; fi
}

expect_fail() {
    local name=$1 pattern=$2
    shift 2
    local out status
    out=$("$@" 2>&1)
    status=$?
    if [ $status -eq 0 ]; then
        echo "FAIL $name: $* succeeded, expected an error"
    elif ! grep -qE -- "$pattern" <<<"$out"; then
        echo "FAIL $name: error did not mention /$pattern/: ${out: -300}"
    else
        echo "PASS $name"
    fi
}
