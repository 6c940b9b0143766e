//! Threads: one persistent pool of worker threads for the process, and, for each calling
//! thread, how many threads a computation may use.
//!
//! Work is split so that every thread count gives bit-identical results: a matrix product is
//! split by columns of its result, each computed exactly as the whole product would compute it
//! (the kernels' blocking does not depend on where a column block starts; a test checks it),
//! and an element-wise pass by elements or samples. A sum over a batch (a bias gradient, batch
//! normalization's statistics) is taken per sample, and the samples' sums are then added in
//! sample order ([`sample_sums`]), so the order of no sum depends on the thread count.
//!
//! A split computation hands each part its own values of the buffers it writes through
//! [`split`] (or [`for_each_part`] on top of it), as ordinary `&mut` slices cut with
//! `split_at_mut`: no caller writes through a raw pointer shared between threads. The pool
//! underneath ([`run`]) is the one place here with `unsafe` code.
//!
//! The count is `NN_THREADS` if set (a positive integer; more than the cores count as the
//! cores), else the number of cores;
//! [`Model::with_threads`](crate::Model::with_threads) sets it for one model's `fit`,
//! `evaluate` and `predict`.
//!
//! The pool is our own rather than rayon's: a training step hands out work every few dozen
//! microseconds, and waking a sleeping thread for each costs about as much (a rayon scope with
//! two empty tasks took 31 µs here, AMD EPYC Zen 3). The calling thread runs the first part
//! itself, and each worker spins for a while after its part before it sleeps, so the next part
//! of the step finds it awake.

use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

thread_local! {
    /// The count set by [`with_threads`] on this thread (0: the default).
    static LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// How long a worker waits for its next part, spinning, before it sleeps.
const SPIN: Duration = Duration::from_micros(300);

/// How long the calling thread spins for a worker's part to finish before it yields its core
/// at each check instead.
const YIELD_AFTER: Duration = Duration::from_micros(50);

/// `NN_THREADS` as [`parse_threads`] reads it, once per process.
fn env_threads() -> &'static Result<usize, crate::Error> {
    static ENV: OnceLock<Result<usize, crate::Error>> = OnceLock::new();
    ENV.get_or_init(|| {
        let value = std::env::var_os("NN_THREADS");
        parse_threads(
            value.as_ref().map(|v| v.to_string_lossy()).as_deref(),
            cores(),
        )
    })
}

/// The count a value of `NN_THREADS` asks for on a machine of `cores` cores: every core when it
/// is unset (`None`), at most `cores` when it is a positive integer (more threads than cores
/// only take turns on them: 1,000 made `fit` five times slower, 30,000 could not be started),
/// and otherwise an [`Error::Setting`](crate::Error::Setting) that says what is wrong with it.
pub(crate) fn parse_threads(value: Option<&str>, cores: usize) -> Result<usize, crate::Error> {
    let cores = cores.max(1);
    let Some(value) = value else {
        return Ok(cores);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n.min(cores)),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Ok(cores),
        _ => Err(crate::Error::Setting {
            what: "NN_THREADS",
            problem: format!(
                "`{value}` is not a positive integer; set it to the number of threads to use \
                 (1 to {cores}, the cores here), or unset it to use every core"
            ),
        }),
    }
}

/// `NN_THREADS`, else the number of cores; every core, with a warning printed once to stderr,
/// when `NN_THREADS` is not a positive integer (the computations that return a `Result`
/// refuse it instead, through [`check`]).
fn default_threads() -> usize {
    match env_threads() {
        Ok(n) => *n,
        Err(error) => {
            static WARNED: std::sync::Once = std::sync::Once::new();
            let problem = match error {
                crate::Error::Setting { problem, .. } => problem.as_str(),
                _ => "",
            };
            WARNED.call_once(|| eprintln!("nn: NN_THREADS ignored: {problem}"));
            cores()
        }
    }
}

