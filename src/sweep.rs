//! Hyperparameter sweeps: a numeric optimizer parameter given as a range of values instead of
//! one value. Each value (each pair of values, for two ranges) is its own optimizer *group*;
//! every group runs from the same start points, all in one simulation.
//!
//! Syntax: `from..to:count` (linear, both ends included) or `from..to:count:log` (geometric:
//! evenly spaced in log), in an optimizer spec (`sgd:lr=1e-4..1e-2:512:log,momentum=0..0.99:512`)
//! and as a table in a scene (`lr = { from = 1e-4, to = 1e-2, count = 512, scale = "log" }`).
//! At most two parameters of one optimizer may be ranges: a sweep map has two axes, and a
//! product of three would be a cube nobody can look at (say so rather than guess).
//!
//! Groups of a sweep are ordered with the first swept parameter fastest: group `j * n0 + i`
//! has the first parameter's value i and the second's value j, so a 2D sweep is a row-major
//! image with the first parameter along x.

use std::fmt;

use crate::numbers::short;

/// Most groups one optimizer spec may expand to: 4096 x 4096. Memory is checked again with
/// the start points, against the adapter.
pub const MAX_SWEEP_GROUPS: u64 = 1 << 24;
/// Most swept parameters per optimizer.
pub const MAX_SWEPT: usize = 2;

/// Linear or logarithmic spacing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    Linear,
    Log,
}

/// `from..to:count[:log]`: `count` values from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamRange {
    pub from: f64,
    pub to: f64,
    pub count: u32,
    pub spacing: Spacing,
}

impl ParamRange {
    /// Checks what makes a range a range: at least two values, finite ends, positive ends
    /// for a log range. The message says what is wrong, for the caller to place.
    pub fn new(from: f64, to: f64, count: u32, spacing: Spacing) -> Result<Self, String> {
        if !from.is_finite() || !to.is_finite() {
            return Err("the ends must be finite numbers".into());
        }
        if count < 2 {
            return Err(format!(
                "count must be at least 2 (both ends are included), got {count}"
            ));
        }
        if u64::from(count) > MAX_SWEEP_GROUPS {
            return Err(format!("count must be at most {MAX_SWEEP_GROUPS}, got {count}"));
        }
        if spacing == Spacing::Log && (from <= 0.0 || to <= 0.0) {
            return Err(format!(
                "a log range needs ends > 0, got {}..{}",
                short(from),
                short(to)
            ));
        }
        Ok(Self {
            from,
            to,
            count,
            spacing,
        })
    }

