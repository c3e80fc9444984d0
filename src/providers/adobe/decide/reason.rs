//! Why an offer was not proposed, or why a decision was not made: the first check it failed.

use std::fmt;

use serde::Serialize;

/// Why one offer was not proposed for one decision and placement (the first failed check).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// The offer's status is not `approved`.
    NotApproved { status: String },
    /// The offer has no representation for the placement.
    NoRepresentationForPlacement,
    /// Before the offer's start date.
    NotStarted { start: String },
    /// At or after the offer's end date.
    Expired { end: String },
    /// The criterion's rule is false for this profile (it cancels the whole criterion).
    CriterionConstraintFalse { rule: String, failing: String },
    /// The offer's eligibility rule is false for this profile.
    OfferRuleFalse { rule: String, failing: String },
    /// A rule uses something outside the PQL offerctl evaluates, or data the profile or the
    /// context does not supply: never counted as true or false.
    RuleUnevaluable {
        rule: String,
        reason: String,
        line: usize,
        column: usize,
    },
    /// The rule named does not exist in this catalogue.
    RuleMissing { rule: String },
    /// Not a member of the segments the constraint asks for.
    NotInSegments { any: bool, segments: Vec<String> },
    /// A cap is reached (with the counters given).
    Capped {
        scope: String,
        count: u64,
        limit: u64,
    },
    /// The ranking formula could not be evaluated for this offer.
    RankingUnevaluable { formula: String, reason: String },
    /// Already proposed for an earlier placement of this decision (duplicates not allowed).
    DuplicateAcrossPlacements { placement: String },
    /// Eligible, but ranked past the item count.
    BelowCutoff { rank: usize, score: f64 },
}

/// Every code [`Reason::code`] gives, for checking the codes expectations name.
pub const CODES: [&str; 13] = [
    "NOT_APPROVED",
    "NO_REPRESENTATION_FOR_PLACEMENT",
    "NOT_STARTED",
    "EXPIRED",
    "CRITERION_CONSTRAINT_FALSE",
    "OFFER_RULE_FALSE",
    "RULE_UNEVALUABLE",
    "RULE_MISSING",
    "NOT_IN_SEGMENTS",
    "CAPPED",
    "RANKING_UNEVALUABLE",
    "DUPLICATE_ACROSS_PLACEMENTS",
    "BELOW_CUTOFF",
];

impl Reason {
    /// The stable code (`NOT_APPROVED`, ...), for tests and machines.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NotApproved { .. } => "NOT_APPROVED",
            Reason::NoRepresentationForPlacement => "NO_REPRESENTATION_FOR_PLACEMENT",
            Reason::NotStarted { .. } => "NOT_STARTED",
            Reason::Expired { .. } => "EXPIRED",
            Reason::CriterionConstraintFalse { .. } => "CRITERION_CONSTRAINT_FALSE",
            Reason::OfferRuleFalse { .. } => "OFFER_RULE_FALSE",
            Reason::RuleUnevaluable { .. } => "RULE_UNEVALUABLE",
            Reason::RuleMissing { .. } => "RULE_MISSING",
            Reason::NotInSegments { .. } => "NOT_IN_SEGMENTS",
            Reason::Capped { .. } => "CAPPED",
            Reason::RankingUnevaluable { .. } => "RANKING_UNEVALUABLE",
            Reason::DuplicateAcrossPlacements { .. } => "DUPLICATE_ACROSS_PLACEMENTS",
            Reason::BelowCutoff { .. } => "BELOW_CUTOFF",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotApproved { status } => write!(f, "not approved (status {status})"),
            Reason::NoRepresentationForPlacement => {
                write!(f, "no representation for this placement")
            }
            Reason::NotStarted { start } => write!(f, "not started (starts {start})"),
            Reason::Expired { end } => write!(f, "expired (ended {end})"),
            Reason::CriterionConstraintFalse { rule, failing } => {
                write!(f, "the criterion's rule `{rule}` is false: {failing}")
            }
            Reason::OfferRuleFalse { rule, failing } => {
                write!(f, "rule `{rule}` is false: {failing}")
            }
            Reason::RuleUnevaluable {
                rule,
                reason,
                line,
                column,
            } => write!(
                f,
                "rule `{rule}` cannot be evaluated offline (line {line}, column {column}): {reason}"
            ),
            Reason::RuleMissing { rule } => write!(f, "rule `{rule}` is not in the catalogue"),
            Reason::NotInSegments { any, segments } => write!(
                f,
                "not in {} of the segments {}",
                if *any { "any" } else { "all" },
                segments.join(", ")
            ),
            Reason::Capped {
                scope,
                count,
                limit,
            } => write!(f, "capped: {scope} cap reached ({count}/{limit})"),
            Reason::RankingUnevaluable { formula, reason } => {
                write!(
                    f,
                    "ranking formula `{formula}` cannot be evaluated: {reason}"
                )
            }
            Reason::DuplicateAcrossPlacements { placement } => {
                write!(f, "already proposed for placement `{placement}`")
            }
            Reason::BelowCutoff { rank, score } => {
                write!(f, "ranked #{rank} (score {score}), past the item count")
            }
        }
    }
}

/// Why a decision made no proposition for a placement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Skipped {
    /// The decision is not `live`.
    DecisionNotLive { status: String },
    /// Before the decision's start date.
    DecisionNotStarted { start: String },
    /// At or after the decision's end date.
    DecisionExpired { end: String },
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skipped::DecisionNotLive { status } => {
                write!(f, "the decision is not live (status {status})")
            }
            Skipped::DecisionNotStarted { start } => {
                write!(f, "the decision has not started (starts {start})")
            }
            Skipped::DecisionExpired { end } => write!(f, "the decision has ended ({end})"),
        }
    }
}
