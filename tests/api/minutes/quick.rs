//! The shipped "Quick partner check": listed with its key, chosen per case by key (or by
//! id), worded in every shipped language, and offered on the UI's case form with its time.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use super::{DIMENSIONS, quick_case};
use crate::helpers::field_error;
use crate::on_both_databases;

on_both_databases!(
    the_templates_list_names_the_standard_and_the_quick_template_by_key,
    a_case_takes_a_shipped_template_by_key_and_refuses_an_unknown_key_naming_it,
    the_quick_form_is_worded_in_each_of_the_five_shipped_languages,
    the_case_form_in_the_ui_offers_the_quick_template_with_its_estimated_time,
    an_installation_from_before_template_keys_gets_them_and_the_quick_template_at_start,
);

async fn templates(app: &TestApp) -> Vec<Value> {
    let admin = app.token_for(Role::Admin).await;
    let list: Value = app
        .get("/api/v1/templates", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().clone()
}

async fn the_templates_list_names_the_standard_and_the_quick_template_by_key(app: TestApp) {
    let list = templates(&app).await;
    let keys: Vec<&Value> = list.iter().map(|t| &t["key"]).collect();
    assert_eq!(
        keys,
        [&json!("standard"), &json!("quick"), &json!("provider_side")]
    );
    let quick = &list[1];
    assert_eq!(quick["name"], "Quick partner check");
    let version = &quick["versions"][0];
    let questions = version["questions"].as_array().unwrap();
    assert_eq!(questions.len(), DIMENSIONS.len() + 2);
    for (q, d) in questions.iter().zip(DIMENSIONS) {
        assert_eq!(q["kind"], "percentile");
        assert_eq!(q["dimension"], d);
        assert_eq!(q["key"], format!("{d}_percentile"));
    }
    assert_eq!(questions[8]["key"], "rehire");
    assert_eq!(questions[8]["kind"], "yes_no");
    assert_eq!(
        questions[9]["prompt"],
        "What should we know to work well with them?"
    );
    assert_eq!(questions[9]["required"], false);
    // Eight percentile questions (96 s), one yes/no (8 s), one text (45 s) and the intro.
    let seconds = version["estimated_seconds"].as_u64().unwrap();
    assert!((150..=180).contains(&seconds), "{seconds}");
    assert!(
        list[0]["versions"][0]["estimated_seconds"]
            .as_u64()
            .unwrap()
            > seconds
    );
}

async fn a_case_takes_a_shipped_template_by_key_and_refuses_an_unknown_key_naming_it(app: TestApp) {
    let list = templates(&app).await;
    let ops = app.token_for(Role::Ops).await;
    let provider = app.create_provider(&ops).await;
    let create = |body: Value| app.post("/api/v1/cases", &ops).json(&body).send();
    for (key, template) in [("quick", &list[1]), ("standard", &list[0])] {
        let res = create(json!({"provider_id": provider["id"], "template_key": key}))
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{key}");
        let case: Value = res.json().await.unwrap();
        assert_eq!(case["template_id"], template["id"], "{key}");
        assert_eq!(case["template_version"], 1);
    }
    let res = create(json!({"provider_id": provider["id"], "template_key": "express"}))
        .await
        .unwrap();
    let body = field_error(res, "template_key").await;
    assert!(body.to_string().contains("standard, quick"), "{body}");
    let res = create(json!({
        "provider_id": provider["id"], "template_key": "quick", "template_id": list[0]["id"]
    }))
    .await
    .unwrap();
    field_error(res, "template_key").await;
    // By id, as before.
    let res = create(json!({"provider_id": provider["id"], "template_id": list[1]["id"]}))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

async fn the_quick_form_is_worded_in_each_of_the_five_shipped_languages(app: TestApp) {
    let c = quick_case(&app, 1).await;
    let link = &c.links[0];
    for (lang, dir, prompt, band, open) in [
        (
            "en",
            "ltr",
            "How do they compare on the quality of their technical work?",
            "Top quarter",
            "What should we know to work well with them?",
        ),
        (
            "de",
            "ltr",
            "Wie schneidet der Anbieter bei der Qualität seiner fachlichen Arbeit ab?",
            "Oberes Viertel",
            "Was sollten wir wissen, um gut mit dem Anbieter zusammenzuarbeiten?",
        ),
        (
            "fr",
            "ltr",
            "Comment ce prestataire se situe-t-il pour la qualité de son travail technique",
            "Quart supérieur",
            "Que devrions-nous savoir pour bien travailler avec ce prestataire",
        ),
        (
            "es",
            "ltr",
            "¿Cómo se compara este proveedor en la calidad de su trabajo técnico?",
            "Cuarto superior",
            "¿Qué deberíamos saber para trabajar bien con este proveedor?",
        ),
        (
            "ar",
            "rtl",
            "كيف يُقارَن مقدّم الخدمة هذا من حيث جودة عمله التقني؟",
            "الربع الأعلى",
            "ما الذي ينبغي أن نعرفه لنعمل مع مقدّم الخدمة هذا بشكل جيد؟",
        ),
    ] {
        let res = app.fetch(&format!("/r/{link}?lang={lang}")).await;
        assert_eq!(res.status(), 200, "{lang}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\"")),
            "{lang}"
        );
        for text in [prompt, band, open] {
            assert!(html.contains(text), "{lang}: {text}");
        }
        // The JSON form speaks the same language.
        let form: Value = app
            .fetch(&format!("/api/v1/public/forms/{link}?lang={lang}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(form["locale"], lang);
        let json_prompt = form["questions"][7]["prompt"].as_str().unwrap();
        assert!(json_prompt.starts_with(prompt), "{lang}: {json_prompt}");
    }
}

async fn the_case_form_in_the_ui_offers_the_quick_template_with_its_estimated_time(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    app.create_provider(&ops).await;
    let ui = app.ui_as(Role::Ops).await;
    let (status, html) = ui.page("/ui/cases/new").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Quick partner check — about 3 minutes, 10 questions"),
        "{html}"
    );
    assert!(html.contains("Standard fractional-provider reference check — about "));
}

/// An installation seeded before templates had keys has one unkeyed template (the
/// standard one) and no quick template (nor provider-side questions); the next start
/// names the first and adds the others, once.
async fn an_installation_from_before_template_keys_gets_them_and_the_quick_template_at_start(
    app: TestApp,
) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use store::entity::template;
    let db = app.engine.db();
    let before = templates(&app).await;
    let quick_id: uuid::Uuid = before[1]["id"].as_str().unwrap().parse().unwrap();
    store::entity::template_version::Entity::delete_many()
        .filter(store::entity::template_version::Column::TemplateId.eq(quick_id))
        .exec(db)
        .await
        .unwrap();
    // Nor had it the provider side of pulses (issue 32).
    let provider_side_id: uuid::Uuid = before[2]["id"].as_str().unwrap().parse().unwrap();
    store::entity::template_version::Entity::delete_many()
        .filter(store::entity::template_version::Column::TemplateId.eq(provider_side_id))
        .exec(db)
        .await
        .unwrap();
    template::Entity::delete_many()
        .filter(template::Column::Key.is_in(["quick", "provider_side"]))
        .exec(db)
        .await
        .unwrap();
    template::Entity::update_many()
        .col_expr(template::Column::Key, Expr::value(Option::<String>::None))
        .exec(db)
        .await
        .unwrap();
    app.engine.seed_defaults().await.unwrap();
    app.engine.seed_defaults().await.unwrap();
    let after = templates(&app).await;
    assert_eq!(after.len(), 3);
    assert_eq!(
        after[0]["id"], before[0]["id"],
        "the standard template is kept"
    );
    assert_eq!(after[0]["key"], "standard");
    assert_eq!(after[1]["key"], "quick");
    assert_eq!(after[1]["name"], "Quick partner check");
    assert_eq!(after[2]["key"], "provider_side");
}
