#include "demo/rng.h"

#include "base/banned.h"

/* splitmix64 (Steele, Lea, Flood 2014): spreads any 64-bit value over the whole state. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void demo_rng_init(struct demo_rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed;
    x = splitmix64(&x) ^ a;
    x = splitmix64(&x) ^ b;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) /* the one state xoshiro cannot leave */
        r->s[0] = 1;
}

/* xoshiro256** (Blackman, Vigna 2018). */
uint64_t demo_rng_next(struct demo_rng *r)
{
    uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t demo_rng_below(struct demo_rng *r, uint64_t n)
{
    /* reject the top partial block so every value is equally likely */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = demo_rng_next(r);
    while (x >= limit);
    return x % n;
}

int demo_rng_range(struct demo_rng *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)demo_rng_below(r, (uint64_t)(hi - lo) + 1);
}

double demo_rng_unit(struct demo_rng *r)
{
    return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53;
}

bool demo_rng_chance(struct demo_rng *r, double p)
{
    return demo_rng_unit(r) < p;
}

double demo_rng_normal(struct demo_rng *r)
{
    /* Irwin-Hall: four uniforms have variance 4/12; scale to 1 */
    double s = demo_rng_unit(r) + demo_rng_unit(r) + demo_rng_unit(r) + demo_rng_unit(r) - 2.0;
    return s * 1.7320508075688772;
}

int demo_rng_pick(struct demo_rng *r, const int *weights, int n)
{
    long total = 0, x;
    for (int i = 0; i < n; i++)
        total += weights[i];
    if (total <= 0)
        return 0;
    x = (long)demo_rng_below(r, (uint64_t)total);
    for (int i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}
