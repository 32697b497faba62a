#!/usr/bin/env bash
# Packs a release binary reproducibly: stevedore-VERSION-TARGET.tar.gz holding `stevedore`,
# LICENSE and README.md with fixed owners, modes and times, and no gzip timestamp, so the same
# binary always gives the same archive and the same sha256. Prints the archive's checksum line.
#   scripts/release-package.sh BINARY VERSION TARGET OUTDIR     (GZIP_LEVEL=1 for a quick pack)
set -euo pipefail
binary=$1 version=$2 target=$3 out=$4
repo=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$binary" "$stage/stevedore"
install -m 0644 "$repo/LICENSE" "$repo/README.md" "$stage/"
name="stevedore-$version-$target.tar.gz"
mkdir -p "$out"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu \
  -C "$stage" -cf - stevedore LICENSE README.md | gzip "-${GZIP_LEVEL:-9}" -n >"$out/$name"
(cd "$out" && sha256sum "$name")
