#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need from Debian's packages
# (docker.io, podman, skopeo, the distribution registry, debootstrap, busybox-static, Docker's
# seccomp profile, pre-commit), starts a private Docker daemon, Podman's API service and three
# registries on loopback, then runs formatting, lint and every test, including the ones a bare
# `cargo test` lists as ignored because they need these services. Here they fail rather than
# skip (STEVEDORE_TEST_SERVICES=1), and the run fails if any test is still ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage says when it started (seconds since the script began), for per-stage times.
log() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*"; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v skopeo >/dev/null 2>&1 || need_apt+=(skopeo)
# A static busybox is the shell of the test images that run build steps.
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
# Docker's own default seccomp profile, a real-world input for the seccomp rules.
[ -f /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json ] ||
  need_apt+=(golang-github-docker-docker-dev)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The pre-push hook tests drive real git repositories.
command -v git >/dev/null 2>&1 || need_apt+=(git)
# Podman's Docker-compatible API: the live commands must work against it too.
command -v podman >/dev/null 2>&1 || need_apt+=(podman)
# GNU time measures the peak RSS of the decompression-bomb scans.
[ -x /usr/bin/time ] || need_apt+=(time)
# PostgreSQL: the server's shared store, run as a private cluster by this script.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
command -v runuser >/dev/null 2>&1 || need_apt+=(util-linux)
# A real browser parses serve's /ui page in the tests.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# groff renders the generated man pages; openssl makes the test CAs and a TLS server.
command -v groff >/dev/null 2>&1 || need_apt+=(groff-base)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# .pre-commit-hooks.yaml is run for real by pre-commit >= 3.2 (Debian 12 ships 3.0), installed
# into a virtualenv under target/, never into the system Python.
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
venv=target/test-venv
if ! [ -x "$venv/bin/pre-commit" ] || ! [ -x "$venv/bin/kubernetes-validate" ]; then
  # kubernetes-validate carries the Kubernetes schemas: the deploy manifests are checked offline.
  log "installing pre-commit and kubernetes-validate into $venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'pre-commit>=3.2' 'kubernetes-validate>=1.30'
fi
export PATH="$PWD/$venv/bin:$PATH"
# A private dockerd: own data root, exec root and socket, so it never touches a system daemon.
work=$(mktemp -d /tmp/stevedore-test.XXXXXX)
sock="$work/docker.sock"
dockerd_pid=""
podman_pid=""
registry_pids=()
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -z "$pg_dir" ] || rm -rf "$pg_dir" 2>/dev/null || true
  for pid in "${registry_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -z "$podman_pid" ] || kill "$podman_pid" 2>/dev/null || true
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$dockerd_pid" 2>/dev/null || true
  fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

log "starting dockerd on $sock"
dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
  --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/docker.pid" \
  -H "unix://$sock" >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 150); do
  docker -H "unix://$sock" version >/dev/null 2>&1 && break
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    echo "dockerd exited:"; tail -n 30 "$work/dockerd.log"; exit 1
  fi
  sleep 0.2
done
docker -H "unix://$sock" version --format 'dockerd {{.Server.Version}} (API {{.Server.APIVersion}})' || {
  echo "dockerd did not come up:"; tail -n 30 "$work/dockerd.log"; exit 1; }

# A private Podman API service: own storage, run root and socket (rootful, vfs, no systemd).
podman_sock="$work/podman.sock"
podman_args=(--root "$work/podman-root" --runroot "$work/podman-run" --storage-driver vfs
  --cgroup-manager cgroupfs --events-backend file)
log "starting podman system service on $podman_sock"
podman "${podman_args[@]}" system service --time=0 "unix://$podman_sock" >"$work/podman.log" 2>&1 &
podman_pid=$!
for _ in $(seq 1 100); do
  curl -sf --unix-socket "$podman_sock" http://d/_ping >/dev/null 2>&1 && break
  if ! kill -0 "$podman_pid" 2>/dev/null; then
    echo "podman exited:"; tail -n 30 "$work/podman.log"; exit 1
  fi
  sleep 0.2
done
curl -sf --unix-socket "$podman_sock" http://d/_ping >/dev/null || {
  echo "podman did not come up:"; tail -n 30 "$work/podman.log"; exit 1; }

# A real Debian 12 root filesystem (minbase), from the mirror this machine's apt uses; kept under
# target/ so local reruns reuse it.
debian_root="target/test-cache/debian-bookworm-minbase"
if [ ! -x "$debian_root/usr/bin/dpkg" ]; then
  mirror=$( { grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } |
    grep -v security | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {print $i; exit}}')
  [ -n "$mirror" ] || { echo "no Debian mirror found in the apt sources"; exit 1; }
  log "debootstrap --variant=minbase bookworm from $mirror"
  rm -rf "$debian_root"
  mkdir -p "$(dirname "$debian_root")"
  debootstrap --variant=minbase bookworm "$debian_root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log"; exit 1; }
