#!/usr/bin/env bash
# The main job's CPU cost: `obflow run` of 1,600 scenarios (100 copies of scenarios/) against
# the embedded mock with its default RS256 tokens, as a CI regression suite runs it.
#
#   bench/main-job.sh [COPIES=100] [ROUNDS=1]
#   OBFLOW_PROFILE=release bench/main-job.sh     # cargo profile to build (default: dist)
#   OBFLOW_BIN=path/to/obflow bench/main-job.sh  # measure this binary (the floor's client is
#                                                # still built; with FLOOR=0 nothing is)
#   OBFLOW_REPORTS=1 bench/main-job.sh 1250      # 20,000 scenarios with JUnit and JSON reports
#   OBFLOW_REPORTS=all bench/main-job.sh 1250    # ... and the HTML report too
#
# Prints, per round:
#   main_job 1600 scenarios cpu X.XXs  Y.YY ms/scenario  wall Z.ZZs  peak RSS N MB
# where cpu is user+sys of the whole process (engine and embedded mock together), from
# /usr/bin/time. Fails unless the run exits 0, so every scenario must pass.
#
# Then, in the same run, the floor any client meets on this machine: the bare tokio +
# reqwest client (examples/raw_flow.rs) doing as many complete flows (six requests and one
# RS256 token each), two at a time, against obflow's mock started in its own process with
# the embedded mock's options and runtime, as `obflow run` has it:
#   floor 1600 flows of a bare client cpu X.XXs  Y.YY ms/flow
# The seed scenarios average about 7.3 requests and 1.1 tokens each, a little more than
# one such flow. FLOOR=0 leaves it out.
#
# The copies live flat in one temporary directory, each file renamed `cNNN_<stem>.yaml`:
# snapshot files are named `<scenario file stem>__<step>.snap` (docs/snapshots.md), and two
# scenario files with one stem are a load error, so every copy gets its own stem and its own
# copies of the committed snapshots, found under the run directory's `snapshots/`. The shared
# `_flows/` fragments sit beside them, where the copies' `include:` paths expect them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
COPIES="${1:-100}"
ROUNDS="${2:-1}"
PROFILE="${OBFLOW_PROFILE:-dist}"

[ -x /usr/bin/time ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}

# --- the binary ---------------------------------------------------------------------------
if [ -n "${OBFLOW_BIN:-}" ]; then
  OBFLOW="$(realpath "$OBFLOW_BIN")"
else
  # The `dist` profile may not exist (yet) in this checkout: fall back to release.
  if [ "$PROFILE" != release ] && ! grep -q "^\[profile\.$PROFILE\]" Cargo.toml; then
    echo "no [profile.$PROFILE] in Cargo.toml; using release" >&2
    PROFILE=release
  fi
  echo "building obflow (--profile $PROFILE)..." >&2
  cargo build --profile "$PROFILE" --quiet --bin obflow
  OBFLOW="$ROOT/target/$PROFILE/obflow"
fi
if [ "${FLOOR:-1}" != 0 ]; then
  cargo build --profile "$PROFILE" --quiet --example raw_flow
  RAW="$ROOT/target/$PROFILE/examples/raw_flow"
fi

# --- the suite ------------------------------------------------------------------------------
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/suite/snapshots"
cp -r scenarios/_flows "$WORK/suite/_flows"
for i in $(seq -f '%03g' 0 $((COPIES - 1))); do
  for f in scenarios/*.yaml; do
    stem="$(basename "$f" .yaml)"
    cp "$f" "$WORK/suite/c${i}_${stem}.yaml"
    for snap in snapshots/"${stem}"__*.snap; do
      [ -e "$snap" ] || continue
      cp "$snap" "$WORK/suite/snapshots/c${i}_$(basename "$snap")"
    done
  done
done
COUNT="$(find "$WORK/suite" -maxdepth 1 -name '*.yaml' | wc -l)"

# --- the runs ---------------------------------------------------------------------------------
for _ in $(seq "$ROUNDS"); do
  status=0
  reports=()
  if [ -n "${OBFLOW_REPORTS:-}" ]; then
    reports=(--report-junit "$WORK/junit.xml" --report-json "$WORK/report.json")
  fi
  label="${OBFLOW_REPORTS:+ +JUnit+JSON}"
  if [ "${OBFLOW_REPORTS:-}" = all ]; then
    reports+=(--report-html "$WORK/report.html")
    label=" +JUnit+JSON+HTML"
  fi
  (cd "$WORK/suite" && /usr/bin/time -o "$WORK/time" -f '%U %S %e %M' \
    "$OBFLOW" run --color never "${reports[@]}" . >"$WORK/out" 2>&1) || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 30 "$WORK/out" >&2
    echo "obflow run exited $status (want 0: every scenario must pass)" >&2
    exit 1
  fi
  read -r user sys wall rss_kb <"$WORK/time"
  awk -v n="$COUNT" -v reports="$label" -v u="$user" -v s="$sys" -v w="$wall" -v r="$rss_kb" 'BEGIN {
    cpu = u + s
    printf "main_job %d scenarios%s cpu %.2fs  %.2f ms/scenario  wall %.2fs  peak RSS %d MB\n",
      n, reports, cpu, cpu * 1000 / n, w, r / 1024
  }'
done

# --- the floor --------------------------------------------------------------------------------
[ "${FLOOR:-1}" != 0 ] || exit 0
"$RAW" embedded 200 2 >/dev/null   # warm-up, not measured
/usr/bin/time -o "$WORK/time" -f '%U %S' "$RAW" embedded "$COUNT" 2 >/dev/null
read -r user sys <"$WORK/time"
awk -v n="$COUNT" -v u="$user" -v s="$sys" 'BEGIN {
  printf "floor %d flows of a bare client cpu %.2fs  %.2f ms/flow\n", n, u + s, (u + s) * 1000 / n
}'
