#!/usr/bin/env bash
# The long fuzz runs: each target until 10 million executions or one hour, whichever comes first,
# then the table of executions and crashes (scripts/fuzz). scripts/test runs the same targets for
# 15 s each. Findings are kept under .build-fuzz/findings/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/fuzz --seconds "${FUZZ_SECONDS:-3600}" --runs "${FUZZ_RUNS:-10000000}" "$@"
