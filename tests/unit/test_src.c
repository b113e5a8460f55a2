/*
 * Unit tests of the frame source (capture/src.h).
 *
 * Frame counts and filter counts come from tshark (header lines of
 * tests/pcap/decode/<capture>.frames.tsv, written by tests/pcap/gen-frames.sh); link types
 * and first timestamps from capinfos/tshark as noted; the nanosecond pcap is built here from
 * the file format's definition (pcap magic 0xa1b23c4d, draft-ietf-opsawg-pcap §4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pwd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/src.h"
#include "capture/wire/bld.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DIR "tests/pcap/decode/"

struct want_counts {
	long frames, port443, src443;
};

/* Reads the tshark-derived header of <capture>.frames.tsv. */
static struct want_counts tshark_counts(const char *capture)
{
	char path[256], line[256];
	struct want_counts w = { -1, -1, -1 };
	snprintf(path, sizeof(path), DIR "%s.frames.tsv", capture);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		long n;
		if (sscanf(line, "# frames\t%ld", &n) == 1)
			w.frames = n;
		else if (sscanf(line, "# filter\ttcp port 443\t%ld", &n) == 1)
			w.port443 = n;
		else if (sscanf(line, "# filter\ttcp src port 443\t%ld", &n) == 1)
			w.src443 = n;
	}
	fclose(f);
	assert_true(w.frames > 0 && w.port443 >= 0 && w.src443 >= 0);
	return w;
}

/* Reads a capture to its end; returns the frames, or -1 when it did not end in SRC_EOF. */
static long count_frames(const char *path, const char *bpf, int *linktype, uint64_t *first_ts)
{
	char err[512];
	struct src_opts o = { .file = path, .bpf = bpf };
	struct src *s = src_open(&o, err, sizeof(err));
	struct src_frame f;
	struct src_stats st;
	enum src_next_result r;
	long n = 0;

	if (!s)
		fail_msg("%s: %s", path, err);
	if (linktype)
		*linktype = src_linktype(s);
	while ((r = src_next(s, &f)) == SRC_FRAME) {
		assert_true(f.caplen <= f.wirelen);
		assert_true(f.caplen == 0 || f.data != NULL);
		if (n == 0 && first_ts)
			*first_ts = f.ts_us;
		n++;
	}
	assert_true(src_stats(s, &st));
	assert_false(st.live);
	assert_int_equal(st.frames, (uint64_t)n);
	assert_int_equal(st.kernel_drops, 0);
	assert_string_equal(src_error(s), "");
	src_close(s);
	return r == SRC_EOF ? n : -1;
}

struct file_case {
	const char *name;
	int linktype;       /* capinfos -E */
	uint64_t first_ts;  /* tshark -e frame.time_epoch of frame 1, in microseconds */
};

static const struct file_case files[] = {
	{ "4in6tunnel.pcap", 1, 0 },
	{ "codm.pcap", 101, 0 },          /* "Raw IP": DLT_RAW reported as LINKTYPE_RAW */
	{ "fragments.pcap", 1, 1700000000000000ull },     /* synthetic: 1700000000.000000 */
	{ "gre-erspan-vxlan.pcap", 1, 0 },
	{ "google_chat.pcapng", 1, 1704623922342164ull }, /* 1704623922.342164486, ns file */
	{ "ipv6.pcapng", 0, 1593980608621087ull },        /* 1593980608.621087000 */
	{ "irc-starttls.pcap", 113, 0 },
	{ "mysql-tls.pcap", 1, 0 },
	{ "mysql-tls-snap90.pcap", 1, 0 },
	{ "ocsp-empty-responderid.pcap", 228, 0 },
	{ "openjdk-25.0.2-zeek.org.pcap", 276, 1776243128835142ull }, /* .835142000 */
	{ "pppoe.pcap", 1, 1193676055856435ull },         /* 1193676055.856435000 */
};

static void test_src_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char path[256];
		int lt = -1;
		uint64_t ts = 0;
		snprintf(path, sizeof(path), DIR "%s", files[i].name);
		struct want_counts w = tshark_counts(files[i].name);
		long n = count_frames(path, NULL, &lt, &ts);
		if (n != w.frames)
			fail_msg("%s: %ld frames, tshark %ld", files[i].name, n, w.frames);
		assert_int_equal(lt, files[i].linktype);
		if (files[i].first_ts)
			assert_int_equal(ts, files[i].first_ts);
	}
}

/* BPF: libpcap's compiler on files whose frames need no tunnel or VLAN keywords, against
 * tshark's display filters tcp.port==443 / tcp.srcport==443. */
