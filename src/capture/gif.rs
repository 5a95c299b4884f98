//! Animated GIF encoding on every core: frames are quantized and LZW-compressed in parallel,
//! each on its own, then written in order.
//!
//! Two qualities:
//! - **fast** (default): one global palette, learnt (NeuQuant) once from the first frame,
//!   and an ordered (Bayer 8x8) dither, which depends only on a pixel's colour and position.
//!   So a pixel that did not change between frames gets the same index, and each frame after
//!   the first stores only the rectangle that changed, with unchanged pixels transparent over
//!   the previous frame (disposal "keep"). Colours exactly in the palette are not dithered,
//!   so flat backgrounds and text stay clean.
//! - **best**: a palette per frame, learnt from that frame's changed pixels (what the image
//!   crate and Pillow do for the whole frame), no dither; also stores only what changed.
//!
//! Either way a frame's work needs only its own pixels and the previous frame's, so workers
//! never wait on each other; a writer thread puts the compressed frames in order.

use std::collections::BTreeMap;
use std::io::Write;

pub use super::GifQuality;

/// Index of the transparent entry: palettes hold at most 255 colours.
const TRANSPARENT: u8 = 255;
const COLORS: usize = 255;
/// Bits per channel of the colour -> index lookup table.
const LUT_BITS: u32 = 6;
/// Amplitude of the ordered dither, in 8-bit levels (about a palette step on smooth shading).
const DITHER_SPREAD: f32 = 14.0;
/// NeuQuant samples one pixel in this many (1 = every pixel; 10 is the image crate's speed 10).
const NEUQUANT_SAMPLING: i32 = 10;

/// A global palette and its lookup tables.
pub struct Palette {
    /// r, g, b per entry, `COLORS` entries at most.
    rgb: Vec<u8>,
    /// Nearest entry for each `LUT_BITS`-per-channel colour cell.
    nearest: Vec<u8>,
    /// One bit per 24-bit colour: set for the palette's own colours, which skip the dither.
    exact_bits: Vec<u64>,
    /// The entry of each of the palette's own colours (the first, if repeated).
    exact: std::collections::HashMap<u32, u8>,
}

impl Palette {
    /// Learns up to 255 colours from `rgba` (NeuQuant) and builds the lookup tables.
    pub fn learn(rgba: &[u8]) -> Self {
        let quant = color_quant::NeuQuant::new(NEUQUANT_SAMPLING, COLORS, rgba);
        Self::from_rgb(palette_rgb(&quant))
    }

    fn from_rgb(rgb: Vec<u8>) -> Self {
        let side = 1usize << LUT_BITS;
        let cells = side * side * side;
        let entries: Vec<[i32; 3]> = rgb
            .chunks_exact(3)
            .map(|c| [c[0] as i32, c[1] as i32, c[2] as i32])
            .collect();
        let mut nearest = vec![0u8; cells];
        // Cell centres to their nearest entry, split over the cores (262,144 x 255 distances).
        let threads = super::workers::worker_threads(16);
        let per = cells.div_ceil(threads);
        std::thread::scope(|s| {
            for (t, part) in nearest.chunks_mut(per).enumerate() {
                let entries = &entries;
                s.spawn(move || {
                    for (i, out) in part.iter_mut().enumerate() {
                        let cell = t * per + i;
                        let c = cell_centre(cell);
                        *out = nearest_entry(entries, c);
                    }
                });
            }
        });
        let mut exact_bits = vec![0u64; 1 << 18];
        let mut exact = std::collections::HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let key = rgb_key(e[0] as u8, e[1] as u8, e[2] as u8);
            exact_bits[key as usize >> 6] |= 1 << (key & 63);
            exact.entry(key).or_insert(i as u8);
        }
        Self {
            rgb,
            nearest,
            exact_bits,
            exact,
        }
    }

    /// The palette index for a pixel at (x, y).
    #[inline]
    fn index(&self, r: u8, g: u8, b: u8, x: usize, y: usize) -> u8 {
        let key = rgb_key(r, g, b);
        if self.exact_bits[key as usize >> 6] & (1 << (key & 63)) != 0
            && let Some(&e) = self.exact.get(&key)
        {
            return e;
        }
        let t = (BAYER8[(y & 7) * 8 + (x & 7)] as f32 + 0.5) / 64.0 - 0.5;
        let d = t * DITHER_SPREAD;
        let q = |c: u8| (c as f32 + d).round().clamp(0.0, 255.0) as u8;
        self.nearest[cell_of(q(r), q(g), q(b))]
    }
}

/// A learnt palette as r, g, b per entry.
fn palette_rgb(quant: &color_quant::NeuQuant) -> Vec<u8> {
    quant
        .color_map_rgba()
        .chunks_exact(4)
        .flat_map(|c| [c[0], c[1], c[2]])
        .collect()
}

