#!/bin/sh
# Re-fetch the pinned axe-core (accessibility rules engine used by the browser tests) from the npm registry,
# check the tarball against the integrity hash the registry published for this version, and vendor
# axe.min.js with its licences into tests/vendor/axe-core/. Needs only npm, tar and openssl (no node_modules).
#
#   tools/vendor_axe.sh            fetch, verify and (re)write the vendored files
#   tools/vendor_axe.sh --check    verify and compare with the vendored files; exit 1 if they differ
#
# To upgrade: change VERSION and INTEGRITY (from `npm view axe-core@<version> dist.integrity`), run the script,
# run the browser tests, and update docs/dependencies.md.
set -eu

NAME=axe-core
VERSION=4.14.1
INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
FILES="axe.min.js LICENSE LICENSE-3RD-PARTY.txt"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/tests/vendor/$NAME"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
TARBALL=$(npm pack --silent "$NAME@$VERSION")
ACTUAL="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | openssl base64 -A)"
if [ "$ACTUAL" != "$INTEGRITY" ]; then
    echo "vendor_axe: integrity mismatch for $NAME@$VERSION" >&2
    echo "  expected $INTEGRITY" >&2
    echo "  got      $ACTUAL" >&2
    exit 1
fi
tar -xzf "$TARBALL"
GOT=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' package/package.json | head -n 1)
if [ "$GOT" != "$VERSION" ]; then
    echo "vendor_axe: package.json says $GOT, expected $VERSION" >&2
    exit 1
fi

if [ "${1:-}" = "--check" ]; then
    status=0
    for f in $FILES; do
        if ! cmp -s "package/$f" "$DEST/$f"; then
            echo "vendor_axe: $DEST/$f differs from $NAME@$VERSION" >&2
            status=1
        fi
    done
    [ $status -eq 0 ] && echo "vendor_axe: $NAME@$VERSION matches the vendored files"
    exit $status
fi

mkdir -p "$DEST"
for f in $FILES; do
    cp "package/$f" "$DEST/$f"
done
printf '%s@%s\n%s\n' "$NAME" "$VERSION" "$INTEGRITY" > "$DEST/VERSION"
echo "vendor_axe: wrote $NAME@$VERSION to ${DEST#"$ROOT"/}"
