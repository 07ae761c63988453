#!/usr/bin/env bash
# Synthesizes the CDK app into a temporary directory and runs cfn-lint on every template.
# Fails on cfn-lint errors (and on a failed synth); warnings and informational findings are
# printed but do not fail. Extra arguments go to `cdk synth` (for example `-c config=path`).
# Needs cfn-lint (pip install cfn-lint); needs neither Docker nor AWS credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  # CI (and .ci/run) installs it; on a laptop without it, say so instead of failing the whole test run.
  if [[ "${CI:-}" == "true" ]]; then
    echo "cfn-lint not found: pip install cfn-lint" >&2
    exit 1
  fi
  echo "cfn-lint not found (pip install cfn-lint): the synthesized templates were not linted" >&2
  exit 0
fi

out="$(mktemp -d "${TMPDIR:-/tmp}/freshindex-cfn-lint.XXXXXX")"
trap 'rm -rf "$out"' EXIT

npx --no-install cdk synth --quiet --output "$out" "$@"

shopt -s nullglob
templates=("$out"/*.template.json)
if (( ${#templates[@]} == 0 )); then
  echo "cdk synth wrote no template into $out" >&2
  exit 1
fi

# cfn-lint's exit code is a bit mask: 1 fatal, 2 error, 4 warning, 8 informational.
status=0
cfn-lint --format parseable -- "${templates[@]}" || status=$?
if (( status & 3 )); then
  echo "cfn-lint found errors in ${#templates[@]} template(s)" >&2
  exit 1
fi
echo "cfn-lint: ${#templates[@]} template(s), no errors$( (( status & 4 )) && echo ' (warnings above)')"
