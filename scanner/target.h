/*
 * tgt: scan targets, from the command line's words to the list of endpoints the scanner
 * connects to.
 *
 *   "host[:port]" "IPv4[:port]" "[IPv6]:port" "IPv6" "CIDR[:port]" "[IPv6/len][:port]" "@FILE"
 *        │ tgt_parse (syntax, one target)        │ @FILE: one target per line, # comments
 *        ▼                                       ▼
 *   tgt_list_add: CIDR expansion, default port, shard filter, duplicates removed (in order)
 *        │
 *   tgt_list_resolve: host names → one endpoint per A/AAAA address (getaddrinfo, before any
 *        │            connection is made); a name without address → an endpoint with error
 *        ▼
 *   struct tgt_endpoint[]: host, address, port, SNI
 *
 * SNI (INTERFACE.md): --sni when given, else the host name (without a final dot), none for IP
 * literals and CIDR ranges.
 *
 * Sharding (--shard I/N) is deterministic, as zmap's: a target belongs to shard
 * tgt_shard_of(key, N), a fixed hash of its canonical key — the lowercase host name without
 * a final dot, or the address as inet_ntop writes it (IPv6 in brackets), then ":port". The
 * same target lands in the same shard on every machine and in every version: the hash
 * (FNV-1a 64 with the splitmix64 finaliser) must never change. Host names are sharded before
 * resolution, so machines whose resolvers answer differently still agree; each address of a
 * CIDR range is sharded on its own.
 *
 * Errors: functions return TGT_OK, TGT_EINPUT (the user's input is wrong: bad syntax, an
 * unreadable file, too many addresses; the CLI exits 2) or TGT_ENOMEM (exit 3), and write a
 * message into the caller's buffer, e.g. "targets.txt:5: bad target '10.0.0.0/33': bad CIDR
 * prefix length (0..32)". Nothing here prints or exits.
 */
#ifndef TLSSCOPE_SCANNER_TARGET_H
#define TLSSCOPE_SCANNER_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TGT_HOST_MAX 253              /* a DNS name, RFC 1035 §2.3.4 */
#define TGT_TARGET_MAX 512            /* longest target word accepted */
#define TGT_MAX_EXPAND (1u << 20)     /* addresses of one CIDR range (/12 IPv4, /108 IPv6) */
#define TGT_MAX_ENDPOINTS (1u << 20)  /* endpoints of one scan, after sharding */
#define TGT_MAX_LINES (1u << 24)      /* lines of one @FILE */
#define TGT_NAME_MAX (TGT_HOST_MAX + 8) /* "host:port", "[v6]:port" with NUL */
#define TGT_IP_MAX 46                 /* INET6_ADDRSTRLEN */

enum tgt_err {
	TGT_OK = 0,
	TGT_EINPUT = -1,
	TGT_ENOMEM = -2,
};

enum tgt_kind {
	TGT_HOST,   /* a DNS name */
	TGT_IPV4,
	TGT_IPV6,
	TGT_CIDR4,
	TGT_CIDR6,
};

/* One parsed target word (not @FILE). */
struct tgt_spec {
	enum tgt_kind kind;
	char host[TGT_HOST_MAX + 2];  /* TGT_HOST: the name as given (final dot kept) */
	uint8_t addr[16];             /* IP kinds: the address, network byte order (4 or 16
				         bytes used); CIDR: host bits cleared */
	unsigned prefix;              /* CIDR prefix length; 32/128 for plain addresses */
	uint16_t port;                /* 0 = not given (the default port applies) */
};

/* True when s is a DNS host name: dot-separated labels of letters, digits, '-' and '_',
 * 1..63 characters each, 253 characters at most, an optional final dot, not all-numeric. */
bool tgt_check_hostname(const char *s);

