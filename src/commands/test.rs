//! `offerctl test`: the decision expectations kept in git, run like a test suite.

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::{Output, Report, plural, report_diagnostics};
use crate::cli::TestArgs;
use crate::decisions::{Expectations, Outcome};
use crate::exit::{CommandError, Exit};
use crate::source::SourceSet;

/// Reads the expectations under `dir`; invalid ones fail with exit 3, each located.
pub fn load_cases(
    dir: &std::path::Path,
    output: Output,
) -> Result<Box<dyn Expectations>, CommandError> {
    Ok(read_cases(dir, output)?.0)
}

/// [`load_cases`], with the files they were read from.
fn read_cases(
    dir: &std::path::Path,
    output: Output,
) -> Result<(Box<dyn Expectations>, SourceSet), CommandError> {
    let read =
        crate::sources::read(dir).map_err(|e| CommandError::new(Exit::Invalid, e.to_string()))?;
    let (cases, loaded) = super::decisions()?.1.expectations(&read.sources);
    let mut diagnostics = read.diagnostics;
    diagnostics.extend(loaded);
    if diagnostics.iter().any(|d| d.is_error()) {
        report_diagnostics(&diagnostics, &read.sources, output, Report::People);
        return Err(CommandError::new(
            Exit::Invalid,
            format!("{}: invalid decision expectations", dir.display()),
        ));
    }
    Ok((cases, read.sources))
}

pub fn run(args: &TestArgs, output: Output) -> Result<Exit, CommandError> {
    let junit = match args.output.as_slice() {
        [format] if format == "text" => None,
        [format, file] if format == "junit" => Some(file.clone()),
        [format] if format == "junit" => {
            return Err(CommandError::new(
                Exit::Invalid,
                "--output junit needs a FILE: --output junit report.xml",
            ));
        }
        _ => {
            return Err(CommandError::new(
                Exit::Invalid,
                "--output is `text` or `junit FILE`",
            ));
        }
    };
    let (cases, sources) = read_cases(&args.tests.dir, output)?;
    if cases.is_empty() {
        return Err(CommandError::new(
            Exit::Invalid,
            format!("no decision expectations in {}", args.tests.dir.display()),
        ));
    }
    let catalogue = super::simulate::catalogue(&args.catalogue, output)?;
    let unknown = cases.unknown_names(catalogue.as_ref());
    if !unknown.is_empty() {
        report_diagnostics(&unknown, &sources, output, Report::People);
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "{}: {} that the catalogue does not have",
                args.tests.dir.display(),
                plural(unknown.len(), "name")
            ),
        ));
    }
    let now = OffsetDateTime::now_utc();
    let started = std::time::Instant::now();
    let outcomes: Vec<Outcome> = cases.check(catalogue.as_ref(), now);
    let elapsed = started.elapsed();

    let mut out = String::new();
    for outcome in &outcomes {
        let status = if outcome.passed() { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "{status}  {}  ({})", outcome.name, outcome.scope);
        for failure in &outcome.failures {
            let _ = writeln!(out, "        {failure}");
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let _ = writeln!(
        out,
        "\ntest result: {}. {} passed; {} failed; finished in {:.2}s",
        if failed == 0 { "ok" } else { "FAILED" },
        outcomes.len() - failed,
        failed,
        elapsed.as_secs_f64()
    );
    print!("{out}");
    if let Some(file) = junit {
        std::fs::write(&file, junit_xml(&outcomes, elapsed.as_secs_f64()))
            .map_err(|e| CommandError::new(Exit::Error, format!("cannot write {file}: {e}")))?;
        if !output.quiet {
            eprintln!(
                "Wrote {} to {file} (JUnit XML).",
                plural(outcomes.len(), "test case")
            );
        }
    }
    Ok(if failed == 0 {
        Exit::Success
    } else {
        Exit::Error
    })
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML, as CI systems read it: one test case per expectation.
fn junit_xml(outcomes: &[Outcome], seconds: f64) -> String {
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites tests=\"{}\" failures=\"{failed}\" time=\"{seconds:.3}\">\n  <testsuite name=\"offerctl decisions\" tests=\"{}\" failures=\"{failed}\" time=\"{seconds:.3}\">",
        outcomes.len(),
        outcomes.len()
    );
    for outcome in outcomes {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(&outcome.scope),
            xml(&outcome.name)
        );
        if outcome.passed() {
            out.push_str("/>\n");
        } else {
            let message = outcome.failures.join("; ");
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml(&message),
                xml(&outcome.failures.join("\n"))
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
