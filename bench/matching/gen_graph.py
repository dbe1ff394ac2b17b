"""Writes a random graph for `peerlab bench matching`: lines "u v w" (0-based, integer weight).

    python3 bench/matching/gen_graph.py NODES EDGES SEED > graph.txt

Edges are distinct, without loops; weights are uniform in 1..1000.
"""
import random
import sys

n, m, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
seen = set()
while len(seen) < m:
    u, v = rng.randrange(n), rng.randrange(n)
    if u != v and (min(u, v), max(u, v)) not in seen:
        seen.add((min(u, v), max(u, v)))
for u, v in sorted(seen):
    print(u, v, rng.randint(1, 1000))
