//! Parsing request bodies with the one check `serde_json::Value` cannot make afterwards.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a body is not acceptable JSON.
#[derive(Debug, thiserror::Error)]
#[error("the body is not valid JSON: {0}")]
pub struct JsonError(#[from] serde_json::Error);

/// Parses JSON like `serde_json::from_str`, and also refuses an object that uses a property
/// more than once (Data 2.2.s2.b2: "A Statement MUST use each property no more than one
/// time"). Once parsed into a `Value`, the duplicate is gone (the last one wins), so the LRS
/// parses statement bodies with this function. The error names the property and the line and
/// column where it occurs again.
pub fn parse_json(text: &str) -> Result<Value, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Strict::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value.0)
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "property {:?} is used more than once",
                    key
                )));
            }
            let Strict(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_at_any_depth() {
        let err = parse_json(r#"{"actor": {"mbox": "mailto:a@b.c", "mbox": "mailto:d@e.f"}}"#)
            .expect_err("duplicate");
        assert!(
            err.to_string()
                .contains("property \"mbox\" is used more than once"),
            "{err}"
        );
        assert!(parse_json(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
        assert!(parse_json(r#"{"a": 1} x"#).is_err());
        assert_eq!(
            parse_json(r#"{"n": -1.5, "b": [true, null, "s", 18446744073709551615]}"#).ok(),
            serde_json::from_str(r#"{"n": -1.5, "b": [true, null, "s", 18446744073709551615]}"#)
                .ok()
        );
    }
}
