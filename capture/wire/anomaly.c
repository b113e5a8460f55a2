#include "capture/wire/anomaly.h"

static const char *const names[TLS_ANOM_COUNT] = {
#define TLS_ANOM_NAME(id, name) [TLS_ANOM_##id] = name,
	TLS_ANOMALIES(TLS_ANOM_NAME)
#undef TLS_ANOM_NAME
};

const char *tls_anom_name(enum tls_anom a)
{
	if ((unsigned)a >= TLS_ANOM_COUNT)
		return "unknown";
	return names[a];
}

void tls_anoms_add(struct tls_anoms *s, enum tls_anom a)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->list[i] == a)
			return;
	if (s->n < TLS_ANOMS_MAX)
		s->list[s->n++] = a;
	else
		s->dropped++;
}
