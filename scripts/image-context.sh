#!/usr/bin/env bash
# What the Dockerfile copies besides the binary, under target/image/: this machine's CA bundle
# (registry TLS is checked against it) and an empty /tmp, sticky and world-writable, as a tree
# under target/image/rootfs/.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$bundle" ] || { echo "no CA bundle at $bundle (Debian: apt-get install ca-certificates)"; exit 1; }
rm -rf target/image
root=target/image/rootfs
mkdir -p "$root/tmp" "$root/etc/ssl/certs"
chmod 1777 "$root/tmp"
chmod 0755 "$root" "$root/etc" "$root/etc/ssl" "$root/etc/ssl/certs"
cp "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$root/etc/ssl/certs/ca-certificates.crt"
