//! Dispatch sizes from the measured particle-steps per second: big enough to amortise
//! submission at any particle count, small enough that a window can interleave frames.

/// Seconds one dispatch should take.
pub const DISPATCH_SECONDS: f64 = 0.015;
/// Particle-steps of the first dispatch, before any rate is measured.
const FIRST_WORK: f64 = (1u64 << 20) as f64;
/// Dispatches with less work than this are not timed: waiting on them would cost more than
/// the measurement tells.
pub(crate) const MEASURE_WORK: u64 = 1 << 20;

/// Dispatch sizes from the measured rate of particle-steps per second.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pacer {
    rate: Option<f64>,
}

impl Pacer {
    /// Steps for a dispatch over `particles` so that it takes about [`DISPATCH_SECONDS`].
    pub fn steps_for(&self, particles: u32) -> u32 {
        let work = self.rate.map_or(FIRST_WORK, |r| r * DISPATCH_SECONDS);
        (work / f64::from(particles.max(1))).clamp(1.0, 1e6) as u32
    }

    /// Takes in one timed dispatch.
    pub fn observe(&mut self, work: u64, seconds: f64) {
        let rate = work as f64 / seconds.max(1e-6);
        // Smoothed, but quick to follow a surface or adapter that is much faster or slower.
        self.rate = Some(self.rate.map_or(rate, |old| (old * rate).sqrt()));
    }
    /// The measured particle-steps per second, once a dispatch was timed.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pacer_sizes_dispatches_to_the_measured_rate() {
        let mut p = Pacer::default();
        assert_eq!(p.steps_for(1 << 20), 1);
        assert_eq!(p.steps_for(1 << 10), 1 << 10);
        // 1e9 particle-steps/s: 15 ms is 1.5e7 particle-steps.
        p.observe(1_000_000_000, 1.0);
        assert_eq!(p.steps_for(1_000_000), 15);
        assert_eq!(p.steps_for(100_000_000), 1);
    }
}
