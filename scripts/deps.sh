#!/usr/bin/env bash
# Installs the Debian packages ganc builds with, or prints the exact command
# when not root. Quick when everything is present: it looks for files and
# links one tiny program against OpenBLAS.
set -u

need=()
have_file() { [ -e "$1" ]; }

# OpenBLAS is present when its own header exists and a program links with
# -lopenblas. A cblas.h alone proves nothing: on Debian it may belong to the
# reference BLAS (libblas-dev), through the cblas.h alternative.
openblas_links() {
    local inc
    inc=$(ls -d /usr/include/*/openblas-pthread /usr/include/*/openblas-openmp /usr/include/*/openblas-serial \
        /usr/include/openblas 2>/dev/null | head -n 1)
    [ -n "$inc" ] && command -v gcc >/dev/null || return 1
    local exe
    exe=$(mktemp) || return 1
    printf '#include <cblas.h>\nint main(void) { return openblas_get_num_threads() < 1; }\n' |
        gcc -x c - -I"$inc" -lopenblas -o "$exe" >/dev/null 2>&1
    local status=$?
    rm -f "$exe"
    return $status
}

command -v gcc >/dev/null || need+=(gcc)
# The CUDA simulator build (make test builds it) is C++.
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
have_file /usr/include/stdio.h || need+=(libc6-dev)
have_file /usr/include/stb/stb_image.h || need+=(libstb-dev)
have_file /usr/include/zlib.h || need+=(zlib1g-dev)
openblas_links || need+=(libopenblas-dev)
command -v python3 >/dev/null || need+=(python3)

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
        echo "deps: apt-get install ${need[*]} failed" >&2
        exit 1
    }
    # gcc was missing when OpenBLAS was probed: probe again now that it is here.
    openblas_links || {
        echo "deps: libopenblas-dev is installed but a program does not link with -lopenblas" >&2
        exit 1
    }
else
    echo "deps: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${need[*]}" >&2
    exit 1
fi
