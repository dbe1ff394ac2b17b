//! Exact maximum-weight matching on a general graph.
//!
//! Pairing people by affinity is a matching problem on a graph that is not bipartite (anyone
//! may be paired with anyone), so the bipartite Hungarian method does not apply and greedy
//! pairing can lose a good deal of weight. This module implements Edmonds' blossom algorithm
//! with dual variables in the O(n³) formulation of Galil ("Efficient Algorithms for Finding
//! Maximum Matching in Graphs", ACM Computing Surveys, 1986), following the structure of
//! Joris van Rantwijk's implementation that networkx's `max_weight_matching` also uses. The
//! names of the arrays below are kept from that implementation so the two can be read side by
//! side.
//!
//! Vertex duals are stored doubled (`dual[v] = 2·u(v)`) and edge slacks are computed as
//! `dual[i] + dual[j] - 2·w`, so with integer weights every dual stays an integer and the
//! result is exact: no floating point is involved.

/// The largest edge weight [`max_weight_matching`] accepts.
///
/// Slacks are computed as `dual[i] + dual[j] - 2·w` and duals start at the largest weight, so
/// keeping weights below an eighth of `i64::MAX` leaves room for every intermediate value.
pub const MAX_WEIGHT: i64 = i64::MAX / 8;

/// Marks "no vertex", "no edge", "no endpoint" or "no blossom" in the index arrays, where the
/// reference implementation uses -1.
const NONE: usize = usize::MAX;

/// Computes a matching of maximum total weight in a general undirected graph.
///
/// `n` is the number of vertices, numbered `0..n`, and `edges` lists `(u, v, weight)`. The
/// result `mate` has length `n`; `mate[v]` is `Some(u)` when `v` is paired with `u` (and then
/// `mate[u] == Some(v)`), or `None` when `v` stays single.
///
/// The matching maximises the summed weight; it does not try to pair as many vertices as
/// possible, so it leaves a vertex single when pairing it would lower the total. Edges with a
/// weight of zero or less can never raise the total and are ignored, as are self-loops. When
/// the same pair is listed more than once, the heaviest listing counts.
///
/// # Panics
///
/// Panics when an edge names a vertex `>= n` or has a weight above [`MAX_WEIGHT`]; both are
/// mistakes in the caller rather than conditions to recover from.
pub fn max_weight_matching(n: usize, edges: &[(usize, usize, i64)]) -> Vec<Option<usize>> {
    for &(u, v, w) in edges {
        assert!(
            u < n && v < n,
            "edge ({u}, {v}) names a vertex outside 0..{n}"
        );
        assert!(
            w <= MAX_WEIGHT,
            "edge ({u}, {v}) weighs {w}, above MAX_WEIGHT"
        );
    }

    // Only edges that can raise the total matter; dropping the rest up front also keeps the
    // algorithm's assumption of a simple graph (no loops, one edge per pair).
    let mut kept: Vec<(usize, usize, i64)> = edges
        .iter()
        .filter(|&&(u, v, w)| w > 0 && u != v)
        .map(|&(u, v, w)| (u.min(v), u.max(v), w))
        .collect();
    kept.sort_unstable_by(|a, b| (a.0, a.1, b.2).cmp(&(b.0, b.1, a.2)));
    kept.dedup_by_key(|e| (e.0, e.1));

    // Vertices without a useful edge stay single; leaving them out of the solver saves it
    // from relabelling and re-dualling them in every stage.
    let mut local = vec![NONE; n];
    let mut global = Vec::new();
    for &(u, v, _) in &kept {
        for x in [u, v] {
            if local[x] == NONE {
                local[x] = global.len();
                global.push(x);
            }
        }
    }

    let mut mate = vec![None; n];
    if kept.is_empty() {
        return mate;
    }
    let local_edges = kept
        .iter()
        .map(|&(u, v, w)| (local[u], local[v], w))
        .collect();
    let solver = Solver::solve(global.len(), local_edges);
    for (i, m) in solver.mates().into_iter().enumerate() {
        mate[global[i]] = m.map(|j| global[j]);
    }
    mate
}

/// Sums the weights of the edges that `mate` uses.
///
/// An edge counts when its two ends are paired with each other; when the same pair is listed
/// more than once, the heaviest listing counts once, matching how [`max_weight_matching`]
/// reads the list. Pairs in `mate` that have no listed edge contribute nothing.
pub fn matching_weight(edges: &[(usize, usize, i64)], mate: &[Option<usize>]) -> i64 {
    let mut used: Vec<(usize, usize, i64)> = edges
        .iter()
        .filter(|&&(u, v, _)| u != v && mate.get(u).copied().flatten() == Some(v))
        .map(|&(u, v, w)| (u.min(v), u.max(v), w))
        .collect();
    used.sort_unstable_by(|a, b| (a.0, a.1, b.2).cmp(&(b.0, b.1, a.2)));
    used.dedup_by_key(|e| (e.0, e.1));
    used.iter().map(|e| e.2).sum()
}

