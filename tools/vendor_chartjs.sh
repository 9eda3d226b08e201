#!/bin/sh
# Re-fetch the pinned Chart.js (the back office's KPI charts) from the npm registry, check it against the registry's
# integrity hash, and vendor the minified UMD build with its licence into congso/backoffice/static/backoffice/vendor/
# (tools/vendor_npm.sh does the work). Served by whitenoise; the pages render every figure without it.
#
#   tools/vendor_chartjs.sh            fetch, verify and (re)write the vendored files
#   tools/vendor_chartjs.sh --check    verify and compare with the vendored files; exit 1 if they differ
#
# To upgrade: change VERSION and INTEGRITY (from `npm view chart.js@<version> dist.integrity`), run the script,
# run the browser tests (congso/backoffice/tests/test_browser_kpi.py), and update docs/dependencies.md.
set -eu

VERSION=4.6.1
INTEGRITY=sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==

CHECK=
[ "${1:-}" = "--check" ] && CHECK=--check
exec "$(dirname "$0")/vendor_npm.sh" $CHECK --version-file chart.js "$VERSION" "$INTEGRITY" \
    congso/backoffice/static/backoffice/vendor/chartjs dist/chart.umd.min.js LICENSE.md
