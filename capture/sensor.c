/*
 * The sensor pipeline. See sensor.h.
 *
 * Implementation notes:
 *  - "now" is the largest capture timestamp seen (pcap files are not always in time order;
 *    going by the maximum keeps flow expiry monotonic). flow_expire runs when now has moved
 *    SENSOR_EXPIRE_STEP_US past the last run, so its cost does not depend on the packet rate.
 *  - On a live source an idle read (SRC_IDLE) advances now to the wall clock, so flows
 *    still expire when the interface goes quiet.
 *  - The stats callback is driven by CLOCK_MONOTONIC, checked every STATS_CHECK_FRAMES
 *    frames and on idle reads.
 *  - sensor_break only sets a flag and calls src_break (async-signal-safe); the flag is
 *    also checked between frames, so a break is seen even if the source was not blocked.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/sensor.h"

#define STATS_CHECK_FRAMES 4096

struct sensor {
	struct sensor_opts o;
	struct src *src;
	struct pkt_decoder *dec;
	struct tconn *tc;
	struct flow_table *ft;
	volatile sig_atomic_t stop;
	bool ran;
	uint64_t frames, bytes, wire_bytes, records;
	uint64_t first_ts, now, next_expire;
	uint64_t next_stats_ms;
	char err[512];
	struct tconn_record rec;  /* the pseudonymized copy passed to opts.on_record */
};

static uint64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t real_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* The one place where records leave the capture library: with opts.pseudo, the client
 * address is pseudonymized here, in a copy (the tracker's record is const), before any
 * consumer sees it. */
static void on_record(void *ctx, const struct tconn_record *r)
{
	struct sensor *s = ctx;
	s->records++;
	if (s->o.pseudo) {
		s->rec = *r;
		/* on an OpenSSL failure the address is zeroed: the real one never passes */
		(void)pseudo_addr(s->o.pseudo, s->rec.family, s->rec.client_ip);
		r = &s->rec;
	}
	s->o.on_record(s->o.ctx, r);
}

struct sensor *sensor_open_src_take(struct src *src, const struct sensor_opts *opts, char *err,
				    size_t errlen)
{
	struct sensor *s;
	int lt;

	if (errlen)
		err[0] = '\0';
	if (!opts || !opts->on_record) {
		snprintf(err, errlen, "sensor: no record callback");
		src_close(src);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		src_close(src);
		return NULL;
	}
	s->o = *opts;
	if (!s->o.stats_ms)
		s->o.stats_ms = SENSOR_DEFAULT_STATS_MS;
	s->src = src;
	lt = src_linktype(s->src);
	if (!pkt_linktype_supported(lt)) {
		snprintf(err, errlen, "unsupported link type %d", lt);
		goto err;
	}
	s->dec = pkt_decoder_new(lt);
	s->tc = tconn_new(on_record, s);
	if (s->dec && s->tc)
		s->ft = flow_table_new(&s->o.flow, &tconn_flow_ops, s->tc);
	if (!s->ft) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	return s;
err:
	sensor_close(s);
	return NULL;
}

struct sensor *sensor_open(const struct sensor_opts *opts, char *err, size_t errlen)
{
	struct src *src;
	if (!opts || !opts->on_record) {
		snprintf(err, errlen, "sensor: no record callback");
		return NULL;
	}
	src = src_open(&opts->src, err, errlen);
	return src ? sensor_open_src_take(src, opts, err, errlen) : NULL;
}

static void maybe_stats(struct sensor *s)
{
	uint64_t ms;
	if (!s->o.on_stats)
		return;
	ms = mono_ms();
	if (!s->next_stats_ms) {
		s->next_stats_ms = ms + s->o.stats_ms;
		return;
	}
	if (ms >= s->next_stats_ms) {
		struct sensor_stats st;
		s->next_stats_ms = ms + s->o.stats_ms;
		sensor_stats(s, &st);
		s->o.on_stats(s->o.ctx, &st);
	}
}

static void advance(struct sensor *s, uint64_t ts)
{
	if (ts > s->now)
		s->now = ts;
	if (s->now >= s->next_expire) {
		flow_expire(s->ft, s->now);
		s->next_expire = s->now + SENSOR_EXPIRE_STEP_US;
	}
}

enum sensor_end sensor_run(struct sensor *s)
{
	enum sensor_end end = SENSOR_EOF;
	struct src_frame fr;
	struct pkt pk;
	enum pkt_anom anom;

	if (s->ran) {
		snprintf(s->err, sizeof(s->err), "sensor_run called twice");
		return SENSOR_ERROR;
	}
	s->ran = true;
	maybe_stats(s);
	while (!s->stop) {
		enum src_next_result r = src_next(s->src, &fr);
		if (r == SRC_FRAME) {
			s->frames++;
			s->bytes += fr.caplen;
			s->wire_bytes += fr.wirelen;
			if (!s->first_ts)
				s->first_ts = fr.ts_us;
			if (pkt_decode(s->dec, fr.data, fr.caplen, fr.wirelen, fr.ts_us, &pk, &anom) ==
			    PKT_TCP)
				flow_packet(s->ft, &pk);
			advance(s, fr.ts_us);
			if (s->frames % STATS_CHECK_FRAMES == 0)
				maybe_stats(s);
		} else if (r == SRC_IDLE) {
			advance(s, real_us());
			maybe_stats(s);
		} else if (r == SRC_EOF) {
			break;
		} else {
			snprintf(s->err, sizeof(s->err), "%s", src_error(s->src));
			end = SENSOR_ERROR;
			break;
		}
	}
	if (s->stop && end == SENSOR_EOF)
		end = SENSOR_BREAK;
	flow_flush(s->ft, s->now);
	return end;
}

void sensor_break(struct sensor *s)
{
	s->stop = 1;
	if (s->src)
		src_break(s->src);
}

void sensor_stats(struct sensor *s, struct sensor_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->frames = s->frames;
	st->bytes = s->bytes;
	st->wire_bytes = s->wire_bytes;
	st->records = s->records;
	st->first_ts_us = s->first_ts;
	st->last_ts_us = s->now;
	if (s->src)
		(void)src_stats(s->src, &st->src);
	if (s->dec)
		pkt_decoder_stats(s->dec, &st->pkt);
	if (s->ft)
		flow_table_stats(s->ft, &st->flow);
	if (s->tc)
		tconn_stats(s->tc, &st->tconn);
}

const char *sensor_error(const struct sensor *s)
{
	return s->err;
}

void sensor_close(struct sensor *s)
{
	if (!s)
		return;
	/* The table goes first: its flows (none after sensor_run) call back into tconn. */
	flow_table_free(s->ft);
	tconn_free(s->tc);
	pkt_decoder_free(s->dec);
	if (s->src)
		src_close(s->src);
	free(s);
}