/// One edge as seen from one of its ends.
#[derive(Clone, Copy)]
struct Neighbour {
    /// The endpoint at the far end; the edge's number is `p / 2`.
    p: usize,
    /// The vertex at the far end, `endpoint[p]`.
    w: usize,
    /// The edge's weight.
    weight: i64,
}

/// What the dual update of a substage ran into first, which decides the next step.
enum Delta {
    /// A vertex dual reached zero: no further improvement is possible.
    VertexDual,
    /// An edge from an S-vertex to a free vertex became tight.
    FreeEdge(usize),
    /// An edge between two S-blossoms became tight.
    SEdge(usize),
    /// The dual of a T-blossom reached zero, so the blossom must be expanded.
    TBlossom(usize),
}

/// The state of one run of the blossom algorithm, with the arrays of the reference
/// implementation as fields.
///
/// Vertices are `0..nv`; non-trivial blossoms are `nv..2·nv`. Edge `k` has the endpoints
/// `2k` and `2k + 1`, so `p ^ 1` is the other end of endpoint `p`'s edge.
struct Solver {
    /// The number of vertices.
    nv: usize,
    /// The edges `(i, j, w)`, with `i < j`, positive `w` and at most one edge per pair.
    edges: Vec<(usize, usize, i64)>,
    /// `endpoint[p]` is the vertex at endpoint `p`.
    endpoint: Vec<usize>,
    /// The edges at vertex `v` are `neighbend[neighstart[v]..neighstart[v + 1]]`.
    neighstart: Vec<usize>,
    /// For each edge at a vertex: the remote endpoint, the remote vertex and the weight. The
    /// reference keeps only the endpoint; keeping the other two beside it, in one flat array,
    /// spares the edge scan (the hot loop) two scattered reads per edge.
    neighbend: Vec<Neighbour>,
    /// `mate[v]` is the remote endpoint of `v`'s matched edge, or `NONE` when `v` is single.
    mate: Vec<usize>,
    /// For a top-level blossom: 0 free, 1 S, 2 T (5 while `scan_blossom` leaves a breadcrumb).
    /// For a vertex inside a T-blossom: 2 when it is reachable from an S-vertex outside.
    label: Vec<u8>,
    /// The remote endpoint of the edge through which the label was obtained, or `NONE`.
    labelend: Vec<usize>,
    /// The top-level blossom that contains each vertex.
    inblossom: Vec<usize>,
    /// The immediate parent of each (sub-)blossom, or `NONE` at the top level.
    blossomparent: Vec<usize>,
    /// The sub-blossoms of a non-trivial blossom, starting with the base and going round.
    blossomchilds: Vec<Vec<usize>>,
    /// The base vertex of each blossom, or `NONE` for an unused blossom number.
    blossombase: Vec<usize>,
    /// `blossomendps[b][i]` is the endpoint of `blossomchilds[b][i]` on the edge that
    /// connects it to the next sub-blossom.
    blossomendps: Vec<Vec<usize>>,
    /// The least-slack edge to an S-vertex (for a free vertex) or to another S-blossom (for a
    /// top-level S-blossom), used to find delta2 and delta3 without scanning every edge.
    bestedge: Vec<usize>,
    /// For a non-trivial top-level S-blossom, its least-slack edges to neighbouring
    /// S-blossoms, computed lazily.
    blossombestedges: Vec<Option<Vec<usize>>>,
    /// Blossom numbers free for reuse.
    unusedblossoms: Vec<usize>,
    /// Twice the vertex duals for `0..nv`, the blossom duals for `nv..2·nv`.
    dualvar: Vec<i64>,
    /// Whether each edge is known to have zero slack.
    allowedge: Vec<bool>,
    /// Newly labelled S-vertices whose edges have not been scanned yet.
    queue: Vec<usize>,
}

impl Solver {
    /// Runs the algorithm to completion on `nv` vertices and simple, positive `edges`.
    fn solve(nv: usize, edges: Vec<(usize, usize, i64)>) -> Solver {
        let nedge = edges.len();
        let maxweight = edges.iter().map(|e| e.2).max().unwrap_or(0).max(0);
        let mut endpoint = Vec::with_capacity(2 * nedge);
        let mut neighstart = vec![0; nv + 1];
        for &(i, j, _) in &edges {
            neighstart[i + 1] += 1;
            neighstart[j + 1] += 1;
        }
        for v in 0..nv {
            neighstart[v + 1] += neighstart[v];
        }
        let mut fill = neighstart.clone();
        let blank = Neighbour {
            p: NONE,
            w: NONE,
            weight: 0,
        };
        let mut neighbend = vec![blank; 2 * nedge];
        for (k, &(i, j, weight)) in edges.iter().enumerate() {
            endpoint.push(i);
            endpoint.push(j);
            neighbend[fill[i]] = Neighbour {
                p: 2 * k + 1,
                w: j,
                weight,
            };
            fill[i] += 1;
            neighbend[fill[j]] = Neighbour {
                p: 2 * k,
                w: i,
                weight,
            };
            fill[j] += 1;
        }
        let mut dualvar = vec![maxweight; nv];
        dualvar.resize(2 * nv, 0);
        let mut blossombase: Vec<usize> = (0..nv).collect();
        blossombase.resize(2 * nv, NONE);
        let mut s = Solver {
            nv,
            edges,
            endpoint,
            neighstart,
            neighbend,
            mate: vec![NONE; nv],
            label: vec![0; 2 * nv],
            labelend: vec![NONE; 2 * nv],
            inblossom: (0..nv).collect(),
            blossomparent: vec![NONE; 2 * nv],
            blossomchilds: vec![Vec::new(); 2 * nv],
            blossombase,
            blossomendps: vec![Vec::new(); 2 * nv],
            bestedge: vec![NONE; 2 * nv],
            blossombestedges: vec![None; 2 * nv],
            // Popping from the end hands out the highest numbers first, as the reference does.
            unusedblossoms: (nv..2 * nv).collect(),
            dualvar,
            allowedge: vec![false; nedge],
            queue: Vec::new(),
        };
        s.run();
        s
    }

