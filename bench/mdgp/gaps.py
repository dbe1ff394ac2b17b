"""Gap of `peerlab bench mdgp` results to the best-known values.

    ./target/release/peerlab bench mdgp ../shared/bench/mdgp/instances/*_n240_* --seconds 10 > out.txt
    python3 bench/mdgp/gaps.py ../shared/bench/mdgp/best_known.csv out.txt

Reads lines "NAME OBJECTIVE" and prints, per set (type and n), the number of instances, the
mean and the worst gap in percent, and how many beat the best-known value. A negative gap
means the best-known value was beaten.
"""
import csv
import sys
from collections import defaultdict

best = {row["instance"]: float(row["best_known"]) for row in csv.DictReader(open(sys.argv[1]))}
sets = defaultdict(list)
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) != 2 or parts[0] not in best:
        continue
    name, value = parts[0], float(parts[1])
    gap = 100.0 * (best[name] - value) / best[name]
    kind, n = name.split("_")[0], name.split("_")[1]
    sets[(kind, n)].append((gap, name))
print(f"{'set':<14} {'count':>5} {'mean gap %':>11} {'worst gap %':>12} {'beaten':>7}")
for (kind, n), gaps in sorted(sets.items()):
    values = [g for g, _ in gaps]
    print(f"{kind + ' ' + n:<14} {len(values):>5} {sum(values) / len(values):>11.3f} {max(values):>12.3f} {sum(v < -1e-9 for v in values):>7}")
