//! Response insights: set-based aggregates over the references invited in a window
//! (`reference_requests.invited_at`, indexed by `ix_reference_requests_invited_at`). Every
//! figure is counted, summed or ranked by the database; nothing here loads a row per
//! reference. Only reference checks count (`vetting_cases.kind = 'review'`): a pulse asks
//! the buyer's own people, whose answering says nothing about referees.
//!
//! The statements are the same on both databases except for the difference of two times
//! in seconds (`seconds_between`). Medians are ranked with window functions (`ROW_NUMBER`
//! and `COUNT(*) OVER`) and taken as the mean of the middle one or two, which both
//! databases run alike; PostgreSQL's `percentile_cont` would not run on SQLite.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::StoreError;

/// The funnel of the references invited in the window.
#[derive(Clone, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct FunnelCounts {
    pub invited: i64,
    /// Reached the form: a recorded first view, or a submission (a form posted without
    /// being loaded was still reached).
    pub opened: i64,
    /// Saved a draft or submitted.
    pub started: i64,
    pub completed: i64,
    pub declined: i64,
    /// Declined after reaching the form (a referee who declined from the email never
    /// opened it, and is no break-off).
    pub declined_after_opening: i64,
    pub bounced: i64,
    pub expired: i64,
    pub withdrawn: i64,
    /// Withdrawn because the referee opted out.
    pub opted_out: i64,
    pub completed_after_invitation: i64,
    pub completed_after_reminder_1: i64,
    /// After the second reminder or later.
    pub completed_after_reminder_2: i64,
    /// References of cases made up by `vouch demo`.
    pub demo: i64,
}

/// A median and how many values it was taken over.
#[derive(Clone, Debug, Default, PartialEq, FromQueryResult)]
pub struct Median {
    pub median: Option<f64>,
    pub n: i64,
}

/// Hours from launch to quorum over the cases launched in the window that reached it, and
/// how those cases fall into the distribution's bins.
#[derive(Clone, Debug, Default, PartialEq, FromQueryResult)]
pub struct QuorumHours {
    pub median: Option<f64>,
    pub cases: i64,
    pub within_24: i64,
    pub within_48: i64,
    pub within_72: i64,
    pub within_168: i64,
}

/// One template version's figures over the references invited in the window.
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct TemplateFigures {
    pub template_id: Uuid,
    /// The shipped template's key (`standard`, `quick`); null for a template made here.
    pub template_key: Option<String>,
    pub name: String,
    pub version: i32,
    pub opened: i64,
    pub completed: i64,
    pub declined_after_opening: i64,
    /// Median seconds from first view to submission (capped at 3,600), over the completed
    /// responses of released cases only.
    pub median_seconds: Option<f64>,
    /// How many responses that median was taken over.
    pub timed: i64,
}

/// `later − earlier` in seconds, as a double, in the backend's dialect.
fn seconds_between(backend: DbBackend, later: &str, earlier: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)")
        }
        _ => format!("((julianday({later}) - julianday({earlier})) * 86400.0)"),
    }
}

/// The window's two bounds as statement parameters 1 and 2.
fn window(backend: DbBackend) -> (&'static str, &'static str) {
    match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?1", "?2"),
    }
}

/// The CTE `inv`: the references invited in the window. A bounced invitation never
/// sets `invited_at` (nothing was delivered), so a reference that bounced before any
/// delivery counts from its case's launch; each half walks its own index
/// (`ix_reference_requests_invited_at`, `ix_vetting_cases_launched_at`).
fn invited_cte(lo: &str, hi: &str) -> String {
    const COLUMNS: &str = "r.id, r.case_id, r.status, r.invited_at, r.opened_at, \
        r.responded_at, r.reminders_sent, r.withdrawn_reason";
    format!(
        "inv AS ( \
           SELECT {COLUMNS} FROM reference_requests r \
           WHERE r.invited_at >= {lo} AND r.invited_at < {hi} \
           UNION ALL \
           SELECT {COLUMNS} FROM vetting_cases lc JOIN reference_requests r ON r.case_id = lc.id \
           WHERE lc.launched_at >= {lo} AND lc.launched_at < {hi} \
             AND r.invited_at IS NULL AND r.status = 'bounced' \
         )"
    )
}

fn statement(backend: DbBackend, sql: String, from: DateTime<Utc>, to: DateTime<Utc>) -> Statement {
    let values: Vec<Value> = vec![from.into(), to.into()];
    Statement::from_sql_and_values(backend, sql, values)
}

/// The median of `x` over the rows of the CTE `values`, as the statement's last CTE
/// `median (median, n)`: the mean of the middle one (odd n) or two (even n) ranks.
const MEDIAN_OF_VALUES: &str = "ranked AS ( \
       SELECT x, ROW_NUMBER() OVER (ORDER BY x) AS rn, COUNT(*) OVER () AS n FROM vals \
     ) \
     SELECT AVG(x) AS median, COALESCE(MAX(n), 0) AS n FROM ranked \
     WHERE rn IN ((n + 1) / 2, (n + 2) / 2)";

