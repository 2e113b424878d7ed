#!/usr/bin/env python3
"""Asks a running vehicle-error-interpreter, through grpcurl, for one answer
per reason the server can give (every vehicle-state code, every type-table
row and code, OAuth errors, status-only answers, the default, and the
caller's operation's answers), each body carrying a valid
`resolution.url` where the input can hold one, and prints the markdown
table "types as answered".

Usage (issue 22's closing note; the server logs "serving addr=..."):
  ./target/debug/vehicle-error-interpreter --listen-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 &
  scripts/types-as-answered.py .tools/bin/grpcurl 127.0.0.1:PORT . > types-as-answered.md
"""

import json
import subprocess
import sys

GRPCURL, ADDR, REPO = sys.argv[1], sys.argv[2], sys.argv[3]
URL = "https://example.com/fix"
RES = {"type": None, "url": URL}


def ask(request):
    out = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(request), ADDR,
         "vehicle_errors.v1.InterpreterService/Interpret"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def body(obj, status=0, **extra):
    request = {"body": json.dumps(obj), "http_status": status, "app_name": "Fleet"}
    request.update(extra)
    return request


entries = json.load(open(f"{REPO}/catalog/vehicle_state_errors.json"))
table = json.load(open(f"{REPO}/catalog/error_types.json"))
rows = []  # (input, request, expected reason)
for e in entries["errors"]:
    code = e["code"]
    rows.append((f"VEHICLE_STATE {code}",
                 body({"type": "VEHICLE_STATE", "code": code, "statusCode": 409,
                       "resolution": RES}, 409),
                 f"VEHICLE_STATE_{code}"))
for rule in entries["operations"]:
    op, code = rule["operation"], rule["code"]
    reason = rule["answer"]["reason"] if rule.get("answer") else f"VEHICLE_STATE_{code}"
    rows.append((f"VEHICLE_STATE {code} + operation {op}",
                 body({"type": "VEHICLE_STATE", "code": code, "statusCode": 409,
                       "resolution": RES}, 409, operation=f"OPERATION_{op}"),
                 reason))
for t in table["types"]:
    name, status = t["type"], t["httpStatus"]
    has_null = False
    for rule in t["rules"]:
        for code in rule["codes"]:
            has_null |= code is None
            reason = name if code is None else f"{name}_{code}"
            rows.append((f"{name} {code or 'null'}",
                         body({"type": name, "code": code, "statusCode": status,
                               "description": "d", "resolution": RES}, status),
                         reason))
    if not has_null:
        rows.append((f"{name} (an unlisted code)",
                     body({"type": name, "code": "SOMETHING_NEW", "statusCode": status,
                           "description": "d", "resolution": RES}, status),
                     name))
for o in table["oauthErrors"]:
    error = o["error"]
    rows.append((f"OAuth {error}",
                 body({"error": error, "error_description": "d", "resolution": RES}, 400),
                 f"OAUTH_{error.upper()}"))
statuses = []
for s in table["httpStatuses"]:
    if s.get("statuses"):
        statuses += [(st, f"HTTP_{st}") for st in s["statuses"]]
    else:
        st = 418 if s["statusClass"] == 4 else 507
        statuses.append((st, f"HTTP_{s['statusClass']}XX"))
statuses.append((409, "HTTP_409"))
for st, reason in statuses:
    rows.append((f"status only, {st}",
                 body({"statusCode": st, "resolution": RES}, st), reason))
rows.append(("an unknown type, no usable status",
             body({"type": "WEATHER", "code": "HAIL", "resolution": RES}, 0),
             "UNRECOGNIZED_ERROR"))


def short(value, prefix):
    return value[len(prefix):] if value.startswith(prefix) else value


print("| input | reason | category | strategy | action | scope | propagation code | decided_by | action_url present |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
seen = set()
mismatches = []
for name, request, expected in rows:
    r = ask(request)
    advice = r.get("retryAdvice", {})
    reason = r.get("reason", "")
    if reason != expected:
        mismatches.append((name, expected, reason))
    seen.add(reason)
    url = "yes" if r.get("actionUrl") == URL else "no"
    if name.startswith("status only"):
        url += " (no error object to carry one)"
    print("| " + " | ".join([
        name,
        f"`{reason}`",
        short(r.get("category", ""), "CATEGORY_"),
        short(advice.get("strategy", ""), "RETRY_STRATEGY_"),
        short(advice.get("action", ""), "ACTION_"),
        short(advice.get("scope", ""), "SCOPE_"),
        r.get("propagationCode", ""),
        short(r.get("decidedBy", ""), "DECISION_SOURCE_"),
        url,
    ]) + " |")
print()
print(f"{len(rows)} rows, {len(seen)} distinct reasons.")
if mismatches:
    print(f"Answered with another reason than the input was chosen for: {mismatches}")
