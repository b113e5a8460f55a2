/*
 * src: frames from a capture file or a live interface through libpcap. See src.h.
 *
 * Implementation notes
 *  - Files: fopen (with a large stdio buffer, FILE_BUFFER) and
 *    pcap_fopen_offline_with_tstamp_precision(MICRO) read pcap and pcapng (libpcap scales
 *    nanosecond files down), "-" is stdin. pcap_next_ex returns PCAP_ERROR_BREAK at
 *    the end of a file and PCAP_ERROR with "truncated dump file; ..." when a record is cut,
 *    after every complete record before it was returned.
 *  - Live: pcap_create + setters + pcap_activate (the only way to set the ring buffer size,
 *    SRC_DEFAULT_BUFFER); immediate mode stays off so that the kernel batches frames (a
 *    block is handed over when full or after the read timeout). The handle is non-blocking:
 *    when pcap_next_ex has nothing, src_next polls the selectable descriptor for at most the
 *    read timeout and returns SRC_IDLE when nothing came, so the caller's periodic work (store
 *    commits, live analysis, counters) runs on a quiet link too: a blocking read with
 *    TPACKET_V3 returns only when packets arrive, however long that takes.
 *  - src_break sets a flag and calls pcap_breakloop, which libpcap documents as safe in a
 *    signal handler (it writes to an eventfd on Linux to wake a blocked poll).
 *  - Privilege drop (after pcap_activate and the filter, which need the privileges):
 *    initgroups, setgid, setuid, then a check that the ids took and that root cannot be
 *    regained (the order matters: setgid after setuid would fail).
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <pcap/pcap.h>

/* Frames read after src_break on a live source at most (the ring's backlog). */
#define SRC_DRAIN_MAX 100000u

#include "capture/src.h"

#define LINKTYPE_RAW 101
#define FILE_BUFFER (1u << 20) /* stdio buffer of a capture file */

struct src {
	pcap_t *p;
	char *iobuf;             /* the file's stdio buffer (FILE_BUFFER bytes), or NULL */
	bool live;
	int fd;                  /* live: the selectable descriptor, -1 when none */
	int timeout_ms;          /* live: the read timeout */
	volatile sig_atomic_t broken;
	bool draining;          /* live, after src_break: reading what the ring already holds */
	unsigned drain_left;
	uint64_t frames;
	/* pcap_stat counters are 32-bit and wrap: summed from deltas */
	uint32_t last_drop, last_ifdrop;
	uint64_t drops, ifdrops;
	char err[PCAP_ERRBUF_SIZE + 256];
};

__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Switches to user name for good. */
static bool drop_privileges(const char *name, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		say(err, errlen, "cannot drop privileges: unknown user '%s'%s%s", name,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return false;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (getuid() == uid && geteuid() == uid && getgid() == gid && getegid() == gid &&
	    uid != 0)
		return true;  /* already that user, nothing to give up */
	if (initgroups(pw->pw_name, gid) != 0) {
		say(err, errlen, "cannot drop privileges: initgroups(%s): %s", name,
		    strerror(errno));
		return false;
	}
	if (setgid(gid) != 0) {
		say(err, errlen, "cannot drop privileges: setgid(%lu): %s", (unsigned long)gid,
		    strerror(errno));
		return false;
	}
	if (setuid(uid) != 0) {
		say(err, errlen, "cannot drop privileges: setuid(%lu): %s", (unsigned long)uid,
		    strerror(errno));
		return false;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
		say(err, errlen, "cannot drop privileges: ids did not change to %s", name);
		return false;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		say(err, errlen, "cannot drop privileges: root could be regained after "
		    "switching to %s", name);
		return false;
	}
	return true;
}

/* Opens the file ourselves (as pcap_open_offline would: "-" is stdin) to give its stream a
 * FILE_BUFFER-byte buffer, *iobuf (glibc ignores setvbuf's size unless given the buffer),
 * or NULL:
 * libpcap reads each record with two small freads, and the default 4 KiB buffer costs a read
 * system call every few frames. *iobuf must outlive the stream: free it after pcap_close. */
static pcap_t *open_file(const char *file, char **iobuf, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	pcap_t *p;

	if (!fp) {
		say(err, errlen, "cannot read capture file '%s': %s: %s", file, file,
		    strerror(errno));
		return NULL;
	}
	/* not stdin: it outlives pcap_close (a pipe gives at most 64 KiB per read anyway) */
	*iobuf = fp == stdin ? NULL : malloc(FILE_BUFFER);
	if (*iobuf && setvbuf(fp, *iobuf, _IOFBF, FILE_BUFFER) != 0) {
		free(*iobuf); /* the default buffer stays */
		*iobuf = NULL;
	}
	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pe);
	if (!p) {
		say(err, errlen, "cannot read capture file '%s': %s", file, pe);
		if (fp != stdin) /* libpcap leaves fp to us when it fails */
			fclose(fp);
	}
	return p;
}

