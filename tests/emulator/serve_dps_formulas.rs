//! Ranking formulas in the DPS facade of `offerctl serve`: the documented create, the
//! upper-cased `returnType` on read, `PUT` of the whole formula (with `If-Match`), JSON Patch,
//! validation, and a formula seen and used through XCore.

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::serve::DPS_BASE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const FORMULAS: &str = "/ranking-formulas";

async fn send(
    emu: &Emu,
    method: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = emu.req(method, &format!("{DPS_BASE}{path}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    if let Some(etag) = if_match {
        request = request.header("if-match", etag);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn item(id: &str) -> String {
    format!("{FORMULAS}/{}", id.replace(':', "%3A"))
}

/// Reference §2.3, the create example.
fn documented() -> Value {
    json!({"name": "Test Ranking Function DPS", "description": "Ranking  function description",
        "exdFunction": true, "returnType": {"type": "integer"},
        "expression": {"type": "PQL", "format": "pql/text",
            "value": "if(offer.rank.priority.isNotNull(), offer.rank.priority, 0) * if(offer.tags.intersects(boosted.tags), 2, 1)"},
        "definedOn": {"offer": {"schema": {"altId": "_experience.offer-management.personalized-offer", "version": "0"}},
                      "boosted": {"schema": {"altId": "_xdm.context.foo", "version": "0"}}}})
}

#[tokio::test]
async fn ranking_formulas_are_created_read_upper_cased_replaced_and_patched() {
    let emu = Emu::start().await;
    let (status, receipt) = send(&emu, Method::POST, FORMULAS, Some(documented()), None).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let id = receipt["id"].as_str().expect("an id").to_string();
    assert!(id.starts_with("dps:ranking-function:"), "{id}");

    let (status, read) = send(&emu, Method::GET, &item(&id), None, None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["returnType"], json!({"type": "INTEGER"}));
    assert_eq!(
        read["schemas"],
        json!(["https://ns.adobe.com/experience/offer-management/ranking-function"])
    );
    for key in [
        "name",
        "description",
        "exdFunction",
        "expression",
        "definedOn",
    ] {
        assert_eq!(read[key], documented()[key], "{key}");
    }
    assert_eq!(read["etag"], 1);

    // The update example: the whole formula, `isPure` added. A stale etag is refused.
    let mut updated = documented();
    updated["name"] = json!("[UPDATED] Test Ranking Function DPS");
    updated["isPure"] = json!(true);
    let (status, stale) = send(
        &emu,
        Method::PUT,
        &item(&id),
        Some(updated.clone()),
        Some("\"7\""),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    let (status, replaced) = send(
        &emu,
        Method::PUT,
        &item(&id),
        Some(updated.clone()),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["etag"], 2);
    let (_, read) = send(&emu, Method::GET, &item(&id), None, None).await;
    assert_eq!(read["name"], updated["name"]);
    assert_eq!(read["isPure"], true);

    // What PUT leaves out is gone: it replaces the formula.
    let mut without = updated.clone();
    without.as_object_mut().expect("object").remove("definedOn");
    without["id"] = json!(id);
    let (status, _) = send(&emu, Method::PUT, &item(&id), Some(without), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = send(&emu, Method::GET, &item(&id), None, None).await;
    assert!(read.get("definedOn").is_none(), "{read}");

    // JSON Patch works on formulas too (a third party reports it live).
    let ops =
        json!([{"op": "replace", "path": "/expression/value", "value": "offer.rank.priority"}]);
    let (status, patched) = send(&emu, Method::PATCH, &item(&id), Some(ops), None).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let (_, read) = send(&emu, Method::GET, &item(&id), None, None).await;
    assert_eq!(read["expression"]["value"], "offer.rank.priority");

    // Refused: another id, an empty expression, a type that is not a number, a second name.
    let mut other_id = documented();
    other_id["id"] = json!("dps:ranking-function:0000000000000000");
    let (status, problem) = send(&emu, Method::PUT, &item(&id), Some(other_id), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut empty = documented();
    empty["name"] = json!("Empty");
    empty["expression"]["value"] = json!(" ");
    let (status, problem) = send(&emu, Method::POST, FORMULAS, Some(empty), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem.to_string().contains("/expression/value"),
        "{problem}"
    );
    let mut text = documented();
    text["name"] = json!("Text");
    text["returnType"] = json!({"type": "string"});
    let (status, problem) = send(&emu, Method::POST, FORMULAS, Some(text), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = send(&emu, Method::POST, FORMULAS, Some(updated), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    // Other collections take no PUT.
    let (status, _) = send(
        &emu,
        Method::PUT,
        "/tags/dps%3Atag%3A0000000000000000",
        Some(json!({"name": "t"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_formula_made_through_xcore_is_read_through_dps_and_lists_find_it() {
    let emu = Emu::start().await;
    let created = emu
        .create(
            Kind::RankingFormula,
            json!({"xdm:name": "x", "xdm:returnType": {"xdm:type": "double"},
                   "xdm:expression": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "1.5"}}),
        )
        .await;
    let id = uri(&created);
    assert!(id.starts_with("xcore:ranking-function:"), "{id}");
    let (status, read) = send(&emu, Method::GET, &item(&id), None, None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["returnType"], json!({"type": "DOUBLE"}));
    assert_eq!(read["expression"]["value"], "1.5");
    let (status, list) = send(
        &emu,
        Method::GET,
        &format!("{FORMULAS}?property=name%3D%3Dx"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["results"][0]["id"], json!(id));
    assert_eq!(list["results"][0]["returnType"], json!({"type": "DOUBLE"}));
}
