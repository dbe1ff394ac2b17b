//! The search's state: a grouping with its person × group gain table, moves and swaps
//! scored in O(1), random starts and perturbations.

use rand::Rng;

#[allow(unused_imports)]
use super::*;

// One step of the search, recorded so that the search for many groups can undo a rejected
// round in place instead of copying its whole state every round.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    // Person i moved out of group `from`.
    Move { i: usize, from: usize },
    // Persons i and j exchanged groups.
    Swap { i: usize, j: usize },
}

// The search state: an assignment plus the gain table that scores moves in O(1).
#[derive(Clone)]
pub(super) struct State {
    pub(super) group: Vec<usize>,
    pub(super) size: Vec<usize>,
    // gain[g * n + i] is the summed distance from person i to the members of group g, plus
    // the penalty of each constraint partner of i in g. It is group-major so that applying a
    // move or a swap updates two contiguous rows, and so that a swap scan reads the gains of
    // everyone to one group in order; on large instances both matter more than anything else.
    pub(super) gain: Vec<f64>,
    // own[i] is an exact copy of gain[group[i] * n + i], so that a scan over everyone's gain
    // to their own group reads memory in order instead of one row per person.
    pub(super) own: Vec<f64>,
    // The people of each group, and where each person sits in their group's list.
    pub(super) members: Vec<Vec<usize>>,
    pub(super) pos: Vec<usize>,
    // The penalised value: the real objective plus the penalty times the number of
    // keep-together pairs, minus the penalty times the number of broken pairs. Between two
    // states with as many broken pairs it orders them as the real objective does.
    pub(super) value: f64,
    // The number of constraint pairs broken.
    pub(super) broken: usize,
}

impl State {
    pub(super) fn new(inst: &Instance, group: Vec<usize>) -> State {
        let (n, gs) = (inst.n, inst.bounds.len());
        let mut st = State {
            group,
            size: vec![0; gs],
            gain: vec![0.0; n * gs],
            own: vec![0.0; n],
            members: vec![Vec::new(); gs],
            pos: vec![0; n],
            value: 0.0,
            broken: 0,
        };
        st.rebuild(inst);
        st
    }

    // Recomputes everything but the assignment from the assignment alone. The incremental
    // updates add and subtract floating-point numbers millions of times, so the solver calls
    // this now and then to stop rounding errors from piling up.
    pub(super) fn rebuild(&mut self, inst: &Instance) {
        let n = inst.n;
        self.size.iter_mut().for_each(|s| *s = 0);
        self.gain.iter_mut().for_each(|x| *x = 0.0);
        self.members.iter_mut().for_each(Vec::clear);
        for (i, &g) in self.group.iter().enumerate() {
            self.size[g] += 1;
            self.pos[i] = self.members[g].len();
            self.members[g].push(i);
        }
        // Row m of the distance matrix is added to the gains towards m's group, which reads
        // and writes memory in order; by symmetry it is column m.
        for (m, &g) in self.group.iter().enumerate() {
            let row = &inst.d[m * n..(m + 1) * n];
            for (x, &dmk) in self.gain[g * n..(g + 1) * n].iter_mut().zip(row) {
                *x += dmk;
            }
        }
        for i in 0..n {
            for &(k, s) in inst.partners(i) {
                self.gain[self.group[k] * n + i] += s;
            }
        }
        self.broken = inst.pairs.len() - inst.pairs.iter().filter(|p| kept(p, &self.group)).count();
        let mut twice = 0.0;
        for i in 0..n {
            self.own[i] = self.gain[self.group[i] * n + i];
            twice += self.own[i];
        }
        self.value = twice / 2.0;
    }

