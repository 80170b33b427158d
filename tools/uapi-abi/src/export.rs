//! The JSON export of one header's layout, for other tools to consume. Pure.
//!
//! `{"schema": 1, "arch": "x86_64", "header": "linux/vfio.h", "records": {...}, "constants": {...}}`
//! with sizes and offsets in bytes; bitfields add `bit_offset` and `bit_size`.

use crate::model::Layout;
use serde_json::{json, Map, Value};

/// The JSON schema version of [`layout_json`].
pub const JSON_SCHEMA: u32 = 1;

/// The records and constants of `header` in `layout` as JSON.
pub fn layout_json(layout: &Layout, header: &str) -> Value {
    let mut records = Map::new();
    for r in layout.records.values().filter(|r| r.header == header) {
        let fields: Vec<Value> = r
            .fields
            .iter()
            .map(|f| {
                let mut v = json!({
                    "name": f.name,
                    "offset": f.offset_bytes,
                    "size": f.size_bytes,
                    "align": f.align_bytes,
                    "type": f.c_type,
                });
                if let (Some(bits), Some(obj)) = (f.bits, v.as_object_mut()) {
                    obj.insert("bit_offset".into(), json!(bits.offset_bits));
                    obj.insert("bit_size".into(), json!(bits.size_bits));
                }
                v
            })
            .collect();
        records.insert(
            r.name.clone(),
            json!({"kind": r.kind.keyword(), "size": r.size_bytes, "align": r.align_bytes, "fields": fields}),
        );
    }
    let mut constants = Map::new();
    for c in layout.constants.values().filter(|c| c.header == header) {
        let v = i64::try_from(c.value)
            .map(Value::from)
            .or_else(|_| u64::try_from(c.value).map(Value::from))
            .unwrap_or(Value::Null);
        constants.insert(c.name.clone(), v);
    }
    json!({
        "schema": JSON_SCHEMA,
        "arch": layout.arch.name(),
        "header": header,
        "records": records,
        "constants": constants,
    })
}
