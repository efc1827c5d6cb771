#!/usr/bin/env bash
# Proves the README's set-up promise on a really fresh machine: builds a
# minimal Debian root with debootstrap, copies a clean clone of this
# repository's committed HEAD into it, and runs there, as root, only the
# README's commands: scripts/deps.sh when make is missing, then `make test`
# and `make demo`. Packages installed by hand on this machine cannot hide a
# missing install step there. Needs root and Debian's package mirror; takes
# 20-30 minutes on 2 cores (debootstrap ~2, make test ~12, make demo ~8).
#
#   tests/fresh_machine.sh [--keep] [--only test|demo]
#
# --keep leaves the root in place (its path is printed); GANC_DEBIAN_MIRROR
# overrides the mirror read from /etc/apt.
set -euo pipefail
keep=0 only=""
while [ $# -gt 0 ]; do
    case $1 in
        --keep) keep=1 ;;
        --only) only=$2; shift ;;
        *) echo "usage: tests/fresh_machine.sh [--keep] [--only test|demo]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "fresh_machine: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
top=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirror=${GANC_DEBIAN_MIRROR:-$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true) |
    grep -oE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' | grep -oE 'https?://[^ ]+' | head -n 1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

root=$(mktemp -d /var/tmp/ganc-fresh.XXXXXX)
cleanup() {
    umount -l "$root/proc" "$root/dev" 2>/dev/null || true
    if [ $keep -eq 1 ]; then echo "fresh_machine: root kept at $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT

echo "fresh_machine: debootstrap --variant=minbase $suite from $mirror into $root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
    tail -n 20 "$root.debootstrap.log" >&2
    echo "FAIL fresh_machine: debootstrap failed" >&2
    exit 1
}
rm -f "$root.debootstrap.log"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
git clone -q "$top" "$root/root/ganc"
echo "fresh_machine: clean clone of $(git -C "$top" rev-parse --short HEAD) in /root/ganc"

# Only what the README says, in a bare environment.
readme_commands='command -v make >/dev/null || scripts/deps.sh'
case $only in
    test) readme_commands+=' && make test' ;;
    demo) readme_commands+=' && make demo' ;;
    *) readme_commands+=' && make test && make demo' ;;
esac
start=$(date +%s)
if chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /root/ganc && $readme_commands" 2>&1 | tee "$root/root/fresh_machine.log"; then
    status=0
else
    status=1
fi
grep -E '^total: ' "$root/root/fresh_machine.log" | tail -n 1 || true
if [ -z "$only" ] || [ "$only" = demo ]; then
    n=$(ls "$root/root/ganc/runs/cyclegan_small/test_AtoB" 2>/dev/null | wc -l)
    echo "fresh_machine: make demo wrote $n translations"
    [ "$n" -gt 0 ] || status=1
fi
echo "fresh_machine: $(( ($(date +%s) - start) / 60 )) min in the fresh root"
if [ $status -eq 0 ]; then echo "PASS fresh_machine: $readme_commands"; else echo "FAIL fresh_machine: $readme_commands"; fi
exit $status