    /// The partner of each vertex, as a vertex number.
    fn mates(&self) -> Vec<Option<usize>> {
        self.mate
            .iter()
            .map(|&p| (p != NONE).then(|| self.endpoint[p]))
            .collect()
    }

    /// Twice the slack of edge `k`; only meaningful for edges between different top-level
    /// blossoms, which is the only place it is used.
    fn slack(&self, k: usize) -> i64 {
        let (i, j, w) = self.edges[k];
        self.dualvar[i] + self.dualvar[j] - 2 * w
    }

    /// The edges at vertex `v`.
    fn neighbours(&self, v: usize) -> &[Neighbour] {
        &self.neighbend[self.neighstart[v]..self.neighstart[v + 1]]
    }

    /// The vertices inside blossom `b`, in the order of a depth-first walk of its children.
    fn leaves(&self, b: usize) -> Vec<usize> {
        if b < self.nv {
            return vec![b];
        }
        // An explicit stack instead of recursion: blossoms can nest about n/2 deep.
        let mut out = Vec::new();
        let mut stack = vec![b];
        while let Some(x) = stack.pop() {
            if x < self.nv {
                out.push(x);
            } else {
                stack.extend(self.blossomchilds[x].iter().rev());
            }
        }
        out
    }

    /// Gives label `t` to the top-level blossom containing `w`, reached through the edge with
    /// remote endpoint `p`. A T label also labels the blossom's mate S, since the only way on
    /// from a T-blossom is through its matched edge.
    fn assign_label(&mut self, w: usize, t: u8, p: usize) {
        let (mut w, mut t, mut p) = (w, t, p);
        loop {
            let b = self.inblossom[w];
            debug_assert!(self.label[w] == 0 && self.label[b] == 0);
            self.label[w] = t;
            self.label[b] = t;
            self.labelend[w] = p;
            self.labelend[b] = p;
            self.bestedge[w] = NONE;
            self.bestedge[b] = NONE;
            if t == 1 {
                if b < self.nv {
                    // Most labels go to single vertices; skip building a list of one.
                    self.queue.push(b);
                } else {
                    let leaves = self.leaves(b);
                    self.queue.extend(leaves);
                }
                return;
            }
            let m = self.mate[self.blossombase[b]];
            debug_assert!(m != NONE, "a T-blossom's base is always matched");
            w = self.endpoint[m];
            t = 1;
            p = m ^ 1;
        }
    }

    /// Traces back from S-vertices `v` and `w` along their alternating trees. Returns the base
    /// vertex of the new blossom where the two paths meet, or `NONE` when they reach two
    /// different single vertices, which means an augmenting path was found.
    fn scan_blossom(&mut self, v: usize, w: usize) -> usize {
        let (mut v, mut w) = (v, w);
        let mut path = Vec::new();
        let mut base = NONE;
        // The swap at the end keeps `v` the live end, so `v` is never NONE at the top.
        while v != NONE {
            let mut b = self.inblossom[v];
            if self.label[b] & 4 != 0 {
                base = self.blossombase[b];
                break;
            }
            debug_assert_eq!(self.label[b], 1);
            path.push(b);
            self.label[b] = 5;
            if self.labelend[b] == NONE {
                // The base of `b` is single, so this path ends here.
                v = NONE;
            } else {
                v = self.endpoint[self.labelend[b]];
                b = self.inblossom[v];
                debug_assert_eq!(self.label[b], 2);
                v = self.endpoint[self.labelend[b]];
            }
            if w != NONE {
                std::mem::swap(&mut v, &mut w);
            }
        }
        for b in path {
            self.label[b] = 1;
        }
        base
    }

