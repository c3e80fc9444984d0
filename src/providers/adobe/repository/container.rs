//! The one container of a sandbox, as the home document lists it.

use serde_json::Value;

/// The schema id of containers, as home lists them.
pub const CONTAINER_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/container";

/// The one container of a sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub id: String,
    pub sandbox: String,
    pub created_date: String,
}

impl Container {
    /// The container as the home document lists it.
    pub fn to_hal(&self) -> Value {
        serde_json::json!({
            "instanceId": self.id,
            "schemas": [format!("{CONTAINER_SCHEMA};version=0.5")],
            "productContexts": ["dma_offers", "acp"],
            "repo:etag": 1,
            "repo:createdDate": self.created_date,
            "repo:lastModifiedDate": self.created_date,
            "repo:createdBy": "offerctl-emulator",
            "repo:lastModifiedBy": "offerctl-emulator",
            "repo:createdByClientId": "offerctl-emulator",
            "repo:lastModifiedByClientId": "offerctl-emulator",
            "sandboxName": self.sandbox,
            "_instance": {
                "containerType": "decisioning",
                "repo:name": format!("Decisioning container of sandbox {}", self.sandbox),
                "dataCenter": "LOCAL",
                "parentName": self.sandbox,
                "parentId": self.sandbox,
            },
            "_links": {"self": {"href": format!("/containers/{}", self.id)}},
        })
    }
}
