#!/usr/bin/env bash
# `await_code: { via: browser }` against the embedded mock's dialog, in a real headless
# Chromium: the seconds one consent takes with the browser already running, the wall time of
# 16 browser scenarios with --jobs 4, and the peak memory of obflow plus Chromium.
#
#   bench/browser.sh [CONSENTS=20] [SCENARIOS=16] [JOBS=4]
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
# - suite: `obflow run --jobs JOBS` of SCENARIOS scenarios, wall time of the whole process
#   (browser start and close included).
# - memory: during the suite, every 50 ms, the sum over obflow and all its descendants
#   (Chromium's browser, GPU, network and renderer processes) of VmRSS, and of Pss
#   (/proc/PID/smaps_rollup: shared pages counted once in all); the peak of each.
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

start = time.monotonic()
proc = subprocess.Popen([obflow, "run", "suite", "--jobs", jobs], stdout=subprocess.PIPE, text=True)
peak_rss = peak_pss = 0
peak_procs = 0
while proc.poll() is None:
    pids = tree(proc.pid)
    rss = sum(field(f"/proc/{p}/status", "VmRSS") for p in pids)
    pss = sum(field(f"/proc/{p}/smaps_rollup", "Pss") for p in pids)
    peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
    peak_procs = max(peak_procs, len(pids))
    time.sleep(0.05)
wall = time.monotonic() - start
out = proc.stdout.read()
if proc.returncode != 0:
    sys.exit(f"the suite failed:\n{out}")
summary = [l for l in out.splitlines() if "passed" in l][-1]
print(f"suite: {summary} with --jobs {jobs} in {wall:.2f}s wall")
print(f"peak memory, obflow + Chromium ({peak_procs} processes): "
      f"RSS sum {peak_rss/1024:.0f} MB, PSS sum {peak_pss/1024:.0f} MB")
PY
