use std::{collections::HashMap, time::Duration};

use secrecy::ExposeSecret;

use super::*;
use cognito_local_idp::defaults as local;

fn parse(vars: &[(&str, &str)]) -> Result<AppConfig, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    AppConfig::from_lookup(|name| map.get(name).cloned())
}

const REAL_COGNITO: &[(&str, &str)] = &[
    ("COGNITO_REGION", "eu-west-1"),
    ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123xyz"),
    ("COGNITO_DOMAIN", "https://example.auth.eu-west-1.amazoncognito.com"),
    ("COGNITO_CLIENT_ID", "1example23456789"),
];

#[test]
fn defaults_use_the_embedded_provider() {
    let config = parse(&[]).unwrap();
    assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
    assert_eq!(config.app_url.as_str(), "http://localhost:3000/");
    let local = config.local_idp.as_ref().expect("embedded provider on by default");
    assert_eq!(local.addr.to_string(), "127.0.0.1:9229");
    assert_eq!(config.auth.cognito.issuer, format!("http://127.0.0.1:9229/{}", local::USER_POOL_ID));
    assert_eq!(config.auth.cognito.redirect_uri.as_str(), "http://localhost:3000/auth/callback");
    assert_eq!(config.auth.cognito.logout_uri.as_str(), "http://localhost:3000/");
    assert_eq!(config.auth.cognito.scopes, ["openid", "email", "profile"]);
    assert_eq!(config.auth.session.store, SessionStoreSetting::Memory);
    assert_eq!(config.auth.session.idle_timeout, Duration::from_secs(28_800));
    assert_eq!(config.auth.session.max_age, Duration::from_secs(2_592_000));
    assert_eq!(config.auth.admin_group, "admin");
    assert_eq!(config.auth.refresh_skew_secs, 60);
    assert_eq!(config.auth.sign_in_limit.per_minute, 30);
    let trusted: Vec<String> = config.auth.sign_in_limit.trusted_proxies.iter().map(|net| net.to_string()).collect();
    assert_eq!(trusted, ["127.0.0.0/8", "::1/128"]);
    // Under the 30 s a container orchestrator (Kubernetes, ECS) waits after SIGTERM before SIGKILL.
    assert_eq!(config.shutdown_grace, Duration::from_secs(25));
}

#[test]
fn real_cognito_derives_issuer_and_uris() {
    let config = parse(REAL_COGNITO).unwrap();
    assert!(config.local_idp.is_none(), "a client id switches the embedded provider off");
    assert_eq!(config.auth.cognito.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz");
    assert_eq!(
        config.auth.cognito.jwks_uri(),
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json"
    );
    assert_eq!(
        config.auth.cognito.domain_endpoint("oauth2/token"),
        "https://example.auth.eu-west-1.amazoncognito.com/oauth2/token"
    );
    assert!(config.auth.cognito.client_secret.is_none());
    assert_eq!(
        config.auth.cognito.accepted_issuers,
        [
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
            "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
        ],
        "both issuer hosts Cognito emits, and nothing else"
    );
}

#[test]
fn accepted_issuers_can_be_set() {
    let mut vars = REAL_COGNITO.to_vec();
    vars.push(("COGNITO_ISSUERS", "https://issuer.example/pool, https://other.example/pool/"));
    let config = parse(&vars).unwrap();
    assert_eq!(config.auth.cognito.accepted_issuers, ["https://issuer.example/pool", "https://other.example/pool"]);
    vars.pop();
    vars.push(("COGNITO_ISSUERS", "not a url"));
    assert_eq!(parse(&vars).unwrap_err().variable, "COGNITO_ISSUERS");
}

#[test]
fn explicit_values_win() {
    let mut vars = REAL_COGNITO.to_vec();
    vars.extend([
        ("APP_URL", "https://app.example.com"),
        ("COGNITO_ISSUER", "https://issuer.example.com/pool/"),
        ("COGNITO_CLIENT_SECRET", "s3cret"),
        ("COGNITO_SCOPES", "openid email"),
        ("COGNITO_IDENTITY_PROVIDERS", "Google, Okta-Corp"),
        ("SESSION_STORE", "sqlite://data/sessions.db"),
        ("SESSION_IDLE_TIMEOUT_SECS", "60"),
        ("ADMIN_GROUP", "staff"),
    ]);
    let config = parse(&vars).unwrap();
    assert_eq!(config.auth.cognito.issuer, "https://issuer.example.com/pool");
    assert_eq!(config.auth.cognito.redirect_uri.as_str(), "https://app.example.com/auth/callback");
    assert_eq!(config.auth.cognito.client_secret.as_ref().unwrap().expose_secret(), "s3cret");
    assert_eq!(config.auth.cognito.identity_providers, ["Google", "Okta-Corp"]);
    assert_eq!(config.auth.session.store, SessionStoreSetting::Sqlite("data/sessions.db".into()));
    assert_eq!(config.auth.session.idle_timeout, Duration::from_secs(60));
    assert_eq!(config.auth.admin_group, "staff");
    assert!(config.uses_https());
    assert_eq!(config.app_origin(), "https://app.example.com");
}

#[test]
fn operations_settings() {
    let config = parse(&[]).unwrap();
    assert_eq!(config.metrics_addr, None, "no metrics listener unless asked");
    assert_eq!(config.log_format, super::LogFormat::Text);
    let config = parse(&[("METRICS_ADDR", "9100"), ("LOG_FORMAT", "json")]).unwrap();
    assert_eq!(config.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()), "a bare port is loopback only");
    assert_eq!(config.log_format, super::LogFormat::Json);
    let config = parse(&[("METRICS_ADDR", "0.0.0.0:9100")]).unwrap();
    assert_eq!(config.metrics_addr, Some("0.0.0.0:9100".parse().unwrap()));
}

