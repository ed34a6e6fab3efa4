#!/usr/bin/env bash
# Load figures for the obflow mock: requests/s of GET /data/v1/accounts and of
# POST /connect/token. Usage: bench/mock-load.sh [duration, default 10s] [connections, default 32]
#
# The token endpoint is measured with a deliberately failing grant (an unknown refresh token):
# codes are single use and refresh tokens rotate, so a success-only load is impossible with
# wrk's one fixed request. That request still runs the whole endpoint: body parsing, client
# authentication and the grant lookup (everything but the RS256 signature; see docs/mock.md).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-10s}"
CONNECTIONS="${2:-32}"
THREADS=2

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
# The `dist` profile (fat LTO), as the figures in docs/mock.md.
cargo build --profile dist --quiet --bin obflow

OUT="$(mktemp)"
target/dist/obflow mock --port 0 >"$OUT" &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true; rm -f "$OUT" /tmp/obflow-token.lua' EXIT
for _ in $(seq 50); do grep -q listening "$OUT" && break; sleep 0.1; done
BASE="$(sed -n 's/^obflow mock listening on //p' "$OUT")"
echo "mock at $BASE"

CLIENT_ID=sandbox-obflow-demo
CLIENT_SECRET=sandbox-obflow-demo-secret
REDIRECT=http://localhost:3000/callback

# Play the dialog with curl, following the x-obflow-next headers.
next() { grep -i '^x-obflow-next:' | tr -d '\r' | awk '{print $2}'; }
CONSENT="$(curl -s -o /dev/null -D - -G "$BASE/" \
  --data-urlencode response_type=code --data-urlencode client_id=$CLIENT_ID \
  --data-urlencode redirect_uri=$REDIRECT --data-urlencode 'scope=info accounts offline_access' \
  --data-urlencode providers=uk-cs-mock --data-urlencode state=bench | next)"
LOGIN="$(curl -s -o /dev/null -D - -d decision=accept "$BASE$CONSENT" | next)"
LOCATION="$(curl -s -o /dev/null -D - -d username=john -d password=doe "$BASE$LOGIN" \
  | grep -i '^location:' | tr -d '\r')"
CODE="$(sed 's/.*[?&]code=\([^&]*\).*/\1/' <<<"$LOCATION")"
TOKEN="$(curl -s "$BASE/connect/token" -d grant_type=authorization_code \
  -d client_id=$CLIENT_ID -d client_secret=$CLIENT_SECRET -d redirect_uri=$REDIRECT -d code="$CODE" \
  | sed 's/.*"access_token":"\([^"]*\)".*/\1/')"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/data/v1/accounts")" = 200 ]

echo; echo "== GET /data/v1/accounts (one RS256 token; its signature check is cached after the first call)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $TOKEN" "$BASE/data/v1/accounts"

cat >/tmp/obflow-token.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=refresh_token&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&refresh_token=unknown"
LUA
echo; echo "== POST /connect/token (refresh grant with an unknown token: 400 invalid_grant)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s /tmp/obflow-token.lua "$BASE/connect/token"
