#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) and prints executions and crashes.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Crashes, and inputs that
# run longer than 10 s (hangs), land in fuzz/artifacts/<target>/; add each as a regression test
# before fixing it.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
seeds() {
  case "$1" in
    config_yaml) find ../fixtures/configs -name '*.yaml' -o -name '*.yml' ;;
    config_json) find ../fixtures/configs -name '*.json' -o -name '*.conf' ;;
    dockerfile) find ../fixtures -name '*Dockerfile*' ;;
    image_manifest) find seeds/image_manifest -type f ;;
  esac
}
cargo +nightly fuzz build -O >/dev/null 2>&1
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Start from real inputs: the fixtures, and committed seeds for the structured image target
  # (a fuzzer would not find that format alone).
  while IFS= read -r f; do
    cp "$f" "corpus/$t/seed-$(sha1sum <"$f" | cut -c1-16)"
  done < <(seeds "$t")
  log=$(mktemp)
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=1024 \
    -timeout=10 -max_len=65536 -print_final_stats=1 >"$log" 2>&1
  code=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
  crashes=$(ls "artifacts/$t" 2>/dev/null | wc -l)
  echo "$t: ${execs:-?} executions in ${seconds} s, exit $code, ${crashes} artifact(s)"
  [ "$code" = 0 ] || { status=1; tail -n 30 "$log"; }
  rm -f "$log"
done
exit "$status"
