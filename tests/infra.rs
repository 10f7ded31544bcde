//! The user pool as code (`infra/cognito-pool.yaml`) and the script that turns its stack into a
//! `.env` (`scripts/pool-env.sh`): the outputs hold every `COGNITO_*` variable the app needs, and
//! the `.env` the script writes from them starts the app against that pool. The AWS CLI is
//! replaced by a stand-in that answers as `describe-stacks` and `describe-user-pool-client` do;
//! `cfn-lint` checks the template itself in the test command.

mod common;

use std::{collections::HashMap, os::unix::fs::PermissionsExt, path::Path, process::Command};

use common::in_package;

use leptos_cognito::server::config::AppConfig;
use secrecy::ExposeSecret;
use yaml_rust2::{Yaml, YamlLoader};

const POOL_ID: &str = "eu-west-1_AbC123xyz";
const APP_CLIENT_ID: &str = "4example56789abcdefghijklm";
const APP_CLIENT_SECRET: &str = "s3cretFromDescribeUserPoolClient";
const MACHINE_CLIENT_ID: &str = "7machine890abcdefghijklmno";

fn template() -> Yaml {
    let text = std::fs::read_to_string(in_package("infra/cognito-pool.yaml")).expect("template readable");
    YamlLoader::load_from_str(&text).expect("template is YAML").remove(0)
}

/// Output keys, in the template's order.
fn output_keys(template: &Yaml) -> Vec<String> {
    template["Outputs"]
        .as_hash()
        .expect("the template has Outputs")
        .keys()
        .map(|key| key.as_str().expect("output keys are strings").to_string())
        .collect()
}

/// What CloudFormation would resolve each output to for a stack in eu-west-1.
fn resolved_value(key: &str) -> &'static str {
    match key {
        "CognitoRegion" => "eu-west-1",
        "CognitoUserPoolId" => POOL_ID,
        "CognitoDomain" => "https://my-app.auth.eu-west-1.amazoncognito.com",
        "CognitoClientId" => APP_CLIENT_ID,
        "CognitoScopes" => "openid email profile",
        "AppUrl" => "https://app.example.com",
        "AdminGroup" => "admin",
        "ApiAllowedClientIds" => MACHINE_CLIENT_ID,
        other => panic!("output {other} is new: give it a resolved value here and check it below"),
    }
}

/// A directory with an `aws` stand-in that prints `outputs` for `describe-stacks` and the app
/// client's secret for `describe-user-pool-client` (only when asked with the right ids).
fn fake_aws(outputs: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let table: String = outputs.iter().map(|(key, value)| format!("{key}\t{value}\n")).collect();
    std::fs::write(dir.path().join("outputs.txt"), table).expect("write outputs");
    let script = format!(
        r#"#!/usr/bin/env bash
set -eu
case "$1 $2" in
  "cloudformation describe-stacks") cat "{dir}/outputs.txt" ;;
  "cognito-idp describe-user-pool-client")
    [[ " $* " == *" --user-pool-id {POOL_ID} "* && " $* " == *" --client-id {APP_CLIENT_ID} "* ]] \
      || {{ echo "An error occurred (ResourceNotFoundException)" >&2; exit 254; }}
    echo "{APP_CLIENT_SECRET}" ;;
  *) echo "unexpected: aws $*" >&2; exit 252 ;;
esac
"#,
        dir = dir.path().display()
    );
    let aws = dir.path().join("aws");
    std::fs::write(&aws, script).expect("write aws");
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).expect("chmod aws");
    dir
}

fn run_pool_env(fake: &Path, stack: &str) -> std::process::Output {
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap_or_default());
    Command::new(in_package("scripts/pool-env.sh")).arg(stack).env("PATH", path).output().expect("pool-env.sh runs")
}

fn parse_dotenv(text: &str) -> HashMap<String, String> {
    dotenvy::from_read_iter(text.as_bytes()).map(|item| item.expect("a valid .env line")).collect()
}

#[test]
fn every_cognito_variable_the_app_needs_is_an_output() {
    let keys = output_keys(&template());
    let names: Vec<String> = keys.iter().map(|key| upper_snake(key)).collect();
    // Without a default in the app: the pool, its domain and the client. The secret is read by
    // the script (never an output), the scopes are an output so the .env says what was allowed.
    for needed in ["COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_DOMAIN", "COGNITO_CLIENT_ID", "COGNITO_SCOPES"] {
        assert!(names.iter().any(|name| name == needed), "{needed} is not an output: {names:?}");
    }
    assert!(
        !names.iter().any(|name| name.contains("SECRET")),
        "a client secret must not be a stack output (describe-stacks shows outputs to anyone allowed to list stacks)"
    );
}

