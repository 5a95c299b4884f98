//! Gradient noise: a counter-based generator, so a draw depends only on (seed, particle,
//! step), never on how the particles are split into chunks, slices or dispatches.
//!
//! Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
//! constants of Random123's `philox.h`) maps the counter (global particle index, 1-based step,
//! 0, 0) under the key (seed low 32 bits, seed high 32 bits) to four 32-bit words; the first two
//! become two standard normal draws by Box-Muller, one per gradient component.
//! `shaders/noise.wgsl` is the same integer generator (bit-identical) with Box-Muller in f32;
//! here Box-Muller is in f64.

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Philox4x32 with 10 rounds.
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for _ in 0..10 {
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
        k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
    }
    c
}

/// The key of a scene seed.
pub fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// Two uniforms from two words: u1 in (0, 1] (its logarithm is finite), u2 in [0, 1); 24 bits
/// each, exact in f32 and f64 alike.
pub fn uniforms(a: u32, b: u32) -> (f64, f64) {
    let scale = 1.0 / f64::from(1u32 << 24);
    (f64::from((a >> 8) + 1) * scale, f64::from(b >> 8) * scale)
}

/// The two standard normal draws of `particle` (global index) at step `t`.
pub fn normal2(key: [u32; 2], particle: u32, t: u32) -> [f64; 2] {
    normal2_at(key, particle, t, 0)
}

/// The draws of parameter pair `lane` (the counter's third word; a surface particle has one
/// pair, lane 0, a model one per two parameters).
pub fn normal2_at(key: [u32; 2], particle: u32, t: u32, lane: u32) -> [f64; 2] {
    let w = philox4x32_10([particle, t, lane, 0], key);
    let (u1, u2) = uniforms(w[0], w[1]);
    let r = (-2.0 * u1.ln()).sqrt();
    let theta = std::f64::consts::TAU * u2;
    [r * theta.cos(), r * theta.sin()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's known-answer vectors (`kat_vectors`, philox4x32 10 rounds).
    #[test]
    fn philox_matches_random123() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn normals_have_unit_variance() {
        let k = key(7);
        let n = 200_000u32;
        let (mut sum, mut sq) = (0.0, 0.0);
        for i in 0..n {
            for z in normal2(k, i, 1 + i % 5) {
                sum += z;
                sq += z * z;
            }
        }
        let m = sum / f64::from(2 * n);
        let v = sq / f64::from(2 * n) - m * m;
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.01, "mean {m} var {v}");
    }
}