    /// Parses `from..to:count[:log|:linear]`; the error says which part is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (ends, rest) = text.split_once(':').unwrap_or((text, ""));
        let Some((from, to)) = ends.split_once("..") else {
            return Err("expected from..to:count".into());
        };
        let number = |s: &str, what: &str| -> Result<f64, String> {
            let s = s.trim();
            if s.is_empty() {
                return Err(format!("missing '{what}' in from..to:count"));
            }
            s.parse::<f64>()
                .map_err(|_| format!("'{s}' is not a number ({what} of from..to:count)"))
        };
        let from = number(from, "from")?;
        let to = number(to, "to")?;
        let mut parts = rest.split(':');
        let count_text = parts.next().unwrap_or("").trim();
        if count_text.is_empty() {
            return Err("missing ':count' after from..to (e.g. 0.01..1:30)".into());
        }
        let count: u32 = count_text
            .parse()
            .map_err(|_| format!("count '{count_text}' is not a whole number >= 2"))?;
        let spacing = match parts.next().map(str::trim) {
            None => Spacing::Linear,
            Some(s) => Spacing::from_name(s)?,
        };
        if let Some(extra) = parts.next() {
            return Err(format!("unexpected ':{extra}' after the scale"));
        }
        Self::new(from, to, count, spacing)
    }

    /// Value `i` (0-based) of the range.
    pub fn value(&self, i: u32) -> f64 {
        let last = f64::from(self.count - 1);
        let t = f64::from(i.min(self.count - 1)) / last;
        // Exact ends, whatever the rounding in between.
        if i == 0 {
            return self.from;
        }
        if i + 1 >= self.count {
            return self.to;
        }
        match self.spacing {
            Spacing::Linear => self.from + (self.to - self.from) * t,
            Spacing::Log => (self.from.ln() + (self.to.ln() - self.from.ln()) * t).exp(),
        }
    }

    /// Every value, in order.
    pub fn values(&self) -> Vec<f64> {
        (0..self.count).map(|i| self.value(i)).collect()
    }

    /// The value `t` of the way from `from` to `to` (0..1, in log for log ranges).
    pub fn at(&self, t: f64) -> f64 {
        match self.spacing {
            Spacing::Linear => self.from + (self.to - self.from) * t,
            Spacing::Log => (self.from.ln() + (self.to.ln() - self.from.ln()) * t).exp(),
        }
    }

    /// The range under the span `u0..u1` of a map that draws this range as `count` cells
    /// across (0 the map's left edge, 1 its right; either order): its ends are the values at
    /// the span's ends, its count and spacing this range's. None for a span under one cell
    /// wide (a click), or one whose ends would be equal in f64. Each end is the shortest
    /// decimal within a tenth of a new cell of the exact value, so ranges read as written.
    pub fn zoomed(&self, u0: f64, u1: f64) -> Option<Self> {
        let n = f64::from(self.count);
        // Cell i spans [i/n, (i+1)/n] and shows value i.
        let index = |u: f64| (u.clamp(0.0, 1.0) * n - 0.5).clamp(0.0, n - 1.0);
        let (a, b) = (index(u0.min(u1)), index(u0.max(u1)));
        if b - a < 1.0 {
            return None;
        }
        self.between_cells(a, b)
    }

    /// The range of this count and spacing from fractional cell `a` to cell `b` of this one
    /// (either may lie outside it), each end the shortest decimal within a tenth of a new
    /// cell of the exact value; None when the ends are equal or not finite.
    fn between_cells(&self, a: f64, b: f64) -> Option<Self> {
        let last = f64::from(self.count) - 1.0;
        let (from, to) = (self.at(a / last), self.at(b / last));
        let cell = |v: f64| match self.spacing {
            Spacing::Linear => (to - from).abs() / last,
            Spacing::Log => v.abs() * (((to.ln() - from.ln()).abs() / last).exp() - 1.0),
        };
        let (from, to) = (
            shortest_within(from, 0.1 * cell(from)),
            shortest_within(to, 0.1 * cell(to)),
        );
        (from != to && from.is_finite() && to.is_finite())
            .then(|| Self::new(from, to, self.count, self.spacing).ok())
            .flatten()
    }

    /// This range widened `factor` times (> 1) about the cell under `about` (0 the map's left
    /// edge, 1 its right), which keeps its value: the zoom out of [`Self::zoomed`], whose new
    /// ends lie beyond the old (extrapolated along the spacing; a log range stays positive),
    /// rounded the same way. None when the ends would not make a range. Whether they are
    /// valid values of the parameter is the caller's to check.
    pub fn widened(&self, about: f64, factor: f64) -> Option<Self> {
        let n = f64::from(self.count);
        let last = n - 1.0;
        let c = (about.clamp(0.0, 1.0) * n - 0.5).clamp(0.0, last);
        self.between_cells(c - c * factor, c + (last - c) * factor)
    }

    /// Whether every value differs from its neighbour once rounded to f32, the precision the
    /// GPU runs in: a range zoomed below f32's spacing gives neighbouring groups the same
    /// value, so its map's cells stop being distinct runs.
    pub fn distinct_in_f32(&self) -> bool {
        (1..self.count).all(|i| self.value(i - 1) as f32 != self.value(i) as f32)
    }

    /// Where `v` lies along the range, 0 at `from` and 1 at `to` (log for log ranges).
    pub fn position(&self, v: f64) -> f64 {
        match self.spacing {
            Spacing::Linear => (v - self.from) / (self.to - self.from),
            Spacing::Log => (v.ln() - self.from.ln()) / (self.to.ln() - self.from.ln()),
        }
    }
}

