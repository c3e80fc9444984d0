//! The published JSON Schema accepts the sample manifests and rejects broken ones.

use offerctl::providers::json_schema;
use offerctl::yaml;

use crate::{read, root};

/// A compiled draft-07 schema. Compiling checks the schema against the draft's meta-schema.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn draft7(schema: serde_json::Value) -> Validator {
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        let location = "file:///offerctl/schema.json";
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V7);
        compiler
            .add_resource(location, schema)
            .expect("the schema loads");
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile(location, &mut schemas)
            .expect("the schema is itself valid");
        Validator { schemas, index }
    }

    /// The violations in `document`, each with its location in the document; none when valid.
    fn errors(&self, document: &serde_json::Value) -> Option<String> {
        self.schemas
            .validate(document, self.index)
            .err()
            .map(|e| e.to_string())
    }
}

fn validator() -> Validator {
    Validator::draft7(json_schema())
}

fn documents(text: &str) -> Vec<serde_json::Value> {
    yaml::parse(text)
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .collect()
}

#[test]
fn schema_accepts_every_sample_and_example_document() {
    let validator = validator();
    let dirs = crate::catalogue_dirs();
    let mut count = 0;
    for dir in dirs {
        for (_, file) in read(&dir).iter() {
            for document in documents(&file.text) {
                let errors = validator.errors(&document);
                assert!(errors.is_none(), "{}: {errors:?}\n{document:#}", file.path);
                count += 1;
            }
        }
    }
    assert!(count >= 23, "validated only {count} documents");
}

#[test]
fn schema_rejects_what_validate_rejects() {
    let validator = validator();
    let broken = [
        "kind: Ofer\nname: x\n",
        "kind: Offer\nname: x\npriorty: 5\n",
        "kind: Offer\nname: x\npriority: -1\n",
        "kind: Offer\nname: x\nstatus: aproved\n",
        "kind: Offer\nname: x\ncap: {global: 0}\n",
        "kind: Placement\nname: x\nchannel: web\n",
        "kind: FallbackOffer\nname: x\npriority: 1\n",
        "kind: Filter\nname: x\nmatch: anytags\n",
        "kind: Tag\nname: x\nprotect: yes\n",
        "kind: Badge\nname: x\ntitle: X\nstyle: circle\n",
        "kind: RollingOffer\nname: x\ntitle: Xyz\nsteps: []\npriceCents: 5\n",
        "kind: Bundle\nname: x\ntitle: Xyz\nprice: 100\nproducts: []\nsteps: []\n",
        "kind: Popup\nname: x\ntitle: Xyz\npriority: 1\nsteps: []\n",
        "kind: Product\nname: x\nid: abc\ntitle: X\n",
    ];
    for text in broken {
        let document = &documents(text)[0];
        assert!(
            validator.errors(document).is_some(),
            "schema accepted:\n{text}"
        );
    }
}

#[test]
fn committed_schema_file_is_up_to_date() {
    let committed = std::fs::read_to_string(root().join("offerctl.schema.json")).unwrap();
    let current = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    assert_eq!(
        committed, current,
        "run `cargo run -- schema > offerctl.schema.json`"
    );
}

#[test]
fn committed_tests_schema_is_up_to_date_and_accepts_every_sample_expectation() {
    let schema = offerctl::providers::adobe::decide::cases::json_schema();
    let committed = std::fs::read_to_string(root().join("tests.schema.json")).unwrap();
    let current = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    assert_eq!(
        committed, current,
        "run `cargo run -- schema --tests > tests.schema.json`"
    );
    let validator = Validator::draft7(schema);
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("tests.d")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            for document in offerctl::yaml::parse(&text).documents {
                let instance = document.root.to_json();
                let errors = validator.errors(&instance);
                assert!(errors.is_none(), "{}: {errors:?}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 7, "only {checked} expectations checked");
}