static void test_src_bpf(void **state)
{
	(void)state;
	static const char *const plain[] = { "4in6tunnel.pcap" /* outer IPv6 only: 0 */,
					     "ipv6.pcapng", "openjdk-25.0.2-zeek.org.pcap",
					     "irc-starttls.pcap", "pppoe.pcap" };
	for (size_t i = 0; i < ARRAY_LEN(plain); i++) {
		char path[256];
		snprintf(path, sizeof(path), DIR "%s", plain[i]);
		struct want_counts w = tshark_counts(plain[i]);
		long p443 = count_frames(path, "tcp port 443", NULL, NULL);
		long s443 = count_frames(path, "tcp src port 443", NULL, NULL);
		if (strcmp(plain[i], "4in6tunnel.pcap") == 0) {
			/* BPF does not look inside the tunnel; tshark does. */
			assert_int_equal(p443, 0);
			assert_int_equal(w.port443, 4);
		} else if (strcmp(plain[i], "pppoe.pcap") == 0) {
			/* BPF needs the "pppoes" keyword to look into PPPoE */
			assert_int_equal(p443, 0);
			assert_int_equal(count_frames(path, "pppoes and tcp port 443", NULL, NULL),
					 w.port443);
			assert_int_equal(count_frames(path, "pppoes and tcp src port 443", NULL,
						      NULL), w.src443);
		} else {
			assert_int_equal(p443, w.port443);
			assert_int_equal(s443, w.src443);
		}
	}
	assert_int_equal(count_frames(DIR "mysql-tls.pcap", "vlan and tcp port 3306", NULL, NULL),
			 10);  /* tshark -Y tcp.port==3306: 10 */
}

static void expect_open_error(const struct src_opts *o, const char *want_substring)
{
	char err[512];
	memset(err, 'x', sizeof(err));
	struct src *s = src_open(o, err, sizeof(err));
	assert_null(s);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (!strstr(err, want_substring))
		fail_msg("error \"%s\" lacks \"%s\"", err, want_substring);
}

static const char *tmp_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TMPDIR");
	snprintf(buf, len, "%s/%s", dir && dir[0] ? dir : "/tmp", name);
	return buf;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	uint8_t *p = malloc((size_t)len);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void test_src_bad_files(void **state)
{
	(void)state;
	char path[512];
	struct src_opts o = { 0 };

	o.file = "tests/pcap/decode/no-such-file.pcap";
	expect_open_error(&o, "no-such-file.pcap");
	static const char garbage[] = "this is not a capture file, just some text\n";
	o.file = tmp_path(path, sizeof(path), "garbage.pcap");
	write_file(o.file, garbage, sizeof(garbage) - 1);
	expect_open_error(&o, "garbage.pcap");
	o.file = tmp_path(path, sizeof(path), "empty.pcap");
	write_file(o.file, "", 0);
	expect_open_error(&o, "empty.pcap");
	/* A pcap header cut in half. */
	size_t n;
	uint8_t *p = read_file(DIR "pppoe.pcap", &n);
	o.file = tmp_path(path, sizeof(path), "half-header.pcap");
	write_file(o.file, p, 12);
	expect_open_error(&o, "half-header.pcap");
	free(p);
	/* Options that make no sense. */
	struct src_opts none = { 0 };
	expect_open_error(&none, "either");
	struct src_opts both = { .file = DIR "pppoe.pcap", .iface = "lo" };
	expect_open_error(&both, "either");
	/* A bad filter. */
	struct src_opts bpf = { .file = DIR "pppoe.pcap", .bpf = "tcp port banana and" };
	expect_open_error(&bpf, "bad BPF expression");
	/* An interface that does not exist. */
	struct src_opts live = { .iface = "tlsscope-none0" };
	expect_open_error(&live, "tlsscope-none0");
	/* An unknown user. */
	struct src_opts user = { .file = DIR "pppoe.pcap", .drop_user = "tlsscope-no-such-user" };
	expect_open_error(&user, "unknown user");
}

/* pppoe.pcap record sizes (16-byte header + caplen), from capinfos/tshark frame.cap_len:
 * 70 66 62 140 1422 1422 62 557 266 129; the file is 24 + sum = 4380 bytes. */
