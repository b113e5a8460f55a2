#!/bin/bash
# sniff -i lo --db --analyze: a live sensor runs the analyzer while it captures, and prints an
# alarm while it is still running. A real server (openssl s_server, TLS 1.0 only, on a free
# 127.0.0.1 port) and a real client (openssl s_client -tls1) make the handshake; the rule,
# written here, alarms on TLS 1.0 connections. The expected server address, port and version
# come from the test's own configuration and s_client's "Protocol" line, never from our output.
# Skips (saying why) where the loopback interface cannot be captured (no privileges).
#
# usage: analyze_live_test.sh TLSSCOPE
set -u
prog=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/analyze-live.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 - "$prog" "$top" "$work" <<'PYEOF'
import json, os, signal, socket, sqlite3, subprocess, sys, time

prog, top, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(top, 'tests', 'integration', 'lab'))
import lab  # noqa: E402  (free_port)

checks = fails = 0


def check(name, ok, detail=''):
    global checks, fails
    checks += 1
    if ok:
        print('ok %s' % name)
    else:
        fails += 1
        print('FAIL %s %s' % (name, detail))


def read_lines(p, buf, lines, until, stop):
    """Reads p's stdout lines into lines until stop(lines) or the time until."""
    while time.monotonic() < until and not stop(lines):
        try:
            chunk = os.read(p.stdout.fileno(), 65536)
        except BlockingIOError:
            chunk = b''
        if not chunk and p.poll() is not None:
            break
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            lines.append(json.loads(line))
        time.sleep(0.05)
    return buf


# usage errors first (no capture needed)
pcap = os.path.join(top, 'tests/pcap/arkime/pcap/openssl-tls1_2-tls1.pcap')
db0 = os.path.join(work, 'u.db')
for argv, what in ((['sniff', '-r', pcap, '--analyze'], '--analyze without --db'),
                   (['sniff', '-r', pcap, '--db', db0, '--rules', work], '--rules without --analyze'),
                   (['sniff', '-r', pcap, '--db', db0, '--analyze=0'], '--analyze=0')):
    r = subprocess.run([prog] + argv, capture_output=True)
    check('%s: exit 2' % what, r.returncode == 2, r.stderr.decode()[-200:])

rules = os.path.join(work, 'rules')
os.mkdir(rules)
with open(os.path.join(rules, 'tls10.sql'), 'w') as f:
    f.write("-- id: live/tls10\n-- title: a TLS 1.0 handshake on the wire\n"
            "-- severity: high\n-- requirements: live:1\n"
            "SELECT resource, CASE WHEN sum(version = 'TLSv1.0') > 0 THEN 'alarm' ELSE 'ok'"
            " END AS status, count(*) || ' handshakes' AS reason,"
            " json_group_array('connection:' || id) AS evidence FROM v_conn GROUP BY resource\n")
# a certificate and a TLS 1.0-only server
key, crt = os.path.join(work, 'k.pem'), os.path.join(work, 'c.pem')
subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                '-subj', '/CN=localhost', '-keyout', key, '-out', crt], check=True,
               capture_output=True)
port = lab.free_port()
srv = subprocess.Popen(['openssl', 's_server', '-accept', '127.0.0.1:%d' % port, '-cert', crt,
                        '-key', key, '-tls1', '-cipher', 'ALL:@SECLEVEL=0', '-quiet',
                        '-naccept', '100'], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
sn = None
try:
    for _ in range(200):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    db = os.path.join(work, 'live.db')
    sn = subprocess.Popen([prog, 'sniff', '-i', 'lo', '--db', db, '--analyze=1', '--rules',
                           rules, '--json', 'tcp port %d' % port], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    time.sleep(1.5)
    if sn.poll() is not None:
        err = sn.stderr.read().decode()
        print('SKIP: cannot capture on lo here: %s' % err.strip()[-200:])
        sys.exit(0)
    # the connection the test's own sniffing (probe at start) made is not TLS: harmless
    cl = subprocess.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % port, '-tls1',
                         '-cipher', 'ALL:@SECLEVEL=0'], input=b'', capture_output=True,
                        timeout=20)
    proto = [l.split(':', 1)[1].strip() for l in cl.stdout.decode().splitlines()
             if l.strip().startswith('Protocol') and ':' in l]
    check('s_client negotiated TLSv1 (its own report)', proto[:1] == ['TLSv1'], str(proto))
    os.set_blocking(sn.stdout.fileno(), False)
    lines = []
    t0 = time.monotonic()
    buf = read_lines(sn, b'', lines, t0 + 10,
                     lambda ls: any(l.get('type') == 'finding' for l in ls))
    running = sn.poll() is None
    findings = [l for l in lines if l.get('type') == 'finding']
    check('the alarm came while the sensor was running', bool(findings) and running,
          'after %.1f s, %d lines' % (time.monotonic() - t0, len(lines)))
    if findings:
        f = findings[0]
        check('finding rule', f['rule'] == 'live/tls10', f['rule'])
        check('finding resource is the server', f['resource'] == '127.0.0.1:%d' % port,
              f['resource'])
        check('finding status and severity', (f['status'], f['severity']) == ('alarm', 'high'),
              str((f['status'], f['severity'])))
        check('finding evidence names a connection',
              any(x.startswith('connection:') for x in f['evidence']), str(f['evidence']))
    sn.send_signal(signal.SIGTERM)
    sn.wait(timeout=20)
    os.set_blocking(sn.stdout.fileno(), True)
    rest = buf + sn.stdout.read()
    for line in rest.splitlines():
        lines.append(json.loads(line))
    check('sniff exits 0 on SIGTERM', sn.returncode == 0, str(sn.returncode))
    check('the alarm is printed once', sum(l.get('type') == 'finding' for l in lines) == 1,
          str(sum(l.get('type') == 'finding' for l in lines)))
    tls = [l for l in lines if l.get('type') == 'tls']
    check('the tls object says TLSv1.0 to the server', any(
        t['version'] == 'TLSv1.0' and t['server_port'] == port for t in tls), str(len(tls)))
    c = sqlite3.connect(db)
    rows = c.execute("SELECT status FROM findings WHERE rule = 'live/tls10'").fetchall()
    check('the finding is stored once', rows == [('alarm',)], str(rows))
    runs = c.execute('SELECT count(*) FROM analysis_runs WHERE finished IS NOT NULL').fetchone()[0]
    check('analysis ran while capturing and at the end', runs >= 2, str(runs))
finally:
    if sn and sn.poll() is None:
        sn.kill()
    srv.kill()
    srv.wait()
print('analyze_live_test: %d checks, %d failed' % (checks, fails))
sys.exit(1 if fails else 0)
PYEOF
