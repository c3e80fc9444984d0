//! Simulated decisions for people (a table per scope) and for machines (the decisioning API's
//! response shape plus an `explain` array).

use serde_json::{Value, json};

use super::engine::Proposition;

/// The decisioning API's shape: `xdm:propositions` (options, or the fallback), names added so
/// people can read it, and `explain`: every candidate with its score, rank and reason.
pub fn json(propositions: &[Proposition]) -> Value {
    let named = |id: &str, name: &str| json!({"xdm:id": id, "xdm:name": name});
    let decided: Vec<Value> = propositions
        .iter()
        .filter(|p| p.skipped.is_none())
        .map(|p| {
            let mut out = json!({
                "xdm:activity": named(&p.decision.id, &p.decision.name),
                "xdm:placement": named(&p.placement.id, &p.placement.name),
            });
            if p.options.is_empty() {
                if let Some(f) = &p.fallback {
                    out["xdm:fallback"] = named(&f.id, &f.name);
                }
            } else {
                out["xdm:options"] = p
                    .options
                    .iter()
                    .map(|o| json!({"xdm:id": o.id, "xdm:name": o.name, "xdm:score": o.score}))
                    .collect();
            }
            out
        })
        .collect();
    let explain: Vec<Value> = propositions
        .iter()
        .map(|p| {
            let candidates: Vec<Value> = p
                .candidates
                .iter()
                .map(|c| {
                    let mut entry = serde_json::to_value(c).unwrap_or(Value::Null);
                    if let Some(reason) = &c.reason {
                        entry["message"] = Value::String(reason.to_string());
                    }
                    entry
                })
                .collect();
            let mut entry = json!({
                "decision": p.decision.name,
                "placement": p.placement.name,
                "proposed": p.options.iter().map(|o| o.name.clone()).collect::<Vec<_>>(),
                "candidates": candidates,
                "notInCollection": p.not_in_collection,
                "notes": p.notes,
            });
            if let Some(f) = &p.fallback {
                entry["fallback"] = Value::String(f.name.clone());
            }
            if let Some(skipped) = &p.skipped {
                entry["skipped"] = serde_json::to_value(skipped).unwrap_or(Value::Null);
                entry["skipped"]["message"] = Value::String(skipped.to_string());
            }
            entry
        })
        .collect();
    json!({"xdm:propositions": decided, "explain": explain})
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