/// Whether a computation that runs on `threads` (`None`: the default) may start: an error when
/// it would read `NN_THREADS` and that is not a positive integer.
pub(crate) fn check(threads: Option<usize>) -> Result<(), crate::Error> {
    match (threads, env_threads()) {
        (None, Err(error)) => Err(error.clone()),
        _ => Ok(()),
    }
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// How many threads a computation started on this thread may use.
pub(crate) fn threads() -> usize {
    match LIMIT.with(Cell::get) {
        0 => default_threads(),
        n => n,
    }
}

/// Runs `f` with at most `threads` threads for its computations (`None`: the default).
pub(crate) fn with_threads<R>(threads: Option<usize>, f: impl FnOnce() -> R) -> R {
    /// Restores the previous count, also when `f` panics.
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMIT.with(|l| l.set(self.0));
        }
    }
    let Some(n) = threads else {
        return f();
    };
    let _restore = Restore(LIMIT.with(|l| l.replace(n.max(1))));
    f()
}

/// Into how many parts to split `len` items worth `cost` each: 1 (no split) when one thread is
/// allowed or the whole is below `min_cost`, and never parts shorter than `min_len`, so that
/// small work never pays for waking threads.
pub(crate) fn parts(len: usize, min_len: usize, cost: usize, min_cost: usize) -> usize {
    let threads = threads();
    if threads <= 1 || len.saturating_mul(cost) < min_cost {
        return 1;
    }
    threads.min(len / min_len.max(1)).max(1)
}

/// Splits `out`, items of `per_item` values each worth `cost` (as [`parts`] counts), across the
/// threads allowed: `f(items, values)` runs once per part with its range of items and their
/// values, which no other part sees.
pub(crate) fn for_each_part<T: Send>(
    out: &mut [T],
    per_item: usize,
    cost: usize,
    min_cost: usize,
    f: impl Fn(std::ops::Range<usize>, &mut [T]) + Sync,
) {
    let per_item = per_item.max(1);
    let items = out.len() / per_item;
    let parts = parts(items, 1, cost, min_cost);
    split(self::items(out, per_item), items, 1, parts, f);
}

/// The smallest element-wise pass over a batch (in values) split across threads: below it,
/// waking a second thread costs more than it saves.
pub(crate) const MIN_ELEMENTWISE: usize = 1 << 15;

/// The smallest product (in multiply-adds) split across threads: below it, waking a second
/// thread costs more than it saves.
pub(crate) const MIN_PRODUCT: usize = 1 << 18;

/// [`for_each_part`] over two outputs of the same items (`per_item` values each in `a`,
/// `per_item_b` in `b`): `f(items, a_values, b_values)`.
///
/// # Panics
/// If `b` holds fewer items than `a`.
pub(crate) fn for_each_part2<A: Send, B: Send>(
    (a, per_item): (&mut [A], usize),
    (b, per_item_b): (&mut [B], usize),
    cost: usize,
    min_cost: usize,
    f: impl Fn(std::ops::Range<usize>, &mut [A], &mut [B]) + Sync,
) {
    let per_item = per_item.max(1);
    let items = a.len() / per_item;
    let parts = parts(items, 1, cost, min_cost);
    let buffers = (self::items(a, per_item), self::items(b, per_item_b));
    split(buffers, items, 1, parts, |range, (a, b)| f(range, a, b));
}

/// Buffers that the parts of a split computation divide between them by items (samples,
/// columns, elements): [`split`] hands each part the values of its own items, taken from the
/// front of what the parts before it left, as ordinary `&mut` slices (`split_at_mut`), so that
/// no two parts can see the same value.
pub(crate) trait Split: Send {
    /// What a part gets: its values of each buffer.
    type Part;
    /// How many items every buffer holds (at least).
    fn items(&self) -> usize;
    /// Takes the values of the first `items` items, leaving the rest.
    ///
    /// # Panics
    /// If a buffer holds fewer.
    fn split_front(&mut self, items: usize) -> Self::Part;
}

/// A buffer of items of `width` values each, one after the other: one of [`split`]'s buffers.
pub(crate) struct Items<'a, T> {
    values: &'a mut [T],
    width: usize,
}

/// `values` as items of `width` values each (a width of 0: items without values, as many as
/// asked for).
pub(crate) fn items<T>(values: &mut [T], width: usize) -> Items<'_, T> {
    Items { values, width }
}

impl<'a, T: Send> Split for Items<'a, T> {
    type Part = &'a mut [T];

    fn items(&self) -> usize {
        self.values
            .len()
            .checked_div(self.width)
            .unwrap_or(usize::MAX)
    }

