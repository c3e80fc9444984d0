//! `offerctl doctor`: the sandbox checks of [`crate::providers::adobe::doctor`], as a table or
//! JSON. Exit 0 when every check matches (skipped ones included), 1 otherwise.

use std::io::Write;

use crate::cli::{DoctorArgs, DoctorFormat};
use crate::exit::{CommandError, Exit};
use crate::providers::adobe::doctor::{self, Check};
use crate::providers::connect;

pub fn run(args: &DoctorArgs) -> Result<Exit, CommandError> {
    let (workspace, target) =
        super::environments::single(args.remote.config.as_deref(), &args.environments.envs)?;
    let settings = connect::settings(
        &args.remote,
        &workspace.config,
        &target.environment,
        &target.layer,
    )?;
    let api = settings.api;
    let process = |name: &str| std::env::var(name).ok();
    let Some(config) =
        settings.xcore_config(|name| connect::secret(&target.environment, &process, name))?
    else {
        return Err(CommandError::new(
            Exit::Invalid,
            "doctor checks a remote sandbox: set --endpoint (or OFFERCTL_ENDPOINT) and credentials",
        ));
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| {
        CommandError::new(Exit::Error, format!("cannot start the async runtime: {e}"))
    })?;
    let checks = runtime.block_on(doctor::run(config, api, args.write_probe));
    let ok = checks.iter().all(|c| c.status != "mismatch");
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
    let mismatches = checks.iter().filter(|c| c.status == "mismatch").count();
    out.push_str(&if ok {
        "\nEvery assumption holds for this sandbox.\n".to_string()
    } else {
        format!("\n{mismatches} assumption(s) do not hold for this sandbox: see the rows marked mismatch.\n")
    });
    out
}
