#!/usr/bin/env bash
# Install callcredit with its test extras and run the whole test suite.
# PostgreSQL tests run against CALLCREDIT_TEST_POSTGRES_URL; when it is unset and Debian's
# PostgreSQL server is installed, a throwaway server is started on a loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
if [ -z "${CALLCREDIT_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  CALLCREDIT_TEST_POSTGRES_URL=$(scripts/start-postgres.sh)
  export CALLCREDIT_TEST_POSTGRES_URL
fi
python3 -m ruff check src tests benchmarks fixtures
exec python3 -m pytest "$@"