    fn split_front(&mut self, items: usize) -> &'a mut [T] {
        let (front, rest) = core::mem::take(&mut self.values).split_at_mut(items * self.width);
        self.values = rest;
        front
    }
}

impl<A: Split, B: Split> Split for (A, B) {
    type Part = (A::Part, B::Part);

    fn items(&self) -> usize {
        self.0.items().min(self.1.items())
    }

    fn split_front(&mut self, items: usize) -> Self::Part {
        (self.0.split_front(items), self.1.split_front(items))
    }
}

impl<A: Split, B: Split, C: Split> Split for (A, B, C) {
    type Part = (A::Part, B::Part, C::Part);

    fn items(&self) -> usize {
        self.0.items().min(self.1.items()).min(self.2.items())
    }

    fn split_front(&mut self, items: usize) -> Self::Part {
        (
            self.0.split_front(items),
            self.1.split_front(items),
            self.2.split_front(items),
        )
    }
}

impl<S: Split, const N: usize> Split for [S; N] {
    type Part = [S::Part; N];

    fn items(&self) -> usize {
        self.iter().map(Split::items).min().unwrap_or(usize::MAX)
    }

    fn split_front(&mut self, items: usize) -> Self::Part {
        self.each_mut().map(|buffer| buffer.split_front(items))
    }
}

/// Runs `f(range, part)` once for each of `parts` parts (on the threads allowed, as [`run`]):
/// `range` is the part's items, the `part`-th of the ranges that split `0..items` in multiples
/// of `align` ([`range`]), and `part` their values of each of `buffers`, which no other part
/// sees. Safe code throughout: the parts take their slices in turn, under a lock, from the
/// front of what is left (`split_at_mut`), and which thread runs which range does not change
/// what the range computes.
///
/// # Panics
/// If a buffer holds fewer than `items` items (before any part runs), or a part panics (after
/// every part has finished).
pub(crate) fn split<S: Split>(
    mut buffers: S,
    items: usize,
    align: usize,
    parts: usize,
    f: impl Fn(std::ops::Range<usize>, S::Part) + Sync,
) {
    assert!(
        buffers.items() >= items,
        "a buffer split across threads holds fewer than its {items} items"
    );
    if parts <= 1 {
        f(0..items, buffers.split_front(items));
        return;
    }
    // The next part's number and what the parts before it left.
    let rest = Mutex::new((0, buffers));
    run(parts, |_| {
        let (range, part) = {
            let mut rest = rest
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (next, buffers) = &mut *rest;
            let range = self::range(items, align, parts, *next);
            *next += 1;
            (range.clone(), buffers.split_front(range.len()))
        };
        f(range, part);
    });
}

/// A buffer that a layer keeps in its cache from one batch to the next, also where it sees the
/// cache by shared reference (a backward pass): a fresh buffer of a few megabytes every batch
/// cost the LSTM of `benches/lstm.rs` a tenth of its time in page faults, and a fresh buffer of
/// any size is an allocation a training step need not make. A clone starts empty.
#[derive(Default)]
pub(crate) struct Scratch<T>(Mutex<Vec<T>>);

impl<T> Scratch<T> {
    /// The buffer, left empty here until [`put`](Scratch::put) returns it.
    pub(crate) fn take(&self) -> Vec<T> {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::take(&mut *kept)
    }

    /// Keeps `buffer` for the next [`take`](Scratch::take).
    pub(crate) fn put(&self, buffer: Vec<T>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = buffer;
    }
}

impl<T> Clone for Scratch<T> {
    fn clone(&self) -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

impl<T> std::fmt::Debug for Scratch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch")
    }
}

/// Sums over the `samples` of a batch, `width` sums at once (per channel, say), with the same
/// bits for any thread count: `f(sample, partial)` adds one sample's terms into `partial`
/// (zeroed, `width` long), the samples split across the threads allowed when they cost more
/// than `min_cost` (`cost` each), and the partial sums are then added in sample order into `sums`.
/// The partial sums are kept in `partials`, reused from one call to the next.
pub(crate) fn sample_sums<T: crate::Float>(
    sums: &mut [T],
    partials: &Scratch<T>,
    samples: usize,
    cost: usize,
    min_cost: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    let width = sums.len();
    let mut buffer = partials.take();
    buffer.clear();
    buffer.resize(samples * width, T::zero());
    for_each_part(&mut buffer, width, cost, min_cost, |range, partials| {
        for (sample, partial) in range.zip(partials.chunks_exact_mut(width.max(1))) {
            f(sample, partial);
        }
    });
    sums.fill(T::zero());
    for partial in buffer.chunks_exact(width.max(1)) {
        for (sum, &p) in sums.iter_mut().zip(partial) {
            *sum += p;
        }
    }
    partials.put(buffer);
}