static void test_src_truncated(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		long frames;   /* complete records before the cut */
	} cuts[] = {
		{ 4380 - 10, 9 },       /* in the last record's data */
		{ 24 + 86 + 82 + 7, 2 }, /* in the third record's header */
		{ 24 + 86 + 40, 1 },     /* in the second record's data */
	};
	size_t n;
	uint8_t *p = read_file(DIR "pppoe.pcap", &n);
	assert_int_equal(n, 4380);
	for (size_t i = 0; i < ARRAY_LEN(cuts); i++) {
		char path[512], err[512];
		tmp_path(path, sizeof(path), "cut.pcap");
		write_file(path, p, cuts[i].len);
		struct src_opts o = { .file = path };
		struct src *s = src_open(&o, err, sizeof(err));
		if (!s)
			fail_msg("%s", err);
		struct src_frame f;
		enum src_next_result r;
		long frames = 0;
		while ((r = src_next(s, &f)) == SRC_FRAME)
			frames++;
		assert_int_equal(r, SRC_ERROR);
		assert_int_equal(frames, cuts[i].frames);
		if (!strstr(src_error(s), "truncated"))
			fail_msg("error \"%s\"", src_error(s));
		src_close(s);
	}
	/* Cut exactly between records: a clean end. */
	char path[512];
	tmp_path(path, sizeof(path), "cut.pcap");
	write_file(path, p, 24 + 86 + 82);
	assert_int_equal(count_frames(path, NULL, NULL, NULL), 2);
	free(p);
}

/* A nanosecond-resolution pcap (magic 0xa1b23c4d) is delivered in microseconds. */
static void test_src_nanosecond_pcap(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct bld b;
	char path[512];
	uint64_t ts = 0;

	bld_init(&b, buf, sizeof(buf));
	bld_u32(&b, 0xa1b23c4d);  /* big-endian file */
	bld_u16(&b, 2);
	bld_u16(&b, 4);
	bld_u32(&b, 0);
	bld_u32(&b, 0);
	bld_u32(&b, 65535);
	bld_u32(&b, 101);         /* LINKTYPE_RAW */
	bld_u32(&b, 1700000000);  /* seconds */
	bld_u32(&b, 123456789);   /* nanoseconds */
	bld_u32(&b, 20);
	bld_u32(&b, 40);
	bld_bytes(&b, (const uint8_t[20]){ 0x45, 0, 0, 40 }, 20);
	assert_true(bld_ok(&b));
	write_file(tmp_path(path, sizeof(path), "ns.pcap"), buf, b.len);
	int lt;
	assert_int_equal(count_frames(path, NULL, &lt, &ts), 1);
	assert_int_equal(lt, 101);
	assert_int_equal(ts, 1700000000ull * 1000000 + 123456);
}

/* Live capture on the loopback interface, when this process may capture. */
static void test_src_live(void **state)
{
	(void)state;
	char err[512];
	struct src_opts o = { .iface = "lo", .timeout_ms = 20, .buffer_bytes = 1u << 20 };
	struct src *s = src_open(&o, err, sizeof(err));
	if (!s) {
		print_message("live capture not possible here: %s\n", err);
		skip();
	}
	struct src_frame f;
	struct src_stats st;
	enum src_next_result r = SRC_FRAME;
	for (int i = 0; i < 5 && r == SRC_FRAME; i++)
		r = src_next(s, &f);
	assert_true(r == SRC_IDLE || r == SRC_FRAME);
	assert_true(src_stats(s, &st));
	assert_true(st.live);
	src_break(s);
	/* After a break a live source still hands out what the kernel already captured
	 * (without waiting), then SRC_EOF for good. */
	unsigned drained = 0;
	while ((r = src_next(s, &f)) == SRC_FRAME)
		assert_true(++drained <= 100000);
	assert_int_equal(r, SRC_EOF);
	assert_int_equal(src_next(s, &f), SRC_EOF);
	src_close(s);
	/* A bad filter on a live source. */
	o.bpf = "ip6 and and";
	assert_null(src_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "bad BPF expression"));
}

/* Privilege drop, in a child process (it cannot be undone): as root only. */
static void test_src_drop_privileges(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("not root: privilege drop not tested\n");
		skip();
	}
	struct passwd *pw = getpwnam("nobody");
	if (!pw)
		skip();
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		struct src_opts o = { .file = DIR "pppoe.pcap", .drop_user = "nobody" };
		struct src *s = src_open(&o, err, sizeof(err));
		int rc = 0;
		gid_t groups[64];
		if (!s)
			_exit(10);
		if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
			rc = 11;
		else if (setuid(0) == 0 || seteuid(0) == 0)
			rc = 12;
		else {
			int ng = getgroups(64, groups);
			for (int i = 0; i < ng; i++)
				if (groups[i] == 0)
					rc = 13;  /* root's supplementary group kept */
		}
		/* the file opened before the drop still reads */
		struct src_frame f;
		if (!rc && src_next(s, &f) != SRC_FRAME)
			rc = 14;
		src_close(s);
		_exit(rc);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_src_files),
		cmocka_unit_test(test_src_bpf),
		cmocka_unit_test(test_src_bad_files),
		cmocka_unit_test(test_src_truncated),
		cmocka_unit_test(test_src_nanosecond_pcap),
		cmocka_unit_test(test_src_live),
		cmocka_unit_test(test_src_drop_privileges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