/// The funnel's select list over `r` (references), `c` (their cases) and `p` (their
/// responses): one row of counts.
fn funnel_columns() -> String {
    let count = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
    let opened = "(r.opened_at IS NOT NULL OR r.status = 'completed')";
    format!(
        "SELECT COUNT(*) AS invited, \
           {opened_n} AS opened, \
           {started} AS started, \
           {completed} AS completed, \
           {declined} AS declined, \
           {declined_opened} AS declined_after_opening, \
           {bounced} AS bounced, \
           {expired} AS expired, \
           {withdrawn} AS withdrawn, \
           {opted_out} AS opted_out, \
           {after_0} AS completed_after_invitation, \
           {after_1} AS completed_after_reminder_1, \
           {after_2} AS completed_after_reminder_2, \
           {demo} AS demo",
        opened_n = count(opened),
        started = count("(p.status = 'submitted' OR p.draft_saved_at IS NOT NULL)"),
        completed = count("r.status = 'completed'"),
        declined = count("r.status = 'declined'"),
        declined_opened = count("r.status = 'declined' AND r.opened_at IS NOT NULL"),
        bounced = count("r.status = 'bounced'"),
        expired = count("r.status = 'expired'"),
        withdrawn = count("r.status = 'withdrawn'"),
        opted_out = count("r.status = 'withdrawn' AND r.withdrawn_reason = 'opted_out'"),
        after_0 = count("r.status = 'completed' AND r.reminders_sent = 0"),
        after_1 = count("r.status = 'completed' AND r.reminders_sent = 1"),
        after_2 = count("r.status = 'completed' AND r.reminders_sent >= 2"),
        demo = count("c.demo = TRUE"),
    )
}

/// The statement of [`funnel`], parameters `$1`/`?1` = from, `$2`/`?2` = to.
pub fn funnel_sql(backend: DbBackend) -> String {
    let (lo, hi) = window(backend);
    let inv = invited_cte(lo, hi);
    format!(
        "WITH {inv} {columns} \
         FROM inv r \
         JOIN vetting_cases c ON c.id = r.case_id \
         LEFT JOIN responses p ON p.reference_id = r.id \
         WHERE c.kind = 'review'",
        columns = funnel_columns(),
    )
}