/// A part of a computation handed to a worker: the function and which part to run. The
/// function's lifetime is erased; `run` does not return before the worker has finished with it.
#[derive(Clone, Copy)]
struct Job {
    f: *const (dyn Fn(usize) + Sync + 'static),
    part: usize,
}

/// One worker's mailbox.
struct Slot {
    /// Written by the dispatcher before it bumps `start`, read by the worker after it sees it.
    job: UnsafeCell<Option<Job>>,
    /// Bumped by the dispatcher to start a job.
    start: AtomicU64,
    /// The last job taken, by the worker or by the dispatcher itself (raised with `fetch_max`:
    /// whoever raises it to a job's `start` runs the job).
    taken: AtomicU64,
    /// Set by the worker to the job's `start` when it has finished a job it took.
    finished: AtomicU64,
    /// Whether the part panicked.
    panicked: AtomicBool,
    /// Whether the worker is (about to be) parked, so the dispatcher must wake it.
    sleeping: AtomicBool,
    thread: OnceLock<Thread>,
}

// SAFETY: `job` is written only by the dispatcher (holding `Pool::dispatch`) before it bumps
// `start`, and read only by the worker after it has seen the bump (Release/Acquire on `start`)
// and taken that job (`taken`); the dispatcher writes it again only after the job was taken by
// itself (then the worker never reads it) or `finished` says the worker is done with it.
#[allow(unsafe_code, reason = "the pool's mailbox")]
unsafe impl Sync for Slot {}

struct Pool {
    slots: Vec<&'static Slot>,
    /// Held while a computation uses the workers: a second thread's computation runs on its
    /// own thread instead of waiting.
    dispatch: Mutex<()>,
}

/// The pool, made on first use with a worker per core beyond the caller's. Workers that cannot
/// be started are left out.
fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut slots = Vec::new();
        for i in 1..cores() {
            let slot: &'static Slot = Box::leak(Box::new(Slot {
                job: UnsafeCell::new(None),
                start: AtomicU64::new(0),
                taken: AtomicU64::new(0),
                finished: AtomicU64::new(0),
                panicked: AtomicBool::new(false),
                sleeping: AtomicBool::new(false),
                thread: OnceLock::new(),
            }));
            let spawned = thread::Builder::new()
                .name(format!("nn-{i}"))
                .spawn(move || work(slot));
            match spawned {
                Ok(handle) => {
                    let _ = slot.thread.set(handle.thread().clone());
                    slots.push(slot);
                }
                Err(_) => break,
            }
        }
        Pool {
            slots,
            dispatch: Mutex::new(()),
        }
    })
}

/// A worker: waits for a job (spinning, then asleep), runs it, says so, forever.
#[allow(unsafe_code, reason = "the pool's mailbox and its borrowed job")]
fn work(slot: &'static Slot) {
    let mut seen = 0;
    loop {
        let since = Instant::now();
        loop {
            let start = slot.start.load(Ordering::Acquire);
            if start != seen {
                seen = start;
                break;
            }
            if since.elapsed() < SPIN {
                std::hint::spin_loop();
                continue;
            }
            slot.sleeping.store(true, Ordering::SeqCst);
            if slot.start.load(Ordering::SeqCst) == seen {
                thread::park();
            }
            slot.sleeping.store(false, Ordering::SeqCst);
        }
        // The dispatcher runs the job itself when it gets there first (this thread was asleep
        // or descheduled): then there is nothing to do.
        if slot.taken.fetch_max(seen, Ordering::AcqRel) >= seen {
            continue;
        }
        // SAFETY: the dispatcher wrote the job before bumping `start` (seen above with
        // Acquire), and since this thread took the job it waits for `finished` before it
        // writes again.
        let job = unsafe { *slot.job.get() };
        if let Some(Job { f, part }) = job {
            // SAFETY: `run` keeps the function alive until this part reports it has finished.
            let f = unsafe { &*f };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(part)));
            slot.panicked.store(outcome.is_err(), Ordering::Relaxed);
            // Dropping a payload may itself panic, which would end this thread before it says
            // it has finished: it is leaked instead (a panic is a bug, and rare).
            if let Err(payload) = outcome {
                std::mem::forget(payload);
            }
        }
        slot.finished.store(seen, Ordering::Release);
    }
}

