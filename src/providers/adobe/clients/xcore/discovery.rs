//! Container discovery: finding the sandbox's one decisioning container in the home document.

use reqwest::StatusCode;
use serde_json::Value;

use super::XcoreClient;
use crate::backend::{BackendError, ErrorKind};
use crate::providers::adobe::clients::http::Call;

const HOME_HAL: &str = "application/vnd.adobe.platform.xcore.home.hal+json";
const CONTAINER_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/container";

impl XcoreClient {
    pub(super) async fn discover_container(&self) -> Result<String, BackendError> {
        let what = format!("finding the container of sandbox {}", self.t.sandbox);
        let mut url = self.t.api.clone();
        url.query_pairs_mut()
            .append_pair("product", "dma_offers")
            .append_pair("product", "acp");
        let call = Call::get(&what, url, HOME_HAL);
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(self.t.answer_error(&what, &reply, ErrorKind::Other));
        }
        let home: Value = serde_json::from_slice(&reply.body).map_err(|_| {
            self.t.error(
                ErrorKind::Other,
                format!("{what}: the home document is not JSON"),
            )
        })?;
        let listed = home
            .pointer("/_embedded")
            .and_then(|e| e.get(CONTAINER_SCHEMA))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let text = |c: &Value, pointer: &str| {
            c.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let matching: Vec<&Value> = listed
            .iter()
            .filter(|c| {
                text(c, "/_instance/containerType").is_none_or(|t| t == "decisioning")
                    && text(c, "/_instance/parentName").is_none_or(|p| p == self.t.sandbox)
            })
            .collect();
        let describe = |c: &Value| {
            let id = text(c, "/instanceId").unwrap_or_else(|| "(no id)".into());
            match text(c, "/_instance/repo:name") {
                Some(name) => format!("{id} ({name})"),
                None => id,
            }
        };
        match matching.as_slice() {
            [one] => text(one, "/instanceId")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    self.t.error(
                        ErrorKind::Other,
                        format!("{what}: the home document lists a container without an instanceId"),
                    )
                }),
            [] => {
                let others = if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed.iter().map(describe).collect::<Vec<_>>().join(", ")
                };
                Err(self.t.error(
                    ErrorKind::Config,
                    format!(
                        "configuration error: no decisioning container of sandbox {} is visible to this credential (containers listed: {others}); check the sandbox name and the credential's permissions, or set --container / OFFERCTL_CONTAINER",
                        self.t.sandbox
                    ),
                ))
            }
            several => Err(self.t.error(
                ErrorKind::Config,
                format!(
                    "configuration error: {} decisioning containers match sandbox {}: {}; choose one with --container / OFFERCTL_CONTAINER",
                    several.len(),
                    self.t.sandbox,
                    several.iter().map(|c| describe(c)).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
}
