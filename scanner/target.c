/*
 * Scan targets: parsing, @FILE lists, CIDR expansion, sharding, duplicates, resolution.
 * See target.h.
 *
 * Implementation notes:
 *  - Targets are first kept as items (a host name, or one address) in the order given; a hash
 *    table of item indices drops duplicates as they come, so a 2^20-address range costs one
 *    probe of the table per address and nothing is sorted.
 *  - Host names are resolved together by getaddrinfo_a (glibc; its own small thread pool),
 *    in batches, so a list of many names does not wait for each lookup in turn. Resolution
 *    happens before the engine starts: nothing in the engine blocks.
 */
#define _GNU_SOURCE /* getaddrinfo_a */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scanner/target.h"

#define RESOLVE_BATCH 64 /* names looked up at once */

/* ---- syntax ------------------------------------------------------------------------------ */

bool tgt_check_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool numeric = true;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > TGT_HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		bool digit = ch >= '0' && ch <= '9';
		if (!alpha && !digit && ch != '-' && ch != '_')
			return false;
		if (!digit)
			numeric = false;
		if (++label > 63)
			return false;
	}
	return label > 0 && !numeric;
}

/* Port: 1..65535, decimal digits only. */
static bool parse_port(const char *s, uint16_t *port)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return false;
	long v = strtol(s, NULL, 10);
	if (v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* addr[/len] of family af into out. Modifies s. */
static bool parse_addr(int af, char *s, struct tgt_spec *out, const char **why)
{
	unsigned maxlen = af == AF_INET ? 32 : 128;
	char *slash = strchr(s, '/');
	out->prefix = maxlen;
	out->kind = af == AF_INET ? TGT_IPV4 : TGT_IPV6;
	if (slash) {
		*slash = '\0';
		const char *p = slash + 1;
		size_t n = strlen(p);
		if (n == 0 || n > 3 || strspn(p, "0123456789") != n ||
		    (unsigned)atoi(p) > maxlen) {
			*why = af == AF_INET ? "bad CIDR prefix length (0..32)"
					     : "bad CIDR prefix length (0..128)";
			return false;
		}
		out->prefix = (unsigned)atoi(p);
		out->kind = af == AF_INET ? TGT_CIDR4 : TGT_CIDR6;
	}
	if (inet_pton(af, s, out->addr) != 1) {
		*why = af == AF_INET ? "not an IPv4 address" : "not an IPv6 address";
		return false;
	}
	if (maxlen - out->prefix > 20) {
		*why = "CIDR range too large (more than 2^20 addresses)";
		return false;
	}
	/* clear the host bits */
	for (unsigned bit = out->prefix; bit < maxlen; bit++)
		out->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return true;
}

bool tgt_parse(const char *t, struct tgt_spec *out, const char **why)
{
	char buf[TGT_TARGET_MAX + 1];
	size_t len = strlen(t);
	memset(out, 0, sizeof(*out));
	if (len == 0) {
		*why = "empty target";
		return false;
	}
	if (len > TGT_TARGET_MAX) {
		*why = "target too long";
		return false;
	}
	memcpy(buf, t, len + 1);

	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close) {
			*why = "missing ']' after IPv6 address";
			return false;
		}
		*close = '\0';
		const char *rest = close + 1;
		if (*rest != '\0' && (*rest != ':' || !parse_port(rest + 1, &out->port))) {
			*why = "bad port (1..65535) after ']'";
			return false;
		}
		return parse_addr(AF_INET6, buf + 1, out, why);
	}
	char *colon = strchr(buf, ':');
	if (colon && strchr(colon + 1, ':')) /* a bare IPv6 address (no port possible) */
		return parse_addr(AF_INET6, buf, out, why);
	if (colon) {
		*colon = '\0';
		if (!parse_port(colon + 1, &out->port)) {
			*why = "bad port (1..65535)";
			return false;
		}
	}
	if (buf[0] == '\0') {
		*why = "missing host";
		return false;
	}
	if (strchr(buf, '/') || strspn(buf, "0123456789.") == strlen(buf))
		return parse_addr(AF_INET, buf, out, why);
	if (!tgt_check_hostname(buf)) {
		*why = "not a host name or address";
		return false;
	}
	out->kind = TGT_HOST;
	memcpy(out->host, buf, strlen(buf) + 1);
	return true;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- @FILE ------------------------------------------------------------------------------- */

