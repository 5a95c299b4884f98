//! What a model is: `linear`, `logistic` or `mlp:2-8-1[:tanh][:nobias]`, its loss, and where
//! each of its parameters sits in the flat vector every run works on.
//!
//! The flat order is torch's: `torch.nn.Sequential(Linear, activation, Linear, ...)
//! .parameters()`, each tensor flattened row-major: layer 0's weight [out, in], its bias [out],
//! then layer 1's, and so on.

/// The nonlinearity between two linear layers (never after the last: its outputs are the
/// logits or the regression output the loss reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Relu,
    Sigmoid,
    Identity,
}

impl Activation {
    pub const ALL: [Activation; 4] = [Self::Tanh, Self::Relu, Self::Sigmoid, Self::Identity];

    pub fn name(self) -> &'static str {
        match self {
            Self::Tanh => "tanh",
            Self::Relu => "relu",
            Self::Sigmoid => "sigmoid",
            Self::Identity => "identity",
        }
    }

    /// The shader's code for it (`MODEL_ACTIVATION`).
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// The loss, mean over the batch as `torch.nn.functional` computes it by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `mse_loss`: mean of (output - target)^2.
    Mse,
    /// `binary_cross_entropy_with_logits`, targets 0 or 1.
    Bce,
    /// `cross_entropy` over integer classes 0..outputs.
    Ce,
}

impl Loss {
    pub const ALL: [Loss; 3] = [Self::Mse, Self::Bce, Self::Ce];

    pub fn name(self) -> &'static str {
        match self {
            Self::Mse => "mse",
            Self::Bce => "bce",
            Self::Ce => "ce",
        }
    }

    /// The shader's code for it (`MODEL_LOSS`).
    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|l| l.name() == text.trim())
            .ok_or_else(|| format!("unknown loss '{}' (known: mse, bce, ce)", text.trim()))
    }
}

/// A model as written, before the data says how many inputs `linear` and `logistic` take.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    pub kind: ModelKind,
    pub activation: Activation,
    pub bias: bool,
    /// Sohl-Dickstein's mean-field parameterisation (see [`Model::meanfield`]).
    pub meanfield: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ModelKind {
    /// One linear layer to one output; inputs from the data. Default loss mse.
    Linear,
    /// One linear layer to one logit; inputs from the data. Default loss bce.
    Logistic,
    /// Layer sizes, input first.
    Mlp(Vec<usize>),
}

/// The widest layer a model may have (the shader keeps a layer's activations in registers).
pub const MAX_WIDTH: usize = 256;
/// The most linear layers a model may have.
pub const MAX_LAYERS: usize = 16;

/// A model spec's error: what is wrong and the 1-based column of the token at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub column: usize,
    pub message: String,
}

