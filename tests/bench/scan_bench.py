#!/usr/bin/env python3
"""Scanner benchmarks: tlsscope against other scanners on the lab, and against many targets.

usage: scan_bench.py lab TLSSCOPE [--testssl NAME[,NAME...]] [--only NAME[,NAME...]]
       scan_bench.py many TLSSCOPE [--endpoints N] [--concurrency N[,N...]] [--tag TAG]
       scan_bench.py relay CLIENT_IF SERVER_IF DELAY_MS      (internal: the delay link)

lab: starts the correctness lab's six servers (tests/integration/lab/lab.py, imported) on
loopback and scans each endpoint, one tool at a time, with `tlsscope scan --json`, sslscan,
nmap's ssl-enum-ciphers and (on a few endpoints: about a minute each) testssl.sh. Per
endpoint: the wall time and the TCP connections each tool opened, counted independently of
the tools: tcpdump on lo counts the SYNs (without ACK) sent to the endpoint's port during the
tool's run. Then the medians and totals, and the ratios to sslscan (targets: tlsscope's
median time per endpoint at most half of sslscan's, its total connections at most
sslscan's).

many: N endpoints (nginx listening on N ports of 10.201.0.2) in a network namespace of our
own, reached from a second namespace of our own through a link with 25 ms of delay each way
(50 ms round trip). The kernel here may lack tc netem (CONFIG_NET_SCH_NETEM), so the link is
a pair of TUN devices joined by this script's relay, which holds every packet for the delay
(and counts the SYNs, independently of tlsscope). tlsscope scans all endpoints from the
client namespace at each concurrency; reported: endpoints per second, connections, and the
ideal time (connections x RTT / concurrency) for comparison. Addresses exist only inside the
two namespaces, which are deleted on every exit.

Output: Markdown table rows ("| ... |") and notes, for tests/bench/run_bench.py. Exit status
non-zero only when the benchmark could not run at all.
"""
import argparse
import collections
import fcntl
import json
import os
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration', 'lab'))
import lab  # noqa: E402  (the lab's certificates and servers)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted('signal %d' % signum)


def install_signals():
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)


def which(name):
    return shutil.which(name) or next((p for p in ('/usr/sbin/' + name, '/sbin/' + name)
                                       if os.path.exists(p)), None)


# ---- counting SYNs with tcpdump ------------------------------------------------------------