#[test]
fn the_env_written_from_the_stack_starts_the_app_against_the_pool() {
    let outputs: Vec<(String, String)> =
        output_keys(&template()).into_iter().map(|key| (key.clone(), resolved_value(&key).to_string())).collect();
    let fake = fake_aws(&outputs);

    let output = run_pool_env(fake.path(), "my-pool");
    assert!(output.status.success(), "pool-env.sh failed: {}", String::from_utf8_lossy(&output.stderr));
    let vars = parse_dotenv(&String::from_utf8(output.stdout).expect("UTF-8 .env"));

    let config = AppConfig::from_lookup(|name| vars.get(name).cloned()).expect("the app accepts the .env");
    assert!(config.local_idp.is_none(), "a client id from the stack switches the embedded provider off");
    assert_eq!(config.auth.cognito.client_id, APP_CLIENT_ID);
    assert_eq!(
        config.auth.cognito.client_secret.as_ref().map(|s| s.expose_secret().to_string()).as_deref(),
        Some(APP_CLIENT_SECRET)
    );
    assert_eq!(config.auth.cognito.issuer, format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"));
    assert_eq!(
        config.auth.cognito.domain.as_str().trim_end_matches('/'),
        "https://my-app.auth.eu-west-1.amazoncognito.com"
    );
    assert_eq!(config.auth.cognito.scopes, ["openid", "email", "profile"]);
    assert_eq!(config.app_url.as_str(), "https://app.example.com/");
    assert_eq!(config.auth.admin_group, "admin");
    assert!(
        config.auth.api_allowed_clients.iter().any(|id| id == MACHINE_CLIENT_ID),
        "{:?}",
        config.auth.api_allowed_clients
    );
}

#[test]
fn the_registered_urls_are_the_ones_the_app_sends() {
    let template = template();
    let client = &template["Resources"]["AppClient"]["Properties"];
    let app_url = "https://app.example.com";
    let registered = |list: &str| -> Vec<String> {
        client[list]
            .as_vec()
            .unwrap_or_else(|| panic!("AppClient has {list}"))
            .iter()
            .map(|url| url.as_str().expect("a !Sub string").replace("${AppUrl}", app_url))
            .collect()
    };
    let config = AppConfig::from_lookup(|name| match name {
        "APP_URL" => Some(app_url.to_string()),
        "COGNITO_REGION" => Some("eu-west-1".into()),
        "COGNITO_USER_POOL_ID" => Some(POOL_ID.into()),
        "COGNITO_DOMAIN" => Some("https://my-app.auth.eu-west-1.amazoncognito.com".into()),
        "COGNITO_CLIENT_ID" => Some(APP_CLIENT_ID.into()),
        _ => None,
    })
    .expect("config");
    assert_eq!(registered("CallbackURLs"), [config.auth.cognito.redirect_uri.to_string()]);
    assert_eq!(registered("LogoutURLs"), [config.auth.cognito.logout_uri.to_string()]);
    let scopes: Vec<&str> =
        client["AllowedOAuthScopes"].as_vec().expect("scopes").iter().filter_map(Yaml::as_str).collect();
    assert_eq!(scopes, config.auth.cognito.scopes, "the client allows exactly the scopes the app asks for");
    assert_eq!(client["EnableTokenRevocation"].as_bool(), Some(true), "sign-out revokes the refresh token");
}

#[test]
fn a_stack_without_the_pool_outputs_is_refused_with_a_clear_line() {
    let fake = fake_aws(&[("CognitoRegion".into(), "eu-west-1".into())]);
    let output = run_pool_env(fake.path(), "some-other-stack");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("COGNITO_USER_POOL_ID") && stderr.contains("some-other-stack"), "{stderr}");
    assert!(output.stdout.is_empty(), "no half-written .env");

    let usage = run_pool_env(fake.path(), "--help");
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage"));
}

