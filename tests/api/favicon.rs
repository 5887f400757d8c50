//! The site icon: served from the binary, and linked from every kind of page.

use engine::domain::Role;
use testkit::{Backend, TestApp};

use crate::fixtures::launched_case;

const ICON_LINK: &str = r#"<link rel="icon" href="/favicon.ico""#;

#[tokio::test]
async fn the_favicon_is_a_cached_icon() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.fetch("/favicon.ico").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/x-icon");
    let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.contains("max-age="), "{cache}");
    let icon = res.bytes().await.unwrap();
    // An ICO directory (reserved 0, type 1) holding the 16×16 and 32×32 images.
    assert_eq!(&icon[..4], &[0, 0, 1, 0]);
    assert_eq!(u16::from_le_bytes([icon[4], icon[5]]), 2);
    let sizes: Vec<u8> = (0..2).map(|i| icon[6 + 16 * i]).collect();
    assert_eq!(sizes, [16, 32]);
}

#[tokio::test]
async fn every_kind_of_page_links_the_favicon() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let case = launched_case(&app, 1).await;
    let token = case.links(&app).remove(0);
    let staff = app.ui_as(Role::Admin).await;

    let mut pages = vec![
        ("referee form", app.fetch(&format!("/r/{token}")).await),
        ("unknown link page", app.fetch("/r/no-such-token").await),
        ("sign-in page", app.fetch("/ui/login").await),
    ];
    pages.push(("staff page", staff.get("/ui/cases").await));
    pages.push(("staff error page", staff.get("/ui/no-such-page").await));
    for (what, res) in pages {
        let status = res.status();
        let html = res.text().await.unwrap();
        assert!(
            html.contains(ICON_LINK),
            "{what} ({status}) has no icon link"
        );
    }
}
