"""The reference: networkx's max_weight_matching on a graph file, timed.

    pip install networkx && python3 bench/matching/networkx_mwm.py graph.txt

Prints the total weight of the matching and the seconds the matching took (reading excluded).
"""
import sys
import time

import networkx as nx

g = nx.Graph()
with open(sys.argv[1]) as f:
    for line in f:
        u, v, w = line.split()
        g.add_edge(int(u), int(v), weight=int(w))
start = time.perf_counter()
mate = nx.max_weight_matching(g)
seconds = time.perf_counter() - start
print(sum(g[u][v]["weight"] for u, v in mate), f"{seconds:.2f}")