/// Runs `f(part)` for every part in `0..parts`: part 0 on the calling thread, the others on the
/// pool's workers while they are free (or on the calling thread, in order, when they are busy
/// with another thread's computation or fewer than the parts). A part whose worker has not
/// started it by the time the calling thread is done with its own runs on the calling thread:
/// on a machine busy with other programs, a worker that waits for a core costs no more than
/// running on one thread (it cost a single prediction of MLPerf Tiny's VWW model 18 times its
/// time, 8 ms for 0.45 ms, while a compiler ran on both cores).
///
/// # Panics
/// If a part panics (after every part has finished).
#[allow(unsafe_code, reason = "the pool's mailbox and its borrowed job")]
pub(crate) fn run(parts: usize, f: impl Fn(usize) + Sync) {
    let pool = if parts > 1 { Some(pool()) } else { None };
    // A poisoned lock (a part panicked before) still serves: the slots are consistent.
    let guard = pool.and_then(|p| match p.dispatch.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    });
    let (Some(pool), Some(_guard)) = (pool, guard) else {
        (0..parts).for_each(f);
        return;
    };
    let used = pool.slots.len().min(parts - 1);
    let dynamic: &(dyn Fn(usize) + Sync) = &f;
    // SAFETY: only the lifetime is erased; this function waits below until every worker that
    // was given the pointer has finished with it, also when a part panics.
    let erased: *const (dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(dynamic) };
    for (w, slot) in pool.slots[..used].iter().enumerate() {
        // SAFETY: the worker does not read the job now: its last job either finished before
        // the previous `run` returned or was taken by that `run` itself (then the worker never
        // reads it), and it reads this one only after the `start` store below and taking it.
        unsafe {
            *slot.job.get() = Some(Job {
                f: erased,
                part: w + 1,
            })
        };
        // Only the dispatcher (holding `dispatch`) writes `start`.
        let epoch = slot.start.load(Ordering::Relaxed) + 1;
        slot.start.store(epoch, Ordering::SeqCst);
        if slot.sleeping.load(Ordering::SeqCst)
            && let Some(thread) = slot.thread.get()
        {
            thread.unpark();
        }
    }
    let mut mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f(0);
        (used + 1..parts).for_each(&f);
    }));
    let mut worker_panicked = false;
    for (w, slot) in pool.slots[..used].iter().enumerate() {
        let epoch = slot.start.load(Ordering::Relaxed);
        if slot.taken.fetch_max(epoch, Ordering::AcqRel) < epoch {
            // Not started by its worker: run here (unless a part here panicked: the
            // computation is abandoned then).
            if mine.is_ok() {
                mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(w + 1)));
            }
            continue;
        }
        let since = Instant::now();
        while slot.finished.load(Ordering::Acquire) != epoch {
            // Spinning takes a core the worker may be waiting for on a busy machine.
            if since.elapsed() < YIELD_AFTER {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
        worker_panicked |= slot.panicked.load(Ordering::Relaxed);
    }
    drop(_guard);
    // The calling thread's own panic, with its message, once every part has finished.
    if let Err(payload) = mine {
        std::panic::resume_unwind(payload);
    }
    assert!(
        !worker_panicked,
        "a part of a parallel computation panicked on a worker thread (its message is above)"
    );
}

