#!/usr/bin/env bash
# Synthesizes the CDK app twice into a temporary directory, as the config selects and with its
# store switched to Redis (ElastiCache for Valkey, a VPC, functions in it), and runs cfn-lint on
# every template.
# Fails on cfn-lint errors (and on a failed synth); warnings and informational findings are
# printed but do not fail. Extra arguments go to `cdk synth`; the Redis variant is built from
# $FRESHINDEX_CONFIG (else freshindex.config.ts).
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
# The Redis variant of the config sits at the package root (the job image's build context) while it is synthesized.
redis_config=".cfn-lint-redis.config.ts"
trap 'rm -rf "$out" "$redis_config"' EXIT
base_config="${FRESHINDEX_CONFIG:-freshindex.config.ts}"
printf "import { config as base } from './%s';\nexport const config = { ...base, store: { type: 'redis' as const } };\n" "${base_config#./}" > "$redis_config"

# Redis first: the default synth last leaves the generated job entry pointing at the user's config.
npx --no-install cdk synth --quiet --output "$out/redis" -c config="$redis_config" "$@"
npx --no-install cdk synth --quiet --output "$out/default" "$@"

shopt -s nullglob
templates=("$out"/default/*.template.json "$out"/redis/*.template.json)
if (( ${#templates[@]} < 4 )); then
  echo "cdk synth wrote ${#templates[@]} templates into $out (expected two per store)" >&2
  exit 1
fi

# cfn-lint's exit code is a bit mask: 1 fatal, 2 error, 4 warning, 8 informational.
status=0
cfn-lint --format parseable -- "${templates[@]}" || status=$?
if (( status & 3 )); then
  echo "cfn-lint found errors in ${#templates[@]} template(s)" >&2
  exit 1
fi
echo "cfn-lint: ${#templates[@]} template(s) (DynamoDB and Redis stores), no errors$( (( status & 4 )) && echo ' (warnings above)')"
