//! The docs page: Swagger UI at `/api/docs/`, its assets from the binary (never a CDN),
//! reading the document that `/api/v1/openapi.json` serves.

use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::{Config, SwaggerUi};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("Location", "/api/docs/"))
                .finish()
        }),
    )
    // The page only; the document is a route of the `/api/v1` scope, where the route
    // table it is checked against lives.
    .service(SwaggerUi::new("/api/docs/{_:.*}").config(Config::new(["/api/v1/openapi.json"])));
}
