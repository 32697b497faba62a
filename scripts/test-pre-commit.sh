#!/usr/bin/env bash
# .pre-commit-hooks.yaml run for real: `pre-commit try-repo` builds stevedore with pre-commit's
# Rust support and runs the `stevedore-config` hook on a privileged compose file (must fail,
# naming CTR001) and on a clean one (must pass). Called by scripts/test.sh when pre-commit is
# installed (Debian's package). Prints "N passed, M failed".
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/stevedore-pre-commit.XXXXXX)
trap 'rm -rf "$work"' EXIT
# pre-commit builds a release binary; a light profile keeps that to a couple of minutes, and
# a target directory under target/ lets later runs reuse it.
export PRE_COMMIT_HOME="$repo/target/pre-commit-home"
export CARGO_TARGET_DIR="$repo/target/pre-commit"
export CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false

cd "$work"
git init -q
printf 'services:\n  app:\n    image: busybox:1.36\n    privileged: true\n' >bad-compose.yaml
printf 'services:\n  app:\n    image: busybox:1.36\n' >compose.yaml
printf 'fail-on: high\n' >.stevedore.yaml
git add .

passed=0
failed=0
check() {
  local name=$1 want=$2 needle=$3
  shift 3
  local out code
  out=$(pre-commit try-repo "$repo" stevedore-config "$@" 2>&1)
  code=$?
  if [ "$code" = "$want" ] && grep -q -- "$needle" <<<"$out"; then
    echo "test pre-commit::$name ... ok"
    passed=$((passed + 1))
  else
    echo "test pre-commit::$name ... FAILED (exit $code, wanted $want and \`$needle\`)"
    echo "$out" | tail -40
    failed=$((failed + 1))
  fi
}
check privileged_compose_fails 1 "CTR001" --files bad-compose.yaml
check clean_compose_passes 0 "Passed" --files compose.yaml
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
