use super::*;
use serde_json::json;

#[test]
fn smoke() {
    let t = Templates::new();
    let ctx = Context::new(&json!({ "n": 1 }));
    assert_eq!(t.render_str("a{{ n + 1 }}", &ctx).unwrap(), "a2");
    assert_eq!(t.render_value(&json!("{{ n }}"), &ctx).unwrap(), json!(1));
}
