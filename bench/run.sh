#!/usr/bin/env bash
# obflow against Hurl and a bare tokio+reqwest client, on the same standalone mock, in one run.
#
#   bench/run.sh [FLOWS=2000] [JOBS=32] [ROUNDS=5]
#
# Each flow is the Signup+ multiple-accounts flow: open the auth link, consent, log in
# (three dialog requests), exchange the code, call /signup-plus/accounts, then ask for the
# second account by account_id — six requests. The mock signs tokens with HS256 (`--signing
# hs256`): RS256 signing costs about 0.4 ms of the mock's CPU per token and would make
# the mock, not the clients, the thing measured. Prints wall time, flows/s and peak RSS for
# each client, `obflow check` on 10,000 files, then `ratio_vs_hurl=X.XX` (obflow throughput /
# Hurl throughput).
#
# Runs on a shared 2-core machine vary by ±20%, so each client runs ROUNDS times, the rounds
# interleaved (raw, obflow, hurl, raw, ...) so all three meet the mock in the same states,
# after an unmeasured warm-up: the figures are each client's median round and its largest
# peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
FLOWS="${1:-2000}"
JOBS="${2:-32}"
ROUNDS="${3:-5}"
WORK="$(mktemp -d)"
trap 'kill "${MOCK_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# --- tools -------------------------------------------------------------------------------
need_apt=()
[ -x /usr/bin/time ] || need_apt+=(time)
command -v bc >/dev/null || need_apt+=(bc)
if ! command -v hurl >/dev/null; then
  need_apt+=(pkg-config libxml2-dev libcurl4-openssl-dev libclang-dev clang)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "installing: ${need_apt[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v hurl >/dev/null; then
  echo "installing Hurl from crates.io (a few minutes)..." >&2
  cargo install hurl --version 8.0.1 --locked >&2   # the version the issue measured; newer needs a newer rustc
  export PATH="$HOME/.cargo/bin:$PATH"
fi
# The `dist` profile (fat LTO, one codegen unit): the binary people ship.
echo "building obflow and the raw client (dist profile)..." >&2
cargo build --profile dist --quiet --bin obflow --example raw_flow
OBFLOW="$ROOT/target/dist/obflow"
RAW="$ROOT/target/dist/examples/raw_flow"

# --- the mock ------------------------------------------------------------------------------
# Without its request journal, as the mock embedded in `obflow run` runs: what is compared is
# the clients, and recording every request would only add the same cost to each.
"$OBFLOW" mock --port 0 --signing hs256 --no-journal >"$WORK/mock.out" &
MOCK_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/mock.out" 2>/dev/null && break; sleep 0.05; done
BASE="$(sed -n 's/^obflow mock listening on //p' "$WORK/mock.out")"
[ -n "$BASE" ] || { echo "the mock did not start" >&2; exit 3; }

# --- the flows, as obflow scenarios and as .hurl files --------------------------------------
mkdir -p "$WORK/obflow" "$WORK/hurl"
cat >"$WORK/obflow.yaml" <<YAML
targets:
  bench:
    auth_url: $BASE
    mock: true
YAML
for i in $(seq 1 "$FLOWS"); do
  cat >"$WORK/obflow/flow_$i.yaml" <<YAML
name: Signup+ multiple accounts $i
steps:
  - auth_link: { scope: [info, accounts, signupplus], providers: [uk-cs-mock] }
  - await_code: { via: auto, user: multi }
  - exchange: {}
  - signup_accounts: {}
    expect:
      json: { \$.result: multiple_accounts_linked }
    capture:
      account_id: \$.accounts[1].account_id
  - signup_accounts: { account_id: "{{ account_id }}" }
    expect: { status: 200 }
YAML
  cat >"$WORK/hurl/flow_$i.hurl" <<HURL
GET $BASE/?response_type=code&client_id=sandbox-obflow-demo&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&scope=info%20accounts%20signupplus&providers=uk-cs-mock&state=s$i&nonce=n$i
HTTP 200
[Captures]
consent: header "x-obflow-next"

POST $BASE{{consent}}
[FormParams]
decision: accept
HTTP 200
[Captures]
login: header "x-obflow-next"

POST $BASE{{login}}
[FormParams]
username: multi
password: accounts
HTTP 302
[Captures]
code: header "Location" regex "code=([^&]+)"

POST $BASE/connect/token
[FormParams]
grant_type: authorization_code
client_id: sandbox-obflow-demo
client_secret: sandbox-obflow-demo-secret
redirect_uri: http://localhost:3000/callback
code: {{code}}
HTTP 200
[Captures]
token: jsonpath "\$.access_token"

GET $BASE/signup-plus/accounts
Authorization: Bearer {{token}}
HTTP 200
[Asserts]
jsonpath "\$.result" == "multiple_accounts_linked"
[Captures]
account_id: jsonpath "\$.accounts[1].account_id"

GET $BASE/signup-plus/accounts?account_id={{account_id}}
Authorization: Bearer {{token}}
HTTP 200
HURL
done

# --- measure ---------------------------------------------------------------------------------
# run NAME COMMAND... : one round under /usr/bin/time; appends its wall time and peak RSS.
declare -A WALLS RSS RATE
run() {
  local name="$1"; shift
  local start end rss
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/$name.rss" "$@" >"$WORK/$name.log" 2>&1 \
    || { echo "$name failed:" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
  end=$(date +%s.%N)
  WALLS[$name]+="$(echo "$end - $start" | bc -l) "
  rss=$(( $(tail -1 "$WORK/$name.rss") / 1024 ))
  (( rss > ${RSS[$name]:-0} )) && RSS[$name]=$rss
  return 0
}
# report NAME : the median round.
report() {
  local name="$1" secs
  secs=$(printf '%s\n' ${WALLS[$name]} | sort -g | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  RATE[$name]=$(echo "$FLOWS / $secs" | bc -l)
  printf '%-7s %6d flows  wall %6.2fs  %8.0f flows/s  peak RSS %4d MB  (rounds: %s)\n' \
    "$name" "$FLOWS" "$secs" "${RATE[$name]}" "${RSS[$name]}" "$(printf '%.2f ' ${WALLS[$name]})"
}

echo "flows=$FLOWS jobs=$JOBS rounds=$ROUNDS mock=$BASE (hs256) cpus=$(nproc)"
cd "$WORK"
"$RAW" "$BASE" "$(( FLOWS / 4 + 1 ))" "$JOBS" >/dev/null   # warm-up, not measured
for _ in $(seq "$ROUNDS"); do
  run raw "$RAW" "$BASE" "$FLOWS" "$JOBS"
  run obflow "$OBFLOW" run obflow --target bench --jobs "$JOBS" --color never
  run hurl hurl --test --jobs "$JOBS" --no-color hurl/*.hurl
done
report raw
report obflow
report hurl

# obflow check on 10,000 files (copies of the flow).
mkdir -p "$WORK/check"
for i in $(seq 1 10000); do cp "$WORK/obflow/flow_1.yaml" "$WORK/check/flow_$i.yaml"; done
start=$(date +%s.%N)
"$OBFLOW" check "$WORK/check" >/dev/null
end=$(date +%s.%N)
printf 'check   10000 files  wall %6.3fs\n' "$(echo "$end - $start" | bc -l)"

printf 'obflow_vs_raw=%.2f\n' "$(echo "${RATE[obflow]} / ${RATE[raw]}" | bc -l)"
printf 'ratio_vs_hurl=%.2f\n' "$(echo "${RATE[obflow]} / ${RATE[hurl]}" | bc -l)"
