#!/bin/sh
# Vendor files of one pinned npm package: fetch the tarball from the npm registry with `npm pack`, check it against
# the integrity hash the registry published for that version (and its package.json version), then copy the chosen
# files into the repository. Needs only npm, tar and openssl (no node_modules, no build step).
#
#   tools/vendor_npm.sh [--check] [--version-file] NAME VERSION INTEGRITY DEST SRC[:TARGET]...
#
#   --check         verify, and compare with the vendored files instead of writing them; exit 1 if they differ
#   --version-file  also write DEST/VERSION ("NAME@VERSION" and the integrity hash)
#   DEST            a directory relative to the repository root
#   SRC[:TARGET]    a path inside the package (without "package/"), copied to DEST/TARGET (default: its basename)
#
# Callers pin their package: tools/vendor_htmx.sh, tools/vendor_axe.sh, tools/vendor_chartjs.sh. To upgrade one,
# change its VERSION and INTEGRITY (`npm view NAME@VERSION dist.integrity`), run it, run the tests, and update
# docs/dependencies.md.
set -eu

CHECK=0
VERSION_FILE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --check) CHECK=1; shift ;;
        --version-file) VERSION_FILE=1; shift ;;
        *) break ;;
    esac
done
if [ $# -lt 5 ]; then
    echo "usage: vendor_npm.sh [--check] [--version-file] NAME VERSION INTEGRITY DEST SRC[:TARGET]..." >&2
    exit 2
fi
NAME=$1
VERSION=$2
INTEGRITY=$3
DEST_REL=$4
shift 4

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/$DEST_REL"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TAG="vendor_npm($NAME)"

cd "$WORK"
TARBALL=$(npm pack --silent "$NAME@$VERSION")
ACTUAL="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | openssl base64 -A)"
if [ "$ACTUAL" != "$INTEGRITY" ]; then
    echo "$TAG: integrity mismatch for $NAME@$VERSION" >&2
    echo "  expected $INTEGRITY" >&2
    echo "  got      $ACTUAL" >&2
    exit 1
fi
tar -xzf "$TARBALL"
GOT=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' package/package.json | head -n 1)
if [ "$GOT" != "$VERSION" ]; then
    echo "$TAG: package.json says $GOT, expected $VERSION" >&2
    exit 1
fi

status=0
for spec in "$@"; do
    src=${spec%%:*}
    if [ "$src" = "$spec" ]; then target=$(basename "$src"); else target=${spec#*:}; fi
    if [ ! -f "package/$src" ]; then
        echo "$TAG: $src is not in $NAME@$VERSION" >&2
        exit 1
    fi
    if [ $CHECK -eq 1 ]; then
        if ! cmp -s "package/$src" "$DEST/$target"; then
            echo "$TAG: $DEST_REL/$target differs from $NAME@$VERSION $src" >&2
            status=1
        fi
    else
        mkdir -p "$DEST"
        cp "package/$src" "$DEST/$target"
    fi
done
if [ $VERSION_FILE -eq 1 ]; then
    printf '%s@%s\n%s\n' "$NAME" "$VERSION" "$INTEGRITY" > "$WORK/VERSION"
    if [ $CHECK -eq 1 ]; then
        if ! cmp -s "$WORK/VERSION" "$DEST/VERSION"; then
            echo "$TAG: $DEST_REL/VERSION does not name $NAME@$VERSION" >&2
            status=1
        fi
    else
        cp "$WORK/VERSION" "$DEST/VERSION"
    fi
fi
if [ $CHECK -eq 1 ]; then
    [ $status -eq 0 ] && echo "$TAG: $NAME@$VERSION matches the vendored files in $DEST_REL"
    exit $status
fi
echo "$TAG: wrote $NAME@$VERSION to $DEST_REL"
