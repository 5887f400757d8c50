//! File downloads shared by the JSON API and the staff UI.

use actix_web::HttpResponse;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// The report CSV as a download (shared with the staff UI).
pub(crate) async fn csv_download(state: &AppState, id: Uuid) -> Result<HttpResponse, ApiError> {
    let csv = state.engine.reports().case_report_csv(id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"vouch-case-{id}.csv\""),
        ))
        .body(csv))
}
