//! Maps video frames to simulation time. By default one frame per optimizer step (200 steps
//! give 201 frames); `--steps-per-second` and `--frames` decouple the two, and the time of a
//! frame is fractional so the renderer can interpolate heads between steps (a 240 fps slow
//! motion has no stutter).

/// Frame count, frame rate, and the simulation time of each frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timeline {
    pub frames: u32,
    pub fps: f64,
    /// Optimizer steps the run has.
    pub steps: u32,
    steps_per_frame: f64,
    /// Time of frame 0.
    start: f64,
}

impl Timeline {
    /// `frames` wins over `steps_per_second`; with neither, one frame per step.
    pub fn new(
        steps: u32,
        fps: f64,
        frames: Option<u32>,
        steps_per_second: Option<f64>,
    ) -> Result<Self, String> {
        if !(fps.is_finite() && fps > 0.0) {
            return Err(format!("--fps must be a positive number, got {fps}"));
        }
        let (frames, steps_per_frame) = match (frames, steps_per_second) {
            (Some(0), _) => return Err("--frames must be at least 1".into()),
            (Some(1), _) => (1, 0.0),
            (Some(n), _) => (n, f64::from(steps) / f64::from(n - 1)),
            (None, Some(s)) if !(s.is_finite() && s > 0.0) => {
                return Err(format!("--steps-per-second must be a positive number, got {s}"));
            }
            (None, Some(s)) => {
                let per_frame = s / fps;
                let frames = (f64::from(steps) / per_frame).ceil() as u64 + 1;
                if frames > 10_000_000 {
                    return Err(format!(
                        "{frames} frames is too many; raise --steps-per-second or lower --fps"
                    ));
                }
                (frames as u32, per_frame)
            }
            // One frame per step; a run too long for that needs --frames or --steps-per-second.
            (None, None) if u64::from(steps) + 1 > 10_000_000 => {
                return Err(format!(
                    "{} frames (one per step) is too many; give --frames or --steps-per-second",
                    u64::from(steps) + 1
                ));
            }
            (None, None) => (steps + 1, 1.0),
        };
        Ok(Self {
            frames,
            fps,
            steps,
            steps_per_frame,
            start: 0.0,
        })
    }

    /// Simulation time (global step, fractional) shown by `frame`, clamped to the run's end.
    pub fn time(&self, frame: u32) -> f64 {
        (self.start + f64::from(frame) * self.steps_per_frame).min(f64::from(self.steps))
    }

    /// One frame showing `step` (for a still at a chosen step).
    pub fn ending_at(self, step: f64) -> Self {
        Self {
            frames: 1,
            steps_per_frame: 0.0,
            start: step,
            ..self
        }
    }

    /// Seconds into the video at `frame`.
    pub fn seconds(&self, frame: u32) -> f64 {
        f64::from(frame) / self.fps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_frame_per_step_is_refused_for_huge_runs() {
        let e = Timeline::new(u32::MAX, 30.0, None, None).unwrap_err();
        assert_eq!(
            e,
            "4294967296 frames (one per step) is too many; give --frames or --steps-per-second"
        );
        assert_eq!(Timeline::new(u32::MAX, 30.0, Some(10), None).unwrap().frames, 10);
    }

    #[test]
    fn one_frame_per_step_by_default() {
        let t = Timeline::new(200, 60.0, None, None).unwrap();
        assert_eq!(t.frames, 201);
        assert_eq!(t.time(0), 0.0);
        assert_eq!(t.time(200), 200.0);
    }

    #[test]
    fn steps_per_second_gives_fractional_times() {
        // 240 fps at 60 steps/s: a quarter step a frame.
        let t = Timeline::new(100, 240.0, None, Some(60.0)).unwrap();
        assert_eq!(t.frames, 401);
        assert_eq!(t.time(1), 0.25);
        assert_eq!(t.time(400), 100.0);
        assert_eq!(t.seconds(240), 1.0);
    }

    #[test]
    fn frames_spreads_the_run() {
        let t = Timeline::new(600, 30.0, Some(61), Some(1.0)).unwrap();
        assert_eq!(t.frames, 61);
        assert_eq!(t.time(60), 600.0);
        assert_eq!(t.time(1), 10.0);
        assert!(Timeline::new(10, 30.0, Some(0), None).is_err());
        assert!(Timeline::new(10, 0.0, None, None).is_err());
        assert!(Timeline::new(10, 30.0, None, Some(-1.0)).is_err());
    }
}
