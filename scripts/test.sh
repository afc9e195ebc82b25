#!/usr/bin/env bash
# The whole check: lint, types, migrations, then the suite on SQLite and (when DATABASE_URL points at
# PostgreSQL) on PostgreSQL too. Any failure fails the run; "no tests collected" is a failure too.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

step() { echo; echo "== $*"; }
run_pytest() {
  "$BIN/pytest" -q "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then echo "pytest collected no tests: failing the run." >&2; return 1; fi
  return $rc
}

step "ruff" && "$BIN/ruff" check src tests bench && "$BIN/ruff" format --check src tests bench || exit 1
step "mypy" && "$BIN/mypy" || exit 1
step "migrations are complete" && env -u DATABASE_URL "$BIN/hongyixing" manage makemigrations --check --dry-run || exit 1

step "tests on SQLite"
(unset DATABASE_URL; run_pytest) || exit 1

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*)
    step "tests on PostgreSQL (${DATABASE_URL%%@*}@…)"
    run_pytest || exit 1 ;;
  *) echo; echo "(DATABASE_URL is not PostgreSQL: the PostgreSQL run was skipped)" ;;
esac
