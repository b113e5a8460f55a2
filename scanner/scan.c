/*
 * The active scan driver. See scan.h.
 *
 * Implementation notes:
 *  - Endpoints are handed to the engine lazily (ops.start), so a plan exists only while its
 *    endpoint is in flight: memory follows --concurrency, not the number of targets.
 *  - An endpoint with an error from resolution is reported from ops.start, in list order,
 *    without a plan or a connection.
 *  - The result given to on_result is the plan's (plan_take_result) with what only the
 *    engine knows filled in: connections (TCP connections, retries included), elapsed_ms,
 *    the reason of a failed STARTTLS prelude, and the endpoint's identity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "scanner/engine.h"
#include "scanner/plan.h"
#include "scanner/scan.h"

struct scan {
	const struct scan_opts *o;
	const struct tgt_list *l;
	size_t next;                  /* next endpoint to start */
	scan_result_fn on_result;
	void *ctx;
	uint8_t key[32];
	struct scan_result *scratch;  /* results of endpoints that were not scanned */
	struct scan_progress prog;
	uint32_t in_flight;
};

struct job {
	struct scan *s;
	const struct tgt_endpoint *ep;
	struct plan *plan;
	bool plan_done;
	struct scan_result *r;        /* the plan's result, once it is done */
	struct certs *certs;          /* then the certificate job, if any */
};

/* Whether the planner proved some TLS (or SSLv3) version: then full handshakes may work. */
static bool speaks_tls(const struct scan_result *r)
{
	if (r->has_error)
		return false;
	for (int v = SCANRES_SSL3; v < SCANRES_NVER; v++)
		if (r->ver[v].supported == SCANRES_YES)
			return true;
	return false;
}

/* The endpoint's identity in a result. */
static void fill_identity(struct scan_result *r, const struct tgt_endpoint *ep)
{
	char ip[TGT_IP_MAX], name[TGT_NAME_MAX];
	tgt_endpoint_name(ep, name);
	tgt_endpoint_ip(ep, ip);
	snprintf(r->target, sizeof(r->target), "%s", name);
	snprintf(r->host, sizeof(r->host), "%s", ep->host ? ep->host : "");
	snprintf(r->ip, sizeof(r->ip), "%s", ip);
	snprintf(r->sni, sizeof(r->sni), "%s", ep->sni ? ep->sni : "");
	r->port = ep->port;
}

static void deliver(struct scan *s, const struct tgt_endpoint *ep, const struct scan_result *r)
{
	s->prog.done++;
	if (r->has_error)
		s->prog.failed++;
	s->on_result(s->ctx, ep, r);
}

/* A result without a scan: only the error. */
static void deliver_error(struct scan *s, const struct tgt_endpoint *ep, const char *error)
{
	struct scan_result *r = s->scratch;
	memset(r, 0, sizeof(*r));
	fill_identity(r, ep);
	scanres_set_error(r, "%s", error);
	deliver(s, ep, r);
}

static void *op_start(void *ctx, struct eng_endpoint *dst)
{
	struct scan *s = ctx;
	while (s->next < tgt_list_count(s->l)) {
		const struct tgt_endpoint *ep = tgt_list_at(s->l, s->next++);
		char ip[TGT_IP_MAX];
		if (ep->error) {
			deliver_error(s, ep, ep->error);
			continue;
		}
		tgt_endpoint_ip(ep, ip);
		struct plan_opts po = { .host = ep->host, .ip = ip, .port = ep->port,
					.sni = ep->sni };
		memcpy(po.key, s->key, sizeof(po.key));
		struct job *j = calloc(1, sizeof(*j));
		struct plan *p = j ? plan_new(&po) : NULL;
		if (!p) {
			free(j);
			deliver_error(s, ep, "out of memory");
			continue;
		}
		j->s = s;
		j->ep = ep;
		j->plan = p;
		dst->addr_len = tgt_endpoint_sockaddr(ep, &dst->addr);
		snprintf(dst->domain, sizeof(dst->domain), "%s",
			 ep->sni ? ep->sni : ep->host ? ep->host : ip);
		s->in_flight++;
		return j;
	}
	return NULL;
}

