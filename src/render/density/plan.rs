//! What the density layer accumulates in a frame, as a plain value tested without a GPU:
//! which records to add and subtract given what the targets already hold, and the key that
//! says when they must be rebuilt.

use crate::gpu::Gpu;
use crate::render::{DensityScale, TrailWindow};

/// What the density layer draws in a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DensityFrame {
    /// Everything the accumulated trails depend on besides the records: the view, the size,
    /// the lift, the colours, the fading. A change rebuilds the trails.
    pub key: DensityKey,
    /// The visible records (and the head's place between them).
    pub window: TrailWindow,
    pub trails: bool,
    pub heads: bool,
    /// Side of the block of pixels one head covers: heads accumulate at 1 / head_block of
    /// the frame's resolution, one point each, and are upsampled smoothly by the tone map.
    pub head_block: u32,
    pub scale: DensityScale,
    /// Most segments to accumulate in one frame (None: all, as captures want).
    pub budget: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DensityKey {
    pub clip_from_world: [[f32; 4]; 4],
    pub size: [u32; 2],
    pub lift: f32,
    pub fade: bool,
    /// Bumped whenever the particles' colours or the simulation's history change under the
    /// renderer (a restart is seen by the records going back).
    pub colors: u64,
}

/// What the trail target holds: the segments joining records `first`, `first + stride`, ...
/// up to `upto`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Accumulated {
    pub(super) key: DensityKey,
    pub(super) first: u32,
    pub(super) upto: u32,
    pub(super) stride: u32,
}

/// The accumulation draws of one frame, decided from what the target holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccumulationPlan {
    /// Clear the target first.
    pub clear: bool,
    /// Segments to subtract: starting records `from, from + stride, ...` before `to`.
    pub remove: Option<(u32, u32)>,
    /// Segments to add: starting records `from, from + stride, ...`, ending by `to`.
    pub add: Option<(u32, u32)>,
    pub stride: u32,
    /// What the target holds afterwards (first, upto).
    pub holds: (u32, u32),
}

/// Decides the accumulation for visible records `first..=head` given what the target holds
/// (`held`: first, upto, stride; None: nothing valid), for `particles` particles within
/// `budget` segments. `rebuild` forces starting over (fading trails change every weight).
pub fn plan_accumulation(
    held: Option<(u32, u32, u32)>,
    first: u32,
    head: u32,
    particles: u32,
    budget: Option<u64>,
    rebuild: bool,
) -> AccumulationPlan {
    if let Some((h_first, h_upto, stride)) = held
        && !rebuild
        && first >= h_first
        && head >= h_upto
    {
        // Whole strides only: a partial one is left to the next frames (the head segment
        // covers it meanwhile).
        let removed = (first - h_first) / stride * stride;
        let added = (head - h_upto) / stride * stride;
        return AccumulationPlan {
            clear: false,
            remove: (removed > 0).then_some((h_first, h_first + removed)),
            add: (added > 0).then_some((h_upto, h_upto + added)),
            stride,
            holds: (h_first + removed, h_upto + added),
        };
    }
    let span = head.saturating_sub(first);
    let work = u64::from(particles) * u64::from(span);
    let stride = match budget {
        Some(b) if work > b.max(1) => work.div_ceil(b.max(1)).min(u64::from(span.max(1))) as u32,
        _ => 1,
    };
    let upto = first + span / stride * stride;
    AccumulationPlan {
        clear: true,
        remove: None,
        add: (upto > first).then_some((first, upto)),
        stride,
        holds: (first, upto),
    }
}

/// The texture format counts accumulate in: 32-bit floats where the adapter can blend them
/// (exact integer counts to 2^24), else 16-bit (exact to 2048).
pub fn accumulation_format(gpu: &Gpu) -> wgpu::TextureFormat {
    if gpu.device.features().contains(wgpu::Features::FLOAT32_BLENDABLE) {
        wgpu::TextureFormat::Rgba32Float
    } else {
        wgpu::TextureFormat::Rgba16Float
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_view_adds_only_new_records() {
        // Nothing held: everything from scratch.
        let p = plan_accumulation(None, 0, 10, 100, None, false);
        assert_eq!(
            (p.clear, p.add, p.remove, p.holds),
            (true, Some((0, 10)), None, (0, 10))
        );
        // Then records 10..12.
        let p = plan_accumulation(Some((0, 10, 1)), 0, 12, 100, None, false);
        assert_eq!(
            (p.clear, p.add, p.remove, p.holds),
            (false, Some((10, 12)), None, (0, 12))
        );
        // Nothing new.
        let p = plan_accumulation(Some((0, 12, 1)), 0, 12, 100, None, false);
        assert_eq!((p.clear, p.add, p.remove), (false, None, None));
        // A comet's tail moves on: the old records go out.
        let p = plan_accumulation(Some((0, 12, 1)), 3, 15, 100, None, false);
        assert_eq!(
            (p.add, p.remove, p.holds),
            (Some((12, 15)), Some((0, 3)), (3, 15))
        );
        // Time went back (a restart): from scratch.
        let p = plan_accumulation(Some((0, 12, 1)), 0, 5, 100, None, false);
        assert!(p.clear && p.holds == (0, 5));
        // Fading: always from scratch.
        assert!(plan_accumulation(Some((0, 12, 1)), 0, 13, 100, None, true).clear);
    }

    #[test]
    fn a_rebuild_over_budget_skips_records_evenly() {
        // 1000 particles x 300 records = 300,000 segments in a 50,000 budget: every 6th.
        let p = plan_accumulation(None, 0, 300, 1000, Some(50_000), false);
        assert_eq!((p.stride, p.add, p.holds), (6, Some((0, 300)), (0, 300)));
        // Later records join at that stride, whole strides only.
        let p = plan_accumulation(Some((0, 300, 6)), 0, 304, 1000, Some(50_000), false);
        assert_eq!((p.add, p.holds), (None, (0, 300)));
        let p = plan_accumulation(Some((0, 300, 6)), 0, 307, 1000, Some(50_000), false);
        assert_eq!((p.add, p.holds), (Some((300, 306)), (0, 306)));
    }
}
