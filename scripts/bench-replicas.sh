#!/usr/bin/env bash
# Benchmark (not a test): three `stevedore serve` replicas on loopback sharing one private
# PostgreSQL cluster. 300 Harbor scan requests for 30 distinct digests, spread across the
# replicas, with one replica SIGKILLed mid-run: counts the scans run (each digest once), the
# reports served, and the time; then admission latency for a stored verdict on a PostgreSQL
# replica (as bench.sh measures it on SQLite). Prints a markdown table; needs root (the cluster
# runs as the postgres user), PostgreSQL, docker-registry and skopeo.
#
# Usage: scripts/bench-replicas.sh [BIN_DIR]   (default target/release)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ "$(id -u)" != 0 ] || ! command -v docker-registry >/dev/null || ! command -v skopeo >/dev/null; then
  echo "(replicas: needs root, PostgreSQL, docker-registry and skopeo)"
  exit 0
fi
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/stevedore-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/pg/data/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL, private: own directory, socket directory and loopback port.
pg_port=$(port)
mkdir -p "$work/pg/run"
echo bench >"$work/pg/pw"
chown -R postgres:postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U stevedore --pwfile="$work/pg/pw" --auth=scram-sha-256 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$work/pg/run -c max_connections=200" start >/dev/null
echo "postgres://stevedore:bench@127.0.0.1:$pg_port/postgres" >"$work/db-url"
"$bin/stevedore" migrate --database-url-file "$work/db-url" >/dev/null

# A registry with 30 distinct images: the demo image, a label apart each.
rport=$(port)
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s/registry}}\nhttp: {addr: 127.0.0.1:%s, secret: bench}\n' "$work" "$rport" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 & pids+=($!)
skopeo --insecure-policy copy --quiet docker-archive:fixtures/demo.tar "oci:$work/base:demo"
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$rport/v2/" >/dev/null && break; sleep 0.1; done
python3 - "$work" "$rport" <<'PY' >"$work/digests"
import hashlib, json, os, shutil, subprocess, sys
work, rport = sys.argv[1], sys.argv[2]
base = f"{work}/base"
def blob(d): return f"{base}/blobs/sha256/{d.split(':')[1]}"
index = json.load(open(f"{base}/index.json"))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))
for i in range(30):
    variant = f"{work}/v{i}"
    shutil.copytree(base, variant)
    config.setdefault("config", {}).setdefault("Labels", {})["bench.variant"] = str(i)
    cbytes = json.dumps(config).encode()
    cdigest = "sha256:" + hashlib.sha256(cbytes).hexdigest()
    open(f"{variant}/blobs/sha256/{cdigest[7:]}", "wb").write(cbytes)
    m = dict(manifest, config=dict(manifest["config"], digest=cdigest, size=len(cbytes)))
    mbytes = json.dumps(m).encode()
    mdigest = "sha256:" + hashlib.sha256(mbytes).hexdigest()
    open(f"{variant}/blobs/sha256/{mdigest[7:]}", "wb").write(mbytes)
    entry = dict(index["manifests"][0], digest=mdigest, size=len(mbytes))
    json.dump(dict(index, manifests=[entry]), open(f"{variant}/index.json", "w"))
    subprocess.run(["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
                    "--preserve-digests", f"oci:{variant}", f"docker://127.0.0.1:{rport}/bench/app:v{i}"], check=True)
    print(mdigest)
PY

# Three replicas, short leases so the killed one's jobs move on quickly.
echo "bench-api-key-0123456789abcdef" >"$work/key"
sports=()
for i in 0 1 2; do
  p=$(port); sports+=("$p")
  "$bin/stevedore" serve --listen "127.0.0.1:$p" --api-key-file "$work/key" --database-url-file "$work/db-url" \
    --allow-registry "127.0.0.1:$rport" --insecure-registry "127.0.0.1:$rport" --lease-seconds 3 \
    >"$work/serve-$i.log" 2>&1 & pids+=($!)
done
for p in "${sports[@]}"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/readyz" >/dev/null && break; sleep 0.1; done
done
victim=${pids[-1]}

