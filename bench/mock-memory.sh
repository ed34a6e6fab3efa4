#!/usr/bin/env bash
# The standalone mock's memory under a long stream of complete flows: it should rise to what
# its caps allow and then stay flat (docs/mock.md, "What the mock forgets").
#
#   bench/mock-memory.sh [REQUESTS=200000] [JOBS=32]
#   MOCK_ARGS="--max-entries 4096" bench/mock-memory.sh   # other options for `obflow mock`
#
# Starts `target/dist/obflow mock` and drives it with `obflow run` itself, in rounds of 2,000
# scenarios. Each scenario is one complete flow of six requests: the auth link, consent and
# login (the dialog), the code exchange, GET /data/v1/accounts, and a one-second `wait`, which
# gives every scenario a named clock of its own (as the engine does for scenarios that wait).
# Tokens are RS256, the mock's default, as a user's mock would sign them. After every round it
# reads the mock's VmRSS from /proc/PID/status; it prints every sample, then the RSS at
# start, middle and end, the peak (VmHWM), and the sizes of the mock's maps
# (GET /__mock/stats).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${1:-200000}"
JOBS="${2:-32}"
FLOWS_PER_ROUND=2000
REQUESTS_PER_FLOW=6
ROUNDS=$(( (REQUESTS + FLOWS_PER_ROUND * REQUESTS_PER_FLOW - 1) / (FLOWS_PER_ROUND * REQUESTS_PER_FLOW) ))
WORK="$(mktemp -d)"
trap 'kill "${MOCK_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# The `dist` profile (fat LTO), as bench/mock-load.sh.
echo "building obflow (dist profile)..." >&2
cargo build --profile dist --quiet --bin obflow
OBFLOW="$PWD/target/dist/obflow"

# shellcheck disable=SC2086 # MOCK_ARGS is a list of words
"$OBFLOW" mock --port 0 ${MOCK_ARGS:-} >"$WORK/mock.out" &
MOCK_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/mock.out" 2>/dev/null && break; sleep 0.05; done
BASE="$(sed -n 's/^obflow mock listening on //p' "$WORK/mock.out")"
[ -n "$BASE" ] || { echo "the mock did not start" >&2; exit 3; }

cat >"$WORK/obflow.yaml" <<YAML
targets:
  bench:
    auth_url: $BASE
    mock: true
YAML
mkdir -p "$WORK/flows"
for i in $(seq 1 "$FLOWS_PER_ROUND"); do
  cat >"$WORK/flows/flow_$i.yaml" <<YAML
name: complete flow $i
steps:
  - auth_link: { scope: [info, accounts, offline_access], providers: [uk-cs-mock] }
  - await_code: { via: auto, user: john }
  - exchange: {}
    expect: { status: 200 }
  - accounts: {}
    expect: { status: 200 }
  - wait: 1s
YAML
done

# status FIELD: the mock's /proc status field in MB (VmRSS now, VmHWM the peak).
status() { awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$MOCK_PID/status"; }

echo "mock=$BASE ${MOCK_ARGS:-} pid=$MOCK_PID requests=$(( ROUNDS * FLOWS_PER_ROUND * REQUESTS_PER_FLOW )) rounds=$ROUNDS jobs=$JOBS cpus=$(nproc)"
SAMPLES=("$(status VmRSS)")
printf '%8s requests  RSS %6s MB\n' 0 "${SAMPLES[0]}"
cd "$WORK"
started=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  "$OBFLOW" run flows --target bench --jobs "$JOBS" --color never >"$WORK/run.log" 2>&1 \
    || { echo "round $round failed:" >&2; tail -30 "$WORK/run.log" >&2; exit 1; }
  SAMPLES+=("$(status VmRSS)")
  printf '%8d requests  RSS %6s MB  (%ds)\n' "$(( round * FLOWS_PER_ROUND * REQUESTS_PER_FLOW ))" \
    "${SAMPLES[$round]}" "$(( $(date +%s) - started ))"
done
elapsed=$(( $(date +%s) - started ))

echo
printf 'rss_start=%s MB  rss_middle=%s MB (after %d requests)  rss_end=%s MB  rss_peak=%s MB  (%ds)\n' \
  "${SAMPLES[0]}" "${SAMPLES[$(( (ROUNDS + 1) / 2 ))]}" \
  "$(( (ROUNDS + 1) / 2 * FLOWS_PER_ROUND * REQUESTS_PER_FLOW ))" \
  "${SAMPLES[$ROUNDS]}" "$(status VmHWM)" "$elapsed"
echo "map sizes: $(curl -s "$BASE/__mock/stats")"
