//! A training problem from what a user wrote (`--model`, `--loss`, `--data`, `--init`,
//! `--inits`, `--seed`): parsed, read and checked together, with each error naming its flag,
//! its column or its file, line and column.

use super::data::{Data, Generator};
use super::init::{parse_init, seeded};
use super::spec::{Loss, Model, ModelSpec};

/// The flags as written.
#[derive(Clone, Debug, Default)]
pub struct ProblemArgs {
    pub model: String,
    pub loss: Option<String>,
    /// A generator (`two-moons:n=200`) or a CSV path.
    pub data: String,
    /// A CSV file of initial parameters, one row per particle.
    pub init: Option<String>,
    /// Seeded torch-default initialisations (when no `init` file).
    pub inits: Option<u32>,
    pub seed: u64,
}

/// A checked problem: the model, its loss and data, and each particle's initial parameters.
#[derive(Clone, Debug)]
pub struct ModelProblem {
    pub spec: ModelSpec,
    pub model: Model,
    pub loss: Loss,
    pub data: Data,
    /// The data as given: a generator's settings or the file's path.
    pub data_source: String,
    pub inits: Vec<Vec<f64>>,
}

impl ModelProblem {
    /// Resolves `args`, reading files through `read`.
    pub fn resolve(
        args: &ProblemArgs,
        read: &dyn Fn(&str) -> std::io::Result<String>,
    ) -> Result<Self, String> {
        let spec = ModelSpec::parse(&args.model)
            .map_err(|e| format!("--model \"{}\": {} at column {}", args.model, e.message, e.column))?;
        let loss = match &args.loss {
            Some(text) => Loss::parse(text).map_err(|m| format!("--loss \"{text}\": {m}"))?,
            None => spec.default_loss(),
        };
        let (data, lines, data_source) = if Generator::is_generator(&args.data) {
            let g = Generator::parse(&args.data)
                .map_err(|(column, m)| format!("--data \"{}\": {m} at column {column}", args.data))?;
            (g.generate(), Vec::new(), g.describe())
        } else {
            let text = read(&args.data).map_err(|e| {
                format!(
                    "--data {}: {e} (give a CSV file of feature columns and a target column, or a \
                     built-in set: two-moons, circles, blobs, spirals, xor, linear, teacher)",
                    args.data
                )
            })?;
            let (data, lines) = Data::parse_csv(&args.data, &text).map_err(|e| e.to_string())?;
            (data, lines, args.data.clone())
        };
        let model = spec.resolve(data.features);
        data.check(&model, loss, &data_source, &lines)
            .map_err(|e| e.to_string())?;
        let inits = match &args.init {
            Some(path) => {
                if args.inits.is_some() {
                    return Err("--inits and --init both give the initial parameters: give one".into());
                }
                let text = read(path).map_err(|e| format!("--init {path}: {e}"))?;
                parse_init(path, &text, &model).map_err(|e| e.to_string())?
            }
            None => seeded(&model, args.inits.unwrap_or(1).max(1) as usize, args.seed),
        };
        Ok(Self {
            spec,
            model,
            loss,
            data,
            data_source,
            inits,
        })
    }

    pub fn problem(&self) -> super::Problem<'_> {
        super::Problem {
            model: &self.model,
            loss: self.loss,
            data: &self.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(args: ProblemArgs) -> Result<ModelProblem, String> {
        ModelProblem::resolve(&args, &|path| match path {
            "points.csv" => Ok("x0,x1,y\n0,1,1\n1,0,0\n".into()),
            "init.csv" => Ok("0.1,0.2,0.3\n".into()),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "No such file or directory",
            )),
        })
    }

    #[test]
    fn problems_resolve_and_refuse() {
        let p = resolve(ProblemArgs {
            model: "logistic".into(),
            data: "points.csv".into(),
            init: Some("init.csv".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (p.loss, p.model.sizes.clone(), p.inits.len()),
            (Loss::Bce, vec![2, 1], 1)
        );
        let p = resolve(ProblemArgs {
            model: "mlp:2-4-1".into(),
            data: "two-moons:n=10".into(),
            inits: Some(5),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((p.inits.len(), p.data.len()), (5, 10));
        let e = |model: &str, data: &str| {
            resolve(ProblemArgs {
                model: model.into(),
                data: data.into(),
                ..Default::default()
            })
            .unwrap_err()
        };
        assert_eq!(
            e("mlp:2-x-1", "xor"),
            "--model \"mlp:2-x-1\": 'x' is not a layer size (a whole number, e.g. mlp:2-8-1) at column 7"
        );
        assert!(
            e("mlp:3-4-1", "xor").starts_with("xor:n=200,noise=0,seed=0: the data has 2 feature column(s)")
        );
        assert!(e("mlp:2-1", "nothere.csv").starts_with("--data nothere.csv: No such file"));
        assert!(e("mlp:2-1", "two-moons:m=3").contains("unknown key 'm'"));
    }
}
