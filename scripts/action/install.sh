#!/usr/bin/env bash
# The action's install step: the release binary of the action's own version when there is one,
# verified against the checksum committed in the action's checkout (a checksum downloaded beside
# the binary proves nothing). A binary that does not match fails the job — never a silent
# fallback. No release for this version and runner → `installed=source`, and the next steps
# build from the checkout. Writes `installed` (release|source) to $GITHUB_OUTPUT.
set -euo pipefail
action="${GITHUB_ACTION_PATH:?}"
root="${STEVEDORE_ROOT:?}"
base="${STEVEDORE_RELEASE_BASE:-https://github.com/stevedore-scanner/stevedore/releases/download}"

source_build() {
  echo "$1; building stevedore from the action's checkout"
  echo "installed=source" >>"$GITHUB_OUTPUT"
  exit 0
}

# The version of this checkout, from its manifest (not from the ref the workflow named).
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$action/Cargo.toml" | head -n 1)
[ -n "$version" ] || { echo "::error::stevedore: no version in $action/Cargo.toml"; exit 1; }
case "${RUNNER_OS:-Linux}/${RUNNER_ARCH:-X64}" in
Linux/X64) target=x86_64-unknown-linux-gnu ;;
Linux/ARM64) target=aarch64-unknown-linux-gnu ;;
*) source_build "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}" ;;
esac
asset="stevedore-$version-$target.tar.gz"
sums="$action/release/checksums.txt"
want=$(awk -v f="$asset" '$2 == f { print $1 }' "$sums" 2>/dev/null | head -n 1)
[ -n "$want" ] || source_build "no checksum for $asset in release/checksums.txt"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
url="$base/v$version/$asset"
code=$(curl -sS -L --proto '=https,http' --retry 3 --max-time 300 -o "$tmp/$asset" -w '%{http_code}' "$url") || {
  echo "::error::stevedore: downloading $url failed"
  exit 1
}
case "$code" in
200) ;;
404) source_build "release $asset is not published (404)" ;;
*)
  echo "::error::stevedore: downloading $url answered HTTP $code"
  exit 1
  ;;
esac
have=$(sha256sum "$tmp/$asset" | cut -d' ' -f1)
if [ "$have" != "$want" ]; then
  echo "::error::stevedore: $asset has sha256 $have, but the action's release/checksums.txt says $want; refusing it"
  exit 1
fi
mkdir -p "$root/bin"
tar -xzf "$tmp/$asset" -C "$tmp" stevedore
install -m 0755 "$tmp/stevedore" "$root/bin/stevedore"
echo "stevedore $version: release binary $asset (sha256 $have, checked against the action's checkout)"
echo "installed=release" >>"$GITHUB_OUTPUT"
