#!/usr/bin/env bash
# Idempotent set-up on a fresh machine, from this repo's own files only:
#   - Debian packages the test suite uses (chromium for the digest browser test, postgresql for
#     the store tests' throwaway cluster), when we can install them (root + apt); otherwise
#     those tests skip and say why;
#   - a virtual environment in .venv with aggregator and its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v systemd-analyze >/dev/null 2>&1 || apt_missing+=(systemd)
# the tests start their own cluster from these binaries (tests/support/pgcluster.py); the
# package's own service is not needed
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 \
    || apt_missing+=(postgresql)
if [ ${#apt_missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${apt_missing[*]} (apt)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null 2>&1 || true
        apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null 2>&1 \
            || echo "setup: could not install ${apt_missing[*]}; the tests that need them will skip" >&2
    else
        echo "setup: ${apt_missing[*]} missing and not root; the tests that need them will skip" >&2
    fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,train]'
echo "setup: ok ($(.venv/bin/aggregator --version))" >&2