result=$(python3 - "$rport" "$work/key" "$work/digests" "$victim" "${sports[@]}" <<'PY'
import json, os, signal, sys, threading, time, urllib.request
rport, keyfile, digests_file, victim = sys.argv[1:5]
ports = sys.argv[5:]
key = open(keyfile).read().strip()
digests = open(digests_file).read().split()
H = {"Authorization": f"Bearer {key}"}
def call(port, method, path, body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={**H, **(headers or {})})
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k): return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()
start = time.monotonic()
accepted = []  # (port index, id)
lock = threading.Lock()
def submit(i):
    d = digests[i % len(digests)]
    p = i % len(ports)
    body = {"registry": {"url": f"http://127.0.0.1:{rport}"}, "artifact": {"repository": "bench/app", "digest": d}}
    # A replica that is gone refuses the connection: the next one takes the request, as a
    # Service's endpoints would once its readiness fails.
    for q in [p] + [x for x in range(len(ports)) if x != p]:
        try:
            status, text = call(ports[q], "POST", "/api/v1/scan", body,
                                {"Content-Type": "application/vnd.scanner.adapter.scan.request+json; version=1.1"})
        except OSError:
            continue
        if status == 202:
            with lock: accepted.append((q, json.loads(text)["id"]))
        break
threads = []
for i in range(300):
    if i == 150:
        os.kill(int(victim), signal.SIGKILL)   # the third replica dies mid-run
    t = threading.Thread(target=submit, args=(i,)); t.start(); threads.append(t)
    if len(threads) >= 32:
        for t in threads: t.join()
        threads = []
for t in threads: t.join()
served = 0
deadline = time.monotonic() + 180
for p, job in accepted:
    # A job the dead replica accepted is answered by the others: the store is shared.
    ask = p if p != len(ports) - 1 else 0
    while time.monotonic() < deadline:
        status, _ = call(ports[ask], "GET", f"/api/v1/scan/{job}/report")
        if status == 200: served += 1; break
        if status not in (302,): break
        time.sleep(0.2)
elapsed = time.monotonic() - start
scans = 0
for p in ports[:-1]:
    _, text = call(p, "GET", "/metrics")
    for line in text.decode().splitlines():
        if line.startswith("stevedore_scans_total "): scans += int(line.split()[1])
print(f"{len(accepted)} {served} {scans} {elapsed:.1f}")
PY
)
read -r accepted served scans elapsed <<<"$result"
# Scans the killed replica finished before it died are not in the others' counters: count the
# store's distinct results instead as the number of digests scanned.
stored=$(PGPASSWORD=bench psql -h 127.0.0.1 -p "$pg_port" -U stevedore -d postgres -tAc "SELECT count(DISTINCT digest) FROM results")
attempts=$(PGPASSWORD=bench psql -h 127.0.0.1 -p "$pg_port" -U stevedore -d postgres -tAc "SELECT count(*) FROM jobs WHERE attempts > 1")

# Admission latency for a stored verdict on a PostgreSQL replica.
first=$(head -n 1 "$work/digests")
image="127.0.0.1:$rport/bench/app@$first"
cargo build --release --quiet --example admission_load
"$bin/examples/admission_load" "${sports[0]}" "$(cat "$work/key")" "$image" 1 1 >/dev/null
load=$(for _ in 1 2 3; do "$bin/examples/admission_load" "${sports[0]}" "$(cat "$work/key")" "$image" 200 200; done |
  sed 's/^200 requests, 200 concurrent: //' | paste -sd '|' | sed 's/|/ · /g')

echo "Replicas on PostgreSQL (three \`stevedore serve\` on loopback, one private PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), \`--lease-seconds 3\`): 300 Harbor scan requests for 30 distinct digests round-robin, the third replica SIGKILLed after 150 requests: $accepted accepted, $served reports served, $stored digests scanned and stored ($scans scans counted by the two survivors; $attempts jobs needed a second attempt after the kill), in $elapsed s.

Admission under load on a PostgreSQL replica (stored result, loopback), three rounds of 200 requests with 200 concurrent: $load."
