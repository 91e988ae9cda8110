#!/bin/sh
# The folders of src/ are layers, and an include may only point down (or inside
# its own folder). A file in src/L (or its header in include/untangle/L) that
# includes untangle/M/x.h fails this test when M's rank is not lower than L's:
#
#   core 0 < data, geom 1 < nn, embed, render 2 < session 3 < commands 4
#          < frontend 5 < src/main.c 6
#
# Folders of one rank do not see each other, so no circle can form.
set -u
rank() {
    case "$1" in
        core) echo 0 ;; data|geom) echo 1 ;; nn|embed|render) echo 2 ;;
        session) echo 3 ;; commands) echo 4 ;; frontend) echo 5 ;; main) echo 6 ;;
        *) echo "" ;;
    esac
}
root=$(dirname "$0")/..
bad=0
for f in $(cd "$root" && find src include/untangle -name '*.[ch]'); do
    case "$f" in
        src/main.c) from=main ;;
        src/*) from=$(echo "$f" | cut -d/ -f2) ;;
        include/untangle/*) from=$(echo "$f" | cut -d/ -f3) ;;
    esac
    rf=$(rank "$from")
    if [ -z "$rf" ]; then
        echo "  not ok layers: $f is in folder '$from', which has no rank in tests/layers.sh"
        bad=1
        continue
    fi
    for to in $(grep -o '#include "untangle/[a-z_]*/' "$root/$f" | cut -d/ -f2 | sort -u); do
        rt=$(rank "$to")
        if [ -z "$rt" ]; then
            echo "  not ok layers: $f includes from unknown folder untangle/$to"
            bad=1
        elif [ "$to" != "$from" ] && [ "$rt" -ge "$rf" ]; then
            echo "  not ok layers: $f ($from, rank $rf) includes untangle/$to (rank $rt)"
            bad=1
        fi
    done
    if grep -q '#include "untangle/[a-z_]*\.h"' "$root/$f"; then
        echo "  not ok layers: $f includes a header outside the layer folders"
        bad=1
    fi
done
# One BLAS door: only src/core/blas.c talks to OpenBLAS.
for f in $(cd "$root" && grep -l 'cblas\.h\|openblas_\|cblas_' -r src | grep -v '^src/core/blas.c$'); do
    echo "  not ok layers: $f calls OpenBLAS directly; go through untangle/core/blas.h"
    bad=1
done
[ "$bad" = 0 ] && echo "  ok layers: every include points down, one BLAS door"
exit 0
