"""An independent scorer for MDGP solutions, to check values that beat the best-known ones.

    python3 bench/mdgp/score.py INSTANCE SOLUTION

INSTANCE is an MDGPLIB file; SOLUTION has the group index of each element, one per line (as
written by `peerlab bench mdgp --solutions DIR`). Prints the objective, or exits 1 naming
the broken constraint.
"""
import sys
from collections import Counter

lines = open(sys.argv[1]).read().split("\n")
head = lines[0].split()
n, groups = int(head[0]), int(head[1])
bounds = [(int(head[3 + 2 * g]), int(head[4 + 2 * g])) for g in range(groups)]
d = {}
for line in lines[1:]:
    if line.strip():
        i, j, w = line.split()
        d[(int(i), int(j))] = float(w)
assert len(d) == n * (n - 1) // 2, "the instance lists every pair once"
solution = [int(x) for x in open(sys.argv[2]).read().split()]
if len(solution) != n:
    sys.exit(f"the solution has {len(solution)} elements, the instance {n}")
sizes = Counter(solution)
for g, (lo, hi) in enumerate(bounds):
    if not lo <= sizes.get(g, 0) <= hi:
        sys.exit(f"group {g} has {sizes.get(g, 0)} elements, outside [{lo}, {hi}]")
if any(not 0 <= g < groups for g in solution):
    sys.exit("a group index is out of range")
print(f"{sum(w for (i, j), w in d.items() if solution[i] == solution[j]):.6f}")
