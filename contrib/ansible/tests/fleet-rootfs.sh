#!/usr/bin/env bash
# contrib/ansible/tests/fleet-rootfs.sh — the fleet test's host image: the system-scope
# rootfs (scripts/booted-systemd.sh rootfs) plus openssh-server, cached at
# $FLEET_CACHE/rootfs with a stamp written only after a complete build (so
# scripts/booted-systemd.sh boot, pointed at $FLEET_CACHE by BOOTED_CACHE, boots copies
# of it). openssh-server comes from Debian's archive through the rootfs's own apt, run
# in a chroot with the host's network, before any container boots. Prints the rootfs.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
FLEET_CACHE="${FLEET_CACHE:-$REPO/.cache/fleet}"
ROOTFS="$FLEET_CACHE/rootfs"
STAMP="$FLEET_CACHE/rootfs.stamp"

if [[ -f "$STAMP" && -x "$ROOTFS/usr/sbin/sshd" ]]; then echo "$ROOTFS"; exit 0; fi
# From the system-scope cache, never BOOTED_CACHE as fleet.sh sets it (the fleet's own
# cache): there the base would be debootstrapped onto $ROOTFS and removed below (a fresh CI
# clone failed so).
base="$(BOOTED_CACHE="${SYSTEM_BOOTED_CACHE:-$REPO/.cache/booted-systemd}" "$REPO/scripts/booted-systemd.sh" rootfs)"
[[ "$base" != "$ROOTFS" ]] || { echo "fleet-rootfs: the base rootfs is $ROOTFS itself" >&2; exit 1; }
mkdir -p "$FLEET_CACHE"
exec 9>"$FLEET_CACHE/rootfs.lock"
flock 9
if [[ -f "$STAMP" && -x "$ROOTFS/usr/sbin/sshd" ]]; then echo "$ROOTFS"; exit 0; fi
rm -f "$STAMP"
rm -rf "$ROOTFS.tmp" "$ROOTFS"
cp -a "$base" "$ROOTFS.tmp"
cp -L /etc/resolv.conf "$ROOTFS.tmp/etc/resolv.conf"
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$ROOTFS.tmp/usr/sbin/policy-rc.d"
chmod 0755 "$ROOTFS.tmp/usr/sbin/policy-rc.d"
echo "fleet-rootfs: installing openssh-server into $ROOTFS (Debian's archive)" >&2
chroot "$ROOTFS.tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-server iproute2 >/dev/null' >&2
rm -f "$ROOTFS.tmp/usr/sbin/policy-rc.d"
rm -rf "$ROOTFS.tmp/var/cache/apt/archives/"*.deb "$ROOTFS.tmp/var/lib/apt/lists/"*_Packages* 2>/dev/null || true
# Host keys are made per machine at boot (fleet.sh), not shared by every copy.
rm -f "$ROOTFS.tmp"/etc/ssh/ssh_host_*
# sshd starts once fleet.sh has written its keys (systemctl start ssh), not at boot.
rm -f "$ROOTFS.tmp/etc/systemd/system/multi-user.target.wants/ssh.service"
mkdir -p "$ROOTFS.tmp/root/.ssh"
chmod 0700 "$ROOTFS.tmp/root/.ssh"
mv "$ROOTFS.tmp" "$ROOTFS"
date -u +%FT%TZ > "$STAMP"
echo "$ROOTFS"
