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
# QGIS for the Processing plugin (zoneplan qgis install) and its headless tests
# (tests/test_qgis.py runs qgis_process); optional for users.
if ! command -v qgis_process.bin >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
   && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qgis python3-qgis \
    >/dev/null || echo "install.sh: could not install QGIS; the QGIS tests will be skipped" >&2
fi
# Debian 12's /usr/bin/qgis_process passes --noversioncheck (from /etc/default/qgis), which
# qgis_process 3.22 refuses ("Command --noversioncheck not known!"): put a qgis_process
# without it in /usr/local/bin (before /usr/bin on PATH), offscreen when there is no display.
if [ -x /usr/bin/qgis_process.bin ] && [ "$(id -u)" = 0 ] && [ ! -e /usr/local/bin/qgis_process ] \
   && QT_QPA_PLATFORM=offscreen /usr/bin/qgis_process --version 2>&1 | grep -q "noversioncheck"; then
  printf '%s\n' '#!/bin/sh' \
    "# Written by zoneplan's install.sh: Debian's /usr/bin/qgis_process adds --noversioncheck," \
    '# which qgis_process 3.22 refuses; this runs it without, offscreen with no display.' \
    'if [ -z "$DISPLAY" ] && [ -z "$WAYLAND_DISPLAY" ]; then' \
    '  export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"' \
    'fi' \
    'exec /usr/bin/qgis_process.bin "$@"' > /usr/local/bin/qgis_process
  chmod 755 /usr/local/bin/qgis_process
fi
# the test tools, Dask for Monte Carlo draws on a cluster (zoneplan run --samples), and
# MkDocs for the documentation site (docs/, mkdocs.yml)
"$PY" -m pip install --quiet --disable-pip-version-check -e ".[test,dask,docs]"
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
echo "zoneplan installed: $("$PY" -m zoneplan --version)"