    /// Builds a new S-blossom with base vertex `base` around edge `k`, which joins two
    /// S-vertices of the same tree. Its T-vertices become S and are queued for scanning.
    fn add_blossom(&mut self, base: usize, k: usize) {
        let (mut v, mut w, _) = self.edges[k];
        let bb = self.inblossom[base];
        let mut bv = self.inblossom[v];
        let mut bw = self.inblossom[w];
        let Some(b) = self.unusedblossoms.pop() else {
            unreachable!("a graph on n vertices never holds more than n/2 blossoms at once");
        };
        self.blossombase[b] = base;
        self.blossomparent[b] = NONE;
        self.blossomparent[bb] = b;

        let mut path = Vec::new();
        let mut endps = Vec::new();
        while bv != bb {
            self.blossomparent[bv] = b;
            path.push(bv);
            endps.push(self.labelend[bv]);
            v = self.endpoint[self.labelend[bv]];
            bv = self.inblossom[v];
        }
        path.push(bb);
        path.reverse();
        endps.reverse();
        endps.push(2 * k);
        while bw != bb {
            self.blossomparent[bw] = b;
            path.push(bw);
            endps.push(self.labelend[bw] ^ 1);
            w = self.endpoint[self.labelend[bw]];
            bw = self.inblossom[w];
        }
        debug_assert_eq!(self.label[bb], 1);
        self.label[b] = 1;
        self.labelend[b] = self.labelend[bb];
        self.dualvar[b] = 0;
        self.blossomchilds[b] = path.clone();
        self.blossomendps[b] = endps;

        for v in self.leaves(b) {
            if self.label[self.inblossom[v]] == 2 {
                // A T-vertex inside an S-blossom is an S-vertex now, with edges to scan.
                self.queue.push(v);
            }
            self.inblossom[v] = b;
        }

        // Merge the sub-blossoms' least-slack edges into one list for the new blossom, keeping
        // the best edge per neighbouring S-blossom, so delta3 stays cheap to find.
        let mut bestedgeto = vec![NONE; 2 * self.nv];
        for &bv in &path {
            let nblist: Vec<usize> = match self.blossombestedges[bv].take() {
                Some(list) => list,
                None => self
                    .leaves(bv)
                    .iter()
                    .flat_map(|&v| self.neighbours(v).iter().map(|nb| nb.p / 2))
                    .collect(),
            };
            for k in nblist {
                let (mut i, mut j, _) = self.edges[k];
                if self.inblossom[j] == b {
                    std::mem::swap(&mut i, &mut j);
                }
                let bj = self.inblossom[j];
                if bj != b
                    && self.label[bj] == 1
                    && (bestedgeto[bj] == NONE || self.slack(k) < self.slack(bestedgeto[bj]))
                {
                    bestedgeto[bj] = k;
                }
            }
            self.bestedge[bv] = NONE;
        }
        let list: Vec<usize> = bestedgeto.into_iter().filter(|&k| k != NONE).collect();
        let mut best = NONE;
        for &k in &list {
            if best == NONE || self.slack(k) < self.slack(best) {
                best = k;
            }
        }
        self.blossombestedges[b] = Some(list);
        self.bestedge[b] = best;
    }

    /// Dissolves top-level blossom `b` into its sub-blossoms. At the end of a stage
    /// (`endstage`), sub-blossoms whose dual is zero are dissolved too. During a stage, a
    /// T-blossom's children are relabelled so the alternating tree stays valid.
    fn expand_blossom(&mut self, b: usize, endstage: bool) {
        let childs = std::mem::take(&mut self.blossomchilds[b]);
        for &s in &childs {
            self.blossomparent[s] = NONE;
            if s < self.nv {
                self.inblossom[s] = s;
            } else if endstage && self.dualvar[s] == 0 {
                self.expand_blossom(s, endstage);
            } else {
                for v in self.leaves(s) {
                    self.inblossom[v] = s;
                }
            }
        }

        if !endstage && self.label[b] == 2 {
            // Start at the child through which the blossom got its T label and relabel
            // children on the even-length side until the base is reached.
            let entrychild = self.inblossom[self.endpoint[self.labelend[b] ^ 1]];
            let Some(start) = childs.iter().position(|&c| c == entrychild) else {
                unreachable!("the entry vertex of a T-blossom lies inside it");
            };
            let len = childs.len() as isize;
            let at = |j: isize| j.rem_euclid(len) as usize;
            let mut j = start as isize;
            let (jstep, endptrick) = if j & 1 == 1 {
                // An odd start goes forward, wrapping past the end.
                j -= len;
                (1, 0)
            } else {
                (-1, 1)
            };
            let mut p = self.labelend[b];
            while j != 0 {
                // Relabel the T-sub-blossom.
                self.label[self.endpoint[p ^ 1]] = 0;
                let q = self.blossomendps[b][at(j - endptrick as isize)];
                self.label[self.endpoint[q ^ endptrick ^ 1]] = 0;
                self.assign_label(self.endpoint[p ^ 1], 2, p);
                // Step to the next S-sub-blossom and note its forward endpoint.
                self.allowedge[q / 2] = true;
                j += jstep;
                p = self.blossomendps[b][at(j - endptrick as isize)] ^ endptrick;
                // Step to the next T-sub-blossom.
                self.allowedge[p / 2] = true;
                j += jstep;
            }
            // The base sub-blossom becomes T without passing the label on to its mate, which
            // already holds the label it had through the expanding blossom.
            let bv = childs[at(j)];
            let e = self.endpoint[p ^ 1];
            self.label[e] = 2;
            self.label[bv] = 2;
            self.labelend[e] = p;
            self.labelend[bv] = p;
            self.bestedge[bv] = NONE;
            j += jstep;
            while childs[at(j)] != entrychild {
                // Children on the odd-length side become T only if some S-vertex outside
                // reaches one of their vertices.
                let bv = childs[at(j)];
                if self.label[bv] == 1 {
                    j += jstep;
                    continue;
                }
                let reached = self.leaves(bv).into_iter().find(|&v| self.label[v] != 0);
                if let Some(v) = reached {
                    debug_assert_eq!(self.label[v], 2);
                    debug_assert_eq!(self.inblossom[v], bv);
                    self.label[v] = 0;
                    self.label[self.endpoint[self.mate[self.blossombase[bv]]]] = 0;
                    self.assign_label(v, 2, self.labelend[v]);
                }
                j += jstep;
            }
        }

        // Recycle the blossom number.
        self.label[b] = 0;
        self.labelend[b] = NONE;
        self.blossomendps[b] = Vec::new();
        self.blossombase[b] = NONE;
        self.blossombestedges[b] = None;
        self.bestedge[b] = NONE;
        self.unusedblossoms.push(b);
    }

