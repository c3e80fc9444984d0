//! `offerctl doctor`: the checks of every provider that has them (`Provider::doctor`) against
//! the configured service, as a table or JSON. Exit 0 when every check matches (skipped ones
//! included), 1 otherwise.

use std::io::Write;

use crate::cli::{DoctorArgs, DoctorFormat};
use crate::doctor::{Check, Remote};
use crate::exit::{CommandError, Exit};
use crate::providers::{builtin, connect};

pub fn run(args: &DoctorArgs) -> Result<Exit, CommandError> {
    let (workspace, target) =
        super::environments::single(args.remote.config.as_deref(), &args.environments.envs)?;
    let process = |name: &str| std::env::var(name).ok();
    let secret = |name: &str| connect::secret(&target.environment, &process, name);
    let remote = Remote {
        flags: &args.remote,
        config: &workspace.config,
        environment: &target.environment,
        layer: &target.layer,
        secret: &secret,
    };
    let runs = builtin()
        .iter()
        .filter_map(|provider| provider.doctor())
        .map(|doctor| doctor.checks(&remote, args.write_probe))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| {
        CommandError::new(Exit::Error, format!("cannot start the async runtime: {e}"))
    })?;
    let checks: Vec<Check> = runs
        .into_iter()
        .flat_map(|checks| runtime.block_on(checks))
        .collect();
    let ok = !checks.iter().any(Check::is_mismatch);
    let text = match args.output {
        DoctorFormat::Json => {
            let report = serde_json::json!({"ok": ok, "checks": checks});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
        }
        DoctorFormat::Text => table(&checks, ok),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(if ok { Exit::Success } else { Exit::Error })
}

fn table(checks: &[Check], ok: bool) -> String {
    let width = checks
        .iter()
        .map(|c| c.assumption.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for check in checks {
        let pad = width - check.assumption.chars().count();
        out.push_str(&format!(
            "{:<8} {}{} → {}\n",
            check.status,
            check.assumption,
            " ".repeat(pad),
            check.observed
        ));
    }
    let mismatches = checks.iter().filter(|c| c.is_mismatch()).count();
    out.push_str(&if ok {
        "\nEvery assumption holds for this sandbox.\n".to_string()
    } else {
        format!("\n{mismatches} assumption(s) do not hold for this sandbox: see the rows marked mismatch.\n")
    });
    out
}
