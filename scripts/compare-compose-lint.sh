#!/usr/bin/env bash
# Runs compose-lint (PyPI, pinned) and stevedore side by side on every compose file under DIR and
# prints, per rule, how many findings each reports, then where the rules that mean the same thing
# disagree (file and line). Not part of the test suite: it installs compose-lint from PyPI.
#
#   scripts/compare-compose-lint.sh ../shared/corpus/real/awesome-compose [path/to/stevedore]
set -euo pipefail
dir=${1:?usage: $0 DIR [STEVEDORE]}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$here/target/debug/stevedore}
venv=$here/target/compose-lint-venv
version=0.36.2
[ -x "$bin" ] || (cd "$here" && cargo build -q)
if ! "$venv/bin/compose-lint" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "compose-lint==$version"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$dir"
find . -name '*compose*.y*ml' | sort > "$out/files"
while read -r f; do
  "$venv/bin/compose-lint" check --format json --allow-partial-coverage "$f" >> "$out/cl.json" 2>/dev/null || true
  "$bin" config -f json --fail-on none "$f" >> "$out/sd.json" 2>/dev/null || true
done < "$out/files"
python3 - "$out" <<'EOF'
import collections, json, sys
out = sys.argv[1]
def docs(path):
    dec, text, i, found = json.JSONDecoder(), open(path).read(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return found
        doc, i = dec.raw_decode(text, i)
        found.append(doc)
files = sum(1 for _ in open(f"{out}/files"))
cl = [f for d in docs(f"{out}/cl.json") for f in d["findings"]]
sd = [f for d in docs(f"{out}/sd.json") for f in d.get("findings", []) if f["rule_id"].startswith(("CTR", "IMG006"))]
print(f"{files} compose files: compose-lint {len(cl)} findings, stevedore {len(sd)} (container rules and IMG006)")
for name, found in (("compose-lint", cl), ("stevedore", sd)):
    counts = collections.Counter(f["rule_id"] for f in found)
    print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
# The concepts both have, by (rule, file, line).
same = {"CL-0001": "CTR010", "CL-0002": "CTR001", "CL-0003": "CTR006", "CL-0004": "IMG006",
        "CL-0005": "CTR018", "CL-0006": "CTR003", "CL-0007": "CTR011", "CL-0008": "CTR007",
        "CL-0014": "CTR023", "CL-0020": "CTR022", "CL-0021": "CTR022", "CL-0022": "CTR024",
        "CL-0026": "CTR012"}
theirs = {(same[f["rule_id"]], f["file"].lstrip("./"), f["line"]) for f in cl if f["rule_id"] in same}
ours = {(f["rule_id"], f["location"]["path"].lstrip("./"), f["location"]["line"]) for f in sd if f["rule_id"] in same.values()}
# compose-lint reports missing settings at the service line, stevedore at the service key too.
for label, rows in (("only compose-lint", theirs - ours), ("only stevedore", ours - theirs)):
    print(f"{label} ({len(rows)}):")
    for row in sorted(rows):
        print("  %s %s:%s" % row)
EOF