#[test]
fn bad_values_name_their_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("APP_URL", "not-a-url")], "APP_URL"),
        (&[("APP_URL", "ftp://example.com")], "APP_URL"),
        (&[("LEPTOS_SITE_ADDR", "localhost")], "LEPTOS_SITE_ADDR"),
        (&[("LOCAL_IDP", "maybe")], "LOCAL_IDP"),
        (&[("LOCAL_IDP_ADDR", "0.0.0.0:9229")], "LOCAL_IDP_ADDR"),
        (&[("SESSION_STORE", "postgres://x")], "SESSION_STORE"),
        (&[("SESSION_STORE", "redis://cache:port")], "SESSION_STORE"),
        (&[("SESSION_IDLE_TIMEOUT_SECS", "-5")], "SESSION_IDLE_TIMEOUT_SECS"),
        (&[("SESSION_MAX_AGE_SECS", "0")], "SESSION_MAX_AGE_SECS"),
        (&[("COGNITO_SCOPES", "email profile")], "COGNITO_SCOPES"),
        (&[("COGNITO_IDENTITY_PROVIDERS", "Google,,Okta")], "COGNITO_IDENTITY_PROVIDERS"),
        (&[("LOCAL_IDP", "off")], "COGNITO_REGION"),
        (&[("LOG_FORMAT", "xml")], "LOG_FORMAT"),
        (&[("METRICS_ADDR", "everywhere")], "METRICS_ADDR"),
        (&[("TRUSTED_PROXIES", "10.0.0.0/8,not-an-ip")], "TRUSTED_PROXIES"),
        (&[("SIGN_IN_RATE_PER_MINUTE", "0")], "SIGN_IN_RATE_PER_MINUTE"),
        (&[("SHUTDOWN_GRACE_SECS", "soon")], "SHUTDOWN_GRACE_SECS"),
    ];
    for (vars, variable) in cases {
        let error = parse(vars).expect_err(&format!("{vars:?} should fail"));
        assert_eq!(error.variable, *variable, "{vars:?} gave {error}");
    }
}

/// Cognito's pattern for client ids, `[\w+]+` up to 128 characters: an emulator's `test_client`
/// is one, anything else stops start-up naming the variable.
#[test]
fn client_ids_follow_cognitos_pattern() {
    let with_client = |id: &str| {
        let mut vars = REAL_COGNITO.to_vec();
        vars.retain(|(name, _)| *name != "COGNITO_CLIENT_ID");
        vars.push(("COGNITO_CLIENT_ID", id));
        parse(&vars)
    };
    for id in ["1example23456789", "test_client", "a+b"] {
        assert_eq!(with_client(id).expect(id).auth.cognito.client_id, id);
    }
    let too_long = "a".repeat(129);
    for id in ["client-id", "client id", "kliënt", too_long.as_str()] {
        assert_eq!(with_client(id).expect_err(id).variable, "COGNITO_CLIENT_ID", "{id}");
    }
}

#[test]
fn real_cognito_needs_its_variables() {
    for (index, (variable, _)) in REAL_COGNITO.iter().enumerate() {
        if *variable == "COGNITO_CLIENT_ID" {
            continue; // without it the embedded provider takes over
        }
        let mut vars: Vec<_> = REAL_COGNITO.to_vec();
        vars.remove(index);
        let error = parse(&vars).expect_err(variable);
        assert_eq!(error.variable, *variable);
    }
    let mut vars = REAL_COGNITO.to_vec();
    vars.push(("COGNITO_USER_POOL_ID", "us-east-1_Other"));
    vars.remove(1);
    assert_eq!(parse(&vars).unwrap_err().variable, "COGNITO_USER_POOL_ID");
}

