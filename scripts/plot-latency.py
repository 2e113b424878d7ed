#!/usr/bin/env python3
"""Draws latency against offered rate as an SVG, with no plotting library.

Input: a JSON file (scripts/bench writes it) holding
  [{"rpc": "Interpret", "rate": 1000, "p50_us": 80, "p99_us": 120}, ...]
Output: the SVG on stdout. p50 and p99 of each RPC are one line each;
the rate axis is linear, the latency axis logarithmic (p99 spans orders
of magnitude as the rate nears the peak).
"""
import json
import math
import sys

points = json.load(open(sys.argv[1]))
W, H, L, R, T, B = 720, 420, 70, 170, 30, 50
rates = sorted({p["rate"] for p in points})
lat = [p[k] for p in points for k in ("p50_us", "p99_us") if p[k] > 0]
lo, hi = math.log10(min(lat) / 1.5), math.log10(max(lat) * 1.5)
rmax = max(rates) * 1.05


def x(rate):
    return L + (W - L - R) * rate / rmax


def y(us):
    return T + (H - T - B) * (1 - (math.log10(us) - lo) / (hi - lo))


out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
       f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">offered rate (req/s, paced; each call timed from when it was due)</text>',
       f'<text x="15" y="{(T + H - B) / 2}" transform="rotate(-90 15 {(T + H - B) / 2})" text-anchor="middle">latency (µs, log scale)</text>']
decade = math.floor(lo)
while decade <= hi:
    for m in (1, 2, 5):
        v = m * 10 ** decade
        if lo <= math.log10(v) <= hi:
            out.append(f'<line x1="{L - 4}" y1="{y(v):.1f}" x2="{W - R}" y2="{y(v):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{L - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    decade += 1
for rate in rates:
    out.append(f'<text x="{x(rate):.1f}" y="{H - B + 16}" text-anchor="middle">{rate:,.0f}</text>')
colors = {"Interpret": "#d62728", "Health.Check": "#1f77b4"}
legend = T
for rpc in sorted({p["rpc"] for p in points}):
    for key, dash in (("p50_us", ""), ("p99_us", "6,4")):
        series = sorted((p["rate"], p[key]) for p in points if p["rpc"] == rpc and p[key] > 0)
        path = " ".join(f"{x(r):.1f},{y(v):.1f}" for r, v in series)
        color = colors.get(rpc, "black")
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}" points="{path}"/>')
        for r, v in series:
            out.append(f'<circle cx="{x(r):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"/>')
        out.append(f'<line x1="{W - R + 10}" y1="{legend + 8}" x2="{W - R + 40}" y2="{legend + 8}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{W - R + 45}" y="{legend + 12}">{rpc} {key[:3]}</text>')
        legend += 20
out.append("</svg>")
print("\n".join(out))