/* Called for each target word of a file; returns TGT_OK or an error (message in err). */
typedef int (*word_fn)(void *ctx, const char *word, char *err, size_t errlen);

/* Reads path line by line: comments (#...) and blank lines skipped, one word per line. */
static int for_each_line(const char *path, word_fn fn, void *ctx, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		set_err(err, errlen, "cannot read target file '%s': %s", path, strerror(errno));
		return TGT_EINPUT;
	}
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = TGT_OK;
	errno = 0;
	while (rc == TGT_OK && (n = getline(&line, &cap, f)) != -1) {
		if (++lineno > TGT_MAX_LINES) {
			set_err(err, errlen, "%s: more than %u lines", path, TGT_MAX_LINES);
			rc = TGT_EINPUT;
			break;
		}
		char *p = line;
		if (lineno == 1 && (size_t)n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3; /* UTF-8 byte order mark */
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		p += strspn(p, " \t\r\n");
		size_t k = strcspn(p, " \t\r\n");
		if (k == 0)
			continue;
		char *q = p + k + strspn(p + k, " \t\r\n");
		if (*q != '\0') {
			set_err(err, errlen, "%s:%zu: one target per line", path, lineno);
			rc = TGT_EINPUT;
			break;
		}
		p[k] = '\0';
		if (p[0] == '@') {
			set_err(err, errlen, "%s:%zu: bad target '%s': @FILE cannot be nested",
				path, lineno, p);
			rc = TGT_EINPUT;
			break;
		}
		char msg[TGT_TARGET_MAX + 128] = "out of memory";
		rc = fn(ctx, p, msg, sizeof(msg));
		if (rc != TGT_OK)
			set_err(err, errlen, "%s:%zu: %s", path, lineno, msg);
	}
	if (rc == TGT_OK && ferror(f)) {
		set_err(err, errlen, "cannot read target file '%s': %s", path, strerror(errno));
		rc = TGT_EINPUT;
	}
	free(line);
	fclose(f);
	return rc;
}

static int check_word(void *ctx, const char *word, char *err, size_t errlen)
{
	struct tgt_spec spec;
	const char *why = NULL;
	(void)ctx;
	if (!tgt_parse(word, &spec, &why)) {
		set_err(err, errlen, "bad target '%s': %s", word, why);
		return TGT_EINPUT;
	}
	return TGT_OK;
}

int tgt_check(const char *t, char *err, size_t errlen)
{
	if (t[0] == '@')
		return for_each_line(t + 1, check_word, NULL, err, errlen);
	return check_word(NULL, t, err, errlen);
}

/* ---- sharding ---------------------------------------------------------------------------- */

/* FNV-1a 64 (http://www.isthe.com/chongo/tech/comp/fnv/) with the splitmix64 finaliser
 * (Steele, Lea, Flood 2014), so that the low bits used by % n are well mixed. Frozen. */
static uint64_t stable_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

uint32_t tgt_shard_of(const char *key, uint32_t n)
{
	return n <= 1 ? 0 : (uint32_t)(stable_hash(key) % n);
}

/* ---- the list ---------------------------------------------------------------------------- */

/* A target after expansion, before resolution: a host name or one address. */
struct item {
	const char *host; /* owned by the list; NULL for an address */
	int family;
	uint8_t addr[16];
	uint16_t port;
};

struct tgt_list {
	struct tgt_opts o;
	char *sni;                  /* copy of o.sni */
	struct item *items;
	size_t n_items, cap_items;
	uint32_t *tab;              /* open addressing: item index + 1, 0 = empty */
	size_t tab_cap;             /* power of two */
	char **strs;                /* every string owned */
	size_t n_strs, cap_strs;
	struct tgt_endpoint *eps;
	size_t n_eps;
	bool resolved;
};

struct tgt_list *tgt_list_new(const struct tgt_opts *o)
{
	struct tgt_list *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->o = *o;
	if (o->sni) {
		l->sni = strdup(o->sni);
		if (!l->sni) {
			free(l);
			return NULL;
		}
	}
	l->o.sni = l->sni;
	return l;
}

void tgt_list_free(struct tgt_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_strs; i++)
		free(l->strs[i]);
	free(l->strs);
	free(l->items);
	free(l->tab);
	free(l->eps);
	free(l->sni);
	free(l);
}

size_t tgt_list_count(const struct tgt_list *l) { return l->n_eps; }

