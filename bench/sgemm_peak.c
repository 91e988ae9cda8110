/* sgemm_peak.c: the sgemm speed of this machine right now, for bench/nn.sh to
 * put the CNN's achieved GFLOP/s in proportion. Prints the best GFLOP/s of
 * square products of side N (default 2000) over about two seconds.
 *   usage: sgemm_peak THREADS [N] */
#include <stdio.h>
#include <stdlib.h>

#include "untangle/core/blas.h"

int main(int argc, char **argv)
{
    blas_choose_core(argv); /* on the OpenBLAS kernels untangle runs */
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 2000;
    if (threads < 1 || n < 64 || n > 20000) {
        fprintf(stderr, "usage: sgemm_peak THREADS [N]\n");
        return 2;
    }
    blas_set_threads(threads);
    printf("%.1f\n", blas_sgemm_gflops(n, 2.0));
    return 0;
}