impl ModelSpec {
    /// Parses `linear`, `logistic` or `mlp:SIZES`, each optionally followed by `:ACTIVATION`
    /// (mlp only) and `:nobias`, e.g. `mlp:2-8-8-1:relu:nobias`.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let mut parts = Vec::new();
        let mut at = 1;
        for part in text.split(':') {
            parts.push((at, part));
            at += part.chars().count() + 1;
        }
        let (name_at, name) = parts[0];
        let name = name.trim();
        let mut spec = Self {
            kind: match name {
                "linear" => ModelKind::Linear,
                "logistic" => ModelKind::Logistic,
                "mlp" => {
                    let Some(&(col, sizes)) = parts.get(1) else {
                        return Err(SpecError {
                            column: text.chars().count() + 1,
                            message: "mlp needs its layer sizes, e.g. mlp:2-8-1".into(),
                        });
                    };
                    ModelKind::Mlp(parse_sizes(col, sizes)?)
                }
                _ => {
                    return Err(SpecError {
                        column: name_at,
                        message: format!("unknown model '{name}' (known: linear, logistic, mlp:2-8-1)"),
                    });
                }
            },
            activation: Activation::Tanh,
            bias: true,
            meanfield: false,
        };
        let options = if matches!(spec.kind, ModelKind::Mlp(_)) {
            2
        } else {
            1
        };
        let mut activation_set = false;
        for &(col, part) in &parts[options..] {
            let word = part.trim();
            if word == "nobias" || word == "bias=false" {
                spec.bias = false;
            } else if word == "meanfield" {
                spec.meanfield = true;
            } else if word == "bias" || word == "bias=true" {
                spec.bias = true;
            } else if let Some(a) = Activation::ALL.into_iter().find(|a| a.name() == word) {
                if !matches!(spec.kind, ModelKind::Mlp(_)) {
                    return Err(SpecError {
                        column: col,
                        message: format!("{name} has one layer and no activation; '{word}' applies to mlp"),
                    });
                }
                if activation_set {
                    return Err(SpecError {
                        column: col,
                        message: "one activation per model".into(),
                    });
                }
                spec.activation = a;
                activation_set = true;
            } else {
                return Err(SpecError {
                    column: col,
                    message: format!(
                        "unknown option '{word}' (an activation: tanh, relu, sigmoid, identity; nobias; \
                         meanfield)"
                    ),
                });
            }
        }
        Ok(spec)
    }

    /// The loss a model is trained with when none is named.
    pub fn default_loss(&self) -> Loss {
        match self.kind {
            ModelKind::Logistic => Loss::Bce,
            _ => Loss::Mse,
        }
    }

    /// The model for data with `features` inputs: `linear` and `logistic` take them all.
    pub fn resolve(&self, features: usize) -> Model {
        let sizes = match &self.kind {
            ModelKind::Linear | ModelKind::Logistic => vec![features, 1],
            ModelKind::Mlp(sizes) => sizes.clone(),
        };
        Model {
            sizes,
            activation: self.activation,
            bias: self.bias,
            meanfield: self.meanfield,
        }
    }

    /// The spec as `parse` reads it back.
    pub fn describe(&self) -> String {
        let mut out = match &self.kind {
            ModelKind::Linear => "linear".to_string(),
            ModelKind::Logistic => "logistic".to_string(),
            ModelKind::Mlp(sizes) => {
                let sizes: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
                format!("mlp:{}:{}", sizes.join("-"), self.activation.name())
            }
        };
        if !self.bias {
            out.push_str(":nobias");
        }
        if self.meanfield {
            out.push_str(":meanfield");
        }
        out
    }
}

fn parse_sizes(column: usize, text: &str) -> Result<Vec<usize>, SpecError> {
    let mut sizes = Vec::new();
    let mut at = column;
    for token in text.split('-') {
        let size: usize = token.trim().parse().map_err(|_| SpecError {
            column: at,
            message: format!(
                "'{}' is not a layer size (a whole number, e.g. mlp:2-8-1)",
                token.trim()
            ),
        })?;
        if size == 0 || size > MAX_WIDTH {
            return Err(SpecError {
                column: at,
                message: format!("a layer has 1 to {MAX_WIDTH} units, not {size}"),
            });
        }
        sizes.push(size);
        at += token.chars().count() + 1;
    }
    if sizes.len() < 2 {
        return Err(SpecError {
            column,
            message: "an mlp needs at least an input and an output size, e.g. mlp:2-1".into(),
        });
    }
    if sizes.len() - 1 > MAX_LAYERS {
        return Err(SpecError {
            column,
            message: format!("at most {MAX_LAYERS} layers"),
        });
    }
    Ok(sizes)
}

/// A model with its sizes known: `sizes[0]` inputs, `sizes.last()` outputs, one linear layer
/// between each pair, `activation` after every layer but the last.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub sizes: Vec<usize>,
    pub activation: Activation,
    pub bias: bool,
    /// The mean-field parameterisation of Sohl-Dickstein's fractal notebook (`net`): each
    /// layer's pre-activation divided by sqrt(fan_in), the last layer's once more (its output
    /// is `W a / fan_in`); tanh taken of sqrt(2) z, relu's output times sqrt(2); weights
    /// initialised standard normal.
    pub meanfield: bool,
}