/// The `part`-th of `parts` ranges that split `0..len` in multiples of `align`.
pub(crate) fn range(len: usize, align: usize, parts: usize, part: usize) -> std::ops::Range<usize> {
    let blocks = len.div_ceil(align.max(1));
    let start = (blocks * part / parts * align).min(len);
    let end = (blocks * (part + 1) / parts * align).min(len);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_in_aligned_pieces() {
        for (len, align, parts) in [(32, 8, 2), (33, 8, 3), (784, 8, 2), (5, 8, 2), (0, 8, 3)] {
            let ranges: Vec<_> = (0..parts).map(|p| range(len, align, parts, p)).collect();
            assert_eq!(ranges.first().map(|r| r.start), Some(0));
            assert_eq!(ranges.last().map(|r| r.end), Some(len));
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                assert!(pair[0].end % align == 0 || pair[0].end == len);
            }
        }
    }

    /// Splits `items` items of two buffers (3 values and 1 value each) into `parts` parts
    /// in multiples of `align`, each part writing its items' numbers into its values and
    /// counting the values it got; returns the buffers and how many parts ran.
    fn split_and_mark(
        items: usize,
        align: usize,
        parts: usize,
        threads: usize,
    ) -> (Vec<usize>, Vec<u32>, usize) {
        use std::sync::atomic::AtomicUsize;
        let (mut wide, mut narrow) = (vec![usize::MAX; 3 * items], vec![u32::MAX; items]);
        let ran = AtomicUsize::new(0);
        let buffers = (super::items(&mut wide, 3), super::items(&mut narrow, 1));
        with_threads(Some(threads), || {
            split(buffers, items, align, parts, |range, (wide, narrow)| {
                ran.fetch_add(1, Ordering::Relaxed);
                assert_eq!((wide.len(), narrow.len()), (3 * range.len(), range.len()));
                assert!(range.start % align.max(1) == 0 || range.is_empty());
                for (item, (wide, narrow)) in range.zip(wide.chunks_exact_mut(3).zip(narrow)) {
                    wide.fill(item);
                    *narrow = u32::try_from(item).expect("small");
                }
            });
        });
        (wide, narrow, ran.into_inner())
    }

    #[test]
    fn a_split_gives_every_item_to_one_part() {
        // Even and uneven splits, aligned and not, fewer items than parts (some parts get
        // none), no items at all, more parts than threads, and one part.
        for (items, align, parts) in [
            (12, 1, 2),
            (7, 1, 3),
            (100, 8, 3),
            (33, 8, 2),
            (2, 1, 3),
            (1, 1, 2),
            (5, 8, 2),
            (0, 1, 3),
            (0, 8, 1),
            (9, 1, 1),
            (9, 1, 7),
        ] {
            for threads in [1, 2, 3] {
                let (wide, narrow, ran) = split_and_mark(items, align, parts, threads);
                let case =
                    format!("{items} items, align {align}, {parts} parts, {threads} threads");
                assert_eq!(ran, parts.max(1), "{case}");
                let expected: Vec<usize> = (0..items).flat_map(|i| [i; 3]).collect();
                assert_eq!(wide, expected, "{case}");
                assert!(
                    narrow.iter().enumerate().all(|(i, &v)| v as usize == i),
                    "{case}"
                );
            }
        }
    }

    #[test]
    fn a_split_takes_the_buffers_in_the_order_of_the_ranges() {
        // Each part sees the values of its own range, whichever thread runs it: part p's first
        // value is where `range` says part p starts.
        let (items, align, parts) = (50, 4, 3);
        let mut values: Vec<usize> = (0..items).collect();
        let starts = Mutex::new(Vec::new());
        with_threads(Some(3), || {
            split(
                super::items(&mut values, 1),
                items,
                align,
                parts,
                |r, part| {
                    assert_eq!(part.first().copied(), Some(r.start));
                    starts.lock().expect("no panic").push(r.start);
                },
            );
        });
        let mut starts = starts.into_inner().expect("no panic");
        starts.sort_unstable();
        let expected: Vec<usize> = (0..parts)
            .map(|p| range(items, align, parts, p).start)
            .collect();
        assert_eq!(starts, expected);
    }

    #[test]
    fn a_split_of_items_without_values_and_of_arrays() {
        // A width of 0 gives every part an empty slice (the optimizer's unused slots), and an
        // array of buffers splits each of them alike.
        let mut a = vec![0u8; 10];
        let mut b = vec![0u8; 10];
        let buffers = [
            super::items(&mut a, 1),
            super::items(&mut b, 1),
            super::items(&mut [], 0),
        ];
        with_threads(Some(2), || {
            split(buffers, 10, 1, 3, |range, [a, b, none]| {
                assert!(none.is_empty());
                assert_eq!((a.len(), b.len()), (range.len(), range.len()));
                a.fill(1);
                b.fill(2);
            });
        });
        assert_eq!((a, b), (vec![1; 10], vec![2; 10]));
    }

    #[test]
    #[should_panic(expected = "holds fewer than its 4 items")]
    fn a_split_of_a_short_buffer_panics_before_any_part_runs() {
        let mut values = [0.0f32; 11];
        split(super::items(&mut values, 3), 4, 1, 2, |_, _| {
            unreachable!("no part runs");
        });
    }

    /// A worker's part runs once, on the worker or on the calling thread when the worker has
    /// not started it yet: thousands of tiny computations (where either may come first) never
    /// run a part twice or leave one out.
    #[test]
    fn every_part_runs_once_whichever_thread_takes_it() {
        use std::sync::atomic::AtomicUsize;
        let caller = thread::current().id();
        let (runs, elsewhere): ([AtomicUsize; 2], AtomicUsize) = Default::default();
        let rounds = 20_000;
        with_threads(Some(2), || {
            for _ in 0..rounds {
                run(2, |p| {
                    runs[p].fetch_add(1, Ordering::Relaxed);
                    if thread::current().id() != caller {
                        elsewhere.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == rounds));
        // Part 0 is always the caller's.
        assert!(elsewhere.load(Ordering::Relaxed) <= rounds);
    }

    #[test]
    fn a_panicking_part_is_reported_and_the_pool_keeps_working() {
        use std::sync::atomic::AtomicUsize;
        let on_worker = std::panic::catch_unwind(|| {
            with_threads(Some(2), || run(2, |p| assert!(p != 1, "part one failed")));
        });
        assert!(on_worker.is_err());
        let on_caller = std::panic::catch_unwind(|| {
            with_threads(Some(2), || run(2, |p| assert!(p != 0, "part zero failed")));
        });
        let message = on_caller.expect_err("part 0 panicked");
        let message = message.downcast_ref::<&str>().copied();
        assert_eq!(message, Some("part zero failed"));
        // Every part of the next computation still runs, once.
        let runs: [AtomicUsize; 3] = Default::default();
        with_threads(Some(3), || {
            run(3, |p| {
                runs[p].fetch_add(1, Ordering::Relaxed);
            });
        });
        assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1));
    }

    #[test]
    fn nn_threads_is_a_positive_integer_up_to_the_cores() {
        assert_eq!(parse_threads(None, 4), Ok(4));
        assert_eq!(parse_threads(Some("1"), 4), Ok(1));
        assert_eq!(parse_threads(Some(" 3\n"), 4), Ok(3));
        assert_eq!(parse_threads(Some("4"), 4), Ok(4));
        // More threads than cores only take turns on them.
        assert_eq!(parse_threads(Some("1000"), 4), Ok(4));
        assert_eq!(parse_threads(Some("30000"), 2), Ok(2));
        assert_eq!(parse_threads(Some("18446744073709551616"), 2), Ok(2));
        assert_eq!(parse_threads(None, 0), Ok(1));
    }

    #[test]
    fn nn_threads_that_is_not_a_positive_integer_is_refused_with_its_value() {
        for value in ["0", "-1", "", "many", "2.5", "4 threads", "0x10"] {
            let Err(crate::Error::Setting { what, problem }) = parse_threads(Some(value), 8) else {
                panic!("{value} should be refused as a setting");
            };
            assert_eq!(what, "NN_THREADS");
            assert!(
                problem.starts_with(&format!("`{value}` is not a positive integer")),
                "{problem}"
            );
            assert!(problem.contains("1 to 8"), "{problem}");
        }
    }

    #[test]
    fn the_count_follows_the_setting_and_comes_back() {
        let before = threads();
        with_threads(Some(3), || {
            assert_eq!(threads(), 3);
            with_threads(Some(1), || assert_eq!(parts(1 << 20, 8, 1 << 20, 1), 1));
            assert_eq!(parts(1 << 20, 8, 1, 1), 3);
            assert_eq!(parts(20, 8, 1, 1), 2);
            assert_eq!(parts(1 << 20, 8, 1, 1 << 30), 1);
        });
        assert_eq!(threads(), before);
    }
}
