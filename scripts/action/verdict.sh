#!/usr/bin/env bash
# The action's last step: fail the job per fail-on, after the SARIF has been uploaded.
set -euo pipefail
code="${EXIT_CODE:-2}"
case "$code" in
0) echo "stevedore: nothing at or above fail-on" ;;
1) echo "::error::stevedore: findings at or above fail-on (see the code scanning alerts and the run summary)" ;;
*) echo "::error::stevedore could not complete (exit $code)" ;;
esac
exit "$code"
