//! Reading columns without panicking: every value goes through `try_get` and a parse that turns
//! bad data into [`StoreError::Corrupt`] naming the column.

use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};

use crate::{corrupt, Result};

/// A column's value.
pub fn get<'r, T: Decode<'r, Any> + Type<Any>>(r: &'r AnyRow, col: &str) -> Result<T> {
    r.try_get(col).map_err(|e| corrupt(format!("column {col}: {e}")))
}

/// A text column parsed with `FromStr` (ids, enums).
pub fn parse<T: std::str::FromStr>(r: &AnyRow, col: &str) -> Result<T> {
    let s: String = get(r, col)?;
    s.parse().map_err(|_| corrupt(format!("column {col}: '{s}'")))
}

/// A nullable text column parsed with `FromStr`.
pub fn parse_opt<T: std::str::FromStr>(r: &AnyRow, col: &str) -> Result<Option<T>> {
    let s: Option<String> = get(r, col)?;
    s.map(|s| s.parse().map_err(|_| corrupt(format!("column {col}: '{s}'"))))
        .transpose()
}

/// A JSON column.
pub fn json<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> Result<T> {
    let s: String = get(r, col)?;
    from_json(col, &s)
}

/// A nullable JSON column.
pub fn json_opt<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> Result<Option<T>> {
    let s: Option<String> = get(r, col)?;
    s.map(|s| from_json(col, &s)).transpose()
}

pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("{what}: {e}")))
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt(e.to_string()))
}

/// A non-negative count column.
pub fn count(r: &AnyRow, col: &str) -> Result<usize> {
    let n: i64 = get(r, col)?;
    usize::try_from(n).map_err(|_| corrupt(format!("column {col}: {n}")))
}

/// An RFC 3339 time column.
/// A nullable RFC 3339 column.
pub fn time_opt(r: &AnyRow, col: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let s: Option<String> = get(r, col)?;
    s.map(|s| {
        chrono::DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| corrupt(format!("column {col}: '{s}'")))
    })
    .transpose()
}

pub fn time(r: &AnyRow, col: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let s: String = get(r, col)?;
    chrono::DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| corrupt(format!("column {col}: '{s}'")))
}
