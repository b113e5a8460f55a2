#!/usr/bin/env bash
# mkpki.sh DIR [long]: makes the test PKI of tlsscope in DIR with the openssl CLI (see
# README.md beside this file for the list of files). Dates are relative to the current time,
# so the PKI is made at test time, never checked in.
#
# Prints nothing on success; on failure prints openssl's message and exits non-zero.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != long ]; }; then
	echo "usage: $0 DIR [long]" >&2
	exit 2
fi
DIR=$1
LONG=${2:-}
mkdir -p "$DIR"
cd "$DIR"

LOG=$(mktemp "${TMPDIR:-/tmp}/mkpki.XXXXXX")
trap 'rm -f "$LOG"' EXIT
# run CMD...: runs an openssl command quietly; on failure prints its output and exits.
run() {
	if ! "$@" >"$LOG" 2>&1; then
		echo "mkpki: failed: $*" >&2
		cat "$LOG" >&2
		exit 1
	fi
}
# when OFFSET: a GeneralizedTime for `openssl ca -startdate/-enddate`, e.g. when '-1 day'.
when() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve)
RSA=(-newkey rsa:2048)

rm -rf newcerts
mkdir newcerts
: >root-index.txt
: >int-index.txt
printf 'unique_subject = no\n' >root-index.txt.attr
printf 'unique_subject = no\n' >int-index.txt.attr

# ca_section NAME FILE: the `openssl ca` section NAME of the CA whose certificate, key and
# index are FILE.pem, FILE.key and FILE-index.txt.
ca_section() {
	printf '[ %s ]\n' "$1"
	printf 'database = %s-index.txt\n' "$2"
	printf 'new_certs_dir = newcerts\n'
	printf 'certificate = %s.pem\n' "$2"
	printf 'private_key = %s.key\n' "$2"
	printf '%s\n' 'rand_serial = yes' 'default_md = sha256' 'policy = policy_any' \
		'preserve = yes' 'email_in_dn = no' 'unique_subject = no' 'copy_extensions = none'
}
# leaf_ext NAME OCSP SAN [LINE...]: the extension section NAME of a server leaf (end entity,
# serverAuth) with subjectAltName SAN, the OCSP URL when OCSP is "ocsp", then the extra LINEs.
leaf_ext() {
	local name=$1 ocsp=$2 san=$3
	shift 3
	printf '[ %s ]\n' "$name"
	printf '%s\n' 'basicConstraints = critical, CA:FALSE' \
		'keyUsage = critical, digitalSignature, keyEncipherment' \
		'extendedKeyUsage = serverAuth' 'subjectKeyIdentifier = hash' \
		'authorityKeyIdentifier = keyid:always'
	if [ "$ocsp" = ocsp ]; then
		printf 'authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp\n'
	fi
	printf 'subjectAltName = %s\n' "$san"
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	fi
}

# The `openssl ca` configuration: two CAs (root_ca, int_ca) and one extension section per
# kind of certificate.
{
	printf '[ ca ]\ndefault_ca = int_ca\n\n'
	ca_section root_ca root
	echo
	ca_section int_ca int
	echo
	cat <<'EOF'
[ policy_any ]
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_ocsp ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

EOF
	leaf_ext ext_leaf ocsp 'DNS:localhost, IP:127.0.0.1'
	echo
	leaf_ext ext_muststaple ocsp 'DNS:localhost, IP:127.0.0.1' 'tlsfeature = status_request'
	echo
	leaf_ext ext_nocheck '' 'DNS:localhost, IP:127.0.0.1'
	echo
	leaf_ext ext_wronghost ocsp DNS:wrong.example
	echo
	leaf_ext ext_sni-a ocsp DNS:a.test
	echo
	leaf_ext ext_sni-b ocsp DNS:b.test
} >ca.cnf

# The 5000 extra names of hugesan, in a file of its own (only that one certificate reads it).
{
	leaf_ext ext_hugesan ocsp @hugesan_names
	printf '[ hugesan_names ]\nDNS.0 = localhost\n'
	for i in $(seq 1 5000); do printf 'DNS.%d = n%d.hugesan.test\n' "$i" "$i"; done
} >hugesan.cnf

CA_START=$(when '-400 days')
CA_END=$(when '+3650 days')
NOW_M1=$(when '-1 day')
NOW_P90=$(when '+90 days')

# ca_sign NAME SUBJ CA EXT START END [extfile] [keyopts...]: key NAME.key, certificate
# NAME.pem issued by CA (root_ca or int_ca) with the extension section EXT.
ca_sign() {
	local name=$1 subj=$2 ca=$3 ext=$4 start=$5 end=$6 extfile=$7
	shift 7
	run openssl req -config ca.cnf -new "$@" -nodes -keyout "$name.key" -subj "$subj" \
		-out "$name.csr"
	local extra=()
	[ -n "$extfile" ] && extra=(-extfile "$extfile")
	local self=()
	[ "$ca" = self ] && { self=(-selfsign -keyfile "$name.key"); ca=root_ca; }
	run openssl ca -batch -config ca.cnf -name "$ca" "${self[@]}" -in "$name.csr" \
		-out "$name.pem" -notext -startdate "$start" -enddate "$end" \
		-extensions "$ext" "${extra[@]}"
	rm -f "$name.csr"
}