/// `CognitoUserPoolId` -> `COGNITO_USER_POOL_ID`, the rule `scripts/pool-env.sh` applies.
/// The pool README.md's "Deploy the pool" describes, as the template's defaults make it: a
/// 12-character password policy, no self sign-up, deletion protection, token revocation on,
/// and no `USER_PASSWORD_AUTH` on the app client unless asked for.
#[test]
fn the_pool_is_made_as_the_readme_says() {
    let template = template();
    let parameters = &template["Parameters"];
    let pool = &template["Resources"]["UserPool"]["Properties"];
    assert_eq!(pool["Policies"]["PasswordPolicy"]["MinimumLength"].as_i64(), Some(12));
    assert_eq!(pool["DeletionProtection"].as_str(), Some("ACTIVE"));
    assert_eq!(pool["UsernameAttributes"][0].as_str(), Some("email"));
    assert_eq!(parameters["SelfSignUp"]["Default"].as_str(), Some("false"));
    assert_eq!(parameters["AllowUserPasswordAuth"]["Default"].as_str(), Some("false"));
    assert_eq!(parameters["RefreshTokenRetryGracePeriodSeconds"]["Default"].as_i64(), Some(0));
    let conditions = &template["Conditions"];
    // The conditions compare the parameters with "true": the defaults above turn both off.
    for (condition, parameter) in
        [("SelfSignUpEnabled", "SelfSignUp"), ("UserPasswordAuthAllowed", "AllowUserPasswordAuth")]
    {
        let text = format!("{:?}", conditions[condition]);
        assert!(text.contains(parameter) && text.contains("\"true\""), "{condition}: {text}");
    }
    let client = &template["Resources"]["AppClient"]["Properties"];
    assert_eq!(client["EnableTokenRevocation"].as_bool(), Some(true));
    assert_eq!(client["AllowedOAuthFlows"][0].as_str(), Some("code"));
    let scopes: Vec<_> = client["AllowedOAuthScopes"].as_vec().unwrap().iter().filter_map(Yaml::as_str).collect();
    assert_eq!(scopes, ["openid", "email", "profile"]);

    // The admin group the app's ADMIN_GROUP names, and the machine route's scope on a client
    // of its own (Cognito refuses client_credentials beside the code grant).
    let resources = &template["Resources"];
    assert_eq!(resources["AdminGroup"]["Properties"]["GroupName"].as_str(), Some("admin"));
    let api = &resources["ApiResourceServer"]["Properties"];
    assert_eq!(api["Identifier"].as_str(), Some("api"));
    assert_eq!(api["Scopes"][0]["ScopeName"].as_str(), Some("read"));
    let machine = &resources["MachineClient"]["Properties"];
    assert_eq!(machine["AllowedOAuthFlows"].as_vec().map(Vec::len), Some(1));
    assert_eq!(machine["AllowedOAuthFlows"][0].as_str(), Some("client_credentials"));
    assert_eq!(machine["AllowedOAuthScopes"][0].as_str(), Some("api/read"));
    assert_eq!(machine["GenerateSecret"].as_bool(), Some(true));
    assert_eq!(parameters["RefreshTokenRotation"]["Default"].as_str(), Some("DISABLED"));
    // Managed login, not the classic hosted UI, which ignores `prompt` and `lang`.
    assert_eq!(resources["Domain"]["Properties"]["ManagedLoginVersion"].as_i64(), Some(2));
}

/// The resources follow the parameters, not only their defaults: with the defaults no self
/// sign-up, no `USER_PASSWORD_AUTH` and no rotation; asked for, each turns on. (The YAML reader
/// drops CloudFormation's tags, so `!If [c, a, b]` reads as the list `[c, a, b]` and `!Ref p` as
/// `p`; `resolve_if` evaluates the template's conditions, each an `!Equals [!Ref p, value]`.)
#[test]
fn the_resources_follow_the_parameters() {
    let template = template();
    let defaults: HashMap<String, String> = template["Parameters"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(name, parameter)| {
            let default = match &parameter["Default"] {
                Yaml::String(text) => text.clone(),
                Yaml::Integer(number) => number.to_string(),
                Yaml::Boolean(flag) => flag.to_string(),
                _ => String::new(),
            };
            (name.as_str().unwrap().to_string(), default)
        })
        .collect();
    let resolve_if = |node: &Yaml, parameters: &HashMap<String, String>| -> Yaml {
        let [condition, then, otherwise] = node.as_vec().expect("an !If").as_slice() else { panic!("!If [c, a, b]") };
        let equals = &template["Conditions"][condition.as_str().unwrap()];
        let holds = parameters[equals[0].as_str().unwrap()] == equals[1].as_str().unwrap();
        if holds { then.clone() } else { otherwise.clone() }
    };
    let resources = &template["Resources"];
    let pool = &resources["UserPool"]["Properties"];
    let client = &resources["AppClient"]["Properties"];
    let flows = |parameters: &HashMap<String, String>| -> Vec<String> {
        let flows = resolve_if(&client["ExplicitAuthFlows"], parameters);
        flows.as_vec().unwrap().iter().map(|flow| flow.as_str().unwrap().to_string()).collect()
    };

    let admin_only = resolve_if(&pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"], &defaults);
    assert_eq!(admin_only.as_bool(), Some(true), "no self sign-up by default");
    assert!(!flows(&defaults).contains(&"ALLOW_USER_PASSWORD_AUTH".to_string()), "{:?}", flows(&defaults));
    assert!(flows(&defaults).contains(&"ALLOW_REFRESH_TOKEN_AUTH".to_string()), "refresh works");
    let rotation = &client["RefreshTokenRotation"];
    assert_eq!(defaults[rotation["Feature"].as_str().unwrap()], "DISABLED");
    assert_eq!(defaults[rotation["RetryGracePeriodSeconds"].as_str().unwrap()], "0");

    let mut asked = defaults.clone();
    asked.insert("SelfSignUp".into(), "true".into());
    asked.insert("AllowUserPasswordAuth".into(), "true".into());
    let admin_only = resolve_if(&pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"], &asked);
    assert_eq!(admin_only.as_bool(), Some(false), "self sign-up when asked for");
    assert!(flows(&asked).contains(&"ALLOW_USER_PASSWORD_AUTH".to_string()), "{:?}", flows(&asked));
}

fn upper_snake(key: &str) -> String {
    let mut name = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            name.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        name.push(c.to_ascii_uppercase());
    }
    name
}
