#!/usr/bin/env bash
# Measures every row of docs/PERFORMANCE.md's issue 13 table on this
# machine: each Gatehouse figure beside its ceiling, measured in the same
# run with the same load tool. Loopback only; nothing else should run.
#
#   scripts/perf-table.sh [OUT_DIR]       (default /tmp/gatehouse-perf)
#
# It builds the binaries, starts a throw-away Gatehouse with the per-IP and
# per-user limits lifted (they exist to stop exactly this traffic), and
# writes one JSON report a line to OUT_DIR/results.jsonl, plus rss.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-/tmp/gatehouse-perf}
DUR=${PERF_DURATION:-10s}
PORT=18080
CEIL=18090
rm -rf "$OUT"
mkdir -p "$OUT/bin"
mkdir -m 700 "$OUT/data"
go build -o "$OUT/bin/gatehouse" ./cmd/gatehouse
go build -o "$OUT/bin/gatehouse-load" ./cmd/gatehouse-load
go build -o "$OUT/bin/gatehouse-ceiling" ./cmd/gatehouse-ceiling
GH="$OUT/bin/gatehouse"
LOAD="$OUT/bin/gatehouse-load"
RES="$OUT/results.jsonl"
: >"$RES"

export GATEHOUSE_STORAGE_DATA_DIR="$OUT/data"
export GATEHOUSE_SERVER_LISTEN="127.0.0.1:$PORT"
export GATEHOUSE_LOG_LEVEL=warn
export GATEHOUSE_LIMITS_SIGN_IN_PER_MINUTE=0 GATEHOUSE_LIMITS_CODE_PER_MINUTE=0
export GATEHOUSE_LIMITS_AUTHORIZE_PER_MINUTE=0
export GATEHOUSE_MFA_CODE_RESEND_AFTER=0s GATEHOUSE_MFA_CODE_MAX_SENDS=100000

# label NAME then run the load tool: each report line gets "label".
load() {
	local label=$1
	shift
	{ "$LOAD" --progress=false --json "$@" || true; } | sed "s/^{/{\"label\":\"$label\",/" | tee -a "$RES"
}

wait_up() {
	for _ in $(seq 1 200); do
		if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
	done
	echo "no answer from $1" >&2
	exit 1
}

rss() { # pid label
	awk -v l="$2" '/^VmRSS|^VmHWM/ {printf "%s %s %d MiB\n", l, $1, $2/1024}' "/proc/$1/status" | tee -a "$OUT/rss.txt"
}

# --- Gatehouse: set-up
"$GH" serve >"$OUT/server.out" 2>"$OUT/server.err" &
GPID=$!
trap 'kill $GPID 2>/dev/null || true; kill ${CPID:-0} 2>/dev/null || true' EXIT
wait_up "http://127.0.0.1:$PORT/healthz"
rss $GPID idle
curl -fsS "http://127.0.0.1:$PORT/.well-known/openid-configuration" >"$OUT/discovery.json"

printf '%s' 'load test passphrase' | "$GH" user create --email owner@example.com --name "Load Owner" --password-stdin >/dev/null
ACCT=$("$GH" account create --name Load --owner owner@example.com --json | jq -r .id)
API=$("$GH" apiclient create --account "$ACCT" --name load --type standard --lifetime 1h --json)
API_ID=$(jq -r .client_id <<<"$API")
API_SECRET=$(jq -r .client_secret <<<"$API")
WEB=$("$GH" client create --name load-web --redirect-uri http://127.0.0.1:9/cb --grant authorization_code \
	--grant refresh_token --id-token-alg ES256 --json)
WEB_ID=$(jq -r .client_id <<<"$WEB")
WEB_SECRET=$(jq -r .client_secret <<<"$WEB")
: >"$OUT/users"
for i in $(seq 1 16); do
	printf '%s' 'load test passphrase' | "$GH" user create --email "load$i@example.com" --name "Load $i" --password-stdin >/dev/null
	echo "load$i@example.com load test passphrase" >>"$OUT/users"
done

# --- Ceilings (the ceiling server runs alone; Gatehouse idles)
"$OUT/bin/gatehouse-ceiling" --listen "127.0.0.1:$CEIL" --alg ES256 --client-id ceiling --client-secret ceiling \
	--discovery-file "$OUT/discovery.json" >/dev/null &
CPID=$!
wait_up "http://127.0.0.1:$CEIL/.well-known/openid-configuration"
load ceiling-discovery --issuer "http://127.0.0.1:$CEIL" --scenario discovery --concurrency 16 --duration "$DUR"
load ceiling-cc-es256 --issuer "http://127.0.0.1:$CEIL" --client-id ceiling --client-secret ceiling \
	--scenario client_credentials --concurrency 16 --duration "$DUR"
kill $CPID
wait $CPID 2>/dev/null || true
"$OUT/bin/gatehouse-ceiling" --listen "127.0.0.1:$CEIL" --alg RS256 --client-id ceiling --client-secret ceiling >/dev/null &
CPID=$!
wait_up "http://127.0.0.1:$CEIL/.well-known/openid-configuration"
load ceiling-cc-rs256 --issuer "http://127.0.0.1:$CEIL" --client-id ceiling --client-secret ceiling \
	--scenario client_credentials --concurrency 16 --duration "$DUR"
kill $CPID
wait $CPID 2>/dev/null || true
load ceiling-argon2 --scenario argon2 --concurrency 8 --duration "$DUR"

# --- Gatehouse
G=(--issuer "http://127.0.0.1:$PORT")
load discovery "${G[@]}" --scenario discovery --concurrency 16 --duration "$DUR"
load cc-16 "${G[@]}" --client-id "$API_ID" --client-secret "$API_SECRET" --scenario client_credentials \
	--concurrency 16 --duration "$DUR"
load cc-64 "${G[@]}" --client-id "$API_ID" --client-secret "$API_SECRET" --scenario client_credentials \
	--concurrency 64 --duration "$DUR"
load signin-8 "${G[@]}" --client-id "$WEB_ID" --client-secret "$WEB_SECRET" --redirect-uri http://127.0.0.1:9/cb \
	--users-file "$OUT/users" --outbox "$OUT/data/outbox" --scenario signin --concurrency 8 --duration "$DUR"
rss $GPID after-signin
load refresh-16 "${G[@]}" --client-id "$WEB_ID" --client-secret "$WEB_SECRET" --redirect-uri http://127.0.0.1:9/cb \
	--users-file "$OUT/users" --outbox "$OUT/data/outbox" --scenario signin_refresh --concurrency 16 --duration "$DUR"
rss $GPID after-all
echo "results: $RES"
