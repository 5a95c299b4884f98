// Gradient noise: Philox4x32-10 keyed by the scene seed, counter (global particle, step, 0, 0),
// then Box-Muller in f32. The twin of src/noise.rs, which names the sources; the integer words
// are bit-identical to it, the normals agree to f32 rounding. No bindings: the host
// concatenates this file with the simulation shader.

// The high and low 32 bits of a * b (WGSL has no 64-bit integers): 16-bit halves, no overflow.
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xffffu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xffffu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let t = hi_lo + (lo_lo >> 16u);
    let u = lo_hi + (t & 0xffffu);
    return vec2<u32>(hi_hi + (t >> 16u) + (u >> 16u), a * b);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var i = 0u; i < 10u; i++) {
        let p0 = philox_mulhilo(0xD2511F53u, c.x);
        let p1 = philox_mulhilo(0xCD9E8D57u, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
        k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

// Two standard normal draws for `particle` (global index) at step `t`.
fn noise_normal2(key: vec2<u32>, particle: u32, t: u32) -> vec2<f32> {
    return noise_normal2_at(key, particle, t, 0u);
}

// The draws of parameter pair `lane` (a model's particle has one pair per two parameters).
fn noise_normal2_at(key: vec2<u32>, particle: u32, t: u32, lane: u32) -> vec2<f32> {
    let w = philox4x32_10(vec4<u32>(particle, t, lane, 0u), key);
    let scale = 1.0 / 16777216.0;
    let u1 = f32((w.x >> 8u) + 1u) * scale;
    let u2 = f32(w.y >> 8u) * scale;
    let r = sqrt(-2.0 * log(u1));
    let theta = 6.283185307179586 * u2;
    return vec2<f32>(r * cos(theta), r * sin(theta));
}
