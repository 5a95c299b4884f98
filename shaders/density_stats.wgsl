// Density statistics (compute, one layer per dispatch set): the largest count, a histogram of
// log(1 + count) over the pixels with any count, and its cumulative share: the transfer of
// datashader's `eq_hist`, where each brightness level covers as many pixels as any other.
// Standalone; tonemap.wgsl is appended to it for the tone-map pipeline (it reads the same
// statistics and log axis).

const BINS: u32 = 1024u;

// Twin of the layout `render::density` allocates: the largest count (as bits: positive floats
// order like their bits), the pixels with any count, the histogram, its cumulative share.
struct DensityStats {
    max_bits: atomic<u32>,
    nonzero: atomic<u32>,
    _pad: vec2<u32>,
    hist: array<atomic<u32>, 1024>,
    cdf: array<f32, 1024>,
}

@group(0) @binding(0) var accum_in: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> stats: DensityStats;

var<workgroup> local_hist: array<atomic<u32>, 1024>;

fn count_at(p: vec2<u32>) -> f32 {
    let size = textureDimensions(accum_in);
    if p.x >= size.x || p.y >= size.y {
        return 0.0;
    }
    return textureLoad(accum_in, p, 0).a;
}

// Where a count falls on the log axis, 0..1 (the largest count is 1).
fn log_position(count: f32, max_count: f32) -> f32 {
    return clamp(log(1.0 + count) / log(1.0 + max(max_count, 1e-6)), 0.0, 1.0);
}

@compute @workgroup_size(16, 16)
fn stats_max(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = count_at(gid.xy);
    if c > 0.0 {
        atomicMax(&stats.max_bits, bitcast<u32>(c));
        atomicAdd(&stats.nonzero, 1u);
    }
}

@compute @workgroup_size(16, 16)
fn stats_hist(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    for (var b = lid; b < BINS; b += 256u) {
        atomicStore(&local_hist[b], 0u);
    }
    workgroupBarrier();
    let c = count_at(gid.xy);
    if c > 0.0 {
        let m = bitcast<f32>(atomicLoad(&stats.max_bits));
        let bin = min(u32(log_position(c, m) * f32(BINS - 1u) + 0.5), BINS - 1u);
        atomicAdd(&local_hist[bin], 1u);
    }
    workgroupBarrier();
    for (var b = lid; b < BINS; b += 256u) {
        let n = atomicLoad(&local_hist[b]);
        if n > 0u {
            atomicAdd(&stats.hist[b], n);
        }
    }
}

@compute @workgroup_size(1)
fn stats_cdf() {
    let total = max(f32(atomicLoad(&stats.nonzero)), 1.0);
    var sum = 0u;
    for (var b = 0u; b < BINS; b++) {
        sum += atomicLoad(&stats.hist[b]);
        stats.cdf[b] = f32(sum) / total;
    }
}