class SynCounter:
    """tcpdump on an interface, counting the SYNs (without ACK) sent to some ports."""

    def __init__(self, ports, work, iface='lo'):
        flt = ('tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0 and (%s)' %
               ' or '.join('dst port %d' % p for p in ports))
        self.out = tempfile.TemporaryFile(dir=work)
        self.err = tempfile.NamedTemporaryFile(dir=work, delete=False)
        self.p = subprocess.Popen([which('tcpdump'), '-i', iface, '-n', '-q', '-l',
                                   '--immediate-mode', '-B', '16384', flt],
                                  stdout=self.out, stderr=self.err, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(self.err.name, 'rb') as f:
                if b'listening on' in f.read():
                    return
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        raise lab.LabError('tcpdump did not start: %s' % open(self.err.name).read()[-500:])

    def stop(self):
        """Returns (SYNs seen, packets the kernel dropped)."""
        time.sleep(0.1)       # the last packets reach tcpdump
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        self.out.seek(0)
        n = sum(1 for line in self.out.read().decode('utf-8', 'replace').splitlines()
                if ' > ' in line)
        dropped = 0
        for line in open(self.err.name, errors='replace'):
            if 'dropped by kernel' in line:
                dropped = int(line.split()[0])
        os.unlink(self.err.name)
        return n, dropped

    def kill(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()


# ---- the scanners -------------------------------------------------------------------------

TOOLS = ['tlsscope', 'sslscan', 'nmap', 'testssl']
PACKAGE = {'sslscan': 'sslscan', 'nmap': 'nmap', 'testssl': 'testssl.sh', 'tcpdump': 'tcpdump'}


def tool_argv(tool, tlsscope, port):
    target = '127.0.0.1:%d' % port
    if tool == 'tlsscope':
        return [tlsscope, 'scan', '--json', target]
    if tool == 'sslscan':
        return [which('sslscan'), '--no-colour', target]
    if tool == 'nmap':
        return [which('nmap'), '-Pn', '-p', str(port), '--script', 'ssl-enum-ciphers', '127.0.0.1']
    if tool == 'testssl':
        exe = which('testssl') or which('testssl.sh')
        return [exe, '--quiet', '--color', '0', '--warnings', 'off', '-p', '-e', '-P', target]
    raise ValueError(tool)


def installed(tool):
    if tool == 'tlsscope':
        return True
    return which(tool) is not None or (tool == 'testssl' and which('testssl.sh') is not None)


def run_tool(env, tool, argv, ports, timeout):
    """Runs one scanner; returns (seconds, SYNs, note, tlsscope's own count, errors)."""
    syn = SynCounter(ports, env.work)
    note = ''
    own = errors = 0
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env.env, timeout=timeout)
        dt = time.monotonic() - t0
        out = p.stdout.decode('utf-8', 'replace')
        if p.returncode != 0 and not (tool == 'testssl' and out.strip()):
            note = 'exit %d: %s' % (p.returncode, out.strip().splitlines()[-1][:80]
                                    if out.strip() else '')
        for line in out.splitlines() if tool == 'tlsscope' else []:
            if line.startswith('{'):
                o = json.loads(line)
                own += o.get('connections') or 0
                errors += o.get('error') is not None
    except subprocess.TimeoutExpired:
        dt = time.monotonic() - t0
        note = 'killed after %d s' % timeout
    finally:
        n, dropped = syn.stop()
    if dropped:
        note += ' (tcpdump dropped %d)' % dropped
    return dt, n, note, own, errors


def fmt_s(x):
    return '-' if x is None else ('%.2f' % x if x < 10 else '%.1f' % x)


def bench_lab(a):
    if os.geteuid() != 0 or not which('tcpdump'):
        print('| lab | not run: counting connections needs tcpdump as root (%s) |' % (
            'not root' if os.geteuid() != 0 else 'apt-get install tcpdump'))
        return 0
    only = set(x for x in a.only.split(',') if x)
    testssl_on = set(x for x in a.testssl.split(',') if x)
    work = tempfile.mkdtemp(prefix='tlsscope-bench-', dir=os.environ.get('TMPDIR'))
    env = lab.Env(work, False)
    try:
        lab.make_certs(env)
        lab.ossl_cipher_map(env)
        servers = lab.start_servers(env, only)
        rows = {}   # (server, tool) -> (seconds, SYNs, note)
        for s in servers:
            for tool in TOOLS:
                if not installed(tool) or (tool == 'testssl' and s.name not in testssl_on):
                    continue
                rows[s.name, tool] = run_tool(env, tool, tool_argv(tool, a.tlsscope, s.port),
                                              [s.port], 300 if tool == 'testssl' else 120)
        # tlsscope on all the endpoints in one run (endpoints in parallel)
        allrun = run_tool(env, 'tlsscope', [a.tlsscope, 'scan', '--json'] + [
            '127.0.0.1:%d' % s.port for s in servers], [s.port for s in servers], 300)
    finally:
        env.stop()
        shutil.rmtree(work, ignore_errors=True)

    print('Lab endpoints on loopback, one tool at a time; time = wall seconds, conns = TCP '
          'connections (SYNs to the port counted by tcpdump).')
    print()
    hdr = '| endpoint |' + ''.join(' %s s | %s conns |' % (t, t) for t in TOOLS)
    print(hdr)
    print('|---' * (1 + 2 * len(TOOLS)) + '|')
    notes = []
    for s in servers:
        cells = []
        for t in TOOLS:
            r = rows.get((s.name, t))
            if r is None:
                cells += ['-', '-']
            else:
                cells += [fmt_s(r[0]), str(r[1])]
                why = [r[2]] if r[2] else []
                if t == 'tlsscope' and r[3] != r[1]:
                    why.append('tlsscope counted %d connections' % r[3])
                if r[4]:
                    why.append('%d endpoint errors' % r[4])
                if why:
                    notes.append('%s/%s: %s' % (s.name, t, '; '.join(why)))
        print('| %s (:%d) | %s |' % (s.name, s.port, ' | '.join(cells)))
    med, tot = {}, {}
    for t in TOOLS:
        rs = [rows[s.name, t] for s in servers if (s.name, t) in rows]
        if rs:
            med[t] = statistics.median(r[0] for r in rs)
            tot[t] = sum(r[1] for r in rs)
    cells = []
    for t in TOOLS:
        n = sum(1 for s in servers if (s.name, t) in rows)
        if t not in med:
            cells += ['-', '-']
        else:
            sub = '' if n == len(servers) else ' (%d endpoint%s)' % (n, 's' * (n != 1))
            cells += ['%s%s' % (fmt_s(med[t]), sub), '%d%s' % (tot[t], sub)]
    print('| **median / total** | %s |' % ' | '.join(cells))
    cells = []
    for t in TOOLS:
        if t in med and 'sslscan' in med and med['sslscan'] > 0 and tot['sslscan'] > 0:
            cells += ['%.2fx' % (med[t] / med['sslscan']), '%.2fx' % (tot[t] / tot['sslscan'])]
        else:
            cells += ['-', '-']
    print('| **ratio to sslscan** | %s |' % ' | '.join(cells))
    for t in TOOLS:
        if not installed(t):
            print('| %s | not installed (apt-get install %s) |' % (t, PACKAGE[t]))
    print()
    print('tlsscope, all %d endpoints in one run: %s s, %d connections%s%s.' % (
        len(servers), fmt_s(allrun[0]), allrun[1],
        ' (%s)' % allrun[2] if allrun[2] else '',
        ', %d endpoint errors' % allrun[4] if allrun[4] else ''))
    if 'sslscan' in med and 'tlsscope' in med:
        ok_t = med['tlsscope'] <= med['sslscan'] / 2
        ok_c = tot['tlsscope'] <= tot['sslscan']
        print('Targets: median time <= half of sslscan\'s: %s (%.2fx); total connections <= '
              'sslscan\'s: %s (%.2fx).' % ('met' if ok_t else 'MISSED',
                                           med['tlsscope'] / med['sslscan'],
                                           'met' if ok_c else 'MISSED',
                                           tot['tlsscope'] / tot['sslscan']))
    if 'nmap' in med:
        print('nmap\'s count includes the one SYN of its port scan (root: SYN scan).')
    for n in notes:
        print('note: %s' % n)
    return 0


# ---- the delay link ------------------------------------------------------------------------

TUNSETIFF = 0x400454ca
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tun_open(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def relay_main(a):
    """Creates two TUN devices (moved into the namespaces by the caller), then forwards every
    packet from one to the other after DELAY_MS. Prints 'ready' once the devices exist; on
    SIGUSR1 prints 'syn=N packets=N late_max_ms=X late_p99_ms=X' (counts since the last
    SIGUSR1) and goes on; exits on SIGTERM."""
    c = tun_open(a.client_if)
    s = tun_open(a.server_if)
    other = {c: s, s: c}
    delay = a.delay_ms / 1000.0
    queues = {c: collections.deque(), s: collections.deque()}   # by destination
    stats = {'syn': 0, 'pkts': 0, 'late': []}
    flags = {'report': False, 'stop': False}
    signal.signal(signal.SIGUSR1, lambda n, f: flags.__setitem__('report', True))
    signal.signal(signal.SIGTERM, lambda n, f: flags.__setitem__('stop', True))
    signal.signal(signal.SIGINT, lambda n, f: flags.__setitem__('stop', True))
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)   # a signal ends epoll's wait
    ep = select.epoll()
    ep.register(c, select.EPOLLIN)
    ep.register(s, select.EPOLLIN)
    ep.register(wake_r, select.EPOLLIN)
    print('ready', flush=True)
    while not flags['stop']:
        now = time.monotonic()
        due = None
        for dst, q in queues.items():
            while q and q[0][0] <= now:
                t, pkt = q.popleft()
                if len(stats['late']) < 200000:
                    stats['late'].append(now - t)
                try:
                    os.write(dst, pkt)
                except OSError:
                    pass
            if q and (due is None or q[0][0] < due):
                due = q[0][0]
        if flags['report']:
            late = sorted(stats['late']) or [0.0]
            print('syn=%d packets=%d late_max_ms=%.1f late_p99_ms=%.1f' % (
                stats['syn'], stats['pkts'], late[-1] * 1000,
                late[int(len(late) * 0.99)] * 1000), flush=True)
            stats = {'syn': 0, 'pkts': 0, 'late': []}
            flags['report'] = False
        try:
            events = ep.poll(-1 if due is None else max(0.0, due - time.monotonic()))
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd, _ in events:
            if fd == wake_r:
                try:
                    os.read(wake_r, 512)
                except BlockingIOError:
                    pass
                continue
            q = queues[other[fd]]
            for _ in range(512):
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                q.append((now + delay, pkt))
                stats['pkts'] += 1
                if fd == c and len(pkt) >= 20 and pkt[0] >> 4 == 4 and pkt[9] == 6:
                    ihl = (pkt[0] & 0xf) * 4
                    if len(pkt) > ihl + 13 and pkt[ihl + 13] & 0x12 == 0x02:
                        stats['syn'] += 1
    return 0


# ---- many targets --------------------------------------------------------------------------

# the server block of the nginx.conf (lab.nginx_conf) serving every port
NGINX_SERVER = '''%(listen)s
        ssl_certificate %(w)s/ec.pem;
        ssl_certificate_key %(w)s/ec.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers 'HIGH:!aNULL:!MD5';
        ssl_prefer_server_ciphers on;
        location / { return 200 "bench\\n"; }'''


def sh(argv, timeout=30, check=True):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    if check and p.returncode != 0:
        raise lab.LabError('%s: exit %d: %s' % (' '.join(argv), p.returncode,
                                                p.stdout.decode('utf-8', 'replace')[-500:]))
    return p.stdout.decode('utf-8', 'replace')


def relay_report(relay):
    relay.send_signal(signal.SIGUSR1)
    line = relay.stdout.readline().decode()
    f = dict(kv.split('=') for kv in line.split())
    return int(f['syn']), int(f['packets']), float(f['late_max_ms']), float(f['late_p99_ms'])


def bench_many(a):
    n = a.endpoints
    levels = [int(x) for x in a.concurrency.split(',') if x]
    print('Many targets: %d endpoints (nginx, one port each, ECDSA certificate, TLS 1.2 + 1.3) '
          'in a network namespace, 50 ms round trip (25 ms each way).' % n)
    print()
    if os.geteuid() != 0:
        print('| many targets | not run: network namespaces need root |')
        return 0
    missing = [t for t in ('ip', 'nginx') if not which(t)]
    if missing or not os.path.exists('/dev/net/tun'):
        print('| many targets | not run: %s missing |' % (', '.join(missing) or '/dev/net/tun'))
        return 0
    tag = a.tag or str(os.getpid())
    cns, sns = 'tlsscope-bench-%s-c' % tag, 'tlsscope-bench-%s-s' % tag
    cif, sif = ('tsbc%s' % tag)[:15], ('tsbs%s' % tag)[:15]
    cip, sip = '10.201.0.1', '10.201.0.2'
    base = 20000
    work = tempfile.mkdtemp(prefix='tlsscope-bench-', dir=os.environ.get('TMPDIR'))
    env = lab.Env(work, False)
    relay = nginx = None
    made = []
    rows = []
    try:
        lab.make_certs(env)
        for ns in (cns, sns):
            sh(['ip', 'netns', 'add', ns])
            made.append(ns)
        relay = subprocess.Popen([sys.executable, os.path.abspath(__file__), 'relay', cif, sif,
                                  '25'], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 start_new_session=True)
        if relay.stdout.readline().decode().strip() != 'ready':
            raise lab.LabError('the delay relay did not start')
        for ns, dev, me, peer in ((cns, cif, cip, sip), (sns, sif, sip, cip)):
            sh(['ip', 'link', 'set', dev, 'netns', ns])
            sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
            sh(['ip', '-n', ns, 'addr', 'add', me + '/32', 'peer', peer + '/32', 'dev', dev])
            sh(['ip', '-n', ns, 'link', 'set', dev, 'txqueuelen', '10000', 'up'])
        d = os.path.join(work, 'nginx')
        os.makedirs(d)
        listen = '\n'.join('        listen %s:%d ssl;' % (sip, base + i) for i in range(n))
        with open(os.path.join(d, 'nginx.conf'), 'w') as f:
            f.write(lab.nginx_conf(d, NGINX_SERVER % {'w': work, 'listen': listen}, 'crit',
                                   8192, 16384))
        nginx = subprocess.Popen(['ip', 'netns', 'exec', sns, which('nginx'), '-p', d, '-c',
                                  os.path.join(d, 'nginx.conf'), '-e',
                                  os.path.join(d, 'error.log')],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.STDOUT, env=env.env, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            k = len(sh(['ip', 'netns', 'exec', sns, 'ss', '-Hltn']).splitlines())
            if k >= n:
                break
            if nginx.poll() is not None or time.monotonic() > deadline:
                raise lab.LabError('nginx did not listen on %d ports (%d): %s' % (
                    n, k, open(os.path.join(d, 'error.log')).read()[-500:]))
            time.sleep(0.2)
        # the round trip, measured: TCP connects from the client namespace
        rtt = json.loads(sh(['ip', 'netns', 'exec', cns, sys.executable, '-c',
                             'import socket,time,json\nr=[]\nfor i in range(5):\n'
                             ' t=time.monotonic();s=socket.create_connection(("%s",%d),5);'
                             'r.append(time.monotonic()-t);s.close()\n'
                             'print(json.dumps(sorted(r)[2]))' % (sip, base)]))
        relay_report(relay)
        targets = os.path.join(work, 'targets.txt')
        with open(targets, 'w') as f:
            f.write(''.join('%s:%d\n' % (sip, base + i) for i in range(n)))
        for conc in levels:
            relay_report(relay)
            t0 = time.monotonic()
            note = ''
            try:
                p = subprocess.run(['ip', 'netns', 'exec', cns, a.tlsscope, 'scan', '--json',
                                    '--concurrency', str(conc), '@' + targets],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=a.time_limit)
                out = p.stdout.decode('utf-8', 'replace')
                if p.returncode != 0:
                    note = 'exit %d' % p.returncode
            except subprocess.TimeoutExpired as ex:
                out = (ex.stdout or b'').decode('utf-8', 'replace')
                note = 'killed after %d s' % a.time_limit
            dt = time.monotonic() - t0
            syn, pkts, late_max, late_p99 = relay_report(relay)
            done = errors = own = 0
            per = []
            for line in out.splitlines():
                if line.startswith('{'):
                    o = json.loads(line)
                    done += 1
                    errors += o.get('error') is not None
                    own += o.get('connections') or 0
                    per.append(o.get('connections') or 0)
            rows.append((conc, done, errors, dt, syn, own, per, late_p99, late_max, note))
    except lab.LabError as ex:
        print('| many targets | not run: %s |' % str(ex).replace('|', '/').replace('\n', ' '))
        return 1
    finally:
        if nginx is not None and nginx.poll() is None:
            os.killpg(nginx.pid, signal.SIGTERM)
            try:
                nginx.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)
        if relay is not None and relay.poll() is None:
            relay.terminate()
            try:
                relay.wait(timeout=5)
            except subprocess.TimeoutExpired:
                relay.kill()
        for ns in made:
            subprocess.run(['ip', 'netns', 'del', ns], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    print('| concurrency | endpoints done | errors | wall s | endpoints/s | connections | '
          'conns/endpoint | ideal s (conns x RTT / concurrency) | wall / ideal |')
    print('|---|---|---|---|---|---|---|---|---|')
    for conc, done, errors, dt, syn, own, per, late_p99, late_max, note in rows:
        ideal = syn * rtt / conc
        print('| %d | %d | %d | %.1f | %.1f | %d | %.1f | %.1f | %.2fx |' % (
            conc, done, errors, dt, done / dt if dt else 0, syn, syn / max(1, done), ideal,
            dt / ideal if ideal else 0))
    print()
    print('RTT measured (TCP connect, median of 5): %.1f ms. Connections are the SYNs the '
          'delay link forwarded; a probe needs 2 round trips (TCP handshake, then hello and '
          'answer), so wall / ideal cannot go below about 2.' % (rtt * 1000))
    for conc, done, errors, dt, syn, own, per, late_p99, late_max, note in rows:
        extra = []
        if own != syn:
            extra.append('tlsscope counted %d connections' % own)
        if note:
            extra.append(note)
        extra.append('link lateness p99 %.1f ms, max %.1f ms' % (late_p99, late_max))
        print('concurrency %d: %s.' % (conc, '; '.join(extra)))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='mode', required=True)
    p = sub.add_parser('lab')
    p.add_argument('tlsscope')
    p.add_argument('--testssl', default='ossl_modern,gnutls',
                   help='the endpoints testssl.sh scans (about a minute each)')
    p.add_argument('--only', default='', help='comma-separated lab server names')
    p = sub.add_parser('many')
    p.add_argument('tlsscope')
    p.add_argument('--endpoints', type=int, default=1000)
    p.add_argument('--concurrency', default='100,500')
    p.add_argument('--time-limit', type=int, default=300, help='seconds per scan')
    p.add_argument('--tag', default='', help='names the namespaces tlsscope-bench-TAG-{c,s}')
    p = sub.add_parser('relay')
    p.add_argument('client_if')
    p.add_argument('server_if')
    p.add_argument('delay_ms', type=float)
    a = ap.parse_args(argv)
    if a.mode == 'relay':
        return relay_main(a)
    a.tlsscope = os.path.abspath(a.tlsscope)
    install_signals()
    try:
        return bench_lab(a) if a.mode == 'lab' else bench_many(a)
    except Interrupted as ex:
        print('interrupted (%s)' % ex)
        return 1
    except lab.LabError as ex:
        print('| %s | not run: %s |' % (a.mode, str(ex).replace('|', '/').replace('\n', ' ')))
        return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
