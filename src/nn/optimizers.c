/* optimizers.c: the optimiser registry, and the settings every type shares. */
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_optim.h"

/* The registry: one line per optimiser type, in the order help lists them. Type
 * X is the table nn_X_optimizer of src/nn/optim_X.c. */
#define OPTIMIZER_TYPES(TYPE)                                                          \
    TYPE(sgd)                                                                          \
    TYPE(momentum)                                                                     \
    TYPE(adam)

#define DECLARE(x) extern const NnOptimizerOps nn_##x##_optimizer;
#define ENTRY(x) &nn_##x##_optimizer,
OPTIMIZER_TYPES(DECLARE)
const NnOptimizerOps *const nn_optimizer_types[] = {OPTIMIZER_TYPES(ENTRY) NULL};

const NnOptimizerOps *nn_optimizer_ops(const char *name)
{
    for (size_t i = 0; name && nn_optimizer_types[i]; i++)
        if (strcmp(nn_optimizer_types[i]->about.name, name) == 0)
            return nn_optimizer_types[i];
    return NULL;
}

const NnOptimizerAbout *nn_optimizer_type(size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (!nn_optimizer_types[k])
            return NULL;
    return nn_optimizer_types[i] ? &nn_optimizer_types[i]->about : NULL;
}

const NnOptimizerAbout *nn_optimizer_find(const char *name)
{
    const NnOptimizerOps *o = nn_optimizer_ops(name);
    return o ? &o->about : NULL;
}

int nn_optimizer_defaults(const char *name, NnOptimizer *o, Err *e)
{
    const NnOptimizerOps *ops = nn_optimizer_ops(name);
    if (!ops)
        return err_set(e, _("bad optimizer '%.40s'"), name ? name : "");
    memset(o, 0, sizeof *o);
    o->name = ops->about.name;
    const Param *lists[1] = {ops->about.hyper};
    ParamValues pv;
    if (params_parse(lists, 1, 0, NULL, 1, ops->about.name, &pv, e) != 0)
        return -1;
    params_store(&pv, o);
    return 0;
}

void nn_optimizer_words(const NnOptimizer *o, char *buf, size_t cap)
{
    const NnOptimizerOps *ops = nn_optimizer_ops(o->name);
    snprintf(buf, cap, "%s", ops ? ops->about.name : "?");
    if (ops)
        params_format(ops->about.hyper, o, 0, buf, cap);
}
