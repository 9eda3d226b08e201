#!/bin/sh
# Re-fetch the pinned htmx (the portal's only JavaScript library) from the npm registry, check it against the
# registry's integrity hash, and vendor dist/htmx.min.js with its licence into congso/portal/static/portal/
# (tools/vendor_npm.sh does the work).
#
#   tools/vendor_htmx.sh            fetch, verify and (re)write the vendored files
#   tools/vendor_htmx.sh --check    verify and compare with the vendored files; exit 1 if they differ
set -eu

VERSION=2.0.11
INTEGRITY=sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==

CHECK=
[ "${1:-}" = "--check" ] && CHECK=--check
exec "$(dirname "$0")/vendor_npm.sh" $CHECK htmx.org "$VERSION" "$INTEGRITY" congso/portal/static/portal \
    dist/htmx.min.js LICENSE:htmx.LICENSE
