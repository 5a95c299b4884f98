//! [`TrailWindow`]: which trail records a frame shows, as a plain value computed each frame and
//! refined in chained steps (`new` -> `with_length` -> `within_budget`), tested without a GPU.

use crate::gpu::sim::TrailPlan;

/// Which trail records a frame shows (see `shaders/particles.wgsl`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrailWindow {
    /// Oldest visible record.
    pub first: u32,
    /// The last record at or before the frame's time.
    pub head: u32,
    /// 0: the head lies between `head` and the next record; 1: between `head` and the
    /// particles' current state; 2: no trail, the head is the particle.
    pub source: u32,
    /// Segments per particle, the head segment included (0: no trail).
    pub segments: u32,
    /// Records per drawn segment (1: every record), see [`TrailWindow::within_budget`].
    pub stride: u32,
    /// Position of the head between its two ends, 0..1.
    pub mix: f32,
}

impl TrailWindow {
    /// The window for `time` with a ring `plan`, the simulation having run `steps_done` steps.
    /// Times before the ring's oldest record show that record; times after `steps_done` show
    /// the current state.
    pub fn new(plan: TrailPlan, steps_done: u32, time: f32) -> Self {
        let t = if time.is_finite() {
            time.clamp(0.0, steps_done as f32)
        } else {
            0.0
        };
        if plan.capacity == 0 {
            return Self {
                first: 0,
                head: 0,
                source: 2,
                segments: 0,
                stride: 1,
                mix: 0.0,
            };
        }
        let every = plan.record_every.max(1);
        let newest = steps_done / every;
        let first = newest.saturating_sub(plan.capacity - 1);
        let head = ((t as f64 / f64::from(every)).floor() as u32).clamp(first, newest);
        let since = (t - (head * every) as f32).max(0.0);
        let (source, mix) = if head < newest {
            (0, since / every as f32)
        } else {
            let to_state = steps_done.saturating_sub(head * every);
            let mix = if to_state == 0 {
                0.0
            } else {
                since / to_state as f32
            };
            (1, mix)
        };
        Self {
            first,
            head,
            source,
            segments: head - first + 1,
            stride: 1,
            mix: mix.clamp(0.0, 1.0),
        }
    }

    /// Keeps only the records of the last `steps` steps before the head (None: all), for
    /// trails of a fixed length; `every` is the ring's steps per record.
    pub fn with_length(mut self, steps: Option<u32>, every: u32) -> Self {
        if let Some(steps) = steps
            && self.segments > 0
        {
            let records = steps.div_ceil(every.max(1));
            self.first = self.first.max(self.head.saturating_sub(records));
            self.segments = self.head - self.first + 1;
        }
        self
    }

    /// Draws every `stride`-th record so that `particles` trails take at most about `budget`
    /// segments: a level of detail for swarms on slow adapters. The head segment and the
    /// newest record are always drawn.
    pub fn within_budget(mut self, particles: u32, budget: u32) -> Self {
        let span = self.head - self.first;
        let wanted = u64::from(particles) * u64::from(span);
        if span == 0 || wanted <= u64::from(budget.max(1)) {
            return self;
        }
        self.stride = wanted.div_ceil(u64::from(budget.max(1))).min(u64::from(span)) as u32;
        self.segments = span.div_ceil(self.stride) + 1;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(capacity: u32, record_every: u32) -> TrailPlan {
        TrailPlan {
            capacity,
            record_every,
        }
    }

    #[test]
    fn trail_window_interpolates_between_records() {
        // Every step recorded, 201 slots, sim at step 200, time 50.25.
        let w = TrailWindow::new(plan(201, 1), 200, 50.25);
        assert_eq!((w.first, w.head, w.source, w.segments), (0, 50, 0, 51));
        assert!((w.mix - 0.25).abs() < 1e-6);
        // The caller advanced to ceil(time) = 51: the head runs towards the particles.
        let w = TrailWindow::new(plan(201, 1), 51, 50.25);
        assert_eq!((w.head, w.source), (50, 0));
        let w = TrailWindow::new(plan(201, 1), 50, 50.0);
        assert_eq!((w.head, w.source, w.mix), (50, 1, 0.0));
        // Step 0: one (empty) head segment.
        let w = TrailWindow::new(plan(201, 1), 0, 0.0);
        assert_eq!((w.first, w.head, w.segments, w.mix), (0, 0, 1, 0.0));
    }

    #[test]
    fn trail_window_handles_decimation_and_wrap() {
        // Every 10th step, 5 slots: at step 95 records 5..=9 are kept.
        let w = TrailWindow::new(plan(5, 10), 95, 95.0);
        assert_eq!((w.first, w.head, w.source, w.segments), (5, 9, 1, 5));
        assert!((w.mix - 1.0).abs() < 1e-6);
        let w = TrailWindow::new(plan(5, 10), 95, 92.5);
        assert_eq!((w.head, w.source), (9, 1));
        assert!((w.mix - 0.5).abs() < 1e-6);
        // A time older than the ring shows its oldest record.
        let w = TrailWindow::new(plan(5, 10), 95, 3.0);
        assert_eq!((w.first, w.head, w.segments), (5, 5, 1));
        // No trail at all.
        assert_eq!(TrailWindow::new(plan(0, 1), 10, 5.0).source, 2);
    }

    #[test]
    fn trail_length_keeps_the_last_steps_behind_the_head() {
        let w = TrailWindow::new(plan(201, 1), 200, 120.5);
        assert_eq!(w.with_length(None, 1), w);
        let short = w.with_length(Some(30), 1);
        assert_eq!((short.first, short.head, short.segments), (90, 120, 31));
        assert_eq!((short.source, short.mix), (w.source, w.mix));
        // Longer than the history so far: all of it.
        assert_eq!(w.with_length(Some(500), 1), w);
        // Every 10th step recorded: 25 steps take 3 records.
        let d = TrailWindow::new(plan(21, 10), 200, 200.0).with_length(Some(25), 10);
        assert_eq!((d.first, d.head), (17, 20));
    }

    #[test]
    fn a_swarm_skips_records_within_its_budget() {
        let w = TrailWindow::new(plan(201, 1), 200, 200.0);
        assert_eq!(w.within_budget(100, 1_000_000), w);
        let lod = w.within_budget(10_000, 300_000);
        assert_eq!(lod.stride, 7);
        assert_eq!(lod.segments, 200usize.div_ceil(7) as u32 + 1);
        assert!(u64::from(lod.segments) * 10_000 <= 310_000);
        // The last drawn record is the head record: first + (segments - 1) * stride >= head.
        assert!(lod.first + (lod.segments - 1) * lod.stride >= lod.head);
    }
}
