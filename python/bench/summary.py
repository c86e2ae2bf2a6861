"""Summary of python/bench/run.sh's results.jsonl: per system and network, the median of the epochs after the
first of every run, the runs' 1-minute loads, and the ratio to the TorchDistributor averaging peer."""
import json
import statistics
import sys
from collections import OrderedDict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = OrderedDict()
for r in rows:
    by.setdefault((r["network"], r["key"]), []).append(r)
print("| network | system | epochs after the first (s) | median s | / TorchDistributor averaging | 1-min load |")
print("|---|---|---|---|---|---|")
for net in OrderedDict((k[0], 0) for k in by):
    peer = [x for r in by.get((net, "torch-avg"), []) for x in r["epoch_seconds"][1:]]
    ref = statistics.median(peer) if peer else None
    for (n, key), runs in by.items():
        if n != net:
            continue
        xs = [x for r in runs for x in r["epoch_seconds"][1:]]
        if not xs:
            continue
        m = statistics.median(xs)
        loads = [r["load1"] for r in runs]
        print(f"| {net} | {runs[0]['system']} | {', '.join(f'{x:.2f}' for x in xs)} | {m:.2f} | "
              f"{m / ref:.2f} | {min(loads):.1f}-{max(loads):.1f} |" if ref else
              f"| {net} | {runs[0]['system']} | {', '.join(f'{x:.2f}' for x in xs)} | {m:.2f} | - | "
              f"{min(loads):.1f}-{max(loads):.1f} |")