/// Where layer `l`'s tensors sit in the flat parameter vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerAt {
    pub inputs: usize,
    pub outputs: usize,
    /// First weight, [out, in] row-major.
    pub weight: usize,
    /// First bias (when the model has biases).
    pub bias: usize,
}

impl Model {
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }

    pub fn outputs(&self) -> usize {
        *self.sizes.last().unwrap()
    }

    pub fn layers(&self) -> impl Iterator<Item = LayerAt> + '_ {
        let mut at = 0;
        self.sizes.windows(2).map(move |w| {
            let (inputs, outputs) = (w[0], w[1]);
            let weight = at;
            let bias = weight + inputs * outputs;
            at = bias + if self.bias { outputs } else { 0 };
            LayerAt {
                inputs,
                outputs,
                weight,
                bias,
            }
        })
    }

    /// How many parameters the model has.
    pub fn parameter_count(&self) -> usize {
        self.layers()
            .map(|l| l.inputs * l.outputs + if self.bias { l.outputs } else { 0 })
            .sum()
    }

    /// Each parameter's name, in the flat order: `w0[1,0]` is layer 0's weight at row (output) 1,
    /// column (input) 0; `b1[0]` layer 1's first bias (torch names them `0.weight`, `2.bias`:
    /// Sequential counts the activations too).
    pub fn parameter_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.parameter_count());
        for (l, layer) in self.layers().enumerate() {
            for o in 0..layer.outputs {
                for i in 0..layer.inputs {
                    names.push(format!("w{l}[{o},{i}]"));
                }
            }
            if self.bias {
                names.extend((0..layer.outputs).map(|o| format!("b{l}[{o}]")));
            }
        }
        names
    }

    /// Finds a parameter by its name (see [`Self::parameter_names`]) or flat index (`p7`).
    pub fn parameter_index(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        if let Some(k) = name.strip_prefix('p').and_then(|k| k.parse::<usize>().ok()) {
            return (k < self.parameter_count()).then_some(k);
        }
        let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
        self.parameter_names().iter().position(|n| *n == compact)
    }

    /// The largest layer width (the shader's activation buffers).
    pub fn width(&self) -> usize {
        *self.sizes.iter().max().unwrap()
    }

    /// `mlp:2-8-1:tanh` and friends: the spec that resolves to this model.
    pub fn describe(&self) -> String {
        let sizes: Vec<String> = self.sizes.iter().map(|s| s.to_string()).collect();
        let mut out = format!("mlp:{}", sizes.join("-"));
        if self.sizes.len() > 2 {
            out = format!("{out}:{}", self.activation.name());
        }
        if !self.bias {
            out.push_str(":nobias");
        }
        if self.meanfield {
            out.push_str(":meanfield");
        }
        out
    }

    /// What layer `l`'s pre-activation `W a + b` is multiplied by: 1, or with `meanfield`
    /// 1/sqrt(fan_in) (1/fan_in for the last layer).
    pub fn layer_scale(&self, l: usize) -> f64 {
        if !self.meanfield {
            return 1.0;
        }
        let fan_in = self.sizes[l] as f64;
        if l + 2 == self.sizes.len() {
            1.0 / fan_in
        } else {
            1.0 / fan_in.sqrt()
        }
    }

    /// A hidden unit is `out_gain * act(in_gain * z)`: (1, 1), or with `meanfield` the
    /// notebook's (sqrt 2, 1) for tanh and (1, sqrt 2) for relu.
    pub fn gains(&self) -> (f64, f64) {
        match (self.meanfield, self.activation) {
            (true, Activation::Tanh) => (std::f64::consts::SQRT_2, 1.0),
            (true, Activation::Relu) => (1.0, std::f64::consts::SQRT_2),
            _ => (1.0, 1.0),
        }
    }

    /// The layer parameter `k` (flat index) belongs to.
    pub fn layer_of(&self, k: usize) -> usize {
        self.layers()
            .take_while(|l| l.weight <= k)
            .count()
            .saturating_sub(1)
    }

    /// Checks an optimizer group's model keys against this model: each `lr_layerN` names a
    /// layer it has, and layer learning rates come without a schedule.
    pub fn check_optimizer(&self, o: &crate::optim::OptimizerSpec) -> Result<(), String> {
        use crate::optim::UNSET;
        let layers = self.sizes.len() - 1;
        // A swept rate holds its range's first value: set either way. Read from the fields,
        // not the key list: this runs for every group of a sweep.
        let set = o
            .params
            .lr_layers
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != UNSET);
        for (l, _) in set {
            let key = format!("lr_layer{l}");
            if l >= layers {
                return Err(format!(
                    "{key}: the model {} has {layers} layer{} (lr_layer0{})",
                    self.describe(),
                    if layers == 1 { "" } else { "s" },
                    if layers == 1 {
                        String::new()
                    } else {
                        format!(" to lr_layer{}", layers - 1)
                    }
                ));
            }
            if o.schedule.is_some() {
                return Err(format!(
                    "{key} with a schedule: torch's schedulers set each parameter group's own lr, \
                     which descent does not tabulate per layer; drop the schedule or the layer rates"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_models_and_their_options() {
        let m = ModelSpec::parse("mlp:2-8-1:relu:nobias").unwrap();
        assert_eq!(m.kind, ModelKind::Mlp(vec![2, 8, 1]));
        assert_eq!(m.activation, Activation::Relu);
        assert!(!m.bias);
        assert_eq!(
            ModelSpec::parse("mlp:2-8-1").unwrap().activation,
            Activation::Tanh
        );
        assert_eq!(ModelSpec::parse("logistic").unwrap().default_loss(), Loss::Bce);
        assert_eq!(
            ModelSpec::parse("linear:nobias").unwrap().resolve(3).sizes,
            vec![3, 1]
        );
        for text in [
            "mlp:2-8-1:sigmoid",
            "linear",
            "logistic:nobias",
            "mlp:3-4-4-2:identity",
        ] {
            assert_eq!(ModelSpec::parse(text).unwrap().describe(), text);
        }
    }

    #[test]
    fn bad_specs_name_their_column() {
        let err = |t: &str| ModelSpec::parse(t).unwrap_err();
        assert_eq!(err("mlpx").column, 1);
        assert!(err("mlpx").message.contains("unknown model 'mlpx'"));
        let e = err("mlp:2-x-1");
        assert_eq!((e.column, e.message.contains("'x'")), (7, true));
        assert_eq!(err("mlp:2-0-1").column, 7);
        assert_eq!(err("mlp:2-8-1:swish").column, 11);
        assert_eq!(err("mlp").column, 4);
        assert_eq!(err("mlp:2").column, 5);
        assert_eq!(err("logistic:tanh").column, 10);
    }

    #[test]
    fn parameters_follow_torch_order() {
        let m = ModelSpec::parse("mlp:2-3-1").unwrap().resolve(2);
        assert_eq!(m.parameter_count(), 2 * 3 + 3 + 3 + 1);
        let names = m.parameter_names();
        assert_eq!(&names[..3], ["w0[0,0]", "w0[0,1]", "w0[1,0]"]);
        assert_eq!(names[6], "b0[0]");
        assert_eq!(names[9], "w1[0,0]");
        assert_eq!(names[12], "b1[0]");
        assert_eq!(m.parameter_index("b1[0]"), Some(12));
        assert_eq!(m.parameter_index("p3"), Some(3));
        assert_eq!(m.parameter_index("p13"), None);
        let layers: Vec<LayerAt> = m.layers().collect();
        assert_eq!((layers[1].weight, layers[1].bias), (9, 12));
        let nobias = ModelSpec::parse("mlp:2-3-1:nobias").unwrap().resolve(2);
        assert_eq!(nobias.parameter_count(), 9);
    }
}