/// The funnel counts of the references of reference checks invited in `[from, to)`.
pub async fn funnel(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FunnelCounts, StoreError> {
    let backend = conn.get_database_backend();
    let sql = funnel_sql(backend);
    let row = FunnelCounts::find_by_statement(statement(backend, sql, from, to))
        .one(conn)
        .await?;
    Ok(row.unwrap_or_default())
}

/// The statement of [`hours_to_response`], parameters `$1`/`?1` = from, `$2`/`?2` = to.
pub fn hours_to_response_sql(backend: DbBackend) -> String {
    let (lo, hi) = window(backend);
    let secs = seconds_between(backend, "r.responded_at", "r.invited_at");
    format!(
        "WITH vals AS ( \
           SELECT {secs} / 3600.0 AS x \
           FROM reference_requests r JOIN vetting_cases c ON c.id = r.case_id \
           WHERE r.invited_at >= {lo} AND r.invited_at < {hi} AND c.kind = 'review' \
             AND r.status = 'completed' AND r.responded_at IS NOT NULL \
         ), {MEDIAN_OF_VALUES}"
    )
}

/// The median of the hours from invitation to answer, over the completed references of
/// reference checks invited in `[from, to)`.
pub async fn hours_to_response(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Median, StoreError> {
    let backend = conn.get_database_backend();
    let sql = hours_to_response_sql(backend);
    let row = Median::find_by_statement(statement(backend, sql, from, to))
        .one(conn)
        .await?;
    Ok(row.unwrap_or_default())
}

/// The statement of [`hours_to_quorum`], parameters `$1`/`?1` = from, `$2`/`?2` = to.
pub fn hours_to_quorum_sql(backend: DbBackend) -> String {
    let (lo, hi) = window(backend);
    let secs = seconds_between(backend, "responded_at", "launched_at");
    let within = |h: u32| format!("COALESCE(SUM(CASE WHEN x <= {h} THEN 1 ELSE 0 END), 0)");
    format!(
        "WITH answered AS ( \
           SELECT c.launched_at, c.min_responses, r.responded_at, \
             ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY r.responded_at) AS k \
           FROM vetting_cases c JOIN reference_requests r ON r.case_id = c.id \
           WHERE c.launched_at >= {lo} AND c.launched_at < {hi} AND c.kind = 'review' \
             AND r.status = 'completed' AND r.responded_at IS NOT NULL \
         ), vals AS ( \
           SELECT {secs} / 3600.0 AS x FROM answered WHERE k = min_responses \
         ), ranked AS ( \
           SELECT x, ROW_NUMBER() OVER (ORDER BY x) AS rn, COUNT(*) OVER () AS n FROM vals \
         ) \
         SELECT (SELECT AVG(x) FROM ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS median, \
           COUNT(*) AS cases, {w24} AS within_24, {w48} AS within_48, {w72} AS within_72, \
           {w168} AS within_168 \
         FROM ranked",
        w24 = within(24),
        w48 = within(48),
        w72 = within(72),
        w168 = within(168),
    )
}

/// Hours from launch to the `min_responses`-th completed response (when `quorum_met`
/// turned true), over the reference checks launched in `[from, to)` that got there.
pub async fn hours_to_quorum(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<QuorumHours, StoreError> {
    let backend = conn.get_database_backend();
    let sql = hours_to_quorum_sql(backend);
    let row = QuorumHours::find_by_statement(statement(backend, sql, from, to))
        .one(conn)
        .await?;
    Ok(row.unwrap_or_default())
}

/// The statement of [`per_template`], parameters `$1`/`?1` = from, `$2`/`?2` = to.
pub fn per_template_sql(backend: DbBackend) -> String {
    let (lo, hi) = window(backend);
    let secs = seconds_between(backend, "p.submitted_at", "p.first_viewed_at");
    let inv = invited_cte(lo, hi);
    format!(
        "WITH {inv}, base AS ( \
           SELECT c.template_version_id AS tv, r.status, r.opened_at, c.released_at, \
             p.status AS response_status, \
             CASE WHEN p.first_viewed_at IS NOT NULL AND p.submitted_at IS NOT NULL \
               THEN {secs} END AS secs \
           FROM inv r \
           JOIN vetting_cases c ON c.id = r.case_id \
           LEFT JOIN responses p ON p.reference_id = r.id \
           WHERE c.kind = 'review' \
         ), counts AS ( \
           SELECT tv, \
             COALESCE(SUM(CASE WHEN opened_at IS NOT NULL OR status = 'completed' \
               THEN 1 ELSE 0 END), 0) AS opened, \
             COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS completed, \
             COALESCE(SUM(CASE WHEN status = 'declined' AND opened_at IS NOT NULL \
               THEN 1 ELSE 0 END), 0) AS declined_after_opening \
           FROM base GROUP BY tv \
         ), timed AS ( \
           SELECT tv, CASE WHEN secs > 3600 THEN 3600.0 WHEN secs < 0 THEN 0.0 ELSE secs END AS x \
           FROM base \
           WHERE status = 'completed' AND response_status = 'submitted' \
             AND released_at IS NOT NULL AND secs IS NOT NULL \
         ), ranked AS ( \
           SELECT tv, x, ROW_NUMBER() OVER (PARTITION BY tv ORDER BY x) AS rn, \
             COUNT(*) OVER (PARTITION BY tv) AS n \
           FROM timed \
         ), medians AS ( \
           SELECT tv, AVG(x) AS median, MAX(n) AS n FROM ranked \
           WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY tv \
         ) \
         SELECT t.id AS template_id, t.key AS template_key, t.name, v.version, counts.opened, counts.completed, \
           counts.declined_after_opening, medians.median AS median_seconds, \
           COALESCE(medians.n, 0) AS timed \
         FROM counts \
         JOIN template_versions v ON v.id = counts.tv \
         JOIN templates t ON t.id = v.template_id \
         LEFT JOIN medians ON medians.tv = counts.tv \
         ORDER BY t.name, t.id, v.version"
    )
}

/// Per template version used by the reference checks whose references were invited in
/// `[from, to)`: how many opened, completed and declined after opening, and the median
/// seconds to complete over the completed responses of released cases (a collecting case
/// gives no timing, so that no figure moves when one of its referees answers).
pub async fn per_template(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TemplateFigures>, StoreError> {
    let backend = conn.get_database_backend();
    let sql = per_template_sql(backend);
    Ok(
        TemplateFigures::find_by_statement(statement(backend, sql, from, to))
            .all(conn)
            .await?,
    )
}

/// The funnel of every reference ever invited for `provider_id`'s reference checks (a
/// bounced one counts though its invitation never arrived).
pub async fn funnel_of_provider(
    conn: &impl ConnectionTrait,
    provider_id: Uuid,
) -> Result<FunnelCounts, StoreError> {
    let backend = conn.get_database_backend();
    let param = match backend {
        DbBackend::Postgres => "$1",
        _ => "?1",
    };
    let sql = format!(
        "{columns} \
         FROM vetting_cases c \
         JOIN reference_requests r ON r.case_id = c.id \
         LEFT JOIN responses p ON p.reference_id = r.id \
         WHERE c.provider_id = {param} AND c.kind = 'review' \
           AND (r.invited_at IS NOT NULL OR r.status = 'bounced')",
        columns = funnel_columns(),
    );
    let stmt = Statement::from_sql_and_values(backend, sql, [provider_id.into()]);
    Ok(FunnelCounts::find_by_statement(stmt)
        .one(conn)
        .await?
        .unwrap_or_default())
}

/// Every statement the response insights run, in order, as this backend gets them: for
/// `bench/insights.sh`, which times them bare.
pub fn statements(backend: DbBackend) -> Vec<String> {
    vec![
        funnel_sql(backend),
        hours_to_response_sql(backend),
        hours_to_quorum_sql(backend),
        per_template_sql(backend),
    ]
}
