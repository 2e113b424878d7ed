#!/usr/bin/env bash
# Prometheus, checked by Prometheus' own tool (promtool, pinned in
# scripts/install-tools.sh):
#   1. the alerting and recording rules in k8s/monitoring/ pass `promtool
#      check rules` and their unit tests (`promtool test rules`), and the
#      PrometheusRule wraps exactly the groups of the plain rules file;
#   2. a live scrape of the server, after a few calls, passes `promtool check
#      metrics` with no output at all (no warnings), fetched as `curl | promtool`
#      does (classic text format; no Accept header gets the same);
#   3. every PromQL expression of the Grafana dashboard parses (promtool
#      check rules on a generated rules file) and names only metrics the live
#      scrape exposes; README.md's panel list names the dashboard's rows and
#      panels, in order.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/server.sh

for tool in promtool grpcurl curl python; do
  command -v "$tool" >/dev/null \
    || { echo "$tool missing: run scripts/install-tools.sh and source scripts/env.sh"; exit 1; }
done
echo "$(promtool --version 2>&1 | head -n 1)"
monitoring=k8s/monitoring
work="$(mktemp -d)"
cleanup() {
  [ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------ 1. rules
promtool check rules "$monitoring/rules.yaml"
promtool test rules "$monitoring"/tests/*.yaml
python - "$monitoring/rules.yaml" "$monitoring/prometheusrule.yaml" <<'PY'
import sys, yaml
plain = yaml.safe_load(open(sys.argv[1]))
wrapper = yaml.safe_load(open(sys.argv[2]))
if wrapper.get("kind") != "PrometheusRule" or wrapper.get("spec") != plain:
    sys.exit(f"{sys.argv[2]}: spec differs from {sys.argv[1]} (copy the groups over)")
print(f"{sys.argv[2]}: the same {len(plain['groups'])} groups as {sys.argv[1]}")
PY

# ------------------------------------------------------------ 2. live scrape
start_server "$(server_bin)"
metrics_addr="$(grep -m1 '"message":"serving metrics"' "$SERVER_LOG" | grep -o '"addr":"[^"]*"' | cut -d'"' -f4)"
[ -n "$metrics_addr" ] || { echo "no 'serving metrics' line in the server's log"; cat "$SERVER_LOG"; exit 1; }

# One call of each outcome, so every family and label shape is in the scrape.
call() { grpcurl -plaintext -max-time 10 "$@" >/dev/null 2>&1 || true; }
svc=vehicle_errors.v1.InterpreterService
call -d '{"body":"{\"type\":\"VEHICLE_STATE\",\"code\":\"DOOR_OPEN\"}"}' "$SERVER_ADDR" "$svc/Interpret"
call -d '{"body":"{\"type\":\"VEHICLE_STATE\",\"code\":\"NOT_A_CODE\"}"}' "$SERVER_ADDR" "$svc/Interpret"
call -d '{}' "$SERVER_ADDR" "$svc/Interpret"                                  # INVALID_ARGUMENT
call -d '{"code":"NOT_A_CODE"}' "$SERVER_ADDR" "$svc/GetVehicleStateError"     # NOT_FOUND
call -d '{}' "$SERVER_ADDR" "$svc/ListVehicleStateErrors"
call "$SERVER_ADDR" grpc.health.v1.Health/Check

curl -sS --max-time 10 -D "$work/headers" "http://$metrics_addr/metrics" >"$work/scrape.txt"
grep -qi '^content-type: text/plain; version=0.0.4' "$work/headers" \
  || { echo "curl's scrape is not the classic text format:"; cat "$work/headers"; exit 1; }
curl -sS --max-time 10 -H 'Accept:' -o /dev/null -w '%{content_type}\n' "http://$metrics_addr/metrics" \
  | grep -q '^text/plain; version=0.0.4' || { echo "a scrape without Accept is not the classic format"; exit 1; }
rc=0
promtool check metrics <"$work/scrape.txt" >"$work/check.txt" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$work/check.txt" ]; then
  echo "promtool check metrics (exit $rc) on the live scrape:"
  cat "$work/check.txt"
  exit 1
fi
echo "promtool check metrics: no problems in $(grep -c '^# TYPE' "$work/scrape.txt") families, $(grep -vc '^#' "$work/scrape.txt") samples"

# ------------------------------------------------------------ 3. dashboard
# Each panel expression as a recording rule (Grafana's variables replaced by
# values PromQL accepts), for promtool to parse; and each metric name it
# selects, for the scrape to have.
python - "$monitoring/dashboard.json" "$work/dashboard-rules.yaml" "$work/dashboard-metrics.txt" <<'PY'
import json, re, sys, yaml

dashboard = json.load(open(sys.argv[1]))
exprs = []
def walk(node):
    if isinstance(node, dict):
        for target in node.get("targets", []):
            if target.get("expr"):
                exprs.append((node.get("title", "?"), target["expr"]))
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
walk(dashboard.get("panels", []))
if not exprs:
    sys.exit("the dashboard has no expressions")

def substitute(expr):
    expr = re.sub(r"\$\{?__rate_interval\}?|\$\{?__interval\}?", "1m", expr)
    expr = re.sub(r"\$\{?__range\}?", "1h", expr)
    return re.sub(r"\$\{?[A-Za-z_]\w*\}?", ".*", expr)   # $namespace, $job: in regex matchers

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool",
            "and", "or", "unless", "offset", "atan2", "inf", "nan"}
def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    expr = re.sub(r"\{[^}]*\}", " ", expr)                   # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)                  # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?", expr):
        name, call = match.group(1), match.group(2)
        if not call and name.lower() not in KEYWORDS:
            names.add(name)
    return names

rules, used = [], set()
for i, (title, expr) in enumerate(exprs):
    rules.append({"record": f"dashboard:expr_{i}", "expr": substitute(expr),
                  "labels": {"panel": title}})
    names = metric_names(expr)
    if not names:
        sys.exit(f"panel {title!r}: no metric name found in {expr!r}")
    used |= names
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"), sort_keys=False)
open(sys.argv[3], "w").write("".join(f"{n}\n" for n in sorted(used)))
print(f"dashboard: {len(exprs)} expressions, metrics {' '.join(sorted(used))}")
PY
promtool check rules "$work/dashboard-rules.yaml" >"$work/parse.txt" 2>&1 \
  || { echo "a dashboard expression does not parse:"; cat "$work/parse.txt"; exit 1; }
missing=0
while IFS= read -r name; do
  if ! grep -qE "^${name}(\{| )" "$work/scrape.txt"; then
    echo "dashboard: metric $name is not in the live scrape"
    missing=1
  fi
done <"$work/dashboard-metrics.txt"
[ "$missing" -eq 0 ] || exit 1
echo "dashboard: every expression parses and every metric is in the live scrape"

python - "$monitoring/dashboard.json" README.md <<'PY'
import json, re, sys
titles = [p["title"] for p in json.load(open(sys.argv[1]))["panels"]]
readme = open(sys.argv[2]).read()
block = re.search(r"<!-- dashboard-panels:start -->\n(.*?)<!-- dashboard-panels:end -->", readme, re.S)
if not block:
    sys.exit("README.md has no <!-- dashboard-panels:start/end --> block")
listed = re.findall(r"^\s*- \*\*(.+?)\*\*", block.group(1), re.M)
if listed != titles:
    sys.exit(f"README.md's panel list differs from the dashboard's:\n  README:    {listed}\n  dashboard: {titles}")
print(f"README.md lists the dashboard's {len(titles)} rows and panels")
PY
stop_server
SERVER_PID=
