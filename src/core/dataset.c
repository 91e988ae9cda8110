/* dataset.c: releasing a Dataset. */
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/dataset.h"

void dataset_free(Dataset *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}
