#!/usr/bin/env bash
# Install zoneplan with everything its tests need, on a fresh Debian/Ubuntu machine or
# any machine with Python >= 3.11. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
# Headless Chromium for the browser tests (report and live editor); optional for users.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "install.sh: could not install chromium; browser tests will be skipped" >&2
fi
# the test tools, Dask for Monte Carlo draws on a cluster (zoneplan run --samples), and
# MkDocs for the documentation site (docs/, mkdocs.yml)
"$PY" -m pip install --quiet --disable-pip-version-check -e ".[test,dask,docs]"
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
echo "zoneplan installed: $("$PY" -m zoneplan --version)"