#[test]
fn secrets_are_not_printed() {
    let mut vars = REAL_COGNITO.to_vec();
    vars.push(("COGNITO_CLIENT_SECRET", "very-secret-value"));
    let config = parse(&vars).unwrap();
    assert!(!format!("{config:?}").contains("very-secret-value"));
}

#[test]
fn retry_grace_period_is_zero_to_sixty_seconds() {
    let grace = |value: &str| parse(&[("LOCAL_IDP_REFRESH_RETRY_GRACE_SECS", value)]);
    let config = parse(&[]).unwrap();
    assert_eq!(config.local_idp.unwrap().refresh_token_retry_grace, Duration::ZERO);
    assert_eq!(grace("60").unwrap().local_idp.unwrap().refresh_token_retry_grace, Duration::from_secs(60));
    for bad in ["61", "-1", "ten"] {
        assert_eq!(grace(bad).unwrap_err().variable, "LOCAL_IDP_REFRESH_RETRY_GRACE_SECS", "{bad}");
    }
}

/// `.env.example` (copied into the release directory) names only variables the app reads, and
/// every value in it, uncommented, is accepted: in each of its two blocks, the development one
/// and the production one.
#[test]
fn the_example_env_file_names_variables_the_app_reads_with_valid_values() {
    let text = include_str!("../../../.env.example");
    let blocks: Vec<Vec<(String, String)>> = text
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|line| line.strip_prefix("# ")?.split_once('='))
                .filter(|(name, _)| name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect()
        })
        .filter(|block: &Vec<_>| !block.is_empty())
        .collect();
    assert_eq!(blocks.len(), 2, "a development block and a production block");
    // Read by tracing's filter rather than by the configuration.
    let read_elsewhere = ["RUST_LOG"];
    // What a filled-in `.env` holds: the development block with the client's id and secret
    // written in, and for production the production block over it.
    let filled_in = |block: &[(String, String)]| -> Vec<(String, String)> {
        let fill = |(name, value): &(String, String)| {
            // Cognito's client ids and secrets are letters and digits.
            (name.clone(), if value.is_empty() { "example0123456789abcdefghij".to_string() } else { value.clone() })
        };
        block.iter().map(fill).collect()
    };
    let development = filled_in(&blocks[0]);
    let production = [development.clone(), blocks[1].clone()].concat();
    for block in [&development, &production] {
        let asked = std::cell::RefCell::new(std::collections::HashSet::new());
        let values: HashMap<&str, &str> = block.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let parsed = AppConfig::from_lookup(|name| {
            asked.borrow_mut().insert(name.to_string());
            values.get(name).map(|value| value.to_string())
        });
        if let Err(error) = parsed {
            panic!("{error} (block starting with {:?})", block[0].0);
        }
        for (name, _) in block {
            assert!(asked.borrow().contains(name) || read_elsewhere.contains(&name.as_str()), "{name} is not read");
        }
    }
    let production_names: Vec<&str> = blocks[1].iter().map(|(name, _)| name.as_str()).collect();
    for needed in ["APP_URL", "LEPTOS_SITE_ADDR", "SESSION_STORE", "TRUSTED_PROXIES"] {
        assert!(production_names.contains(&needed), "the production block names {needed}");
    }
}

/// The sign-in callback is served at the redirect URI's path: not at one the app serves itself
/// (a clear start-up line, not two handlers for one path).
#[test]
fn the_redirect_uri_takes_no_path_of_the_app() {
    let with_redirect = |uri: &str| {
        let mut vars = REAL_COGNITO.to_vec();
        vars.push(("COGNITO_REDIRECT_URI", uri));
        parse(&vars)
    };
    for fine in [
        "https://app.example.com/auth/callback",
        "https://app.example.com/oauth/return",
        "https://app.example.com/apis",
    ] {
        assert!(with_redirect(fine).is_ok(), "{fine}");
    }
    for taken in [
        "https://app.example.com/",
        "https://app.example.com/dashboard",
        "https://app.example.com/auth/logout",
        "https://app.example.com/api",
        "https://app.example.com/api/v1/me",
        "https://app.example.com/pkg/leptos-cognito.js",
    ] {
        let error = with_redirect(taken).expect_err(taken);
        assert_eq!(error.variable, "COGNITO_REDIRECT_URI", "{taken}");
        assert!(error.to_string().contains("/auth/callback"), "{error}");
    }
}
