#!/usr/bin/env bash
# Installs the Debian packages ganc builds with, or prints the exact command
# when not root. Quick when everything is present: it only looks for files.
set -u

need=()
have_file() { [ -e "$1" ]; }
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
have_file /usr/include/stb/stb_image.h || need+=(libstb-dev)
have_file /usr/include/zlib.h || need+=(zlib1g-dev)
have_file /usr/include/x86_64-linux-gnu/cblas.h || have_file /usr/include/cblas.h || need+=(libopenblas-dev)
command -v python3 >/dev/null || need+=(python3)

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
        echo "deps: apt-get install ${need[*]} failed" >&2
        exit 1
    }
else
    echo "deps: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${need[*]}" >&2
    exit 1
fi