static int op_next(void *job, struct probe_req *req)
{
	struct job *j = job;
	if (!j->plan_done) {
		enum plan_step st = plan_next(j->plan, req);
		if (st != PLAN_DONE)
			return (int)st;
		j->plan_done = true;
		j->r = plan_take_result(j->plan);
		if (j->r && j->s->o->certs && speaks_tls(j->r))
			j->certs = certs_new(j->s->o->certs, j->r, j->s->o->starttls);
	}
	return j->certs ? certs_next(j->certs, req) : -1;
}

static void op_result(void *job, const struct probe_resp *resp)
{
	struct job *j = job;
	if (resp->id >= CERTS_ID_BASE) {
		if (j->certs)
			certs_result(j->certs, resp);
	} else {
		plan_result(j->plan, resp);
	}
}

static void op_finish(void *job, const struct eng_stats *st)
{
	struct job *j = job;
	struct scan *s = j->s;
	struct scan_result *r = j->plan_done ? j->r : plan_take_result(j->plan);
	certs_free(j->certs);
	plan_free(j->plan);
	s->in_flight--;
	if (!r) {
		deliver_error(s, j->ep, "out of memory");
		free(j);
		return;
	}
	fill_identity(r, j->ep);
	r->connections = st->connections;
	r->elapsed_ms = st->elapsed_ms;
	if (r->has_error && st->detail[0] && strncasecmp(r->error, "starttls", 8) == 0) {
		char e[SCANRES_ERR_MAX];
		snprintf(e, sizeof(e), "%s", r->error);
		scanres_set_error(r, "%s (%s)", e, st->detail);
	}
	deliver(s, j->ep, r);
	scanres_free(r);
	free(j);
}

static void op_tick(void *ctx, const struct eng_progress *p)
{
	struct scan *s = ctx;
	s->prog.in_flight = s->in_flight;
	s->prog.connections = p->connections;
	if (s->o->progress)
		s->o->progress(s->ctx, &s->prog);
}

static const struct eng_ops ops = {
	.start = op_start,
	.next = op_next,
	.result = op_result,
	.finish = op_finish,
};

int scan_run(const struct scan_opts *o, const struct tgt_list *l, scan_result_fn on_result,
	     void *ctx)
{
	struct scan s = { .o = o, .l = l, .on_result = on_result, .ctx = ctx };
	struct eng_opts eo = {
		.concurrency = o->concurrency,
		.per_endpoint = o->per_endpoint,
		.rate = o->rate,
		.timeout_ms = o->timeout_ms,
		.starttls = o->starttls,
	};
	int rc = -1, err = 0;
	s.prog.total = tgt_list_count(l);
	if (o->key) {
		memcpy(s.key, o->key, sizeof(s.key));
	} else if (getrandom(s.key, sizeof(s.key), 0) != (ssize_t)sizeof(s.key)) {
		return -1;
	}
	s.scratch = calloc(1, sizeof(*s.scratch));
	struct eng *e = s.scratch ? eng_new(&eo, &ops, &s) : NULL;
	if (!e) {
		err = errno;
		goto out;
	}
	rc = eng_run(e, op_tick);
	err = errno;
	s.prog.final = true;
	s.prog.in_flight = 0;
	if (o->progress)
		o->progress(ctx, &s.prog);
out:
	eng_free(e);
	free(s.scratch);
	explicit_bzero(s.key, sizeof(s.key));
	errno = err;
	return rc;
}

void scan_progress_stderr(void *ctx, const struct scan_progress *p)
{
	(void)ctx;
	if (!isatty(STDERR_FILENO))
		return;
	if (p->final) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		return;
	}
	fprintf(stderr, "\r\033[K%zu/%zu done, %u in flight, %zu failed, %llu connections",
		p->done, p->total, p->in_flight, p->failed, (unsigned long long)p->connections);
	fflush(stderr);
}
