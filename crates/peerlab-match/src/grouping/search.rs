//! Local search: first-improvement passes over moves and swaps, the queue of changed
//! groups for many groups, and the comparisons that rank states.

#[allow(unused_imports)]
use super::state::*;
#[allow(unused_imports)]
use super::*;

// Improves `st` with first-improvement one-moves and swaps until neither improves it by more
// than `eps`, in full passes over everyone. Returns true when the stop rule fired during the
// search.
pub(super) fn local_search(
    st: &mut State,
    inst: &Instance,
    eps: f64,
    sc: &mut Scratch,
    iterations: u64,
    should_stop: &mut dyn FnMut(u64) -> bool,
) -> bool {
    let (n, gs) = (inst.n, inst.bounds.len());
    let flexible = inst.bounds.iter().any(|&(lo, hi)| lo < hi);
    loop {
        let mut improved = false;
        if flexible {
            for i in 0..n {
                let a = st.group[i];
                if st.size[a] <= inst.bounds[a].0 {
                    continue;
                }
                let here = st.gain[a * n + i];
                let mut best = eps;
                let mut to = a;
                for g in 0..gs {
                    let x = st.gain[g * n + i];
                    if g != a && x - here > best && st.size[g] < inst.bounds[g].1 {
                        best = x - here;
                        to = g;
                    }
                }
                if to != a {
                    st.apply_move(inst, i, to);
                    improved = true;
                }
            }
        }
        for i in 0..n {
            let partners = inst.partners(i);
            for &(k, s) in partners {
                sc.pen[k] = s;
            }
            // Most people have no constraint, and their scan skips the penalty lookups.
            let pen = (!partners.is_empty()).then_some(&sc.pen[..]);
            let mut from = i + 1;
            loop {
                for (g, c) in sc.col.iter_mut().enumerate() {
                    *c = st.gain[g * n + i];
                }
                let Some(j) = first_swap(st, inst, &sc.col, pen, i, from, eps) else {
                    break;
                };
                st.apply_swap(inst, i, j);
                improved = true;
                from = j + 1;
            }
            for &(k, _) in partners {
                sc.pen[k] = 0.0;
            }
        }
        if !improved {
            return false;
        }
        // A local search on a large instance can take a while from a random start, so the
        // stop rule is polled after each pass and not only between rounds.
        if should_stop(iterations) {
            return true;
        }
    }
}

// The first person j from `from` on whose swap with person i improves the value by more than
// `eps`, if any: `col` holds i's gains to each group and `pen`, when i has constraint
// partners, their penalties. The scan reads every array in order, without index checks.
pub(super) fn first_swap(
    st: &State,
    inst: &Instance,
    col: &[f64],
    pen: Option<&[f64]>,
    i: usize,
    from: usize,
    eps: f64,
) -> Option<usize> {
    let n = inst.n;
    let a = st.group[i];
    let here = col[a];
    let group = &st.group[from..];
    let row = &st.gain[a * n + from..(a + 1) * n];
    let own = &st.own[from..];
    let di = &inst.d[i * n + from..(i + 1) * n];
    let found = match pen {
        None => group
            .iter()
            .zip(row)
            .zip(own)
            .zip(di)
            .position(|(((&b, &x), &o), &dij)| b != a && col[b] - here + x - o - 2.0 * dij > eps),
        Some(pen) => group
            .iter()
            .zip(row)
            .zip(own)
            .zip(di)
            .zip(&pen[from..])
            .position(|((((&b, &x), &o), &dij), &p)| {
                b != a && col[b] - here + x - o - 2.0 * (dij + p) > eps
            }),
    };
    found.map(|k| from + k)
}

