//! How a simulation is laid out in memory: particles split into chunks that each fit one
//! storage binding, the trail ring each keeps ([`TrailPlan`]), and whether a particle count fits
//! the memory descent may use at all.

use super::{SimError, WORKGROUP};
use crate::gpu::gpu_data::{Particle, TrailPoint};

/// What the trail keeps: `capacity` points per particle, one every `record_every` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrailPlan {
    pub capacity: u32,
    pub record_every: u32,
}

impl TrailPlan {
    /// The largest ring (up to `wanted` points per particle) that fits `budget_bytes` for all
    /// particles, with at least [`WORKGROUP`] particles' rings in one storage binding. Zero
    /// when not even one point per particle fits.
    pub fn fit(
        gpu_limits: &wgpu::Limits,
        particles: u64,
        wanted: u32,
        record_every: u32,
        budget_bytes: u64,
    ) -> Self {
        let per_binding = max_binding(gpu_limits) / (u64::from(WORKGROUP) * TRAIL_POINT_BYTES);
        let per_particle = (budget_bytes / (particles.max(1) * TRAIL_POINT_BYTES))
            .min(per_binding)
            .min(u64::from(u32::MAX));
        Self {
            capacity: wanted.min(per_particle as u32),
            record_every: record_every.max(1),
        }
    }

    /// Every step of a `steps`-step run, whatever it costs (tests and small scenes).
    pub fn every_step(steps: u32) -> Self {
        Self {
            capacity: steps + 1,
            record_every: 1,
        }
    }

    /// A ring that holds a particle's whole path for `steps` steps: every step while it fits
    /// `budget_bytes` and the adapter's limits, else every k-th step (decimated) so that the
    /// path still spans the whole run. None when not even start and end fit.
    pub fn whole_history(
        gpu_limits: &wgpu::Limits,
        particles: u64,
        steps: u32,
        budget_bytes: u64,
    ) -> Option<Self> {
        let most = Self::fit(gpu_limits, particles, u32::MAX, 1, budget_bytes).capacity;
        if most < 2 {
            return None;
        }
        let record_every = steps.div_ceil(most - 1).max(1);
        Some(Self {
            capacity: steps / record_every + 1,
            record_every,
        })
    }

    /// Bytes the ring takes for `particles`.
    pub fn bytes(&self, particles: u64) -> u64 {
        u64::from(self.capacity) * particles * TRAIL_POINT_BYTES
    }

    /// What was kept, in words, for the user.
    pub fn describe(&self, particles: u64) -> String {
        let which = if self.record_every == 1 {
            "every step".to_string()
        } else {
            format!("every {}th step", self.record_every)
        };
        format!(
            "trails keep {which}: {} points per particle, {:.1} MiB",
            self.capacity,
            self.bytes(particles) as f64 / 1048576.0
        )
    }
}

pub const PARTICLE_BYTES: u64 = std::mem::size_of::<Particle>() as u64;
pub const TRAIL_POINT_BYTES: u64 = std::mem::size_of::<TrailPoint>() as u64;

/// The largest storage binding (and buffer) the adapter allows.
pub fn max_binding(limits: &wgpu::Limits) -> u64 {
    limits.max_storage_buffer_binding_size.min(limits.max_buffer_size)
}

/// A run of consecutive particles whose state and trail ring each fit one storage binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRange {
    /// Global index of its first particle.
    pub first: u32,
    pub count: u32,
}

/// Splits `particles` into chunks as large as one binding allows for their state and for
/// `trail_capacity` points each; chunk sizes are multiples of 64 particles (except the last),
/// so per-particle data bound at a chunk's offset stays aligned.
pub fn chunk_ranges(limits: &wgpu::Limits, particles: u32, trail_capacity: u32) -> Vec<ChunkRange> {
    let binding = max_binding(limits);
    let per_particle = PARTICLE_BYTES.max(u64::from(trail_capacity.max(1)) * TRAIL_POINT_BYTES);
    let most = (binding / per_particle).min(u64::from(u32::MAX)) as u32;
    let size = if most >= WORKGROUP {
        most - most % WORKGROUP
    } else {
        most.max(1)
    };
    (0..particles.div_ceil(size))
        .map(|k| {
            let first = k * size;
            ChunkRange {
                first,
                count: size.min(particles - first),
            }
        })
        .collect()
}

/// [`Simulation::check_fits`] against `usable` bytes (described by `memory`).
pub fn check_fits_in(usable: u64, memory: &str, particles: u64) -> Result<(), SimError> {
    let max = usable / PARTICLE_BYTES;
    if particles > max {
        return Err(SimError::TooManyParticles {
            particles,
            max,
            needed_mib: (particles * PARTICLE_BYTES) as f64 / 1048576.0,
            usable_mib: usable as f64 / 1048576.0,
            memory: memory.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(binding: u64) -> wgpu::Limits {
        wgpu::Limits {
            max_storage_buffer_binding_size: binding,
            max_buffer_size: 1 << 40,
            ..wgpu::Limits::default()
        }
    }

    #[test]
    fn chunks_fit_one_binding_and_cover_every_particle() {
        // 128 MiB bindings, 301 trail points (4816 B) per particle: 27,868 -> 27,840 (x64).
        let l = limits(128 << 20);
        let chunks = chunk_ranges(&l, 1_000_000, 301);
        assert_eq!(
            chunks[0],
            ChunkRange {
                first: 0,
                count: 27_840
            }
        );
        assert_eq!(chunks.len(), 1_000_000usize.div_ceil(27_840));
        let mut next = 0;
        for c in &chunks {
            assert_eq!(c.first, next);
            assert!(u64::from(c.count) * 301 * TRAIL_POINT_BYTES <= 128 << 20);
            assert!(u64::from(c.count) * PARTICLE_BYTES <= 128 << 20);
            next += c.count;
        }
        assert_eq!(next, 1_000_000);
        // No trail: particle state alone decides (2,796,202 -> 2,796,160).
        let chunks = chunk_ranges(&l, 10_000_000, 0);
        assert_eq!(chunks[0].count, 2_796_160);
        assert_eq!(chunks.len(), 4);
        // Few particles: one chunk.
        assert_eq!(chunk_ranges(&l, 2, 201), [ChunkRange { first: 0, count: 2 }]);
    }

    #[test]
    fn trail_plans_follow_the_budget_not_one_binding() {
        let l = limits(128 << 20);
        // 1M particles x 301 points = 4.8 GB: fits a 6 GiB budget whole.
        let p = TrailPlan::whole_history(&l, 1_000_000, 300, 6 << 30).unwrap();
        assert_eq!(p, TrailPlan::every_step(300));
        // A binding holds at least 64 particles' rings.
        let p = TrailPlan::fit(&l, 1, u32::MAX, 1, u64::MAX);
        assert_eq!(u64::from(p.capacity), (128 << 20) / (64 * TRAIL_POINT_BYTES));
    }

    #[test]
    fn too_many_particles_name_the_number_that_fits() {
        assert!(check_fits_in(48_000, "x", 1000).is_ok());
        let err = check_fits_in(48_000, "1.0 GiB of GPU memory", 1001)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 1000 particles fit"), "{err}");
        assert!(err.contains("1.0 GiB of GPU memory"), "{err}");
    }
}
