#!/usr/bin/env bash
# `await_code: { via: browser }` against the embedded mock's dialog, in a real headless
# Chromium: the seconds one consent takes with the browser already running, the wall time of
# 16 browser scenarios with --jobs 4, and the peak memory of obflow plus Chromium.
#
#   bench/browser.sh [CONSENTS=20] [SCENARIOS=16] [JOBS=4]
#   ROUNDS=5 bench/browser.sh                  # rounds of the suite (default 3)
#   OBFLOW_PROFILE=dist bench/browser.sh       # profile to build (default release)
#   OBFLOW_BIN=path/to/obflow bench/browser.sh # measure a given binary, build nothing
#   DIALOG=js bench/browser.sh                 # the mock's script-built dialog
#
# Each scenario is a complete flow: auth link (two banks offered, so the dialog has its bank
# selection), consent, login, code exchange, GET /data/v1/accounts.
#
# - warm consent: one `obflow run --jobs 1` of CONSENTS+1 scenarios; the `await_code` step
#   durations from the JSON report, leaving out the first (it starts the browser): median,
#   fastest and slowest.
# - suite: `obflow run --jobs JOBS` of SCENARIOS scenarios, ROUNDS times (default 3): the
#   median wall time of the whole process (browser start and close included) and its CPU.
# - memory: one more run of the suite, every 100 ms the sum over obflow and all its
#   descendants (Chromium's browser, GPU, network and renderer processes) of VmRSS, and of
#   Pss (/proc/PID/smaps_rollup: shared pages shared out, so the sum is the real footprint);
#   the peak of each, and obflow's own peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
CONSENTS="${1:-20}"
SCENARIOS="${2:-16}"
JOBS="${3:-4}"
PROFILE="${OBFLOW_PROFILE:-release}"
if [ -n "${OBFLOW_BIN:-}" ]; then
  OBFLOW="$OBFLOW_BIN"
else
  echo "building obflow ($PROFILE profile)..." >&2
  cargo build --profile "$PROFILE" --quiet --bin obflow
  OBFLOW="$PWD/target/$PROFILE/obflow"
fi
command -v chromium >/dev/null || command -v google-chrome >/dev/null || [ -n "${OBFLOW_BROWSER:-}" ] \
  || { echo "no browser: apt-get install -y chromium" >&2; exit 3; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
[ "${DIALOG:-forms}" = js ] && printf 'embedded_mock:\n  dialog: js\n' >"$WORK/obflow.yaml"

write_flows() { # DIR COUNT
  mkdir -p "$1"
  for i in $(seq 1 "$2"); do
    cat >"$1/consent_$i.yaml" <<YAML
name: browser consent $i
steps:
  - auth_link: { scope: [info, accounts, offline_access], providers: [uk-cs-mock, uk-ob-all] }
  - await_code: { via: browser }
  - exchange: {}
    expect: { status: 200 }
  - accounts: {}
    expect: { status: 200 }
YAML
  done
}
write_flows "$WORK/warm" $((CONSENTS + 1))
write_flows "$WORK/suite" "$SCENARIOS"
cd "$WORK"

"$OBFLOW" run warm --jobs 1 --report-json warm.json >/dev/null
python3 - warm.json <<'PY'
import json, statistics, sys
report = json.load(open(sys.argv[1]))
steps = [(s["duration_ms"], st["duration_ms"]) for s in report["scenarios"]
         for st in s["steps"] if st["action"] == "await_code"]
# Run order: the scenario that started first is the one whose step also started the browser.
cold = max(steps)[1] if steps else 0
durations = sorted(st for _, st in steps)
durations.remove(max(durations))
print(f"warm consent: median {statistics.median(durations)/1000:.3f}s  "
      f"fastest {durations[0]/1000:.3f}s  slowest {durations[-1]/1000:.3f}s  "
      f"({len(durations)} consents; the first, with the browser start, {cold/1000:.3f}s)")
PY

# The suite's wall time: ROUNDS runs with nothing watching them, the median reported.
for r in $(seq 1 "${ROUNDS:-3}"); do
  /usr/bin/time -f "%e %U %S" -o "time_$r" "$OBFLOW" run suite --jobs "$JOBS" >"suite_$r.out" \
    || { cat "suite_$r.out"; exit 1; }
done
python3 - "$SCENARIOS" "$JOBS" <<'PY'
import glob, statistics, sys
rounds = [tuple(map(float, open(f).read().split())) for f in sorted(glob.glob("time_*"))]
walls = sorted(r[0] for r in rounds)
cpu = statistics.median(r[1] + r[2] for r in rounds)
print(f"suite: {sys.argv[1]} browser scenarios, --jobs {sys.argv[2]}: wall median {statistics.median(walls):.2f}s "
      f"(rounds {' '.join(f'{w:.2f}' for w in walls)}), CPU (user+sys, obflow and Chromium) {cpu:.2f}s")
PY

# Memory: one more run of the suite, sampled every 100 ms (reading smaps_rollup costs CPU,
# so this run's time is not the figure above).
python3 - "$OBFLOW" "$JOBS" <<'PY'
import os, subprocess, sys, time
obflow, jobs = sys.argv[1], sys.argv[2]

def tree(root):
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(pid))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out

def field(path, name):
    try:
        for line in open(path):
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

proc = subprocess.Popen([obflow, "run", "suite", "--jobs", jobs], stdout=subprocess.DEVNULL)
peak_rss = peak_pss = peak_obflow = peak_procs = 0
while proc.poll() is None:
    pids = tree(proc.pid)
    peak_obflow = max(peak_obflow, field(f"/proc/{proc.pid}/status", "VmRSS"))
    peak_rss = max(peak_rss, sum(field(f"/proc/{p}/status", "VmRSS") for p in pids))
    peak_pss = max(peak_pss, sum(field(f"/proc/{p}/smaps_rollup", "Pss") for p in pids))
    peak_procs = max(peak_procs, len(pids))
    time.sleep(0.1)
if proc.returncode != 0:
    sys.exit("the sampled suite failed")
print(f"peak memory: obflow {peak_obflow/1024:.0f} MB RSS; obflow + Chromium ({peak_procs} processes) "
      f"PSS sum {peak_pss/1024:.0f} MB, RSS sum {peak_rss/1024:.0f} MB (shared pages counted in each)")
PY