/*
 * Parses one target word t (not "@FILE") into *out. Returns true, or false with *why set to a
 * static description ("bad port (1..65535)", "CIDR range too large (more than 2^20
 * addresses)"). Accepted: host[:port], IPv4[:port], IPv4/len[:port], [IPv6][:port],
 * [IPv6/len][:port], and a bare IPv6 address or IPv6/len without brackets (no port then).
 */
bool tgt_parse(const char *t, struct tgt_spec *out, const char **why)
	__attribute__((warn_unused_result));

/*
 * Syntax check of a target word, "@FILE" included (the file is read and every line checked;
 * blank lines and # comments are ignored, one target per line, no nesting). No resolution,
 * no expansion. Returns TGT_OK, or TGT_EINPUT/TGT_ENOMEM with a message in err[0..errlen)
 * naming the target, or the file and line ("list.txt:5: bad target 'x:0': bad port
 * (1..65535)").
 */
int tgt_check(const char *t, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The deterministic shard (0..n-1) of a canonical target key; n >= 1. See above. */
uint32_t tgt_shard_of(const char *key, uint32_t n);

/* One endpoint to scan. Strings are owned by the list and live as long as it does. */
struct tgt_endpoint {
	const char *host;       /* host name as given, NULL for IP literals and CIDR */
	const char *sni;        /* server name to send, NULL = none */
	int family;             /* AF_INET or AF_INET6; 0 when error is set */
	uint8_t addr[16];
	uint16_t port;
	const char *error;      /* static: "no address" when the name did not resolve, else NULL */
};

struct tgt_opts {
	const char *sni;        /* --sni: sent to every endpoint (copied); NULL = default */
	uint16_t default_port;  /* for targets without a port: 443, or the STARTTLS port */
	uint32_t shard_index;   /* keep targets with tgt_shard_of(key, shard_count) == index */
	uint32_t shard_count;   /* 0 or 1 = no sharding */
};

struct tgt_list;

/* An empty list. NULL when out of memory. */
struct tgt_list *tgt_list_new(const struct tgt_opts *o) __attribute__((warn_unused_result));

/*
 * Adds the target word t ("@FILE" included): CIDR ranges expanded, the shard filter applied,
 * duplicates of earlier targets dropped (same host name and port, or same address and port).
 * Order is kept. Host names are only recorded: tgt_list_resolve turns them into endpoints.
 * Returns TGT_OK, or an error with a message in err (on error the list keeps the targets
 * added before the bad one).
 */
int tgt_list_add(struct tgt_list *l, const char *t, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Resolves every host name added (getaddrinfo, A and AAAA, lookups in parallel; blocks until
 * all are answered) and builds the endpoint list in the order the targets were added: a name
 * gives one endpoint per distinct address, or one endpoint with error "no address". Call
 * once, after the last tgt_list_add. Returns TGT_OK, TGT_EINPUT when the list would exceed
 * TGT_MAX_ENDPOINTS, TGT_ENOMEM.
 */
int tgt_list_resolve(struct tgt_list *l, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Endpoints after tgt_list_resolve (0 before). */
size_t tgt_list_count(const struct tgt_list *l);
/* The i-th endpoint (i < count), owned by the list. */
const struct tgt_endpoint *tgt_list_at(const struct tgt_list *l, size_t i);

/* Frees the list and its strings. NULL is fine. */
void tgt_list_free(struct tgt_list *l);

/* The address as text ("192.0.2.1", "2001:db8::1"); "" when the endpoint has none. */
void tgt_endpoint_ip(const struct tgt_endpoint *e, char out[TGT_IP_MAX]);

/* The "target" of INTERFACE.md: "host:port", else "ip:port" or "[ipv6]:port". */
void tgt_endpoint_name(const struct tgt_endpoint *e, char out[TGT_NAME_MAX]);

/* Fills *ss with the endpoint's socket address; returns its length, 0 when it has none. */
socklen_t tgt_endpoint_sockaddr(const struct tgt_endpoint *e, struct sockaddr_storage *ss);

#endif
