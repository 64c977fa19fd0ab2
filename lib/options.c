/* options.c: the option table: bounds, defaults and which handle takes what. */
#include "common/common.h"
#include "layout/hilbert.h"

typedef struct option_spec {
    int64_t min, max, def;
    int who;
} option_spec;

static const option_spec specs[PRTS__OPT_COUNT] = {
    [PRTS_OPT_MODE] = {0, 1, PRTS_MODE_STANDARD, PRTS__FOR_ENCODER},
    [PRTS_OPT_PNG_LEVEL] = {-9, 9, PRTS_LEVEL_ADAPTIVE(1), PRTS__FOR_ENCODER},
    [PRTS_OPT_FILTER] = {0, 1, PRTS_FILTER_NONE, PRTS__FOR_ENCODER},
    [PRTS_OPT_GRID_SIZE] = {0, 1ll << 31, 0, PRTS__FOR_ENCODER},
    [PRTS_OPT_MEMORY_BUDGET] = {0, INT64_MAX, PRTS__DEFAULT_BUDGET,
                                PRTS__FOR_ENCODER | PRTS__FOR_DECODER},
    [PRTS_OPT_WRITE_SIDECAR] = {0, 1, 1, PRTS__FOR_ENCODER},
    [PRTS_OPT_VERIFY_HASH] = {PRTS_VERIFY_OFF, PRTS_VERIFY_IF_PRESENT, PRTS_VERIFY_REQUIRED,
                              PRTS__FOR_DECODER},
    [PRTS_OPT_READ_SIDECAR] = {0, 1, 1, PRTS__FOR_DECODER},
    [PRTS_OPT_MAX_GRID_SIZE] = {1, 1ll << 31, 65536, PRTS__FOR_DECODER},
    [PRTS_OPT_MAX_METADATA_SIZE] = {64, INT32_MAX, 64ll << 20, PRTS__FOR_DECODER},
    [PRTS_OPT_PAYLOAD_COMPRESSION] = {0, 2, PRTS_PAYLOAD_NONE, PRTS__FOR_ENCODER},
    [PRTS_OPT_PAYLOAD_LEVEL] = {0, 19, 0, PRTS__FOR_ENCODER},
    [PRTS_OPT_THREADS] = {0, 64, 0, PRTS__FOR_ENCODER | PRTS__FOR_DECODER},
    [PRTS_OPT_MAX_METADATA_CHUNKS] = {1, INT32_MAX, 64, PRTS__FOR_DECODER},
};

static const option_spec *find(prts_option option)
{
    if ((int)option <= 0 || (int)option >= PRTS__OPT_COUNT || specs[option].who == 0)
        return NULL;
    return &specs[option];
}

int prts_option_bounds(prts_option option, int64_t *min, int64_t *max)
{
    const option_spec *s = find(option);
    if (!s)
        return PRTS_E_INVALID_ARG;
    if (min)
        *min = s->min;
    if (max)
        *max = s->max;
    return PRTS_OK;
}

void prts__options_defaults(int64_t opts[PRTS__OPT_COUNT])
{
    for (int i = 0; i < PRTS__OPT_COUNT; i++)
        opts[i] = specs[i].def;
}

int prts__option_set(int64_t opts[PRTS__OPT_COUNT], int who, prts_option option,
                     int64_t value, prts__err *e)
{
    const option_spec *s = find(option);
    if (!s || !(s->who & who))
        return prts__fail(e, PRTS_E_INVALID_ARG, "option %d does not apply to this handle",
                          (int)option);
    if (value < s->min || value > s->max)
        return prts__fail(e, PRTS_E_INVALID_ARG,
                          "option %d: value %lld outside [%lld, %lld]", (int)option,
                          (long long)value, (long long)s->min, (long long)s->max);
    if ((option == PRTS_OPT_GRID_SIZE && value != 0 && !prts__is_pow2((uint64_t)value)) ||
        (option == PRTS_OPT_MAX_GRID_SIZE && !prts__is_pow2((uint64_t)value)))
        return prts__fail(e, PRTS_E_INVALID_ARG, "Grid size must be power of 2, got %lld",
                          (long long)value);
    opts[option] = value;
    return PRTS_OK;
}

int prts__option_applies(prts_option option, int who)
{
    const option_spec *s = find(option);
    return s && (s->who & who);
}

int prts__option_get(const int64_t opts[PRTS__OPT_COUNT], int who, prts_option option,
                     int64_t *value)
{
    const option_spec *s = find(option);
    if (!s || !(s->who & who) || !value)
        return PRTS_E_INVALID_ARG;
    *value = opts[option];
    return PRTS_OK;
}
