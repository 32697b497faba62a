#!/usr/bin/env bash
# What the Dockerfile copies besides the binary, under target/image/: this machine's CA bundle
# (registry TLS is checked against it) and an empty /tmp, sticky and world-writable.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$bundle" ] || { echo "no CA bundle at $bundle (Debian: apt-get install ca-certificates)"; exit 1; }
rm -rf target/image
mkdir -p target/image/tmp
chmod 1777 target/image/tmp
cp "$bundle" target/image/ca-certificates.crt
chmod 0644 target/image/ca-certificates.crt
