#!/bin/sh
# Re-fetch the pinned htmx (the portal's only JavaScript library) from the npm registry, check the tarball against
# the integrity hash the registry published for this version, and vendor dist/htmx.min.js with its licence into
# congso/portal/static/portal/. Needs only npm, tar and openssl (no node_modules, no build step).
#
#   tools/vendor_htmx.sh            fetch, verify and (re)write the vendored files
#   tools/vendor_htmx.sh --check    verify and compare with the vendored files; exit 1 if they differ
set -eu

NAME=htmx.org
VERSION=2.0.11
INTEGRITY=sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/congso/portal/static/portal"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
TARBALL=$(npm pack --silent "$NAME@$VERSION")
ACTUAL="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | openssl base64 -A)"
if [ "$ACTUAL" != "$INTEGRITY" ]; then
    echo "vendor_htmx: integrity mismatch for $NAME@$VERSION" >&2
    echo "  expected $INTEGRITY" >&2
    echo "  got      $ACTUAL" >&2
    exit 1
fi
tar -xzf "$TARBALL"

if [ "${1:-}" = "--check" ]; then
    if cmp -s package/dist/htmx.min.js "$DEST/htmx.min.js" && cmp -s package/LICENSE "$DEST/htmx.LICENSE"; then
        echo "vendor_htmx: $NAME@$VERSION matches the vendored files"
        exit 0
    fi
    echo "vendor_htmx: the vendored files differ from $NAME@$VERSION" >&2
    exit 1
fi

mkdir -p "$DEST"
cp package/dist/htmx.min.js "$DEST/htmx.min.js"
cp package/LICENSE "$DEST/htmx.LICENSE"
echo "vendor_htmx: wrote $NAME@$VERSION to ${DEST#"$ROOT"/}/htmx.min.js"