const BAYER8: [u8; 64] = [
    0, 32, 8, 40, 2, 34, 10, 42, 48, 16, 56, 24, 50, 18, 58, 26, 12, 44, 4, 36, 14, 46, 6, 38, 60, 28, 52,
    20, 62, 30, 54, 22, 3, 35, 11, 43, 1, 33, 9, 41, 51, 19, 59, 27, 49, 17, 57, 25, 15, 47, 7, 39, 13, 45,
    5, 37, 63, 31, 55, 23, 61, 29, 53, 21,
];

#[inline]
fn rgb_key(r: u8, g: u8, b: u8) -> u32 {
    (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
}

#[inline]
fn cell_of(r: u8, g: u8, b: u8) -> usize {
    let s = 8 - LUT_BITS;
    ((r as usize >> s) << (2 * LUT_BITS)) | ((g as usize >> s) << LUT_BITS) | (b as usize >> s)
}

fn cell_centre(cell: usize) -> [i32; 3] {
    let mask = (1usize << LUT_BITS) - 1;
    let s = 8 - LUT_BITS;
    let half = 1i32 << (s - 1);
    [
        (((cell >> (2 * LUT_BITS)) & mask) << s) as i32 + half,
        (((cell >> LUT_BITS) & mask) << s) as i32 + half,
        ((cell & mask) << s) as i32 + half,
    ]
}

fn nearest_entry(entries: &[[i32; 3]], c: [i32; 3]) -> u8 {
    let mut best = (i32::MAX, 0u8);
    for (i, e) in entries.iter().enumerate() {
        let d = (e[0] - c[0]).pow(2) + (e[1] - c[1]).pow(2) + (e[2] - c[2]).pow(2);
        if d < best.0 {
            best = (d, i as u8);
        }
    }
    best.1
}

/// A frame's own palette (best quality): its colours exactly when there are at most 255 of
/// them, else learnt by NeuQuant.
enum LocalPalette {
    Exact(std::collections::HashMap<[u8; 3], u8>),
    Learnt(color_quant::NeuQuant),
}

impl LocalPalette {
    fn learn(rgba: &[u8]) -> Self {
        let mut exact = std::collections::HashMap::new();
        for p in rgba.chunks_exact(4) {
            let key = [p[0], p[1], p[2]];
            if !exact.contains_key(&key) {
                if exact.len() == COLORS {
                    // Few pixels teach NeuQuant little: sample all of them then.
                    let sampling = (rgba.len() / 4 / 100_000).clamp(1, NEUQUANT_SAMPLING as usize);
                    return Self::Learnt(color_quant::NeuQuant::new(sampling as i32, COLORS, rgba));
                }
                exact.insert(key, exact.len() as u8);
            }
        }
        Self::Exact(exact)
    }

    fn index(&self, rgb: &[u8]) -> u8 {
        match self {
            Self::Exact(map) => map[&[rgb[0], rgb[1], rgb[2]]],
            Self::Learnt(quant) => quant.index_of(&[rgb[0], rgb[1], rgb[2], 255]) as u8,
        }
    }

    fn rgb(&self) -> Vec<u8> {
        match self {
            Self::Exact(map) => {
                let mut rgb = vec![0u8; 3 * map.len()];
                for (c, &i) in map {
                    rgb[3 * i as usize..3 * i as usize + 3].copy_from_slice(c);
                }
                rgb
            }
            Self::Learnt(quant) => palette_rgb(quant),
        }
    }
}

/// The rectangle of pixels that differ between two frames: x, y, width, height.
fn changed_rect(prev: &[u8], next: &[u8], width: usize, height: usize) -> Option<[usize; 4]> {
    let row = 4 * width;
    let rows_differ = |y: usize| prev[y * row..(y + 1) * row] != next[y * row..(y + 1) * row];
    let top = (0..height).find(|&y| rows_differ(y))?;
    let bottom = (top..height).rev().find(|&y| rows_differ(y)).unwrap_or(top);
    let px = |y: usize, x: usize| {
        let k = y * row + 4 * x;
        prev[k..k + 4] != next[k..k + 4]
    };
    let mut left = width;
    let mut right = 0;
    for y in top..=bottom {
        if let Some(l) = (0..left).find(|&x| px(y, x)) {
            left = l;
        }
        if let Some(r) = (right..width).rev().find(|&x| px(y, x)) {
            right = r;
        }
    }
    Some([left, top, right + 1 - left, bottom + 1 - top])
}

/// One frame, quantized and LZW-compressed: ready for the writer.
pub struct EncodedFrame(gif::Frame<'static>);

/// Quantizes and compresses frame `rgba` (`width` x `height`), storing only what differs
/// from `prev` (the previous frame's pixels; None for the first frame). `palette` is the
/// global palette in fast quality, None in best quality.
pub fn encode_frame(
    rgba: &[u8],
    prev: Option<&[u8]>,
    width: usize,
    height: usize,
    delay_cs: u16,
    palette: Option<&Palette>,
) -> EncodedFrame {
    let rect = match prev {
        None => Some([0, 0, width, height]),
        Some(p) => changed_rect(p, rgba, width, height),
    };
    let mut frame = gif::Frame {
        delay: delay_cs,
        dispose: gif::DisposalMethod::Keep,
        transparent: Some(TRANSPARENT),
        ..gif::Frame::default()
    };
    let Some([x0, y0, w, h]) = rect else {
        // Nothing changed: one transparent pixel carries the frame's delay.
        frame.width = 1;
        frame.height = 1;
        frame.buffer = vec![TRANSPARENT].into();
        if palette.is_none() {
            frame.palette = Some(vec![0, 0, 0]);
        }
        frame.make_lzw_pre_encoded();
        return EncodedFrame(frame);
    };
    let unchanged = |x: usize, y: usize| {
        prev.is_some_and(|p| {
            let k = 4 * (y * width + x);
            p[k..k + 4] == rgba[k..k + 4]
        })
    };
    let mut indices = Vec::with_capacity(w * h);
    match palette {
        Some(palette) => {
            // Row by row, pixels as 4-byte chunks: most of a changed rectangle is unchanged,
            // and that test is the inner loop.
            let span = 4 * x0..4 * (x0 + w);
            for y in y0..y0 + h {
                let row = 4 * y * width;
                let next = &rgba[row..row + 4 * width][span.clone()];
                let before = prev.map(|p| &p[row..row + 4 * width][span.clone()]);
                for (i, px) in next.chunks_exact(4).enumerate() {
                    if before.is_some_and(|b| b[4 * i..4 * i + 4] == *px) {
                        indices.push(TRANSPARENT);
                    } else {
                        indices.push(palette.index(px[0], px[1], px[2], x0 + i, y));
                    }
                }
            }
        }
        None => {
            let mut changed = Vec::with_capacity(4 * w * h);
            for y in y0..y0 + h {
                for x in x0..x0 + w {
                    if !unchanged(x, y) {
                        let k = 4 * (y * width + x);
                        changed.extend_from_slice(&[rgba[k], rgba[k + 1], rgba[k + 2], 255]);
                    }
                }
            }
            let local = LocalPalette::learn(&changed);
            for y in y0..y0 + h {
                for x in x0..x0 + w {
                    if unchanged(x, y) {
                        indices.push(TRANSPARENT);
                    } else {
                        let k = 4 * (y * width + x);
                        indices.push(local.index(&rgba[k..k + 3]));
                    }
                }
            }
            let mut rgb = local.rgb();
            rgb.resize(3 * 256, 0);
            frame.palette = Some(rgb);
        }
    }
    frame.left = x0 as u16;
    frame.top = y0 as u16;
    frame.width = w as u16;
    frame.height = h as u16;
    frame.buffer = indices.into();
    frame.make_lzw_pre_encoded();
    EncodedFrame(frame)
}

/// Writes encoded frames in order as they come, whatever order they are finished in.
pub struct GifWriter<W: Write> {
    encoder: gif::Encoder<W>,
    next: u32,
    waiting: BTreeMap<u32, EncodedFrame>,
}

impl<W: Write> GifWriter<W> {
    /// Starts a looping GIF; `palette` is the global one (fast quality) or None.
    pub fn new(
        out: W,
        width: u16,
        height: u16,
        palette: Option<&Palette>,
    ) -> Result<Self, gif::EncodingError> {
        let global = palette
            .map(|p| {
                let mut rgb = p.rgb.clone();
                rgb.resize(3 * 256, 0);
                rgb
            })
            .unwrap_or_default();
        let mut encoder = gif::Encoder::new(out, width, height, &global)?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        Ok(Self {
            encoder,
            next: 0,
            waiting: BTreeMap::new(),
        })
    }

    /// Takes frame `index` (counted from 0) and writes every frame now in order.
    pub fn push(&mut self, index: u32, frame: EncodedFrame) -> Result<(), gif::EncodingError> {
        self.waiting.insert(index, frame);
        while let Some(f) = self.waiting.remove(&self.next) {
            self.encoder.write_lzw_pre_encoded_frame(&f.0)?;
            self.next += 1;
        }
        Ok(())
    }

    /// Frames written so far (those before the first missing one).
    pub fn written(&self) -> u32 {
        self.next
    }

    /// Ends the file and hands the writer back.
    pub fn finish(self) -> Result<W, gif::EncodingError> {
        self.encoder.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let mut decoder = options.read_info(bytes).expect("gif");
        let (w, h) = (decoder.width() as usize, decoder.height() as usize);
        let mut canvas = vec![0u8; 4 * w * h];
        let mut frames = Vec::new();
        while let Some(f) = decoder.read_next_frame().expect("frame") {
            for y in 0..f.height as usize {
                for x in 0..f.width as usize {
                    let s = 4 * (y * f.width as usize + x);
                    if f.buffer[s + 3] == 0 {
                        continue;
                    }
                    let d = 4 * ((y + f.top as usize) * w + x + f.left as usize);
                    canvas[d..d + 4].copy_from_slice(&f.buffer[s..s + 4]);
                }
            }
            frames.push(canvas.clone());
        }
        frames
    }

    fn gradient(w: usize, h: usize, dot: Option<(usize, usize)>) -> Vec<u8> {
        let mut px = Vec::with_capacity(4 * w * h);
        for y in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 128, 255]);
            }
        }
        if let Some((dx, dy)) = dot {
            for y in dy..dy + 3 {
                for x in dx..dx + 3 {
                    let k = 4 * (y * w + x);
                    px[k..k + 4].copy_from_slice(&[250, 20, 20, 255]);
                }
            }
        }
        px
    }

    fn encode_all(frames: &[Vec<u8>], w: usize, h: usize, quality: GifQuality) -> Vec<u8> {
        let palette = (quality == GifQuality::Fast).then(|| Palette::learn(&frames[0]));
        let mut writer = GifWriter::new(Vec::new(), w as u16, h as u16, palette.as_ref()).unwrap();
        // Out of order on purpose: the writer restores it.
        let mut encoded: Vec<(u32, EncodedFrame)> = frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let prev = i.checked_sub(1).map(|p| frames[p].as_slice());
                (i as u32, encode_frame(f, prev, w, h, 4, palette.as_ref()))
            })
            .collect();
        encoded.reverse();
        for (i, f) in encoded {
            writer.push(i, f).unwrap();
        }
        assert_eq!(writer.written(), frames.len() as u32);
        writer.finish().unwrap()
    }

    #[test]
    fn frames_decode_in_order_close_to_their_pixels() {
        let (w, h) = (64, 48);
        let frames: Vec<Vec<u8>> = [None, Some((10, 10)), Some((30, 20)), Some((30, 20))]
            .into_iter()
            .map(|d| gradient(w, h, d))
            .collect();
        for quality in [GifQuality::Fast, GifQuality::Best] {
            let decoded = decode(&encode_all(&frames, w, h, quality));
            assert_eq!(decoded.len(), frames.len());
            for (i, (a, b)) in frames.iter().zip(&decoded).enumerate() {
                let mean = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y) as f64).sum::<f64>() / a.len() as f64;
                assert!(mean < 6.0, "{quality:?} frame {i}: mean difference {mean:.2}");
                // The dot is where it should be, and red.
                if let Some((dx, dy)) = [None, Some((10, 10)), Some((30, 20)), Some((30, 20))][i] {
                    let k = 4 * ((dy + 1) * w + dx + 1);
                    assert!(
                        b[k] > 200 && b[k + 1] < 80,
                        "{quality:?} frame {i}: dot is {:?}",
                        &b[k..k + 3]
                    );
                }
            }
        }
    }

    #[test]
    fn only_the_changed_rectangle_is_stored() {
        let (w, h) = (64, 48);
        let a = gradient(w, h, None);
        let b = gradient(w, h, Some((20, 30)));
        assert_eq!(changed_rect(&a, &b, w, h), Some([20, 30, 3, 3]));
        assert_eq!(changed_rect(&a, &a, w, h), None);
        let palette = Palette::learn(&a);
        let f = encode_frame(&b, Some(&a), w, h, 4, Some(&palette));
        assert_eq!((f.0.left, f.0.top, f.0.width, f.0.height), (20, 30, 3, 3));
    }

    #[test]
    fn flat_colours_are_not_dithered() {
        let colours = [[255u8, 255, 255], [0, 0, 0], [31, 119, 180], [214, 39, 40]];
        let mut px = Vec::new();
        for c in colours {
            for _ in 0..500 {
                px.extend_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
        let palette = Palette::learn(&px);
        for c in colours {
            let at = |x, y| palette.index(c[0], c[1], c[2], x, y) as usize;
            let i = at(0, 0);
            let got = &palette.rgb[3 * i..3 * i + 3];
            assert!(
                got.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 3),
                "{c:?} became {got:?}"
            );
            // The same entry at every dither position: a flat area stays flat.
            assert!((0..8).all(|y| (0..8).all(|x| at(x, y) == i)), "{c:?} is dithered");
        }
    }
}
