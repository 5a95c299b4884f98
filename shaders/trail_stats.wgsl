// Trail statistics: for each recorded step and optimizer group, a histogram of loss over bins
// on a log axis and the count of particles in each status, from the trail ring of one chunk.
// Prepended by the host: common.wgsl.
//
// One invocation per particle loops over the records asked for. A workgroup of 256 particles
// spans at most two groups when groups have 256 particles or more: it counts into workgroup
// memory and adds its totals to the output once per bin, so a million particles landing in
// one bin cost four thousand global atomics, not a million. Smaller groups add directly.

const BINS: u32 = 128u;
// Bins, then running, converged, diverged.
const ROW: u32 = 131u;

// Twin of `gpu::stats::StatsParams`.
struct StatsParams {
    first_record: u32,
    records: u32,
    chunk_first: u32,
    chunk_count: u32,
    starts_per_group: u32,
    groups: u32,
    capacity: u32,
    _pad_row: u32,
    // The log axis: bin = (ln(loss - lo + eps) - a) * scale.
    lo: f32,
    eps: f32,
    a: f32,
    scale: f32,
    // Workgroups per row of a 2D dispatch.
    row_workgroups: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: StatsParams;
@group(0) @binding(1) var<storage, read> trail: array<TrailPoint>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

var<workgroup> local_counts: array<atomic<u32>, 262>;

fn bin_of(loss: f32) -> u32 {
    let v = max(loss - params.lo, 0.0) + params.eps;
    let b = (log(v) - params.a) * params.scale;
    return u32(clamp(b, 0.0, f32(BINS - 1u)));
}

@compute @workgroup_size(256)
fn histogram(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let first_in_group = (wid.x + wid.y * params.row_workgroups) * 256u;
    let i = first_in_group + lid;
    let alive = i < params.chunk_count;
    let g0 = (params.chunk_first + first_in_group) / params.starts_per_group;
    let g = (params.chunk_first + min(i, params.chunk_count - 1u)) / params.starts_per_group;
    let local = params.starts_per_group >= 256u;
    for (var k = 0u; k < params.records; k++) {
        let r = params.first_record + k;
        // Output rows are the records asked for, in order.
        let base = (k * params.groups + g) * ROW;
        if local {
            for (var b = lid; b < 2u * ROW; b += 256u) {
                atomicStore(&local_counts[b], 0u);
            }
            workgroupBarrier();
        }
        if alive {
            let p = trail[(r % params.capacity) * params.chunk_count + i];
            let status_slot = BINS + min(p.status, 2u);
            let counted = p.status != STATUS_DIVERGED && is_finite_f32(p.loss);
            if local {
                let lg = (g - g0) * ROW;
                atomicAdd(&local_counts[lg + status_slot], 1u);
                if counted {
                    atomicAdd(&local_counts[lg + bin_of(p.loss)], 1u);
                }
            } else {
                atomicAdd(&counts[base + status_slot], 1u);
                if counted {
                    atomicAdd(&counts[base + bin_of(p.loss)], 1u);
                }
            }
        }
        if local {
            workgroupBarrier();
            for (var b = lid; b < 2u * ROW; b += 256u) {
                let n = atomicLoad(&local_counts[b]);
                let group = g0 + b / ROW;
                if n > 0u && group < params.groups {
                    atomicAdd(&counts[(k * params.groups + group) * ROW + b % ROW], n);
                }
            }
            workgroupBarrier();
        }
    }
}
