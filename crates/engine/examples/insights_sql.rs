//! Prints the statements `GET /api/v1/insights/responses` runs on PostgreSQL (parameters
//! `$1` = from, `$2` = to), one per line, for `bench/insights.sh` to time them bare with
//! psql: the very text the store sends, not a copy that could drift from it.
//!
//!     cargo run --example insights_sql -p engine

fn main() {
    for sql in store::insights::statements(sea_orm::DbBackend::Postgres) {
        // One line each: the statements' own line breaks are insignificant whitespace.
        println!("{}", sql.split_whitespace().collect::<Vec<_>>().join(" "));
    }
}