// The local search for many groups: it looks only at the groups queued in `sc` (those
// changed since it last looked), taking for each of their members the best move or else the
// best swap with anyone, and for the group the best move into it, and queues every group a
// step changes. Gains between two unchanged groups are unchanged, so when the queue is empty
// no move or swap improves `st` by more than `eps`, as after a full pass. Steps are appended
// to `sc.log`. Returns true when the stop rule fired during the search.
pub(super) fn queue_search(
    st: &mut State,
    inst: &Instance,
    eps: f64,
    sc: &mut Scratch,
    iterations: u64,
    should_stop: &mut dyn FnMut(u64) -> bool,
) -> bool {
    let n = inst.n;
    let flexible = inst.bounds.iter().any(|&(lo, hi)| lo < hi);
    let mut since_poll = 0u32;
    while let Some(g) = sc.queue.pop_front() {
        sc.queued[g] = false;
        sc.snapshot.clear();
        sc.snapshot.extend_from_slice(&st.members[g]);
        // Whether sc.t holds the current partner terms of group g.
        let mut fresh = false;
        for k in 0..sc.snapshot.len() {
            let i = sc.snapshot[k];
            if st.group[i] != g {
                continue;
            }
            // i's gains, summed afresh from row i of the distances: reading them from the
            // table would touch one memory page per group, which on large instances costs
            // more than reading the row, which the swap scan then finds in cache.
            let di = &inst.d[i * n..(i + 1) * n];
            sc.col.iter_mut().for_each(|c| *c = 0.0);
            for (&h, &dim) in st.group.iter().zip(di) {
                sc.col[h] += dim;
            }
            let partners = inst.partners(i);
            for &(p, s) in partners {
                sc.col[st.group[p]] += s;
            }
            let here = sc.col[g];
            if flexible && st.size[g] > inst.bounds[g].0 {
                let mut best = eps;
                let mut to = g;
                for (h, &x) in sc.col.iter().enumerate() {
                    if h != g && x - here > best && st.size[h] < inst.bounds[h].1 {
                        best = x - here;
                        to = h;
                    }
                }
                if to != g {
                    sc.log.push(Step::Move { i, from: g });
                    st.apply_move(inst, i, to);
                    sc.mark(g);
                    sc.mark(to);
                    fresh = false;
                    continue;
                }
            }
            if !fresh {
                partner_terms(st, n, g, &mut sc.t);
                fresh = true;
            }
            let j = if partners.is_empty() {
                best_swap(&sc.t, &sc.col, &st.group, di, here, eps)
            } else {
                for &(p, s) in partners {
                    sc.pen[p] = s;
                }
                let j = best_swap_penalised(&sc.t, &sc.col, &st.group, di, &sc.pen, here, eps);
                for &(p, _) in partners {
                    sc.pen[p] = 0.0;
                }
                j
            };
            if let Some(j) = j {
                let b = st.group[j];
                sc.log.push(Step::Swap { i, j });
                st.apply_swap(inst, i, j);
                sc.mark(g);
                sc.mark(b);
                fresh = false;
            }
        }
        if flexible && st.size[g] < inst.bounds[g].1 {
            let row = &st.gain[g * n..(g + 1) * n];
            let mut best = eps;
            let mut who = None;
            for (k, (&x, &o)) in row.iter().zip(&st.own).enumerate() {
                let h = st.group[k];
                if h != g && x - o > best && st.size[h] > inst.bounds[h].0 {
                    best = x - o;
                    who = Some(k);
                }
            }
            if let Some(k) = who {
                let from = st.group[k];
                sc.log.push(Step::Move { i: k, from });
                st.apply_move(inst, k, g);
                sc.mark(g);
                sc.mark(from);
            }
        }
        since_poll += 1;
        if since_poll == 8 {
            since_poll = 0;
            if should_stop(iterations) {
                return true;
            }
        }
    }
    false
}

// The part of a swap's value that depends on the partner j alone when a member of group g
// trades places with j: j's gain to g minus j's gain to its own group; minus infinity for
// the members of g, with whom there is no swap. Shared by all members of g.
pub(super) fn partner_terms(st: &State, n: usize, g: usize, t: &mut [f64]) {
    let row = &st.gain[g * n..(g + 1) * n];
    for (((t, &x), &o), &h) in t.iter_mut().zip(row).zip(&st.own).zip(&st.group) {
        *t = if h == g { f64::NEG_INFINITY } else { x - o };
    }
}

// The partner j whose swap with person i improves the value most, by more than `eps`, if
// any: `t` holds the partner terms of i's group, `col` i's gains to each group, `here` i's
// gain to its own group, and `di` row i of the distances.
pub(super) fn best_swap(
    t: &[f64],
    col: &[f64],
    group: &[usize],
    di: &[f64],
    here: f64,
    eps: f64,
) -> Option<usize> {
    let mut best = eps;
    let mut who = None;
    for (j, ((&tj, &b), &dij)) in t.iter().zip(group).zip(di).enumerate() {
        let delta = col[b] - here + tj - 2.0 * dij;
        if delta > best {
            best = delta;
            who = Some(j);
        }
    }
    who
}

// `best_swap` for a person with constraint partners, whose penalties are in `pen`.
pub(super) fn best_swap_penalised(
    t: &[f64],
    col: &[f64],
    group: &[usize],
    di: &[f64],
    pen: &[f64],
    here: f64,
    eps: f64,
) -> Option<usize> {
    let mut best = eps;
    let mut who = None;
    for (j, (((&tj, &b), &dij), &p)) in t.iter().zip(group).zip(di).zip(pen).enumerate() {
        let delta = col[b] - here + tj - 2.0 * (dij + p);
        if delta > best {
            best = delta;
            who = Some(j);
        }
    }
    who
}

// Whether (broken, value) `x` is better than `y` by more than `eps`: fewer broken constraints
// first, then a larger value.
pub(super) fn better(x: (usize, f64), y: (usize, f64), eps: f64) -> bool {
    x.0 < y.0 || (x.0 == y.0 && x.1 > y.1 + eps)
}

// Whether `x` is at least as good as `y`, within `eps`.
pub(super) fn no_worse(x: (usize, f64), y: (usize, f64), eps: f64) -> bool {
    x.0 < y.0 || (x.0 == y.0 && x.1 >= y.1 - eps)
}