    /// Flips matched and unmatched edges along the even-length path inside blossom `b` from
    /// vertex `v` to the base, and makes `v` the new base.
    fn augment_blossom(&mut self, b: usize, v: usize) {
        let mut t = v;
        while self.blossomparent[t] != b {
            t = self.blossomparent[t];
        }
        if t >= self.nv {
            self.augment_blossom(t, v);
        }
        let Some(i) = self.blossomchilds[b].iter().position(|&c| c == t) else {
            unreachable!("the walk up from a vertex of b ends at a child of b");
        };
        let len = self.blossomchilds[b].len() as isize;
        let at = |j: isize| j.rem_euclid(len) as usize;
        let mut j = i as isize;
        let (jstep, endptrick) = if i & 1 == 1 {
            j -= len;
            (1, 0)
        } else {
            (-1, 1)
        };
        while j != 0 {
            j += jstep;
            let t = self.blossomchilds[b][at(j)];
            let p = self.blossomendps[b][at(j - endptrick as isize)] ^ endptrick;
            if t >= self.nv {
                self.augment_blossom(t, self.endpoint[p]);
            }
            j += jstep;
            let t = self.blossomchilds[b][at(j)];
            if t >= self.nv {
                self.augment_blossom(t, self.endpoint[p ^ 1]);
            }
            self.mate[self.endpoint[p]] = p ^ 1;
            self.mate[self.endpoint[p ^ 1]] = p;
        }
        self.blossomchilds[b].rotate_left(i);
        self.blossomendps[b].rotate_left(i);
        self.blossombase[b] = self.blossombase[self.blossomchilds[b][0]];
        debug_assert_eq!(self.blossombase[b], v);
    }

    /// Flips matched and unmatched edges along the augmenting path through edge `k`, which
    /// joins the S-trees of two different single vertices.
    fn augment_matching(&mut self, k: usize) {
        let (v, w, _) = self.edges[k];
        for (s, p) in [(v, 2 * k + 1), (w, 2 * k)] {
            let (mut s, mut p) = (s, p);
            loop {
                let bs = self.inblossom[s];
                debug_assert_eq!(self.label[bs], 1);
                if bs >= self.nv {
                    self.augment_blossom(bs, s);
                }
                self.mate[s] = p;
                if self.labelend[bs] == NONE {
                    // Reached the single vertex at the root of this tree.
                    break;
                }
                let t = self.endpoint[self.labelend[bs]];
                let bt = self.inblossom[t];
                debug_assert_eq!(self.label[bt], 2);
                s = self.endpoint[self.labelend[bt]];
                let j = self.endpoint[self.labelend[bt] ^ 1];
                if bt >= self.nv {
                    self.augment_blossom(bt, j);
                }
                self.mate[j] = self.labelend[bt];
                p = self.labelend[bt] ^ 1;
            }
        }
    }

