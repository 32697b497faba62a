#!/usr/bin/env bash
# The action's build cache key: a hash of the sources it builds, so a new action revision
# rebuilds and the same one restores. Writes `key` and `root` to $GITHUB_OUTPUT.
set -euo pipefail
cd "$GITHUB_ACTION_PATH"
sum=$(find Cargo.toml Cargo.lock src checks -type f -print0 | sort -z | xargs -0 sha256sum |
  sha256sum | cut -c1-20)
root="${RUNNER_TOOL_CACHE:-$HOME/.cache}/stevedore-action/$sum"
{
  echo "key=stevedore-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-$sum"
  echo "root=$root"
} >>"$GITHUB_OUTPUT"
