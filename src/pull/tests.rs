use super::edit;
use crate::manifest::emit::Node;
use crate::yaml;

fn s(text: &str) -> Node {
    Node::str(text)
}

fn map(entries: &[(&str, Node)]) -> Node {
    Node::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn entries(node: Node) -> Vec<(String, Node)> {
    match node {
        Node::Map(entries) => entries,
        _ => unreachable!(),
    }
}

/// The text after rewriting the only document of `text` from `old` to `new`.
fn rewrite(text: &str, old: Node, new: Node) -> Result<String, String> {
    let stream = yaml::parse(text);
    let root = &stream.documents[0].root;
    let edits = edit::document(text, root, &entries(old), &entries(new))?;
    edit::apply(text, &edits)
}

#[test]
fn a_plain_scalar_is_replaced_in_place_and_its_comment_stays() {
    let text = "kind: Offer # the kind\nname: A\npriority: 10  # high\n";
    let old = map(&[
        ("kind", s("Offer")),
        ("name", s("A")),
        ("priority", Node::Raw("10".into())),
    ]);
    let new = map(&[
        ("kind", s("Offer")),
        ("name", s("A")),
        ("priority", Node::Raw("20".into())),
    ]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "kind: Offer # the kind\nname: A\npriority: 20  # high\n"
    );
}

#[test]
fn quoting_style_is_kept() {
    let text = "a: \"x\"\nb: 'y'\nc: z\n";
    let old = map(&[("a", s("x")), ("b", s("y")), ("c", s("z"))]);
    let new = map(&[("a", s("x2")), ("b", s("it's")), ("c", s("yes"))]);
    // `yes` must be quoted to stay text; the single-quoted one escapes its quote.
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "a: \"x2\"\nb: 'it''s'\nc: \"yes\"\n"
    );
}

#[test]
fn a_block_scalar_stays_a_block_scalar() {
    let text = "name: A\ncontent: |\n  <h1>Old</h1>\n  <p>x</p>\n\n# next\nother: 1\n";
    let old = map(&[
        ("name", s("A")),
        ("content", s("<h1>Old</h1>\n<p>x</p>\n")),
        ("other", Node::Raw("1".into())),
    ]);
    let new = map(&[
        ("name", s("A")),
        ("content", s("<h1>New</h1>\n<p>x</p>\n")),
        ("other", Node::Raw("1".into())),
    ]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "name: A\ncontent: |\n  <h1>New</h1>\n  <p>x</p>\n\n# next\nother: 1\n"
    );
}

#[test]
fn nested_values_in_lists_of_mappings_change_alone() {
    let text = "\
representations:
  - placement: Kiosk # main
    components:
      - type: imagelink
        deliveryURL: https://cdn/a.png
  - placement: Email
";
    let component = |url: &str| map(&[("type", s("imagelink")), ("deliveryURL", s(url))]);
    let rep = |url: &str| {
        map(&[
            ("placement", s("Kiosk")),
            ("components", Node::Seq(vec![component(url)])),
        ])
    };
    let email = map(&[("placement", s("Email"))]);
    let old = map(&[(
        "representations",
        Node::Seq(vec![rep("https://cdn/a.png"), email.clone()]),
    )]);
    let new = map(&[(
        "representations",
        Node::Seq(vec![rep("https://cdn/b.png"), email]),
    )]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        text.replace("a.png", "b.png")
    );
}

#[test]
fn flow_lists_gain_and_lose_items_in_flow_style() {
    let text = "tags: [a, b]  # why\nname: x\n";
    let old = map(&[("tags", Node::Seq(vec![s("a"), s("b")])), ("name", s("x"))]);
    let new = map(&[
        ("tags", Node::Seq(vec![s("a"), s("b"), s("c d")])),
        ("name", s("x")),
    ]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "tags: [a, b, c d]  # why\nname: x\n"
    );
}