fi
# A Debian node: the same root with docker.io, containerd, runc and auditd installed by apt in a
# chroot (services not started), so unit files, default configs and package modes are real; and
# what Debian's containerd writes as its default configuration (a real version-2 file).
node_root="target/test-cache/debian-bookworm-node"
if [ ! -x "$node_root/usr/sbin/dockerd" ] || [ ! -s target/test-cache/containerd-config-default.toml ]; then
  log "a Debian node root: apt-get install docker.io containerd runc auditd in a chroot"
  rm -rf "$node_root"
  cp -a "$debian_root" "$node_root"
  printf '#!/bin/sh\nexit 101\n' >"$node_root/usr/sbin/policy-rc.d"
  chmod +x "$node_root/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$node_root/etc/resolv.conf"
  { chroot "$node_root" apt-get update -q &&
    chroot "$node_root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      docker.io containerd runc auditd; } >"$work/node-apt.log" 2>&1 || {
    tail -n 20 "$work/node-apt.log"; exit 1; }
  rm -f "$node_root/usr/sbin/policy-rc.d"
  chroot "$node_root" apt-get clean
  chroot "$node_root" containerd config default >target/test-cache/containerd-config-default.toml
fi

# Two CNCF distribution registries on loopback: an open one and one with htpasswd basic auth.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_registry() { # name port [auth|notify:PORT]
  local dir="$work/registry-$1"
  mkdir -p "$dir"
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage: {filesystem: {rootdirectory: $dir/data}}"
    echo "http: {addr: 127.0.0.1:$2, secret: stevedore-test}"
    if [ "${3:-}" = auth ]; then
      htpasswd -Bbn stevedore test-password > "$dir/htpasswd"
      echo "auth: {htpasswd: {realm: stevedore-test, path: $dir/htpasswd}}"
    fi
    case "${3:-}" in notify:*)
      # Push events go to the stevedore serve a test starts on this port.
      echo "notifications: {endpoints: [{name: stevedore, url: 'http://127.0.0.1:${3#notify:}/api/v1/registry-events',"
      echo "  headers: {Authorization: ['Bearer $STEVEDORE_TEST_API_KEY']}, timeout: 2s, threshold: 1, backoff: 1s}]}" ;;
    esac
  } > "$dir/config.yml"
  docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
  registry_pids+=($!)
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/v2/" || true)
    case "$code" in 200|401) return 0 ;; esac
    sleep 0.1
  done
  echo "registry $1 did not start:"; cat "$dir/log"; exit 1
}
registry_port=$(free_port)
start_registry open "$registry_port"
auth_registry_port=$(free_port)
start_registry auth "$auth_registry_port" auth
export STEVEDORE_TEST_API_KEY="stevedore-test-api-key-0123456789"
serve_port=$(free_port)
notify_registry_port=$(free_port)
start_registry notify "$notify_registry_port" "notify:$serve_port"
log "registries on 127.0.0.1:$registry_port, :$auth_registry_port (basic auth), :$notify_registry_port (events to :$serve_port)"
export STEVEDORE_TEST_NOTIFY_REGISTRY="127.0.0.1:$notify_registry_port"
export STEVEDORE_TEST_SERVE_PORT="$serve_port"

# A registry behind TLS, its certificate signed by a CA of the test's own: the container image
# must reach registries over TLS, trusting the CA it is given.
tls_dir="$work/tls"
mkdir -p "$tls_dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" \
  -days 2 -subj /CN=stevedore-test-ca >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" \
  -subj /CN=127.0.0.1 >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' >"$tls_dir/server.ext"
openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" \
  -CAcreateserial -out "$tls_dir/server.pem" -days 2 -extfile "$tls_dir/server.ext" >/dev/null 2>&1
tls_registry_port=$(free_port)
mkdir -p "$work/registry-tls"
{
  echo "version: 0.1"
  echo "log: {level: warn}"
  echo "storage: {filesystem: {rootdirectory: $work/registry-tls/data}}"
  echo "http: {addr: 127.0.0.1:$tls_registry_port, secret: stevedore-test, tls: {certificate: $tls_dir/server.pem, key: $tls_dir/server.key}}"
} >"$work/registry-tls/config.yml"
docker-registry serve "$work/registry-tls/config.yml" >"$work/registry-tls/log" 2>&1 &
registry_pids+=($!)
for _ in $(seq 1 100); do
  curl -sf --cacert "$tls_dir/ca.pem" "https://127.0.0.1:$tls_registry_port/v2/" >/dev/null && break
  sleep 0.1
