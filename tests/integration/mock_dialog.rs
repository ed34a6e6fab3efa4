//! The auth dialog, completed by a plain HTTP client following the documented forms.

use crate::mock_support::*;

#[tokio::test]
async fn bank_selection_consent_login_redirects_with_code_state_and_scope() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    // uk-ob-all offers several banks, so the first page is bank selection.
    let first = get_page(
        &http,
        &auth_link(
            base,
            "info accounts",
            &[("providers", "uk-ob-all uk-cs-mock")],
        ),
        None,
    )
    .await;
    assert_eq!(first.status, 200);
    assert!(first.html.contains(r#"<body data-step="provider">"#));
    assert!(first.html.contains(r#"value="mock""#));
    assert!(first.html.contains(r#"value="ob-monzo""#));
    let dialog = first.header("x-obflow-dialog").unwrap().to_owned();
    let action = form_action(&first.html, "provider").unwrap();
    assert_eq!(action, format!("/dialog/{dialog}/provider"));
    assert_eq!(first.header("x-obflow-next"), Some(action.as_str()));
    assert!(
        first
            .html
            .contains(&format!(r#"name="dialog_id" value="{dialog}""#))
    );

    let consent = post_form(
        &http,
        &format!("{base}{action}"),
        &[("dialog_id", &dialog), ("provider_id", "mock")],
    )
    .await;
    assert_eq!(consent.status, 200);
    assert!(consent.html.contains(r#"<body data-step="consent">"#));
    assert!(consent.html.contains(r#"<li data-scope="info">"#));
    assert!(consent.html.contains(r#"<li data-scope="accounts">"#));
    assert!(!consent.html.contains(r#"data-scope="balance""#));
    assert!(consent.html.contains("Mock Bank"));
    assert_eq!(
        consent.header("x-obflow-next"),
        Some(format!("/dialog/{dialog}/consent").as_str())
    );

    let done = finish_dialog(&http, base, consent, "john", "doe").await;
    let params = redirect_params(&done);
    let location = done.header("location").unwrap();
    assert!(
        location.starts_with("http://localhost:3000/callback?"),
        "{location}"
    );
    assert!(param(&params, "code").unwrap().starts_with("code-"));
    assert_eq!(param(&params, "state"), Some("st-123"));
    assert_eq!(param(&params, "scope"), Some("info accounts"));
}

#[tokio::test]
async fn one_provider_or_provider_id_skips_bank_selection() {
    let mock = start().await;
    let http = client();
    let single = get_page(&http, &auth_link(mock.base_url(), "info", &[]), None).await;
    assert!(single.html.contains(r#"<form id="consent""#));
    let chosen = get_page(
        &http,
        &auth_link(
            mock.base_url(),
            "info",
            &[("providers", "uk-ob-all"), ("provider_id", "ob-monzo")],
        ),
        None,
    )
    .await;
    assert!(chosen.html.contains(r#"<form id="consent""#));
    assert!(chosen.html.contains("Monzo"));
    // provider_id not covered by providers: an error page.
    let bad = get_page(
        &http,
        &auth_link(mock.base_url(), "info", &[("provider_id", "ob-monzo")]),
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains(r#"<body data-step="error">"#));
}

#[tokio::test]
async fn decline_redirects_with_access_denied_and_state() {
    let mock = start().await;
    let http = client();
    let first = get_page(&http, &auth_link(mock.base_url(), "info", &[]), None).await;
    let action = form_action(&first.html, "consent").unwrap();
    let done = post_form(
        &http,
        &format!("{}{action}", mock.base_url()),
        &[("decision", "decline")],
    )
    .await;
    let params = redirect_params(&done);
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("st-123"));
    assert_eq!(param(&params, "code"), None);
}

#[tokio::test]
async fn wrong_password_shows_the_login_page_again_then_succeeds() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    let first = get_page(&http, &auth_link(base, "info", &[]), None).await;
    let wrong = finish_dialog(&http, base, first, "john", "nope").await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.html.contains(r#"<body data-step="login">"#));
    assert!(wrong.html.contains(r#"id="dialog-error""#));
    assert_eq!(wrong.header("x-obflow-error"), Some("invalid_credentials"));
    let action = form_action(&wrong.html, "login").unwrap();
    let done = post_form(
        &http,
        &format!("{base}{action}"),
        &[("username", "john"), ("password", "doe")],
    )
    .await;
    assert!(param(&redirect_params(&done), "code").is_some());
}

#[tokio::test]
async fn numbered_and_error_users_can_log_in() {
    let mock = start().await;
    for (user, pass) in [("john42", "doe42"), ("error.internal_error", "error")] {
        let code = code_for(&mock, "info", user, pass, &[], None).await;
        assert!(code.starts_with("code-"));
    }
}

#[tokio::test]
async fn form_post_returns_an_auto_submitting_form() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    let first = get_page(
        &http,
        &auth_link(base, "info", &[("response_mode", "form_post")]),
        None,
    )
    .await;
    let done = finish_dialog(&http, base, first, "john", "doe").await;
    assert_eq!(done.status, 200);
    assert!(done.header("location").is_none());
    assert!(done.html.contains(
        r#"<form id="form_post" method="post" action="http://localhost:3000/callback">"#
    ));
    assert!(done.html.contains(r#"name="code" value="code-"#));
    assert!(done.html.contains(r#"name="state" value="st-123""#));
    assert!(done.html.contains(r#"<button type="submit""#));
    assert!(done.html.contains(".submit()"));
}

#[tokio::test]
async fn bad_auth_links_get_an_error_page_never_a_redirect() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("client_id", "nobody")], "unauthorized_client"),
        (
            &[("redirect_uri", "https://evil.example/cb")],
            "unauthorized_client",
        ),
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("scope", "info bogus")], "invalid_scope"),
        (
            &[
                ("code_challenge", "abc"),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
    ];
    for (extra, error) in cases {
        let page = get_page(&http, &auth_link(base, "info", extra), None).await;
        assert_eq!(page.status, 400, "{extra:?}");
        assert!(page.header("location").is_none(), "{extra:?}");
        assert_eq!(page.header("x-obflow-error"), Some(error), "{extra:?}");
        assert!(
            page.html
                .contains(&format!(r#"<code id="error">{error}</code>"#))
        );
    }
}

#[tokio::test]
async fn replayed_or_unknown_dialog_steps_are_refused_with_a_page() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    let first = get_page(&http, &auth_link(base, "info", &[]), None).await;
    let consent = form_action(&first.html, "consent").unwrap();
    post_form(
        &http,
        &format!("{base}{consent}"),
        &[("decision", "accept")],
    )
    .await;
    // Posting consent again: 409 and the page of the real current step (login).
    let again = post_form(
        &http,
        &format!("{base}{consent}"),
        &[("decision", "accept")],
    )
    .await;
    assert_eq!(again.status, 409);
    assert!(again.html.contains(r#"<form id="login""#));
    // An unknown dialog: 404 page.
    let unknown = post_form(
        &http,
        &format!("{base}/dialog/dlg-nope/login"),
        &[("username", "john"), ("password", "doe")],
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("x-obflow-error"), Some("invalid_dialog"));
    // GET /dialog/{id} shows the current page.
    let dialog = first.header("x-obflow-dialog").unwrap();
    let shown = get_page(&http, &format!("{base}/dialog/{dialog}"), None).await;
    assert!(shown.html.contains(r#"<form id="login""#));
}

#[tokio::test]
async fn markup_in_parameters_is_escaped() {
    let mock = start().await;
    let http = client();
    let page = get_page(
        &http,
        &auth_link(
            mock.base_url(),
            "info",
            &[("client_id", "<script>x</script>")],
        ),
        None,
    )
    .await;
    assert!(!page.html.contains("<script>x"));
    assert!(page.html.contains("&lt;script&gt;"));
}

/// The script-built dialog (`dialog: js`): the page holds no form, and the routes the
/// script calls with `Accept: application/json` answer each step, the redirect and the
/// `form_post` fields as JSON; without that header they answer as in the form flow.
#[tokio::test]
async fn the_script_dialog_moves_through_json_answers() {
    let mock = obflow::mock::start(obflow::mock::MockOptions {
        fixtures: obflow::mock::Fixtures::default().with_dialog(obflow::mock::DialogStyle::Js),
        ..obflow::mock::MockOptions::loopback()
    })
    .await
    .expect("mock starts");
    let http = client();
    let base = mock.base_url();
    let link = auth_link(
        base,
        "info accounts",
        &[
            ("providers", "uk-ob-all uk-cs-mock"),
            ("response_mode", "form_post"),
        ],
    );
    let page = get_page(&http, &link, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains(r#"data-step="loading""#),
        "{}",
        page.html
    );
    assert!(page.html.contains("<script>") && !page.html.contains("<form"));
    let dialog = page.header("x-obflow-dialog").unwrap().to_owned();
    assert_eq!(
        page.header("x-obflow-next"),
        Some(format!("/dialog/{dialog}/provider").as_str())
    );

    let json = |url: String, form: Option<Vec<(&'static str, String)>>| {
        let http = http.clone();
        async move {
            let request = match form {
                Some(form) => http.post(url).form(&form),
                None => http.get(url),
            };
            let response = request
                .header("accept", "application/json")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, view) = json(format!("{base}/dialog/{dialog}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(view["step"], "provider");
    assert_eq!(view["action"], format!("/dialog/{dialog}/provider"));
    assert!(
        view["providers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "mock")
    );

    let (status, view) = json(format!("{base}/dialog/{dialog}/provider"), Some(vec![])).await;
    assert_eq!((status, view["step"].as_str()), (400, Some("provider")));
    assert_eq!(view["message"], "Choose one of the banks listed.");
    let chosen = vec![("provider_id", "mock".to_owned())];
    let (_, view) = json(format!("{base}/dialog/{dialog}/provider"), Some(chosen)).await;
    assert_eq!(
        (view["step"].as_str(), view["bank"].as_str()),
        (Some("consent"), Some("Mock Bank"))
    );
    assert_eq!(view["scopes"][0]["scope"], "info");
    let accept = vec![("decision", "accept".to_owned())];
    let (_, view) = json(format!("{base}/dialog/{dialog}/consent"), Some(accept)).await;
    assert_eq!(view["step"], "login");
    let login = vec![
        ("username", "john".to_owned()),
        ("password", "doe".to_owned()),
    ];
    let (status, done) = json(format!("{base}/dialog/{dialog}/login"), Some(login)).await;
    assert_eq!(status, 200);
    assert_eq!(done["form_post"]["action"], REDIRECT);
    let fields = done["form_post"]["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f[0] == "code" && f[1].as_str().unwrap().starts_with("code-"))
    );

    // A redirect (no form_post) comes back as where to go.
    let link = auth_link(base, "info", &[]);
    let page = get_page(&http, &link, None).await;
    let dialog = page.header("x-obflow-dialog").unwrap().to_owned();
    let decline = vec![("decision", "decline".to_owned())];
    let (_, done) = json(format!("{base}/dialog/{dialog}/consent"), Some(decline)).await;
    let to = done["redirect"].as_str().unwrap();
    assert!(
        to.starts_with(REDIRECT) && to.contains("error=access_denied"),
        "{to}"
    );
}