    /// Scans the queued S-vertices' edges, growing trees and blossoms. Returns true when an
    /// augmenting path was found and applied.
    fn scan_queue(&mut self) -> bool {
        while let Some(v) = self.queue.pop() {
            debug_assert_eq!(self.label[self.inblossom[v]], 1);
            for idx in self.neighstart[v]..self.neighstart[v + 1] {
                let Neighbour { p, w, weight } = self.neighbend[idx];
                let k = p / 2;
                if self.inblossom[v] == self.inblossom[w] {
                    // An edge inside a blossom leads nowhere new.
                    continue;
                }
                let mut kslack = 0;
                if !self.allowedge[k] {
                    kslack = self.dualvar[v] + self.dualvar[w] - 2 * weight;
                    if kslack <= 0 {
                        self.allowedge[k] = true;
                    }
                }
                let bw = self.inblossom[w];
                if self.allowedge[k] {
                    if self.label[bw] == 0 {
                        // A free vertex: label it T and its mate S.
                        self.assign_label(w, 2, p ^ 1);
                    } else if self.label[bw] == 1 {
                        // Another S-vertex: either a blossom or an augmenting path.
                        let base = self.scan_blossom(v, w);
                        if base != NONE {
                            self.add_blossom(base, k);
                        } else {
                            self.augment_matching(k);
                            return true;
                        }
                    } else if self.label[w] == 0 {
                        // A vertex inside a T-blossom, reached from outside for the first
                        // time; remembered for relabelling should the blossom expand.
                        debug_assert_eq!(self.label[bw], 2);
                        self.label[w] = 2;
                        self.labelend[w] = p ^ 1;
                    }
                } else if self.label[bw] == 1 {
                    // Not tight yet: remember the least-slack edge between S-blossoms.
                    let b = self.inblossom[v];
                    if self.bestedge[b] == NONE || kslack < self.slack(self.bestedge[b]) {
                        self.bestedge[b] = k;
                    }
                } else if self.label[w] == 0
                    && (self.bestedge[w] == NONE || kslack < self.slack(self.bestedge[w]))
                {
                    // Not tight yet: remember the least-slack edge reaching this free vertex.
                    self.bestedge[w] = k;
                }
            }
        }
        false
    }

    /// Finds the largest dual change that keeps every constraint satisfied, and what limits it.
    fn find_delta(&self) -> (i64, Delta) {
        let nv = self.nv;
        let mut delta = self.dualvar[..nv].iter().copied().min().unwrap_or(0);
        let mut kind = Delta::VertexDual;
        for v in 0..nv {
            let e = self.bestedge[v];
            if self.label[self.inblossom[v]] == 0 && e != NONE {
                let d = self.slack(e);
                if d < delta {
                    delta = d;
                    kind = Delta::FreeEdge(e);
                }
            }
        }
        for b in 0..2 * nv {
            let e = self.bestedge[b];
            if self.blossomparent[b] == NONE && self.label[b] == 1 && e != NONE {
                let kslack = self.slack(e);
                debug_assert_eq!(kslack % 2, 0, "slacks between S-blossoms are even");
                let d = kslack / 2;
                if d < delta {
                    delta = d;
                    kind = Delta::SEdge(e);
                }
            }
        }
        for b in nv..2 * nv {
            if self.blossombase[b] != NONE
                && self.blossomparent[b] == NONE
                && self.label[b] == 2
                && self.dualvar[b] < delta
            {
                delta = self.dualvar[b];
                kind = Delta::TBlossom(b);
            }
        }
        (delta, kind)
    }

    /// The main loop: stages, each of which augments the matching once or proves it optimal.
    fn run(&mut self) {
        let nv = self.nv;
        for _stage in 0..nv {
            self.label.fill(0);
            self.bestedge.fill(NONE);
            for slot in &mut self.blossombestedges[nv..] {
                *slot = None;
            }
            // Labels are gone, so edges found tight earlier may not stay usable.
            self.allowedge.fill(false);
            self.queue.clear();
            for v in 0..nv {
                if self.mate[v] == NONE && self.label[self.inblossom[v]] == 0 {
                    self.assign_label(v, 1, NONE);
                }
            }

            let mut augmented = false;
            loop {
                if self.scan_queue() {
                    augmented = true;
                    break;
                }
                let (delta, kind) = self.find_delta();
                for v in 0..nv {
                    match self.label[self.inblossom[v]] {
                        1 => self.dualvar[v] -= delta,
                        2 => self.dualvar[v] += delta,
                        _ => {}
                    }
                }
                for b in nv..2 * nv {
                    if self.blossombase[b] != NONE && self.blossomparent[b] == NONE {
                        match self.label[b] {
                            1 => self.dualvar[b] += delta,
                            2 => self.dualvar[b] -= delta,
                            _ => {}
                        }
                    }
                }
                match kind {
                    Delta::VertexDual => break,
                    Delta::FreeEdge(e) => {
                        self.allowedge[e] = true;
                        let (i, j, _) = self.edges[e];
                        let s = if self.label[self.inblossom[i]] == 0 {
                            j
                        } else {
                            i
                        };
                        debug_assert_eq!(self.label[self.inblossom[s]], 1);
                        self.queue.push(s);
                    }
                    Delta::SEdge(e) => {
                        self.allowedge[e] = true;
                        let (i, _, _) = self.edges[e];
                        debug_assert_eq!(self.label[self.inblossom[i]], 1);
                        self.queue.push(i);
                    }
                    Delta::TBlossom(b) => self.expand_blossom(b, false),
                }
            }

            if !augmented {
                break;
            }
            // Blossoms whose dual fell to zero no longer constrain anything; dissolving them
            // keeps the next stage's blossom structure small.
            for b in nv..2 * nv {
                if self.blossomparent[b] == NONE
                    && self.blossombase[b] != NONE
                    && self.label[b] == 1
                    && self.dualvar[b] == 0
                {
                    self.expand_blossom(b, true);
                }
            }
        }
    }