/// The decimal with the fewest significant digits within `tol` of `v` (`v` itself at worst).
fn shortest_within(v: f64, tol: f64) -> f64 {
    (1..=17)
        .filter_map(|digits| format!("{v:.*e}", digits - 1).parse::<f64>().ok())
        .find(|r| (r - v).abs() <= tol)
        .unwrap_or(v)
}

impl Spacing {
    pub fn from_name(name: &str) -> Result<Self, String> {
        match name.to_ascii_lowercase().as_str() {
            "log" => Ok(Spacing::Log),
            "linear" | "lin" => Ok(Spacing::Linear),
            other => Err(format!("unknown scale '{other}'; expected log or linear")),
        }
    }
}

impl fmt::Display for ParamRange {
    /// `from..to:count[:log]`, as it parses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}:{}", short(self.from), short(self.to), self.count)?;
        if self.spacing == Spacing::Log {
            write!(f, ":log")?;
        }
        Ok(())
    }
}

/// One swept parameter of an optimizer group: one of the optimizer's or of the surface's.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepAxis {
    /// The canonical parameter name (`lr`, `momentum`, ...), or a surface parameter's name
    /// (`amp`), which never equals an optimizer's key.
    pub param: String,
    pub range: ParamRange,
}

/// Groups a list of axes expands to (1 for none).
pub fn group_count(axes: &[SweepAxis]) -> u64 {
    axes.iter().map(|a| u64::from(a.range.count)).product()
}

