//! Response insights across reference checks (API.md "Response insights and evidence
//! sufficiency").

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Days, NaiveDate, Utc};
use engine::insights::{ResponseInsights, Window};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::error::{ApiError, Problem};
use crate::extract::ValidQuery;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InsightsQuery {
    /// First invitation time counted: a date (`2026-09-01`, from its start, UTC) or an
    /// RFC 3339 time. Default: 90 days before `to`.
    pub from: Option<String>,
    /// Last invitation time counted: a date (up to its end, UTC) or an RFC 3339 time
    /// (excluded). Default: now.
    pub to: Option<String>,
}

/// Which end of the window a date bounds: a plain date covers its whole day.
#[derive(Clone, Copy)]
enum End {
    From,
    To,
}

/// `value` as an instant: an RFC 3339 time as it is, a date at the start of that day
/// (`from`) or of the next (`to`), so that `?from=2026-12-01&to=2026-12-01` is that day.
fn instant(field: &str, value: &str, end: End) -> Result<DateTime<Utc>, ApiError> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::field(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))?;
    let day = match end {
        End::From => Some(date),
        End::To => date.checked_add_days(Days::new(1)),
    };
    day.and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| ApiError::field(field, "is out of range"))
}

impl InsightsQuery {
    /// The window asked for, checked at `now`.
    pub fn window(&self, now: DateTime<Utc>) -> Result<Window, ApiError> {
        let from = self
            .from
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| instant("from", v, End::From))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| instant("to", v, End::To))
            .transpose()?;
        Ok(Window::new(from, to, now)?)
    }
}

/// How referees answer: the funnel (invited, opened, started, completed, with declined,
/// bounced, expired and opted out), the response and break-off rates, median hours to an
/// answer and to quorum, completions after the invitation or each reminder, and per
/// template version. Over the references of reference checks invited in the window.
#[utoipa::path(
    params(InsightsQuery),
    responses(
        (status = 200, body = ResponseInsights),
        (status = 422, body = Problem, description = "a bad `from` or `to`, or `to` not after `from`")
    ),
    security(("bearer" = ["ops", "hr"])),
    tag = "insights"
)]
#[get("/insights/responses")]
pub async fn response_insights(
    state: web::Data<AppState>,
    _: Staff,
    ValidQuery(query): ValidQuery<InsightsQuery>,
) -> Result<HttpResponse, ApiError> {
    let window = query.window(state.engine.now())?;
    Ok(HttpResponse::Ok().json(state.engine.reports().response_insights(window).await?))
}