    // Moves person i to group `to`; the caller has checked the bounds.
    pub(super) fn apply_move(&mut self, inst: &Instance, i: usize, to: usize) {
        let n = inst.n;
        let from = self.group[i];
        self.value += self.gain[to * n + i] - self.gain[from * n + i];
        let row = &inst.d[i * n..(i + 1) * n];
        let (gf, gt) = two_rows(&mut self.gain, n, from, to);
        for ((f, t), &dik) in gf.iter_mut().zip(gt.iter_mut()).zip(row) {
            *f -= dik;
            *t += dik;
        }
        let (mut before, mut after) = (0, 0);
        for &(k, s) in inst.partners(i) {
            self.gain[from * n + k] -= s;
            self.gain[to * n + k] += s;
            before += usize::from(breaks(s, self.group[k], from));
            after += usize::from(breaks(s, self.group[k], to));
        }
        self.broken = self.broken + after - before;
        self.group[i] = to;
        self.size[from] -= 1;
        self.size[to] += 1;
        let p = self.pos[i];
        self.members[from].swap_remove(p);
        if let Some(&moved) = self.members[from].get(p) {
            self.pos[moved] = p;
        }
        self.pos[i] = self.members[to].len();
        self.members[to].push(i);
        self.refresh_own(n, from);
        self.refresh_own(n, to);
    }

    // Exchanges persons i and j, who are in different groups; sizes stay the same.
    pub(super) fn apply_swap(&mut self, inst: &Instance, i: usize, j: usize) {
        let n = inst.n;
        let (a, b) = (self.group[i], self.group[j]);
        let dij = inst.d[i * n + j] + inst.pair_penalty(i, j);
        self.value += swap_delta(&self.gain, &self.own, n, i, a, b, j, dij);
        let ri = &inst.d[i * n..(i + 1) * n];
        let rj = &inst.d[j * n..(j + 1) * n];
        let (ga, gb) = two_rows(&mut self.gain, n, a, b);
        for (((x, y), &dik), &djk) in ga.iter_mut().zip(gb.iter_mut()).zip(ri).zip(rj) {
            let diff = djk - dik;
            *x += diff;
            *y -= diff;
        }
        // The pair (i, j) itself stays split either way, so only other partners count.
        let (mut before, mut after) = (0, 0);
        for &(k, s) in inst.partners(i) {
            self.gain[a * n + k] -= s;
            self.gain[b * n + k] += s;
            if k != j {
                before += usize::from(breaks(s, self.group[k], a));
                after += usize::from(breaks(s, self.group[k], b));
            }
        }
        for &(k, s) in inst.partners(j) {
            self.gain[b * n + k] -= s;
            self.gain[a * n + k] += s;
            if k != i {
                before += usize::from(breaks(s, self.group[k], b));
                after += usize::from(breaks(s, self.group[k], a));
            }
        }
        self.broken = self.broken + after - before;
        self.group[i] = b;
        self.group[j] = a;
        self.members[a][self.pos[i]] = j;
        self.members[b][self.pos[j]] = i;
        self.pos.swap(i, j);
        self.refresh_own(n, a);
        self.refresh_own(n, b);
    }

    pub(super) fn refresh_own(&mut self, n: usize, g: usize) {
        for &k in &self.members[g] {
            self.own[k] = self.gain[g * n + k];
        }
    }

    // Reverts `steps`, newest first.
    pub(super) fn undo(&mut self, inst: &Instance, steps: &[Step]) {
        for &step in steps.iter().rev() {
            match step {
                Step::Move { i, from } => self.apply_move(inst, i, from),
                Step::Swap { i, j } => self.apply_swap(inst, i, j),
            }
        }
    }
}

// Whether a constraint pair with penalty `s` (negative to keep apart) is broken when its two
// people are in groups `g` and `h`.
#[inline]
pub(super) fn breaks(s: f64, g: usize, h: usize) -> bool {
    (g == h) == (s < 0.0)
}

// Whether `groups` keeps the constraint pair `p`.
pub(super) fn kept(p: &(usize, usize, Constraint), groups: &[usize]) -> bool {
    (groups[p.0] == groups[p.1]) == (p.2 == Constraint::KeepTogether)
}

// Rows `a` and `b` (different) of a table with rows of length n, both mutable.
pub(super) fn two_rows(v: &mut [f64], n: usize, a: usize, b: usize) -> (&mut [f64], &mut [f64]) {
    if a < b {
        let (lo, hi) = v.split_at_mut(b * n);
        (&mut lo[a * n..(a + 1) * n], &mut hi[..n])
    } else {
        let (lo, hi) = v.split_at_mut(a * n);
        (&mut hi[..n], &mut lo[b * n..(b + 1) * n])
    }
}