ca_sign root '/CN=tlsscope Test Root' self ext_root "$CA_START" "$CA_END" '' "${EC[@]}"
ca_sign int '/CN=tlsscope Test Intermediate' root_ca ext_int "$CA_START" "$CA_END" '' "${EC[@]}"
ca_sign ocsp '/CN=tlsscope Test OCSP Responder' int_ca ext_ocsp "$CA_START" "$CA_END" '' \
	"${EC[@]}"

# leaf NAME EXT START END [extfile] keyopts...: a leaf issued by int, plus NAME-chain.pem.
leaf() {
	local name=$1 ext=$2 start=$3 end=$4 extfile=$5
	shift 5
	ca_sign "$name" "/O=tlsscope Test/OU=$name/CN=localhost" int_ca "$ext" "$start" "$end" \
		"$extfile" "$@"
	cat "$name.pem" int.pem >"$name-chain.pem"
}

leaf good-rsa ext_leaf "$NOW_M1" "$NOW_P90" '' "${RSA[@]}"
leaf good-ec ext_leaf "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
leaf wronghost ext_wronghost "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
leaf muststaple ext_muststaple "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
leaf revoked ext_leaf "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
leaf sni-a ext_sni-a "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
leaf sni-b ext_sni-b "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
leaf expired ext_leaf "$(when '-120 days')" "$(when '-30 days')" '' "${EC[@]}"
leaf hugesan ext_hugesan "$NOW_M1" "$NOW_P90" hugesan.cnf "${EC[@]}"
leaf nocheck ext_nocheck "$NOW_M1" "$NOW_P90" '' "${EC[@]}"
rm -f hugesan.cnf

run openssl ca -batch -config ca.cnf -name int_ca -revoke revoked.pem -crl_reason keyCompromise

run openssl req -config ca.cnf -x509 -new "${EC[@]}" -nodes -keyout selfsigned.key \
	-out selfsigned.pem -subj '/O=tlsscope Test/OU=selfsigned/CN=localhost' -days 90 \
	-addext 'subjectAltName = DNS:localhost' -addext 'basicConstraints = critical, CA:FALSE'

# OCSP responses, from int's index, signed by the delegated responder.
# ocsp_resp LEAF OUT [extra options...]
ocsp_resp() {
	local leafname=$1 out=$2
	shift 2
	run openssl ocsp -index int-index.txt -CA int.pem -issuer int.pem -cert "$leafname.pem" \
		-respout "$out" "$@"
}
RESP=(-rsigner ocsp.pem -rkey ocsp.key)
ocsp_resp good-rsa ocsp-good-rsa.der "${RESP[@]}" -ndays 7
ocsp_resp good-ec ocsp-good-ec.der "${RESP[@]}" -ndays 7
ocsp_resp muststaple ocsp-muststaple.der "${RESP[@]}" -ndays 7
ocsp_resp revoked ocsp-revoked.der "${RESP[@]}" -ndays 7
# stale: made 10 days ago, valid for 1 day.
run faketime '-10 days' openssl ocsp -index int-index.txt -CA int.pem -issuer int.pem \
	-cert good-rsa.pem -respout ocsp-stale.der "${RESP[@]}" -ndays 1
# badsig: signed by a rogue responder: same subject and EKU as ocsp.pem, but self-signed, so
# int never authorized its key.
run openssl req -config ca.cnf -x509 -new "${EC[@]}" -nodes -keyout rogue.key -out rogue.pem \
	-subj '/CN=tlsscope Test OCSP Responder' -days 30 \
	-addext 'extendedKeyUsage = OCSPSigning' -addext 'basicConstraints = critical, CA:FALSE'
ocsp_resp good-rsa ocsp-badsig.der -rsigner rogue.pem -rkey rogue.key -ndays 7

# long-chain.pem: 300 certificates, leaf first: the leaf "CN=localhost" issued by
# "CN=tlsscope Long 299", ..., "CN=tlsscope Long 1" issued by root. To stay fast, every
# certificate of it uses one key, long-chain.key.
if [ "$LONG" = long ]; then
	rm -rf long.d
	mkdir long.d
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out long-chain.key
	prev=root.pem
	prevkey=root.key
	for i in $(seq 1 299); do
		run openssl req -config ca.cnf -x509 -new -key long-chain.key -CA "$prev" \
			-CAkey "$prevkey" -subj "/CN=tlsscope Long $i" -days 90 -set_serial "$i" \
			-addext 'basicConstraints = critical, CA:TRUE' \
			-addext 'keyUsage = critical, keyCertSign' -out "long.d/$i.pem"
		prev=long.d/$i.pem
		prevkey=long-chain.key
	done
	run openssl req -config ca.cnf -x509 -new -key long-chain.key -CA "$prev" \
		-CAkey long-chain.key -subj '/CN=localhost' -days 90 -set_serial 1000 \
		-addext 'subjectAltName = DNS:localhost, IP:127.0.0.1' \
		-addext 'basicConstraints = critical, CA:FALSE' -out long.d/leaf.pem
	{
		cat long.d/leaf.pem
		for i in $(seq 299 -1 1); do cat "long.d/$i.pem"; done
	} >long-chain.pem
	rm -rf long.d
fi
exit 0
