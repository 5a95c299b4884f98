//! Numbers as descent prints and checks them: in legends and labels (`short_number`), in spec
//! strings that must read back to the same value (`short`), counts with thousands separators,
//! and the range rules user values are held to ([`Rule`]).

/// Short, exact text for a number: plain between 1e-3 and 1e6, else scientific ("1e-8").
pub fn short(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// The value the GPU computes with, as the shortest decimal that rounds to the same f32: what
/// a swept value (`0.05 + 1.25 * 1`, 1.2999999999999998 in f64) is printed and simulated as.
pub fn as_f32_decimal(x: f64) -> f64 {
    let f = x as f32;
    if !f.is_finite() {
        return x;
    }
    f.to_string().parse().unwrap_or(x)
}

/// [`short`] of the value the GPU uses ([`as_f32_decimal`]): "1.3", not "1.2999999999999998".
pub fn short_f32(x: f64) -> String {
    short(as_f32_decimal(x))
}

/// A number as a person writes it: few digits, no trailing zeros, scientific when tiny.
pub fn short_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() < 1e-3 || v.abs() >= 1e5 {
        let s = format!("{v:.2e}");
        // 1.00e-8 -> 1e-8
        return s.replace(".00e", "e").replace("0e", "e");
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A count with thousands separated: 100000 -> "100,000".
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The range a user's number must lie in (an optimizer's or a scheduler's keyword argument),
/// as torch's constructors check them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Any,
    NonNegative,
    Positive,
    /// [0, 1): torch's `0.0 <= betas[i] < 1.0`.
    UnitOpen,
    /// [0, 1] (lion-pytorch's betas, LinearLR's end_factor).
    Unit,
    /// (0, 1]
    UnitPositive,
    /// A whole number >= 0.
    Count,
}

impl Rule {
    pub fn holds(self, x: f64) -> bool {
        match self {
            Rule::Any => true,
            Rule::NonNegative => x >= 0.0,
            Rule::Positive => x > 0.0,
            Rule::UnitOpen => (0.0..1.0).contains(&x),
            Rule::Unit => (0.0..=1.0).contains(&x),
            Rule::UnitPositive => x > 0.0 && x <= 1.0,
            Rule::Count => x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX),
        }
    }

    /// What the rule asks, for messages ("lr must be >= 0").
    pub fn text(self) -> &'static str {
        match self {
            Rule::Any => "a finite number",
            Rule::NonNegative => ">= 0",
            Rule::Positive => "> 0",
            Rule::UnitOpen => "in [0, 1)",
            Rule::Unit => "in [0, 1]",
            Rule::UnitPositive => "in (0, 1]",
            Rule::Count => "a whole number >= 0",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swept_values_print_as_the_f32_the_gpu_uses() {
        let v = 0.1 + 0.2;
        assert_eq!(v.to_string(), "0.30000000000000004");
        assert_eq!(as_f32_decimal(v), 0.3);
        assert_eq!(as_f32_decimal(v) as f32, v as f32);
        assert_eq!(short_f32(1e-4 + 1e-20), "1e-4");
        assert_eq!(short_f32(0.1), "0.1");
    }
}