/// The value index along each axis of group `g` of a sweep (first axis fastest).
pub fn indices(axes: &[SweepAxis], g: u64) -> Vec<u32> {
    let mut rest = g;
    axes.iter()
        .map(|a| {
            let n = u64::from(a.range.count);
            let i = rest % n;
            rest /= n;
            i as u32
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn ranges_below_f32_spacing_are_flagged() {
        // f32's spacing above 1 is 2^-23 (1.2e-7): 512 values over 1..1+1e-4 (2e-7 apart)
        // are distinct, over 1..1+5e-5 (1e-7 apart) they are not.
        assert!(
            ParamRange::new(1.0, 1.0 + 1e-4, 512, Spacing::Linear)
                .unwrap()
                .distinct_in_f32()
        );
        assert!(
            !ParamRange::new(1.0, 1.0 + 5e-5, 512, Spacing::Linear)
                .unwrap()
                .distinct_in_f32()
        );
        assert!(
            ParamRange::new(1e-4, 1e-2, 512, Spacing::Log)
                .unwrap()
                .distinct_in_f32()
        );
    }

    #[test]
    fn a_span_of_the_map_is_a_range_of_the_same_count() {
        let r = ParamRange::new(0.0, 1.0, 11, Spacing::Linear).unwrap();
        // Cells 2 to 8 of 11: their centres, values 0.2 and 0.8.
        let z = r.zoomed(2.5 / 11.0, 8.5 / 11.0).unwrap();
        assert!(
            (z.from - 0.2).abs() < 1e-12 && (z.to - 0.8).abs() < 1e-12,
            "{z:?}"
        );
        assert_eq!((z.count, z.spacing), (11, Spacing::Linear));
        assert_eq!(r.zoomed(8.5 / 11.0, 2.5 / 11.0), Some(z), "either order");
        assert_eq!(r.zoomed(0.5, 0.55), None, "under a cell: a click");
        let log = ParamRange::new(1e-4, 1e-2, 3, Spacing::Log).unwrap();
        let z = log.zoomed(0.5 / 3.0, 1.5 / 3.0).unwrap();
        assert!(
            (z.from - 1e-4).abs() < 1e-16 && (z.to - 1e-3).abs() < 1e-15,
            "{z:?}"
        );
        // Ends as short as a tenth of a new cell allows: readable, and as good as exact.
        let wide = ParamRange::new(1e-4, 1e-2, 128, Spacing::Log).unwrap();
        let z = wide.zoomed(0.67, 0.91).unwrap();
        for v in [z.from, z.to] {
            assert!(format!("{v}").len() <= 8, "{z:?}");
        }
        let exact = wide.at(((0.67 * 128.0 - 0.5) / 127.0f64).clamp(0.0, 1.0));
        let cell = exact * ((z.to.ln() - z.from.ln()) / 127.0).exp_m1();
        assert!((z.from - exact).abs() <= 0.1 * cell, "{} vs {exact}", z.from);
    }

    use super::*;

    #[test]
    fn a_widened_range_keeps_the_value_under_the_pointer() {
        let r = ParamRange::new(0.5, 1.5, 11, Spacing::Linear).unwrap();
        // The middle cell (value 1) stays put; the span doubles about it.
        let w = r.widened(0.5, 2.0).unwrap();
        assert_eq!((w.from, w.to, w.count), (0.0, 2.0, 11), "{w:?}");
        // About the first cell: only the far end moves.
        let w = r.widened(0.5 / 11.0, 2.0).unwrap();
        assert_eq!((w.from, w.to), (0.5, 2.5), "{w:?}");
        // A log range widens in log and stays positive.
        let log = ParamRange::new(1e-3, 1e-1, 3, Spacing::Log).unwrap();
        let w = log.widened(0.5, 2.0).unwrap();
        assert!(
            (w.from - 1e-4).abs() < 1e-16 && (w.to - 1.0).abs() < 1e-12,
            "{w:?}"
        );
        // Zooming back in over the old span gives the old range.
        let z = ParamRange::new(0.0, 2.0, 11, Spacing::Linear)
            .unwrap()
            .zoomed(3.0 / 11.0, 8.0 / 11.0);
        assert_eq!(z.map(|z| (z.from, z.to)), Some((0.5, 1.5)));
    }

    #[test]
    fn linear_ranges_include_both_ends() {
        let r = ParamRange::parse("0.05..1.5:30").unwrap();
        let v = r.values();
        assert_eq!(v.len(), 30);
        assert_eq!(v[0], 0.05);
        assert_eq!(v[29], 1.5);
        assert!((v[1] - (0.05 + 1.45 / 29.0)).abs() < 1e-15);
        assert_eq!(r.to_string(), "0.05..1.5:30");
    }

    #[test]
    fn log_ranges_are_even_in_log() {
        let r = ParamRange::parse("1e-4..1e-2:3:log").unwrap();
        let v = r.values();
        assert_eq!(v[0], 1e-4);
        assert!((v[1] - 1e-3).abs() < 1e-15);
        assert_eq!(v[2], 1e-2);
        assert!((r.position(1e-3) - 0.5).abs() < 1e-12);
        assert_eq!(r.to_string(), "1e-4..0.01:3:log");
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        let err = |t: &str| ParamRange::parse(t).unwrap_err();
        assert!(err("0.1..1:0").contains("at least 2"), "{}", err("0.1..1:0"));
        assert!(err("0..1:5:log").contains("ends > 0"));
        assert!(err("..1:5").contains("missing 'from'"));
        assert!(err("0.1..:5").contains("missing 'to'"));
        assert!(err("0.1..1").contains("missing ':count'"));
        assert!(err("0.1..1:x").contains("count 'x'"));
        assert!(err("0.1..1:5:cubic").contains("unknown scale 'cubic'"));
        assert!(err("a..1:5").contains("'a' is not a number"));
    }

    #[test]
    fn groups_run_first_axis_fastest() {
        let axes = [
            SweepAxis {
                param: "lr".into(),
                range: ParamRange::parse("1..3:3").unwrap(),
            },
            SweepAxis {
                param: "momentum".into(),
                range: ParamRange::parse("0..0.5:2").unwrap(),
            },
        ];
        assert_eq!(group_count(&axes), 6);
        assert_eq!(indices(&axes, 4), [1, 1]);
        assert_eq!(indices(&axes, 2), [2, 0]);
    }
}