// The change in value from exchanging i (in group a) with j (in group b), where `dij` is
// their distance plus their pair's penalty.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn swap_delta(
    gain: &[f64],
    own: &[f64],
    n: usize,
    i: usize,
    a: usize,
    b: usize,
    j: usize,
    dij: f64,
) -> f64 {
    gain[b * n + i] - gain[a * n + i] + gain[a * n + j] - own[j] - 2.0 * dij
}

// A uniformly shuffled assignment whose group sizes are the minimums plus the leftover people
// dealt one at a time to random groups that still have room.
pub(super) fn random_start(inst: &Instance, rng: &mut impl Rng) -> Vec<usize> {
    let n = inst.n;
    let mut size: Vec<usize> = inst.bounds.iter().map(|b| b.0).collect();
    let mut left = n - size.iter().sum::<usize>();
    let mut open: Vec<usize> = Vec::with_capacity(size.len());
    while left > 0 {
        open.clear();
        open.extend((0..size.len()).filter(|&g| size[g] < inst.bounds[g].1));
        // The bounds were checked when the instance was built, so there is always room.
        if open.is_empty() {
            break;
        }
        let g = open[rng.gen_range(0..open.len())];
        size[g] += 1;
        left -= 1;
    }
    let mut slots: Vec<usize> = Vec::with_capacity(n);
    for (g, &s) in size.iter().enumerate() {
        slots.extend(std::iter::repeat_n(g, s));
    }
    // Fisher-Yates, so that who lands where is uniform.
    for k in (1..slots.len()).rev() {
        let r = rng.gen_range(0..=k);
        slots.swap(k, r);
    }
    slots
}

// Applies `strength` random feasible moves or swaps, recording them in `log`. Attempts are
// capped because with some bounds (one group, or groups that are all full and at their
// minimum) few or no moves exist.
pub(super) fn perturb(
    st: &mut State,
    inst: &Instance,
    strength: usize,
    rng: &mut impl Rng,
    log: &mut Vec<Step>,
) {
    let n = inst.n;
    let mut done = 0;
    let mut attempts = 0;
    while done < strength && attempts < 20 * strength + 20 {
        attempts += 1;
        let i = rng.gen_range(0..n);
        let j = rng.gen_range(0..n);
        let (a, b) = (st.group[i], st.group[j]);
        if a == b {
            continue;
        }
        let can_move = st.size[a] > inst.bounds[a].0 && st.size[b] < inst.bounds[b].1;
        if can_move && rng.gen_bool(0.5) {
            log.push(Step::Move { i, from: a });
            st.apply_move(inst, i, b);
        } else {
            log.push(Step::Swap { i, j });
            st.apply_swap(inst, i, j);
        }
        done += 1;
    }
}

// Working memory of the search, allocated once.
pub(super) struct Scratch {
    // pen[j] is the penalty of the pair (i, j) while person i's swaps are scanned, else 0.
    pub(super) pen: Vec<f64>,
    // The gains of the person whose moves are scanned, one per group.
    pub(super) col: Vec<f64>,
    // The partner terms of the group whose members are scanned (see `partner_terms`).
    pub(super) t: Vec<f64>,
    // The groups that changed since the search last looked at them, in order, each once.
    pub(super) queue: std::collections::VecDeque<usize>,
    pub(super) queued: Vec<bool>,
    // The members of the group being scanned, copied because scanning changes them.
    pub(super) snapshot: Vec<usize>,
    // The steps of the current round, to undo it.
    pub(super) log: Vec<Step>,
}

impl Scratch {
    pub(super) fn new(n: usize, gs: usize) -> Scratch {
        Scratch {
            pen: vec![0.0; n],
            col: vec![0.0; gs],
            t: vec![0.0; n],
            queue: std::collections::VecDeque::with_capacity(gs),
            queued: vec![false; gs],
            snapshot: Vec::new(),
            log: Vec::new(),
        }
    }

    pub(super) fn mark(&mut self, g: usize) {
        if !self.queued[g] {
            self.queued[g] = true;
            self.queue.push_back(g);
        }
    }
}