static pcap_t *open_live(const struct src_opts *o, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(o->iface, pe);
	int rc;

	if (!p) {
		say(err, errlen, "cannot open interface '%s': %s", o->iface, pe);
		return NULL;
	}
	if ((rc = pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : SRC_DEFAULT_SNAPLEN)) != 0 ||
	    (rc = pcap_set_promisc(p, o->promisc ? 1 : 0)) != 0 ||
	    (rc = pcap_set_timeout(p, o->timeout_ms > 0 ? o->timeout_ms
							: SRC_DEFAULT_TIMEOUT_MS)) != 0 ||
	    (rc = pcap_set_buffer_size(p, (int)(o->buffer_bytes > 0 && o->buffer_bytes < 0x7fffffff
							? o->buffer_bytes
							: SRC_DEFAULT_BUFFER))) != 0 ||
	    (rc = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO)) != 0) {
		say(err, errlen, "cannot set up interface '%s': %s", o->iface,
		    pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		/* PCAP_ERROR, NO_SUCH_DEVICE and PERM_DENIED come with a message. */
		const char *detail = pcap_geterr(p);
		if (rc != PCAP_ERROR && rc != PCAP_ERROR_NO_SUCH_DEVICE &&
		    rc != PCAP_ERROR_PERM_DENIED && rc != PCAP_ERROR_PROMISC_PERM_DENIED)
			detail = "";
		say(err, errlen, "cannot open interface '%s': %s%s%s", o->iface,
		    pcap_statustostr(rc), detail[0] ? ": " : "", detail);
		pcap_close(p);
		return NULL;
	}
	return p;
}

struct src *src_open(const struct src_opts *o, char *err, size_t errlen)
{
	struct src *s = NULL;
	struct bpf_program prog;

