#!/usr/bin/env bash
# The cold release build, measured the way a new user meets it: crates fetched first (timed
# apart), then RUNS builds (default 3) of `cargo build --release --locked --offline`, each in a
# fresh target directory; prints each run, the median wall time, the peak memory of the build and
# the binary's size. Run it on an idle machine.
#   scripts/build-time.sh [RUNS] [TARGET-DIR-PARENT]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
parent=${2:-$(mktemp -d /tmp/stevedore-build-time.XXXXXX)}
mkdir -p "$parent"
start=$(date +%s.%N)
cargo fetch --locked >/dev/null
printf 'fetch: %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
walls=()
for i in $(seq 1 "$runs"); do
  dir="$parent/run$i"
  rm -rf "$dir"
  /usr/bin/time -f '%e %M' -o "$parent/time$i" \
    env CARGO_TARGET_DIR="$dir" cargo build --release --locked --offline --quiet
  read -r wall kib <"$parent/time$i"
  size=$(stat -c %s "$dir/release/stevedore")
  printf 'run %d: %.0f s, build peak RSS %d MiB, binary %.1f MB\n' "$i" "$wall" $((kib / 1024)) \
    "$(echo "$size / 1000000" | bc -l)"
  walls+=("$wall")
  [ "$i" = "$runs" ] || rm -rf "$dir"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf 'median cold release build: %.0f s (%d:%02d)\n' "$median" \
  "$(printf '%.0f' "$median" | awk '{print int($1/60)}')" \
  "$(printf '%.0f' "$median" | awk '{print $1%60}')"
