/*
 * model: the analyzer's small online model ("the model ranks, rules decide",
 * ARCHITECTURE.md; design in research/analyzer-anchors.md §5.2). It learns from the
 * store's own observations, without labelled data, how surprising each new observation
 * of a server is, and writes one row per observation into `scores` (with the terms that
 * made the score) for the rules to read.
 *
 * Observations, in time order: the sensor's connections (v_conn, leaf facts from
 * v_cert) and the scanner's finished scans (v_scan_all, the default handshake's chain).
 * A server is a resource ("IP:PORT SNI", as the views spell it).
 *
 * Per server and per feature f in {leaf, spki, issuer, version, suite, ja3s} (the store
 * keeps no negotiated group, so there is no group feature):
 *   - decayed counts, half-life MODEL_HALF_LIFE_DAYS, by the observations' timestamps
 *     (an observation older than the server's clock is added with weight 2^-(age/H));
 *   - the MODEL_TOPK heaviest values (space-saving: a new value replaces the lightest
 *     one and inherits its count as over-estimate), n (decayed total), f1 (decayed weight
 *     of the values seen exactly once: Good-Turing's singletons);
 *   - surprise_f = -log2((c_v + a) / (n + a (k + 1))), a = MODEL_ALPHA, k values kept;
 *   - novelty_f = surprise_f * (1 - f1/n) * (1 - vol_f), where vol_f (leaf, spki: the
 *     distinct leaves; issuer: the distinct issuers, both counted with HyperLogLog) is
 *     1 - 2^-(rho * H), rho = (distinct - 1) / max(days of history, 1): the chance, at
 *     the server's observed rate of change, that the value changed within one half-life;
 *   - score = sum_f w_f novelty_f + client rarity (MODEL_RARE_WEIGHT when the client's
 *     JA4, else JA3, has been seen fewer than MODEL_RARE_COUNT times network-wide in a
 *     count-min sketch of all client fingerprints, once it holds MODEL_RARE_MIN_TOTAL).
 * Each observation is scored against the baseline BEFORE it, then learned. A baseline is
 * mature with MODEL_MATURE_N observations over MODEL_MATURE_DAYS days; an immature
 * server's scores are stored with mature = 0 (rules only).
 *
 * Analysts' verdicts: each run reads the valid 'false_positive' triage rows, the
 * findings they judge, and those findings' evidence ("connection:ID", "scan:ID",
 * "cert:SHA256"); the feature values of those observations (of that certificate, for
 * cert:) are "vouched" for their server: their novelty is 0 (the term says "vouched").
 *
 * State: one versioned binary blob in model_state (name MODEL_STATE_NAME) with the last
 * connection and scan processed, so a run only reads what is new. A blob that does not
 * parse (corrupt, other version or parameters) is discarded: the model is rebuilt from
 * the whole history and the reason is kept in meta 'model_note'.
 */
#ifndef TLSSCOPE_ANALYZER_MODEL_H
#define TLSSCOPE_ANALYZER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define MODEL_STATE_NAME "novelty"
#define MODEL_HALF_LIFE_DAYS 30.0
#define MODEL_TOPK 8
#define MODEL_ALPHA 0.5
#define MODEL_MATURE_N 50
#define MODEL_MATURE_DAYS 3.0
#define MODEL_HLL_P 8               /* per-server HyperLogLog: 2^8 registers, ~6.5 % error */
#define MODEL_CMS_WIDTH 16384       /* count-min sketch of client fingerprints: e/w = 1.7e-4 */
#define MODEL_CMS_DEPTH 4           /* failure probability e^-4 = 1.8 % per query */
#define MODEL_RARE_COUNT 5
#define MODEL_RARE_MIN_TOTAL 100
#define MODEL_RARE_WEIGHT 1.0

/* What one model_run() did. */
struct model_stats {
	size_t connections;   /* connections read */
	size_t scans;         /* scans read */
	size_t scored;        /* scores written */
	size_t mature;        /* of which with a mature baseline */
	size_t servers;       /* servers in the model after the run */
	size_t vouched;       /* values vouched for by analysts' false_positive verdicts */
	bool rebuilt;         /* the saved state was unusable: rebuilt from history */
	char note[256];       /* why it was rebuilt, "" otherwise */
};

/*
 * Learns every observation that is new since the saved state, writes their scores and
 * the new state, then flushes the store.
 * out: may be NULL. err/errcap: receive a message on failure (err may be NULL).
 * Returns 0, or -1 when the store failed or memory ran out (nothing of the state is
 * saved then; the next run starts again from the previous state).
 */
int model_run(struct store *st, struct model_stats *out, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/*
 * model_run() without the figures: returns 0, 1 when the saved state was unusable and
 * the model was rebuilt from history (the reason is in err), or -1 on failure (err).
 */
int model_update(struct store *st, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/* ---- sketches (also used by the tests) ---------------------------------------------- */

/* 64-bit hash of len bytes (FNV-1a, then MurmurHash3's fmix64 finalizer). */
uint64_t model_hash(const void *data, size_t len);

/*
 * Count-min sketch (Cormode & Muthukrishnan 2005): width w counters in each of depth d
 * rows, row i hashing with h_i(x) = ((a_i x + b_i) mod 2^61-1) mod w, a_i, b_i from seed.
 * An estimate never under-counts, and over-counts by more than (e/w) N (N = the total
 * added) with probability at most e^-d.
 * model_cms_new returns NULL when out of memory or w, d are 0; free with model_cms_free
 * (NULL-safe).
 */
struct model_cms;
struct model_cms *model_cms_new(uint32_t w, uint32_t d, uint64_t seed);
void model_cms_free(struct model_cms *c);
void model_cms_add(struct model_cms *c, uint64_t key, uint32_t count);
uint64_t model_cms_estimate(const struct model_cms *c, uint64_t key);
uint64_t model_cms_total(const struct model_cms *c);

/*
 * HyperLogLog (Flajolet et al. 2007) with 2^p registers, 4 <= p <= 16: distinct count of
 * the 64-bit hashes added, standard error ~1.04/sqrt(2^p); small ranges by linear
 * counting. model_hll_new returns NULL for a bad p or out of memory; model_hll_free is
 * NULL-safe.
 */
struct model_hll;
struct model_hll *model_hll_new(unsigned p);
void model_hll_free(struct model_hll *h);
void model_hll_add(struct model_hll *h, uint64_t hash);
double model_hll_estimate(const struct model_hll *h);

/* log2(x) for x > 0 and 2^y, without libm (the build links none). */
double model_log2(double x);
double model_exp2(double y);

#endif
