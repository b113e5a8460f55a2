/*
 * bench_wire: throughput of the wire library on real handshakes.
 *
 * Loads tests/corpus/handshakes.jsonl (995 real connections), then, for a fixed number of
 * rounds, feeds every connection's client and server bytes through the record layer and parses
 * every ClientHello and ServerHello, computing JA3, JA4 and JA3S, as the sensor does.
 * Prints one table row per measurement: name, bytes/s, handshakes/s, ns per handshake.
 * Timing is for the benchmark table only, never a pass/fail assertion.
 *
 * usage: bench_wire [JSONL] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "capture/wire/fp.h"
#include "capture/wire/msg.h"
#include "capture/wire/rec.h"

struct conn {
	uint8_t *c2s, *s2c;
	size_t c2s_len, s2c_len;
};

struct sink_ctx {
	unsigned hellos;
	unsigned checksum;
};

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint8_t *unhex(const char *h, size_t *len)
{
	size_t n = strlen(h) / 2;
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(h[2 * i]), lo = nibble(h[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return NULL;
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n;
	return p;
}

static void on_hs(void *ctx, uint8_t type, const uint8_t *body, size_t len, size_t full_len,
		  uint16_t rec_version)
{
	struct sink_ctx *s = ctx;
	enum tls_anom why;
	(void)full_len;
	(void)rec_version;
	if (type == TLS_HS_CLIENT_HELLO) {
		struct tls_client_hello ch;
		if (tls_msg_client_hello(body, len, &ch, &why) == TLS_OK) {
			char ja3[FP_MD5_HEX], ja4[FP_JA4_LEN];
			fp_ja3(&ch, ja3);
			fp_ja4(&ch, 't', ja4);
			s->hellos++;
			s->checksum += (unsigned)ja3[0] + (unsigned)ja4[11];
		}
	} else if (type == TLS_HS_SERVER_HELLO) {
		struct tls_server_hello sh;
		if (tls_msg_server_hello(body, len, &sh, &why) == TLS_OK) {
			char ja3s[FP_MD5_HEX];
			fp_ja3s(&sh, ja3s);
			s->checksum += (unsigned)ja3s[0];
		}
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/corpus/handshakes.jsonl";
	int rounds = argc > 2 ? atoi(argv[2]) : 200;
	FILE *f = fopen(path, "r");
	struct conn *conns = NULL;
	size_t n = 0, cap = 0, bytes = 0;
	char *line = NULL;
	size_t linecap = 0;
	static uint8_t buf[2][HS_MAX_MSG];

	if (!f) {
		perror(path);
		return 2;
	}
	while (getline(&line, &linecap, f) > 0) {
		json_error_t err;
		json_t *o = json_loads(line, 0, &err);
		if (!o)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			struct conn *tmp = realloc(conns, cap * sizeof(*conns));
			if (!tmp)
				return 3;
			conns = tmp;
		}
		struct conn *c = &conns[n];
		c->c2s = unhex(json_string_value(json_object_get(o, "c2s")), &c->c2s_len);
		c->s2c = unhex(json_string_value(json_object_get(o, "s2c")), &c->s2c_len);
		json_decref(o);
		if (!c->c2s || !c->s2c)
			return 3;
		bytes += c->c2s_len + c->s2c_len;
		n++;
	}
	free(line);
	fclose(f);

	static const struct tls_rec_sink sink = { .handshake = on_hs };
	struct sink_ctx ctx = { 0, 0 };
	double t0 = now();
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			struct tls_rec rec[2];
			tls_rec_init(&rec[0], buf[0], sizeof(buf[0]));
			tls_rec_init(&rec[1], buf[1], sizeof(buf[1]));
			if (tls_rec_feed(&rec[0], conns[i].c2s, conns[i].c2s_len, &sink, &ctx) ==
			    TLS_MALFORMED)
				ctx.checksum++;
			if (tls_rec_feed(&rec[1], conns[i].s2c, conns[i].s2c_len, &sink, &ctx) ==
			    TLS_MALFORMED)
				ctx.checksum++;
		}
	}
	double dt = now() - t0;
	double total = (double)bytes * rounds;
	printf("| wire: records + hellos + JA3/JA4/JA3S | %zu connections x %d | %.0f MB/s | "
	       "%.0f handshakes/s | %.0f ns/handshake | checksum %u |\n",
	       n, rounds, total / dt / 1e6, ctx.hellos / dt, dt * 1e9 / ctx.hellos, ctx.checksum);
	for (size_t i = 0; i < n; i++) {
		free(conns[i].c2s);
		free(conns[i].s2c);
	}
	free(conns);
	return 0;
}
