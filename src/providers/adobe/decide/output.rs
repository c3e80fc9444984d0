//! Simulated decisions for people (a table per scope) and for machines (the decisioning API's
//! response shape plus an `explain` array).

use serde::Serialize;
use serde_json::Value;

use super::engine::{Candidate, Proposition};
use super::reason::Skipped;

#[derive(Serialize)]
struct Ref<'a> {
    #[serde(rename = "xdm:id")]
    id: &'a str,
    #[serde(rename = "xdm:name")]
    name: &'a str,
}

#[derive(Serialize)]
struct Offered<'a> {
    #[serde(rename = "xdm:id")]
    id: &'a str,
    #[serde(rename = "xdm:name")]
    name: &'a str,
    #[serde(rename = "xdm:score")]
    score: f64,
}

#[derive(Serialize)]
struct Decided<'a> {
    #[serde(rename = "xdm:activity")]
    activity: Ref<'a>,
    #[serde(rename = "xdm:placement")]
    placement: Ref<'a>,
    #[serde(rename = "xdm:options", skip_serializing_if = "Vec::is_empty")]
    options: Vec<Offered<'a>>,
    #[serde(rename = "xdm:fallback", skip_serializing_if = "Option::is_none")]
    fallback: Option<Ref<'a>>,
}

#[derive(Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    candidate: &'a Candidate,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Serialize)]
struct SkippedOut<'a> {
    #[serde(flatten)]
    skipped: &'a Skipped,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Explain<'a> {
    decision: &'a str,
    placement: &'a str,
    proposed: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<SkippedOut<'a>>,
    candidates: Vec<Explained<'a>>,
    not_in_collection: usize,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Answer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<usize>,
    #[serde(rename = "xdm:propositions")]
    propositions: Vec<Decided<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Vec<Explain<'a>>>,
}

fn answer(propositions: &[Proposition], profile: Option<usize>, explain: bool) -> Answer<'_> {
    let decided = propositions
        .iter()
        .filter(|p| p.skipped.is_none())
        .map(|p| Decided {
            activity: Ref {
                id: &p.decision.id,
                name: &p.decision.name,
            },
            placement: Ref {
                id: &p.placement.id,
                name: &p.placement.name,
            },
            options: p
                .options
                .iter()
                .map(|o| Offered {
                    id: &o.id,
                    name: &o.name,
                    score: o.score,
                })
                .collect(),
            fallback: p
                .fallback
                .as_ref()
                .filter(|_| p.options.is_empty())
                .map(|f| Ref {
                    id: &f.id,
                    name: &f.name,
                }),
        })
        .collect();
    let explained = explain.then(|| {
        propositions
            .iter()
            .map(|p| Explain {
                decision: &p.decision.name,
                placement: &p.placement.name,
                proposed: p.options.iter().map(|o| o.name.as_str()).collect(),
                fallback: p.fallback.as_ref().map(|f| f.name.as_str()),
                skipped: p.skipped.as_ref().map(|skipped| SkippedOut {
                    skipped,
                    message: skipped.to_string(),
                }),
                candidates: p
                    .candidates
                    .iter()
                    .map(|candidate| Explained {
                        candidate,
                        message: candidate.reason.as_ref().map(|r| r.to_string()),
                    })
                    .collect(),
                not_in_collection: p.not_in_collection,
                notes: &p.notes,
            })
            .collect()
    });
    Answer {
        profile,
        propositions: decided,
        explain: explained,
    }
}

/// The decisioning API's shape: `xdm:propositions` (options, or the fallback), names added so
/// people can read it, and `explain`: every candidate with its score, rank and reason.
pub fn json(propositions: &[Proposition]) -> Value {
    serde_json::to_value(answer(propositions, None, true)).unwrap_or(Value::Null)
}

/// Writes one answer as JSON: pretty for one profile, one line (JSON Lines, with the profile's
/// 1-based position) for several. Without `explain`, only the propositions.
pub fn write_json(
    out: &mut impl std::io::Write,
    propositions: &[Proposition],
    profile: Option<usize>,
    explain: bool,
) -> std::io::Result<()> {
    let answer = answer(propositions, profile, explain);
    if profile.is_some() {
        serde_json::to_writer(&mut *out, &answer)?;
    } else {
        serde_json::to_writer_pretty(&mut *out, &answer)?;
    }
    out.write_all(b"\n")
}

/// One table per scope: what is proposed (with scores and ties), then every other candidate
/// and why not.
pub fn text(propositions: &[Proposition]) -> String {
    let mut out = String::new();
    for p in propositions {
        out.push_str(&format!("{} @ {}\n", p.decision.name, p.placement.name));
        if let Some(skipped) = &p.skipped {
            out.push_str(&format!("  no proposition: {skipped}\n\n"));
            continue;
        }
        let width = p
            .candidates
            .iter()
            .map(|c| c.offer.chars().count())
            .chain(p.fallback.iter().map(|f| f.name.chars().count()))
            .max()
            .unwrap_or(0);
        if p.options.is_empty() {
            if let Some(f) = &p.fallback {
                out.push_str(&format!("  fallback: {}  (no offer qualifies)\n", f.name));
            }
        } else {
            out.push_str("  proposed:\n");
            for (i, option) in p.options.iter().enumerate() {
                let tie = if option.tie {
                    "  (tie: Adobe picks at random among equal scores)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "    {}. {:width$}  score {}{tie}\n",
                    i + 1,
                    option.name,
                    option.score
                ));
            }
        }
        let excluded: Vec<_> = p.candidates.iter().filter(|c| c.reason.is_some()).collect();
        if !excluded.is_empty() {
            out.push_str("  not proposed:\n");
            for c in excluded {
                let reason = c.reason.as_ref().map(|r| r.to_string()).unwrap_or_default();
                out.push_str(&format!(
                    "    {:width$}  {reason}\n",
                    c.offer,
                    width = width + 3
                ));
            }
        }
        if p.not_in_collection > 0 {
            out.push_str(&format!(
                "  {} other offer{} in no collection this decision uses here\n",
                p.not_in_collection,
                if p.not_in_collection == 1 {
                    " is"
                } else {
                    "s are"
                }
            ));
        }
        for note in &p.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out.push('\n');
    }
    out
}

/// The outcome in one line: the offers in order, or the fallback, or why nothing.
pub fn outcome(p: &Proposition) -> String {
    if let Some(skipped) = &p.skipped {
        return format!("no proposition ({skipped})");
    }
    if p.options.is_empty() {
        return match &p.fallback {
            Some(f) => format!("fallback {}", f.name),
            None => "nothing".into(),
        };
    }
    p.options
        .iter()
        .map(|o| o.name.clone())
        .collect::<Vec<_>>()
        .join(", ")
}