const struct tgt_endpoint *tgt_list_at(const struct tgt_list *l, size_t i) { return &l->eps[i]; }

/* Takes ownership of s (NULL: out of memory, also freed). */
static char *keep_str(struct tgt_list *l, char *s)
{
	if (!s)
		return NULL;
	if (l->n_strs == l->cap_strs) {
		size_t cap = l->cap_strs ? 2 * l->cap_strs : 16;
		char **v = realloc(l->strs, cap * sizeof(*v));
		if (!v) {
			free(s);
			return NULL;
		}
		l->strs = v;
		l->cap_strs = cap;
	}
	l->strs[l->n_strs++] = s;
	return s;
}

/* The host name without a final dot, lowercase, into out (TGT_HOST_MAX + 1). */
static void host_canon(const char *host, char *out)
{
	size_t n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[n] = '\0';
}

static size_t addr_len(int family) { return family == AF_INET ? 4 : 16; }

static uint64_t item_hash(const struct item *it)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t port[2] = { (uint8_t)(it->port >> 8), (uint8_t)it->port };
	const uint8_t *p;
	size_t n;
	char canon[TGT_HOST_MAX + 2];
	if (it->host) {
		host_canon(it->host, canon);
		p = (const uint8_t *)canon;
		n = strlen(canon);
	} else {
		p = it->addr;
		n = addr_len(it->family);
		h ^= (uint8_t)it->family;
		h *= 0x100000001b3ull;
	}
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	for (size_t i = 0; i < 2; i++) {
		h ^= port[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

static bool item_eq(const struct item *a, const struct item *b)
{
	if (a->port != b->port || (a->host == NULL) != (b->host == NULL))
		return false;
	if (a->host) {
		char ca[TGT_HOST_MAX + 2], cb[TGT_HOST_MAX + 2];
		host_canon(a->host, ca);
		host_canon(b->host, cb);
		return strcmp(ca, cb) == 0;
	}
	return a->family == b->family && memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

static int grow_tab(struct tgt_list *l)
{
	size_t cap = l->tab_cap ? 2 * l->tab_cap : 1024;
	uint32_t *tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return TGT_ENOMEM;
	for (size_t i = 0; i < l->n_items; i++) {
		size_t j = (size_t)item_hash(&l->items[i]) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = (uint32_t)(i + 1);
	}
	free(l->tab);
	l->tab = tab;
	l->tab_cap = cap;
	return TGT_OK;
}

/* The canonical key of an item, for sharding: "host:port", "ip:port", "[ip6]:port". */
static void item_key(const struct item *it, char *out, size_t len)
{
	char a[TGT_HOST_MAX + 2];
	if (it->host) {
		host_canon(it->host, a);
		snprintf(out, len, "%s:%u", a, it->port);
		return;
	}
	inet_ntop(it->family, it->addr, a, sizeof(a));
	snprintf(out, len, it->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, it->port);
}

/* Adds one item (its host string copied) unless it is outside the shard or a duplicate. */
static int add_item(struct tgt_list *l, const struct item *it, char *err, size_t errlen)
{
	if (l->o.shard_count > 1) {
		char key[TGT_NAME_MAX + 2];
		item_key(it, key, sizeof(key));
		if (tgt_shard_of(key, l->o.shard_count) != l->o.shard_index)
			return TGT_OK;
	}
	if ((l->n_items + 1) * 2 > l->tab_cap && grow_tab(l) != TGT_OK)
		return TGT_ENOMEM;
	size_t j = (size_t)item_hash(it) & (l->tab_cap - 1);
	for (; l->tab[j]; j = (j + 1) & (l->tab_cap - 1))
		if (item_eq(&l->items[l->tab[j] - 1], it))
			return TGT_OK;
	if (l->n_items >= TGT_MAX_ENDPOINTS) {
		set_err(err, errlen, "more than %u targets", TGT_MAX_ENDPOINTS);
		return TGT_EINPUT;
	}
	if (l->n_items == l->cap_items) {
		size_t cap = l->cap_items ? 2 * l->cap_items : 64;
		struct item *v = realloc(l->items, cap * sizeof(*v));
		if (!v)
			return TGT_ENOMEM;
		l->items = v;
		l->cap_items = cap;
	}
	l->items[l->n_items] = *it;
	if (it->host) {
		char *h = keep_str(l, strdup(it->host));
		if (!h)
			return TGT_ENOMEM;
		l->items[l->n_items].host = h;
	}
	l->n_items++;
	l->tab[j] = (uint32_t)l->n_items;
	return TGT_OK;
}

static int add_word(void *ctx, const char *word, char *err, size_t errlen)
{
	struct tgt_list *l = ctx;
	struct tgt_spec spec;
	const char *why = NULL;
	if (l->resolved) {
		set_err(err, errlen, "targets added after resolution");
		return TGT_EINPUT;
	}
	if (!tgt_parse(word, &spec, &why)) {
		set_err(err, errlen, "bad target '%s': %s", word, why);
		return TGT_EINPUT;
	}
	struct item it = { .port = spec.port ? spec.port : l->o.default_port };
	if (spec.kind == TGT_HOST) {
		it.host = spec.host;
		return add_item(l, &it, err, errlen);
	}
	it.family = spec.kind == TGT_IPV4 || spec.kind == TGT_CIDR4 ? AF_INET : AF_INET6;
	size_t alen = addr_len(it.family);
	unsigned host_bits = (unsigned)alen * 8 - spec.prefix; /* <= 20 (tgt_parse) */
	memcpy(it.addr, spec.addr, alen);
	for (uint32_t k = 0; k < (1u << host_bits); k++) {
		/* the low host_bits bits of the address = k (they were cleared) */
		for (unsigned b = 0; b < host_bits; b += 8) {
			size_t byte = alen - 1 - b / 8;
			unsigned width = host_bits - b < 8 ? host_bits - b : 8;
			uint8_t mask = (uint8_t)((1u << width) - 1);
			it.addr[byte] = (uint8_t)((spec.addr[byte] & ~mask) | ((k >> b) & mask));
		}
		int rc = add_item(l, &it, err, errlen);
		if (rc != TGT_OK)
			return rc;
	}
	return TGT_OK;
}

int tgt_list_add(struct tgt_list *l, const char *t, char *err, size_t errlen)
{
	if (t[0] == '@')
		return for_each_line(t + 1, add_word, l, err, errlen);
	int rc = add_word(l, t, err, errlen);
	if (rc == TGT_ENOMEM)
		set_err(err, errlen, "out of memory");
	return rc;
}

/* ---- resolution -------------------------------------------------------------------------- */

static int push_ep(struct tgt_list *l, size_t *cap, const struct tgt_endpoint *e, char *err,
		   size_t errlen)
{
	if (l->n_eps >= TGT_MAX_ENDPOINTS) {
		set_err(err, errlen, "more than %u endpoints after resolution",
			TGT_MAX_ENDPOINTS);
		return TGT_EINPUT;
	}
	if (l->n_eps == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct tgt_endpoint *v = realloc(l->eps, c * sizeof(*v));
		if (!v)
			return TGT_ENOMEM;
		l->eps = v;
		*cap = c;
	}
	l->eps[l->n_eps++] = *e;
	return TGT_OK;
}

/* The endpoints of a host item from its getaddrinfo answer (NULL with gai error rc). */
static int host_endpoints(struct tgt_list *l, size_t *cap, const struct item *it,
			  const struct addrinfo *res, int rc, char *err, size_t errlen)
{
	struct tgt_endpoint e = { .host = it->host, .sni = l->o.sni, .port = it->port };
	if (!e.sni) {
		size_t n = strlen(it->host);
		if (n > 0 && it->host[n - 1] == '.') {
			char *s = keep_str(l, strndup(it->host, n - 1));
			if (!s)
				return TGT_ENOMEM;
			e.sni = s;
		} else {
			e.sni = it->host;
		}
	}
	if (rc != 0 || !res) {
		e.error = rc == EAI_AGAIN || rc == EAI_FAIL || rc == EAI_MEMORY ||
				  rc == EAI_SYSTEM
			  ? "resolution failed"
			  : "no address";
		return push_ep(l, cap, &e, err, errlen);
	}
	size_t first = l->n_eps;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		e.family = ai->ai_family;
		memset(e.addr, 0, sizeof(e.addr));
		if (ai->ai_family == AF_INET)
			memcpy(e.addr, &((const struct sockaddr_in *)(const void *)ai->ai_addr)
						->sin_addr, 4);
		else if (ai->ai_family == AF_INET6)
			memcpy(e.addr, &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)
						->sin6_addr, 16);
		else
			continue;
		bool dup = false;
		for (size_t i = first; i < l->n_eps && !dup; i++)
			dup = l->eps[i].family == e.family &&
			      memcmp(l->eps[i].addr, e.addr, 16) == 0;
		if (dup)
			continue;
		int r = push_ep(l, cap, &e, err, errlen);
		if (r != TGT_OK)
			return r;
	}
	if (l->n_eps == first) {
		e.family = 0;
		e.error = "no address";
		return push_ep(l, cap, &e, err, errlen);
	}
	return TGT_OK;
}

int tgt_list_resolve(struct tgt_list *l, char *err, size_t errlen)
{
	struct gaicb cbs[RESOLVE_BATCH];
	struct gaicb *list[RESOLVE_BATCH];
	struct addrinfo *res[RESOLVE_BATCH];
	int ret[RESOLVE_BATCH];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	size_t cap = 0, next = 0; /* next item to emit */
	int rc = TGT_OK;

	if (l->resolved) {
		set_err(err, errlen, "targets resolved twice");
		return TGT_EINPUT;
	}
	l->resolved = true;
	while (rc == TGT_OK && next < l->n_items) {
		/* look up the next batch of names, then emit every item up to the last of them */
		size_t n = 0, scan = next;
		for (; scan < l->n_items && n < RESOLVE_BATCH; scan++) {
			if (!l->items[scan].host)
				continue;
			memset(&cbs[n], 0, sizeof(cbs[n]));
			cbs[n].ar_name = l->items[scan].host;
			cbs[n].ar_request = &hints;
			list[n] = &cbs[n];
			n++;
		}
		/* GAI_WAIT returns when every queued lookup is answered; a lookup that could
		 * not be queued (EAI_AGAIN, EAI_MEMORY) is done again the blocking way */
		bool queued = n > 0 && getaddrinfo_a(GAI_WAIT, list, (int)n, NULL) == 0;
		for (size_t k = 0; k < n; k++) {
			ret[k] = gai_error(&cbs[k]);
			res[k] = ret[k] == 0 ? cbs[k].ar_result : NULL;
			if (ret[k] != 0 && !queued)
				ret[k] = getaddrinfo(cbs[k].ar_name, NULL, &hints, &res[k]);
		}
		size_t k = 0;
		for (; rc == TGT_OK && next < scan; next++) {
			const struct item *it = &l->items[next];
			if (it->host) {
				rc = host_endpoints(l, &cap, it, ret[k] == 0 ? res[k] : NULL,
						    ret[k], err, errlen);
				k++;
				continue;
			}
			struct tgt_endpoint ep = { .sni = l->o.sni, .family = it->family,
						   .port = it->port };
			memcpy(ep.addr, it->addr, sizeof(ep.addr));
			rc = push_ep(l, &cap, &ep, err, errlen);
		}
		for (size_t j = 0; j < n; j++)
			if (ret[j] == 0 && res[j])
				freeaddrinfo(res[j]);
	}
	if (rc == TGT_ENOMEM)
		set_err(err, errlen, "out of memory");
	/* items are no longer needed */
	free(l->items);
	free(l->tab);
	l->items = NULL;
	l->tab = NULL;
	l->n_items = l->cap_items = l->tab_cap = 0;
	return rc;
}

/* ---- endpoint helpers -------------------------------------------------------------------- */

void tgt_endpoint_ip(const struct tgt_endpoint *e, char out[TGT_IP_MAX])
{
	out[0] = '\0';
	if (e->family == AF_INET || e->family == AF_INET6)
		inet_ntop(e->family, e->addr, out, TGT_IP_MAX);
}

void tgt_endpoint_name(const struct tgt_endpoint *e, char out[TGT_NAME_MAX])
{
	char ip[TGT_IP_MAX];
	if (e->host) {
		snprintf(out, TGT_NAME_MAX, "%s:%u", e->host, e->port);
		return;
	}
	tgt_endpoint_ip(e, ip);
	snprintf(out, TGT_NAME_MAX, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, e->port);
}

socklen_t tgt_endpoint_sockaddr(const struct tgt_endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		memcpy(&sin->sin_addr, e->addr, 4);
		return sizeof(*sin);
	}
	if (e->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		memcpy(&sin6->sin6_addr, e->addr, 16);
		return sizeof(*sin6);
	}
	return 0;
}