done
curl -sf --cacert "$tls_dir/ca.pem" "https://127.0.0.1:$tls_registry_port/v2/" >/dev/null || {
  echo "TLS registry did not start:"; cat "$work/registry-tls/log"; exit 1; }
export STEVEDORE_TEST_TLS_REGISTRY="127.0.0.1:$tls_registry_port"
export STEVEDORE_TEST_TLS_CA="$tls_dir/ca.pem"

# A private PostgreSQL cluster: its own directory, socket directory and loopback port, run as
# the postgres user, password authentication, TLS with the test CA's certificate for 127.0.0.1.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/stevedore-pg.XXXXXX)
pg_port=$(free_port)
mkdir -p "$pg_dir/run"
printf 'stevedore-test\n' >"$pg_dir/pw"
chown -R postgres:postgres "$pg_dir"
log "PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port"
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U stevedore --pwfile="$pg_dir/pw" \
  --auth=scram-sha-256 >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log"; exit 1; }
install -o postgres -g postgres -m 0600 "$tls_dir/server.pem" "$pg_dir/data/server.pem"
install -o postgres -g postgres -m 0600 "$tls_dir/server.key" "$pg_dir/data/server.key"
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$pg_dir/run -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server.key -c max_connections=200" \
  start >/dev/null || { cat "$pg_dir/log"; exit 1; }
export STEVEDORE_TEST_DATABASE_URL="postgres://stevedore:stevedore-test@127.0.0.1:$pg_port/postgres"

export STEVEDORE_TEST_REGISTRY="127.0.0.1:$registry_port"
export STEVEDORE_TEST_AUTH_REGISTRY="127.0.0.1:$auth_registry_port"
export STEVEDORE_TEST_SERVICES=1
export STEVEDORE_DOCKER_HOST="unix://$sock"
export STEVEDORE_PODMAN_HOST="unix://$podman_sock"
# The podman CLI with the service's storage (the tests load images with it).
export STEVEDORE_PODMAN_ARGS="${podman_args[*]}"
export STEVEDORE_DEBIAN_ROOT="$PWD/$debian_root"
export STEVEDORE_NODE_ROOT="$PWD/$node_root"
export STEVEDORE_CONTAINERD_DEFAULT="$PWD/target/test-cache/containerd-config-default.toml"

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

# The container image, from a static binary built first (a lighter release profile: what is tested
# here is the image, not the optimiser; the release workflow builds with the real one).
log "static binary and the container image"
RUSTFLAGS='-C target-feature=+crt-static' CARGO_TARGET_DIR=target/image-build \
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
  cargo build --release --locked --target x86_64-unknown-linux-gnu
scripts/image-context.sh
docker -H "unix://$sock" build -q -t stevedore-test/stevedore:image \
  --build-arg BINARY=target/image-build/x86_64-unknown-linux-gnu/release/stevedore . >/dev/null
export STEVEDORE_TEST_IMAGE=stevedore-test/stevedore:image

log "cargo test"
set +e
cargo test --locked --lib --bins --tests -- --include-ignored 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
# Other linters' own test suites, scored (an extra check where ../shared is beside the checkout):
# a crash, a hang or a parse error on a valid file fails the run.
if [ -x ../shared/corpus/score.sh ]; then
  log "shared corpus: ../shared/corpus/score.sh"
  timeout 900 ../shared/corpus/score.sh target/debug/stevedore >"$work/score.log" 2>&1
  score_status=$?
  sed -n '/^== per source/,/^TOTAL/p' "$work/score.log"
  tail -n 1 "$work/score.log"
  if [ "$score_status" != 0 ]; then
    echo "the shared corpus found a crash, a hang or a parse error on a valid file (exit $score_status)"
    status=1
  fi
fi
log "pre-commit try-repo (builds stevedore the way pre-commit does)"
./scripts/test-pre-commit.sh 2>&1 | tee -a "$work/test.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
set -e
sum() { grep -oE "[0-9]+ $1" "$work/test.log" | awk '{n += $1} END {print n + 0}'; }
grep -q '^test result' "$work/test.log" || { echo "no test ran"; exit 1; }
echo
echo "$(sum passed) passed, $(sum failed) failed, $(sum ignored) ignored in ${SECONDS}s"
# With the services started nothing may be left out: an ignored test, or one that skipped itself.
if [ "$(sum ignored)" != 0 ]; then
  echo "tests were ignored although the services were started"
  status=1
fi
if grep -q '^SKIPPED' "$work/test.log"; then
  grep '^SKIPPED' "$work/test.log"
  echo "tests skipped although the services were started"
  status=1
fi
exit "$status"
