#!/usr/bin/env bash
# The action's scan step. Inputs arrive only as INPUT_* environment variables, never pasted into
# a script. Runs `stevedore image` and/or `stevedore config`, one SARIF (own category), JSON and
# markdown summary per scan; always exits 0 so the SARIF is uploaded before the verdict step
# fails the job.
set -uo pipefail
cd "${GITHUB_WORKSPACE:-.}"
out="${INPUT_OUTPUT_DIR:-stevedore-results}"
category="${INPUT_SARIF_CATEGORY:-stevedore}"
mkdir -p "$out"

common=()
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
case "${INPUT_NO_INLINE_IGNORES:-false}" in
true) common+=(--no-inline-ignores) ;;
false | "") ;;
*)
  echo "::error::stevedore: no-inline-ignores is \`true\` or \`false\`, not \`$INPUT_NO_INLINE_IGNORES\`"
  echo "exit-code=2" >>"$GITHUB_OUTPUT"
  exit 0
  ;;
esac
# fail-on: the input, else the project config's, else high.
if [ -n "${INPUT_FAIL_ON:-}" ]; then
  common+=(--fail-on "$INPUT_FAIL_ON")
else
  cfg="${INPUT_CONFIG:-.stevedore.yaml}"
  if ! { [ -f "$cfg" ] && grep -Eq '^fail-on:' "$cfg"; }; then
    common+=(--fail-on high)
  fi
fi

worst=0
findings=0
first_sarif=""
# Unsuppressed findings: the severity counts of the JSON report's summary.
count() {
  sed -n 's/^ *"\(critical\|high\|medium\|low\|info\)": \([0-9][0-9]*\),\{0,1\}$/\2/p' "$1" |
    awk '{ n += $1 } END { print n + 0 }'
}
scan() {
  local name=$1
  shift
  local sarif="$out/$name.sarif"
  # Results of an earlier run in a reused workspace must not pass for this one's.
  rm -f "$sarif" "$out/$name.json" "$out/$name.md"
  echo "::group::stevedore $name"
  stevedore "$@" "${common[@]}" --sarif-category "$category/$name" \
    -o "sarif=$sarif" -o "json=$out/$name.json" -o "markdown=$out/$name.md"
  local code=$?
  echo "::endgroup::"
  if [ "$code" -gt "$worst" ]; then worst=$code; fi
  if [ "$code" -ge 2 ]; then
    echo "::error::stevedore $name could not complete (exit $code); see the log above"
  fi
  if [ -f "$out/$name.json" ]; then
    findings=$((findings + $(count "$out/$name.json")))
  fi
  if [ -f "$sarif" ]; then
    echo "$name-sarif=$sarif" >>"$GITHUB_OUTPUT"
    [ -n "$first_sarif" ] || first_sarif=$sarif
  fi
  if [ -f "$out/$name.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$out/$name.md" >>"$GITHUB_STEP_SUMMARY"
  fi
}

if [ -n "${INPUT_IMAGE:-}" ]; then
  args=(image "$INPUT_IMAGE")
  dockerfile="${INPUT_DOCKERFILE:-}"
  if [ -z "$dockerfile" ] && [ -f Dockerfile ]; then dockerfile=Dockerfile; fi
  [ -n "$dockerfile" ] && args+=(--dockerfile "$dockerfile")
  scan image "${args[@]}"
fi
# A list input: one item per line, or separated by spaces on one line.
list() {
  case "$1" in
  *$'\n'*) while IFS= read -r p; do [ -n "$p" ] && printf '%s\n' "$p"; done <<<"$1" ;;
  *)
    local items
    read -r -a items <<<"$1"
    [ ${#items[@]} -eq 0 ] || printf '%s\n' "${items[@]}"
    ;;
  esac
}
if [ -n "${INPUT_CONFIG_PATHS:-}" ] || [ -n "${INPUT_COMPOSE_FILES:-}" ]; then
  args=(config)
  [ -n "${INPUT_CONFIG_PATHS:-}" ] && mapfile -t -O 1 args < <(list "$INPUT_CONFIG_PATHS")
  if [ -n "${INPUT_COMPOSE_FILES:-}" ]; then
    while IFS= read -r f; do args+=(--compose-file "$f"); done < <(list "$INPUT_COMPOSE_FILES")
  fi
  scan config "${args[@]}"
fi
if [ -z "${INPUT_IMAGE:-}" ] && [ -z "${INPUT_CONFIG_PATHS:-}" ] && [ -z "${INPUT_COMPOSE_FILES:-}" ]; then
  echo "::error::stevedore: set the \`image\` input, \`config-paths\`, \`compose-files\`, or several"
  worst=2
fi

{
  echo "sarif-file=$first_sarif"
  echo "findings=$findings"
  echo "exit-code=$worst"
} >>"$GITHUB_OUTPUT"
