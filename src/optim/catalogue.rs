//! The optimizer catalogue: each name, the torch class it follows, the keys it takes in the
//! order of torch's signature, and torch's defaults for it.

use super::{BASE, OptimizerKind, Params};

pub(crate) struct NameInfo {
    pub(crate) name: &'static str,
    pub(crate) kind: OptimizerKind,
    /// The keys it takes, in the order of torch's signature.
    pub(crate) keys: &'static [&'static str],
}

const SGD_KEYS: &[&str] = &[
    "lr",
    "momentum",
    "dampening",
    "weight_decay",
    "nesterov",
    "maximize",
];
const ADAM_KEYS: &[&str] = &[
    "lr",
    "beta1",
    "beta2",
    "eps",
    "weight_decay",
    "amsgrad",
    "maximize",
];

pub(crate) const NAMES: &[NameInfo] = &[
    NameInfo {
        name: "gd",
        kind: OptimizerKind::Sgd,
        keys: &["lr", "weight_decay", "maximize"],
    },
    NameInfo {
        name: "sgd",
        kind: OptimizerKind::Sgd,
        keys: SGD_KEYS,
    },
    NameInfo {
        name: "momentum",
        kind: OptimizerKind::Sgd,
        keys: SGD_KEYS,
    },
    NameInfo {
        name: "nesterov",
        kind: OptimizerKind::Sgd,
        keys: SGD_KEYS,
    },
    NameInfo {
        name: "adagrad",
        kind: OptimizerKind::Adagrad,
        keys: &[
            "lr",
            "lr_decay",
            "weight_decay",
            "initial_accumulator_value",
            "eps",
            "maximize",
        ],
    },
    NameInfo {
        name: "rmsprop",
        kind: OptimizerKind::Rmsprop,
        keys: &[
            "lr",
            "alpha",
            "eps",
            "weight_decay",
            "momentum",
            "centered",
            "maximize",
        ],
    },
    NameInfo {
        name: "adam",
        kind: OptimizerKind::Adam,
        keys: ADAM_KEYS,
    },
    NameInfo {
        name: "adamw",
        kind: OptimizerKind::AdamW,
        keys: ADAM_KEYS,
    },
    NameInfo {
        name: "nadam",
        kind: OptimizerKind::NAdam,
        keys: &[
            "lr",
            "beta1",
            "beta2",
            "eps",
            "weight_decay",
            "momentum_decay",
            "decoupled_weight_decay",
            "maximize",
        ],
    },
    NameInfo {
        name: "radam",
        kind: OptimizerKind::RAdam,
        keys: &[
            "lr",
            "beta1",
            "beta2",
            "eps",
            "weight_decay",
            "decoupled_weight_decay",
            "maximize",
        ],
    },
    NameInfo {
        name: "lion",
        kind: OptimizerKind::Lion,
        keys: &["lr", "beta1", "beta2", "weight_decay"],
    },
];

/// Keys every optimizer takes besides torch's: gradient noise and the mini-batch size.
pub const EXTRA_KEYS: &[&str] = &["grad_noise", "batch_size"];

/// Keys every optimizer takes in a model scene only: torch's parameter groups, one learning
/// rate per layer (`lr_layer0` is the first `nn.Linear`), and the first layer's weight offset.
/// A spec lists them among its keys only when they are set.
pub const MODEL_KEYS: &[&str] = &[
    "lr_layer0",
    "lr_layer1",
    "lr_layer2",
    "lr_layer3",
    "lr_layer4",
    "lr_layer5",
    "lr_layer6",
    "lr_layer7",
    "lr_layer8",
    "lr_layer9",
    "lr_layer10",
    "lr_layer11",
    "lr_layer12",
    "lr_layer13",
    "lr_layer14",
    "lr_layer15",
    "init_offset",
];

/// The layer a `lr_layerN` key names.
pub(crate) fn layer_of_key(key: &str) -> Option<usize> {
    key.strip_prefix("lr_layer")?.parse().ok()
}

/// The optimizer names the parser accepts.
pub const OPTIMIZER_NAMES: &[&str] = &[
    "gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "radam", "lion",
];

pub(crate) fn lookup(name: &str) -> Option<&'static NameInfo> {
    NAMES.iter().find(|n| n.name.eq_ignore_ascii_case(name))
}

/// torch's defaults for a name (`torch/optim/<name>.py`, `__init__` signature).
pub(crate) fn defaults(name: &str) -> Params {
    match name {
        "momentum" => Params {
            momentum: 0.9,
            ..BASE
        },
        "nesterov" => Params {
            momentum: 0.9,
            nesterov: true,
            ..BASE
        },
        "adagrad" => Params {
            lr: 1e-2,
            eps: 1e-10,
            ..BASE
        },
        "rmsprop" => Params { lr: 1e-2, ..BASE },
        "adamw" => Params {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..BASE
        },
        "nadam" => Params { lr: 2e-3, ..BASE },
        "lion" => Params {
            lr: 1e-4,
            beta2: 0.99,
            ..BASE
        },
        // gd, sgd, adam, radam
        _ => BASE,
    }
}

/// Whether `key` is a parameter of some optimizer (`betas` included): a surface parameter
/// may not take such a name, so that a key in an optimizer's spec means one thing.
pub fn is_optimizer_key(key: &str) -> bool {
    key == "betas"
        || NAMES
            .iter()
            .flat_map(|n| n.keys.iter())
            .chain(EXTRA_KEYS)
            .chain(MODEL_KEYS)
            .any(|k| *k == key)
}