#[test]
fn keys_are_inserted_after_their_predecessor_and_removed_with_their_lines() {
    let text = "name: A\n# about dates\nstartDate: 2026-01-01T00:00:00Z\npriority: 1\n";
    let old = map(&[
        ("name", s("A")),
        ("startDate", s("2026-01-01T00:00:00Z")),
        ("priority", Node::Raw("1".into())),
    ]);
    let new = map(&[
        ("name", s("A")),
        ("status", s("approved")),
        ("priority", Node::Raw("1".into())),
        ("endDate", s("2027-01-01T00:00:00Z")),
    ]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "name: A\nstatus: approved\n# about dates\npriority: 1\nendDate: 2027-01-01T00:00:00Z\n"
    );
}

#[test]
fn block_list_items_are_added_and_removed_alone() {
    let text = "steps:\n  - a: 1\n  # keep me\n  - a: 2\n  - a: 3\n";
    let item = |n: &str| map(&[("a", Node::Raw(n.into()))]);
    let old = map(&[("steps", Node::Seq(vec![item("1"), item("2"), item("3")]))]);
    let new = map(&[("steps", Node::Seq(vec![item("1"), item("3"), item("4")]))]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "steps:\n  - a: 1\n  # keep me\n  - a: 3\n  - a: 4\n"
    );
}

#[test]
fn a_key_the_source_spells_differently_is_refused() {
    let text = "criteria:\n  - filter: F\n";
    let old = map(&[("placement", s("P")), ("filter", s("F"))]);
    let new = map(&[("placement", s("Q")), ("filter", s("F"))]);
    let error = rewrite(text, old, new).unwrap_err();
    assert!(error.contains("`placement`"), "{error}");
}

#[test]
fn flow_mappings_are_refused_not_guessed() {
    let text = "cap: {global: 1}\n";
    let old = map(&[("cap", map(&[("global", Node::Raw("1".into()))]))]);
    let new = map(&[("cap", map(&[("global", Node::Raw("2".into()))]))]);
    assert!(
        rewrite(text, old, new)
            .unwrap_err()
            .contains("flow mapping")
    );
}

#[test]
fn overlapping_edits_are_an_error() {
    let edits = [
        edit::Edit {
            range: 0..3,
            text: "x".into(),
        },
        edit::Edit {
            range: 2..4,
            text: "y".into(),
        },
    ];
    assert!(edit::apply("abcdef", &edits).is_err());
}

#[test]
fn crlf_files_keep_crlf_line_breaks() {
    let text = "name: A\r\ntags: [a]\r\n";
    let old = map(&[("name", s("A")), ("tags", Node::Seq(vec![s("a")]))]);
    let new = map(&[
        ("name", s("A")),
        ("status", s("approved")),
        ("tags", Node::Seq(vec![s("a")])),
    ]);
    assert_eq!(
        rewrite(text, old, new).unwrap(),
        "name: A\r\nstatus: approved\r\ntags: [a]\r\n"
    );
}

#[test]
fn a_document_read_alone_is_the_one_the_whole_file_reads() {
    let text = "# títle ✓\nkind: A\nname: a\n---\nkind: B # b\nname: \"b\"\nlist:\n  - x\n  - &y y\n  - *y\n...\n--- \r\nkind: C\nname: c\n  # trailing\n";
    let whole = yaml::parse(text);
    assert_eq!(whole.documents.len(), 3);
    for document in &whole.documents {
        let loc = crate::source::Loc {
            file: crate::source::FileId(0),
            start: document.root.span.start,
            end: document.root.span.end,
        };
        let alone = super::documents::alone(text, &loc).expect("reads alone");
        assert_eq!(format!("{:?}", alone.root), format!("{:?}", document.root));
        assert_eq!(alone.shared, document.shared);
    }
    // Directives apply to the documents after them: not read alone.
    let directed = format!("%YAML 1.2\n---\n{text}");
    let first = &yaml::parse(&directed).documents[0];
    let loc = crate::source::Loc {
        file: crate::source::FileId(0),
        start: first.root.span.start,
        end: first.root.span.end,
    };
    assert!(super::documents::alone(&directed, &loc).is_none());
}
