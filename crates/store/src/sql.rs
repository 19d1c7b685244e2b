//! One SQL text for both engines. Statements are written once, in the dialect SQLite and
//! PostgreSQL share, with `?` or `?N` placeholders; [`query`] and [`query_scalar`] number them
//! `$N`, which both engines read. What SQLite has and PostgreSQL lacks under the same name
//! (`json_each`, `json_extract`, `json_group_array`, `json_object`, a `rowid` on every table) the
//! PostgreSQL schema defines (migrations/postgres), so no statement is written twice.

use std::borrow::Cow;

use sqlx::any::{Any, AnyArguments, AnyRow};
use sqlx::query::{Query, QueryScalar};
use sqlx::{AssertSqlSafe, SqlSafeStr};

/// The engine behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of(c: &crate::Conn) -> Engine {
        if c.backend_name().eq_ignore_ascii_case("postgresql") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }
}

/// A statement to bind and run on either engine.
pub fn query(sql: impl SqlSafeStr) -> Query<'static, Any, AnyArguments> {
    let sql = sql.into_sql_str();
    match portable(sql.as_str()) {
        Cow::Borrowed(_) => sqlx::query(sql),
        Cow::Owned(s) => sqlx::query(AssertSqlSafe(s)),
    }
}

/// A statement whose rows are one value.
pub fn query_scalar<O>(sql: impl SqlSafeStr) -> QueryScalar<'static, Any, O, AnyArguments>
where
    (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let sql = sql.into_sql_str();
    match portable(sql.as_str()) {
        Cow::Borrowed(_) => sqlx::query_scalar(sql),
        Cow::Owned(s) => sqlx::query_scalar(AssertSqlSafe(s)),
    }
}

/// A statement a `QueryBuilder` assembled (its placeholders are `?`), made portable.
pub fn built(q: &mut sqlx::QueryBuilder<Any>) -> crate::Result<Query<'static, Any, AnyArguments>> {
    let sql = portable(q.sql().as_str()).into_owned();
    let mut b = q.build();
    let args = sqlx::Execute::take_arguments(&mut b)
        .map_err(sqlx::Error::Encode)?
        .unwrap_or_default();
    Ok(sqlx::query_with(AssertSqlSafe(sql), args))
}

/// `?` and `?N` placeholders (outside quoted text) as `$N`. A bare `?` takes the number after
/// the largest seen so far, as SQLite numbers it.
pub fn portable(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut max = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        match quote {
            Some(q) => {
                out.push(ch);
                if ch == q {
                    quote = None;
                }
            }
            None if ch == '\'' || ch == '"' => {
                quote = Some(ch);
                out.push(ch);
            }
            None if ch == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n = match digits.parse::<usize>() {
                    Ok(n) => n,
                    Err(_) => max + 1,
                };
                max = max.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            None => out.push(ch),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::portable;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(portable("SELECT 1"), "SELECT 1");
        assert_eq!(portable("a = ? AND b = ?"), "a = $1 AND b = $2");
        assert_eq!(
            portable("a = ?1 OR ?1 IS NULL AND b < ?2"),
            "a = $1 OR $1 IS NULL AND b < $2"
        );
        assert_eq!(portable("a = ?2 AND b = ?"), "a = $2 AND b = $3");
        assert_eq!(portable("x = '?' AND y = ?"), "x = '?' AND y = $1");
        assert_eq!(portable("json_extract(d, '$.a') = ?"), "json_extract(d, '$.a') = $1");
    }
}