    /// Checks the complementary-slackness conditions that prove the matching optimal.
    #[cfg(test)]
    fn verify_optimum(&self) {
        let nv = self.nv;
        assert!(self.dualvar[..nv].iter().all(|&d| d >= 0));
        assert!(self.dualvar[nv..].iter().all(|&d| d >= 0));
        for (k, &(i, j, w)) in self.edges.iter().enumerate() {
            let mut s = self.dualvar[i] + self.dualvar[j] - 2 * w;
            let chain = |mut x: usize| {
                let mut c = vec![x];
                while self.blossomparent[x] != NONE {
                    x = self.blossomparent[x];
                    c.push(x);
                }
                c.reverse();
                c
            };
            for (bi, bj) in chain(i).into_iter().zip(chain(j)) {
                if bi != bj {
                    break;
                }
                s += 2 * self.dualvar[bi];
            }
            assert!(s >= 0, "edge {k} has negative slack");
            let mi = self.mate[i] != NONE && self.mate[i] / 2 == k;
            let mj = self.mate[j] != NONE && self.mate[j] / 2 == k;
            assert_eq!(mi, mj);
            if mi {
                assert_eq!(s, 0, "matched edge {k} is not tight");
            }
        }
        for v in 0..nv {
            assert!(self.mate[v] != NONE || self.dualvar[v] == 0);
        }
        for b in nv..2 * nv {
            if self.blossombase[b] != NONE && self.dualvar[b] > 0 {
                assert_eq!(self.blossomendps[b].len() % 2, 1);
                for &p in self.blossomendps[b].iter().skip(1).step_by(2) {
                    assert_eq!(self.mate[self.endpoint[p]], p ^ 1);
                    assert_eq!(self.mate[self.endpoint[p ^ 1]], p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The best total weight over all matchings, by trying every choice for the lowest
    /// unmatched vertex.
    fn brute_force(n: usize, edges: &[(usize, usize, i64)]) -> i64 {
        let mut w = vec![vec![None; n]; n];
        for &(u, v, x) in edges {
            if u != v {
                let best = w[u][v].map_or(x, |y: i64| y.max(x));
                w[u][v] = Some(best);
                w[v][u] = Some(best);
            }
        }
        fn go(used: u32, n: usize, w: &[Vec<Option<i64>>]) -> i64 {
            let Some(v) = (0..n).find(|&v| used & (1 << v) == 0) else {
                return 0;
            };
            let used = used | (1 << v);
            let mut best = go(used, n, w);
            for u in 0..n {
                if used & (1 << u) == 0 {
                    if let Some(x) = w[v][u] {
                        best = best.max(x + go(used | (1 << u), n, w));
                    }
                }
            }
            best
        }
        go(0, n, &w)
    }

    /// Asserts that `mate` is symmetric and uses only listed edges.
    fn assert_valid(n: usize, edges: &[(usize, usize, i64)], mate: &[Option<usize>]) {
        assert_eq!(mate.len(), n);
        for (v, m) in mate.iter().enumerate() {
            if let Some(u) = *m {
                assert_eq!(mate[u], Some(v), "mates are not symmetric at {v}");
                assert!(
                    edges
                        .iter()
                        .any(|&(a, b, _)| (a, b) == (u, v) || (a, b) == (v, u)),
                    "{v} is paired with {u} without an edge"
                );
            }
        }
    }

    /// An edge as the public functions take it.
    type Edge = (usize, usize, i64);

    fn random_graph(
        rng: &mut StdRng,
        n: usize,
        density: f64,
        wmax: i64,
    ) -> Vec<(usize, usize, i64)> {
        let mut edges = Vec::new();
        for u in 0..n {
            for v in u + 1..n {
                if rng.gen_bool(density) {
                    edges.push((u, v, rng.gen_range(1..=wmax)));
                }
            }
        }
        edges
    }

    fn check(n: usize, edges: &[(usize, usize, i64)], expected: i64) -> Vec<Option<usize>> {
        let mate = max_weight_matching(n, edges);
        assert_valid(n, edges, &mate);
        assert_eq!(matching_weight(edges, &mate), expected, "edges: {edges:?}");
        mate
    }

    #[test]
    fn empty_graphs_match_nobody() {
        assert!(max_weight_matching(0, &[]).is_empty());
        assert_eq!(max_weight_matching(3, &[]), vec![None, None, None]);
        // Edges that cannot add weight are the same as no edges.
        assert_eq!(
            max_weight_matching(3, &[(0, 1, 0), (1, 2, -5), (2, 2, 9)]),
            vec![None, None, None]
        );
    }

    #[test]
    fn single_edge_is_taken() {
        assert_eq!(max_weight_matching(2, &[(0, 1, 1)]), vec![Some(1), Some(0)]);
        assert_eq!(
            max_weight_matching(4, &[(3, 1, 7)]),
            vec![None, Some(3), None, Some(1)]
        );
    }

    #[test]
    fn triangle_takes_its_heaviest_edge() {
        let edges = [(0, 1, 5), (1, 2, 6), (0, 2, 4)];
        assert_eq!(check(3, &edges, 6), vec![None, Some(2), Some(1)]);
    }

    #[test]
    fn heavy_edge_beats_two_light_ones() {
        // Pairing everyone (0-1 and 2-3) weighs 2; the single middle edge weighs 10.
        let edges = [(0, 1, 1), (1, 2, 10), (2, 3, 1)];
        assert_eq!(check(4, &edges, 10), vec![None, Some(2), Some(1), None]);
    }

    #[test]
    fn duplicate_edges_count_once_at_their_heaviest() {
        let edges = [(0, 1, 3), (1, 0, 8), (0, 1, 5)];
        assert_eq!(check(2, &edges, 8), vec![Some(1), Some(0)]);
    }

    #[test]
    fn odd_cycles_force_blossoms() {
        // A five-cycle with a pendant edge at each of two vertices: the tight cycle becomes a
        // blossom before the search can leave it through a pendant.
        let edges = [
            (0, 1, 8),
            (1, 2, 8),
            (2, 3, 8),
            (3, 4, 8),
            (4, 0, 8),
            (0, 5, 5),
            (2, 6, 5),
        ];
        // Two cycle edges plus one pendant (0-1, 3-4, 2-6) beat both pendants plus one cycle
        // edge (0-5, 2-6, 3-4).
        assert_eq!(brute_force(7, &edges), 21);
        check(7, &edges, 21);
        // Cases from van Rantwijk's test suite (vertices there start at 1) that create an
        // S-blossom, a T-blossom, relabel and expand blossoms; each has a unique optimum.
        let one_based = |edges: &[Edge]| -> Vec<Edge> {
            edges.iter().map(|&(u, v, w)| (u - 1, v - 1, w)).collect()
        };
        let cases: [(&[Edge], i64); 4] = [
            (
                &[
                    (1, 2, 8),
                    (1, 3, 9),
                    (2, 3, 10),
                    (3, 4, 7),
                    (1, 6, 5),
                    (4, 5, 6),
                ],
                21,
            ),
            (
                &[
                    (1, 2, 9),
                    (1, 3, 8),
                    (2, 3, 10),
                    (1, 4, 5),
                    (4, 5, 4),
                    (1, 6, 3),
                ],
                17,
            ),
            (
                &[
                    (1, 2, 23),
                    (1, 5, 22),
                    (1, 6, 15),
                    (2, 3, 25),
                    (3, 4, 22),
                    (4, 5, 25),
                    (4, 8, 14),
                    (5, 7, 13),
                ],
                67,
            ),
            (
                &[
                    (1, 2, 45),
                    (1, 5, 45),
                    (2, 3, 50),
                    (3, 4, 45),
                    (4, 5, 50),
                    (1, 6, 30),
                    (3, 9, 35),
                    (4, 8, 35),
                    (5, 7, 26),
                    (9, 10, 5),
                ],
                146,
            ),
        ];
        for (edges, weight) in cases {
            let edges = one_based(edges);
            let n = edges.iter().map(|e| e.0.max(e.1) + 1).max().unwrap();
            assert_eq!(brute_force(n, &edges), weight);
            check(n, &edges, weight);
        }
    }

    #[test]
    fn matches_brute_force_on_random_small_graphs() {
        let mut rng = StdRng::seed_from_u64(0x5eed_b105_50b5);
        for case in 0..800 {
            let n = rng.gen_range(0..=10);
            let density = [0.2, 0.4, 0.6, 0.9, 1.0][case % 5];
            // Small weight ranges produce many ties, which is where blossom bookkeeping breaks.
            let wmax = [1, 3, 10, 100][case % 4];
            let edges = random_graph(&mut rng, n, density, wmax);
            let expected = brute_force(n, &edges);
            check(n, &edges, expected);
        }
    }

    #[test]
    fn dual_certificate_holds_on_random_medium_graphs() {
        // Too big for brute force, so the duals themselves prove optimality.
        let mut rng = StdRng::seed_from_u64(42);
        for case in 0..60 {
            let n = rng.gen_range(20..120);
            let density = [0.05, 0.1, 0.3][case % 3];
            let wmax = [2, 20, 1000][case % 3];
            let edges = random_graph(&mut rng, n, density, wmax);
            let solver = Solver::solve(n, edges.clone());
            solver.verify_optimum();
            let mate = solver.mates();
            assert_valid(n, &edges, &mate);
        }
    }

    #[test]
    fn large_sparse_graph_finishes() {
        // 5,000 people with about ten candidates each, the size the pairing feature plans for.
        let mut rng = StdRng::seed_from_u64(7);
        let n = 5_000;
        let edges: Vec<(usize, usize, i64)> = (0..25_000)
            .map(|_| {
                (
                    rng.gen_range(0..n),
                    rng.gen_range(0..n),
                    rng.gen_range(1..=100),
                )
            })
            .collect();
        let mate = max_weight_matching(n, &edges);
        assert_valid(n, &edges, &mate);
        assert!(matching_weight(&edges, &mate) > 0);
    }
}
