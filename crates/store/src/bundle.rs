//! A sandbox's rows, table by table, as JSON objects (column -> value): what an export bundle
//! carries and an import writes back. The rows are the database's own, so a bundle is tied to
//! the schema it was made with ([`SCHEMA`]).

use serde_json::{Map, Number, Value};
use sqlx::any::AnyRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::{corrupt, map_write_err, Conn, Result};

/// The schema a bundle's rows follow: the number of migrations.
pub const SCHEMA: u32 = 15;

/// The schemas an import reads: 11 added the sandbox's nullable `start_at` and nothing else, so
/// a bundle of schema 10 is a bundle of 11 without a start; 12 added team keys and the owner of
/// a sandbox, which a bundle does not carry; 13 changed sign-in grants only, which a bundle does
/// not carry either; 14 added the sandbox's business calendar (`weekends` when a bundle has none);
/// 15 keeps each journal page's size in bytes (an import writes it from the page itself).
pub const READABLE_SCHEMAS: [u32; 6] = [10, 11, 12, 13, 14, 15];

/// The tables of a sandbox in the order an import writes them (references first). Sign-in
/// grants (short-lived, secret) and a sandbox's own signing key (secret) are not carried.
pub const TABLES: [&str; 19] = [
    "tenants",
    "tenant_domains",
    "users",
    "apps",
    "partners",
    "partner_ids",
    "organization_profiles",
    "registry",
    "mailbox",
    "verification_links",
    "relationship_requests",
    "customers",
    "customer_agreements",
    "commerce_docs",
    "webhook_registrations",
    "webhook_deliveries",
    "gdap_docs",
    "gdap_settings",
    "api_journal_pages",
];

/// Columns an import lets the database choose (and `rowid`, which a PostgreSQL table has as a
/// column where SQLite's is implicit).
fn generated(table: &str, column: &str) -> bool {
    (table == "api_journal_pages" && column == "seq")
        || (table == "webhook_deliveries" && column == "lease_until_ms")
        || column == "rowid"
}

fn value_of(r: &AnyRow, i: usize) -> Result<Value> {
    let raw = r.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().name().to_ascii_uppercase();
    Ok(match kind.as_str() {
        "INTEGER" | "INT" | "BIGINT" | "BOOLEAN" => Value::Number(r.try_get::<i64, _>(i)?.into()),
        "REAL" | "FLOAT" | "DOUBLE" => Number::from_f64(r.try_get::<f64, _>(i)?)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        "TEXT" => Value::String(r.try_get::<String, _>(i)?),
        other => return Err(corrupt(format!("column of type {other} in a sandbox table"))),
    })
}

/// One table's rows of a sandbox, in insertion order.
pub async fn export_table(c: &mut Conn, table: &str, sandbox: domain::SandboxId) -> Result<Vec<Map<String, Value>>> {
    if !TABLES.contains(&table) {
        return Err(corrupt(format!("no sandbox table {table}")));
    }
    // `table` is one of TABLES (checked above), never a client's text.
    let sql = format!("SELECT * FROM {table} WHERE sandbox_id = ? ORDER BY rowid");
    let rows = crate::sql::query(sqlx::AssertSqlSafe(sql))
        .bind(sandbox.to_string())
        .fetch_all(&mut *c)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut m = Map::new();
        for (i, col) in r.columns().iter().enumerate() {
            if col.name() == "sandbox_id" || generated(table, col.name()) {
                continue;
            }
            m.insert(col.name().to_owned(), value_of(r, i)?);
        }
        out.push(m);
    }
    Ok(out)
}

/// The columns a table has (an import takes only those, named by the schema itself), and
/// whether each holds integers (a null bound to it must be an integer's null on PostgreSQL).
async fn columns(c: &mut Conn, table: &str) -> Result<Vec<(String, bool)>> {
    let sql = match crate::Engine::of(c) {
        crate::Engine::Sqlite => "SELECT name, type FROM pragma_table_info(?)",
        crate::Engine::Postgres => {
            "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS type \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        }
    };
    let rows = crate::sql::query(sql).bind(table).fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("type")?;
            Ok((
                r.try_get::<String, _>("name")?,
                kind.to_ascii_uppercase().contains("INT"),
            ))
        })
        .collect()
}

/// Writes rows into a table for a sandbox. Every row names only columns of the table; a row
/// that breaks a constraint (a taken id, a dangling reference) fails the import.
pub async fn import_table(
    c: &mut Conn,
    table: &str,
    sandbox: domain::SandboxId,
    rows: &[Map<String, Value>],
) -> Result<()> {
    if !TABLES.contains(&table) {
        return Err(corrupt(format!("no sandbox table {table}")));
    }
    let known = columns(c, table).await?;
    for row in rows {
        let mut names = vec!["sandbox_id".to_owned()];
        for k in row.keys() {
            if !known.iter().any(|(c, _)| c == k) || k == "sandbox_id" || generated(table, k) {
                return Err(corrupt(format!("{table} has no column {k}")));
            }
            names.push(k.clone());
        }
        let marks = vec!["?"; names.len()].join(", ");
        // The table is one of TABLES and every column one the schema names (checked above).
        let sql = format!("INSERT INTO {table} ({}) VALUES ({marks})", names.join(", "));
        let mut q = crate::sql::query(sqlx::AssertSqlSafe(sql)).bind(sandbox.to_string());
        for (k, v) in row {
            let integer = known.iter().any(|(c, int)| c == k && *int);
            q = match v {
                Value::Null if integer => q.bind(None::<i64>),
                Value::Null => q.bind(None::<String>),
                Value::Bool(b) => q.bind(i64::from(*b)),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => q.bind(i),
                    None => q.bind(n.as_f64().unwrap_or_default()),
                },
                Value::String(s) => q.bind(s.clone()),
                other => q.bind(other.to_string()),
            };
        }
        q.execute(&mut *c).await.map_err(map_write_err)?;
    }
    Ok(())
}

/// The sandbox's own row, for the bundle (secrets left out).
pub async fn export_sandbox_row(c: &mut Conn, sandbox: domain::SandboxId) -> Result<Map<String, Value>> {
    let row = crate::sql::query("SELECT * FROM sandboxes WHERE id = ?")
        .bind(sandbox.to_string())
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| corrupt(format!("no sandbox {sandbox}")))?;
    let mut m = Map::new();
    for (i, col) in row.columns().iter().enumerate() {
        // Secrets stay home, and so does the owner: an import belongs to whoever imports it.
        if col.name() == "stated_secrets" || col.name() == "team" || col.name() == "rowid" {
            continue;
        }
        m.insert(col.name().to_owned(), value_of(&row, i)?);
    }
    Ok(m)
}

/// Which of these ids exist in the server already (any sandbox).
pub async fn taken_ids(c: &mut Conn, ids: &[String]) -> Result<bool> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let n: i64 = crate::sql::query_scalar(
        "SELECT (SELECT COUNT(*) FROM tenants WHERE id IN (SELECT value FROM json_each(?1))) \
         + (SELECT COUNT(*) FROM users WHERE id IN (SELECT value FROM json_each(?1))) \
         + (SELECT COUNT(*) FROM apps WHERE client_id IN (SELECT value FROM json_each(?1))) \
         + (SELECT COUNT(*) FROM customers WHERE id IN (SELECT value FROM json_each(?1))) \
         + (SELECT COUNT(*) FROM relationship_requests WHERE id IN (SELECT value FROM json_each(?1))) \
         + (SELECT COUNT(*) FROM mailbox WHERE id IN (SELECT value FROM json_each(?1)))",
    )
    .bind(list)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}
