#!/bin/sh
# Re-fetch the pinned axe-core (accessibility rules engine used by the browser tests) from the npm registry,
# check it against the registry's integrity hash, and vendor axe.min.js with its licences into
# tests/vendor/axe-core/ (tools/vendor_npm.sh does the work).
#
#   tools/vendor_axe.sh            fetch, verify and (re)write the vendored files
#   tools/vendor_axe.sh --check    verify and compare with the vendored files; exit 1 if they differ
#
# To upgrade: change VERSION and INTEGRITY (from `npm view axe-core@<version> dist.integrity`), run the script,
# run the browser tests, and update docs/dependencies.md.
set -eu

VERSION=4.14.1
INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==

CHECK=
[ "${1:-}" = "--check" ] && CHECK=--check
exec "$(dirname "$0")/vendor_npm.sh" $CHECK --version-file axe-core "$VERSION" "$INTEGRITY" tests/vendor/axe-core \
    axe.min.js LICENSE LICENSE-3RD-PARTY.txt