	if (errlen)
		err[0] = '\0';
	if ((o->file == NULL) == (o->iface == NULL)) {
		say(err, errlen, "give either a capture file or an interface");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	s->live = o->iface != NULL;
	s->p = s->live ? open_live(o, err, errlen) : open_file(o->file, &s->iobuf, err, errlen);
	if (!s->p)
		goto err;
	if (o->bpf && o->bpf[0]) {
		if (pcap_compile(s->p, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			say(err, errlen, "bad BPF expression '%s': %s", o->bpf, pcap_geterr(s->p));
			goto err;
		}
		int rc = pcap_setfilter(s->p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			say(err, errlen, "cannot set BPF filter '%s': %s", o->bpf,
			    pcap_geterr(s->p));
			goto err;
		}
	}
	if (o->drop_user && !drop_privileges(o->drop_user, err, errlen))
		goto err;
	s->fd = -1;
	if (s->live) {
		char eb[PCAP_ERRBUF_SIZE];
		s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : SRC_DEFAULT_TIMEOUT_MS;
		s->fd = pcap_get_selectable_fd(s->p);
		if (s->fd >= 0 && pcap_setnonblock(s->p, 1, eb) != 0)
			s->fd = -1; /* blocking reads then: still correct, less lively */
	}
	return s;
err:
	src_close(s);
	return NULL;
}

struct src *src_fopen_take(FILE *fp, char *err, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	struct src *s = calloc(1, sizeof(*s));

	if (errlen)
		err[0] = '\0';
	if (!s) {
		say(err, errlen, "out of memory");
		fclose(fp);
		return NULL;
	}
	s->fd = -1;
	s->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pe);
	if (!s->p) {
		/* libpcap leaves fp to us when it fails */
		say(err, errlen, "cannot read capture: %s", pe);
		fclose(fp);
		free(s);
		return NULL;
	}
	return s;
}

int src_linktype(const struct src *s)
{
	int dlt = pcap_datalink(s->p);
	/* DLT_RAW differs between systems (12, or 14 on OpenBSD); the file format says 101. */
	if (dlt == DLT_RAW)
		return LINKTYPE_RAW;
	return dlt;
}

enum src_next_result src_next(struct src *s, struct src_frame *f)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	if (s->broken) {
		/* Live: the frames the kernel already captured are still delivered (a clean
		 * shutdown reports every connection that reached the interface), without
		 * waiting for more: non-blocking reads until the ring is empty, bounded. */
		if (!s->live)
			return SRC_EOF;
		if (!s->draining) {
			char eb[PCAP_ERRBUF_SIZE];
			s->draining = true;
			s->drain_left = SRC_DRAIN_MAX;
			if (pcap_setnonblock(s->p, 1, eb) != 0)
				s->drain_left = 0;
		}
		int rc = 0;
		/* The first read after pcap_breakloop reports the break once: read again. */
		for (int tries = 0; tries < 2 && s->drain_left > 0; tries++) {
			rc = pcap_next_ex(s->p, &h, &data);
			if (rc != PCAP_ERROR_BREAK)
				break;
		}
		if (rc != 1 || s->drain_left == 0) {
			s->drain_left = 0;
			return SRC_EOF;
		}
		s->drain_left--;
	} else {
		int rc = pcap_next_ex(s->p, &h, &data);
		if (rc == 0 && s->fd >= 0 && !s->broken) {
			/* non-blocking live handle with nothing ready: wait for the descriptor at
			 * most the read timeout (a signal, e.g. src_break's, ends the wait) */
			struct pollfd pf = { .fd = s->fd, .events = POLLIN };
			if (poll(&pf, 1, s->timeout_ms) > 0)
				rc = pcap_next_ex(s->p, &h, &data);
		}
		switch (rc) {
		case 1:
			break;
		case 0:  /* live: nothing within the read timeout */
			return s->broken ? SRC_EOF : SRC_IDLE;
		case PCAP_ERROR_BREAK:  /* end of file, or src_break */
			if (s->broken && s->live)
				return src_next(s, f); /* drain, see above */
			return SRC_EOF;
		default:
			say(s->err, sizeof(s->err), "%s", pcap_geterr(s->p));
			return SRC_ERROR;
		}
	}
	s->frames++;
	f->data = data;
	f->caplen = h->caplen;
	f->wirelen = h->len;
	f->ts_us = h->ts.tv_sec < 0 ? 0
				    : (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	return SRC_FRAME;
}

void src_break(struct src *s)
{
	s->broken = 1;
	pcap_breakloop(s->p);
}

bool src_stats(struct src *s, struct src_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	st->frames = s->frames;
	st->live = s->live;
	if (!s->live)
		return true;
	if (pcap_stats(s->p, &ps) != 0) {
		say(s->err, sizeof(s->err), "%s", pcap_geterr(s->p));
		return false;
	}
	s->drops += (uint32_t)(ps.ps_drop - s->last_drop);
	s->ifdrops += (uint32_t)(ps.ps_ifdrop - s->last_ifdrop);
	s->last_drop = ps.ps_drop;
	s->last_ifdrop = ps.ps_ifdrop;
	st->kernel_drops = s->drops;
	st->iface_drops = s->ifdrops;
	return true;
}

const char *src_error(const struct src *s) { return s->err; }

void src_close(struct src *s)
{
	if (!s)
		return;
	if (s->p)
		pcap_close(s->p);
	free(s->iobuf); /* after the stream that used it */
	free(s);
}
