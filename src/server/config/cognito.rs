//! How the app reaches its user pool: real Cognito from `COGNITO_*`, or the embedded provider.

use secrecy::SecretString;
use url::Url;

use super::{
    ConfigError, LocalIdpSettings, Lookup,
    values::{join_app_url, missing, parse_url},
};
use cognito_local_idp::defaults as local;

pub use axum_cognito::config::CognitoSettings;

pub(super) fn from_lookup(
    get: Lookup<'_>,
    app_url: &Url,
    local_idp: Option<&LocalIdpSettings>,
) -> Result<CognitoSettings, ConfigError> {
    let redirect_uri = match get("COGNITO_REDIRECT_URI") {
        Some(value) => parse_url("COGNITO_REDIRECT_URI", &value)?,
        None => join_app_url(app_url, "auth/callback"),
    };
    let logout_uri = match get("COGNITO_LOGOUT_URI") {
        Some(value) => parse_url("COGNITO_LOGOUT_URI", &value)?,
        None => app_url.clone(),
    };
    let scopes = parse_scopes(get("COGNITO_SCOPES").as_deref().unwrap_or("openid email profile"))?;
    let identity_providers = parse_identity_providers(get("COGNITO_IDENTITY_PROVIDERS").as_deref())?;

    let cognito = match local_idp {
        Some(local_settings) => {
            let base = format!("http://{}", local_settings.addr);
            CognitoSettings {
                region: Some(local::REGION.to_string()),
                user_pool_id: Some(local::USER_POOL_ID.to_string()),
                issuer: format!("{base}/{}", local::USER_POOL_ID),
                accepted_issuers: vec![format!("{base}/{}", local::USER_POOL_ID)],
                domain: parse_url("LOCAL_IDP_ADDR", &base)?,
                client_id: local::CLIENT_ID.to_string(),
                client_secret: Some(SecretString::from(local::CLIENT_SECRET)),
                scopes,
                redirect_uri,
                logout_uri,
                identity_providers,
            }
        }
        None => {
            let region = get("COGNITO_REGION").map(|r| parse_region(&r)).transpose()?;
            let user_pool_id = get("COGNITO_USER_POOL_ID").map(|p| parse_pool_id(&p, region.as_deref())).transpose()?;
            let issuer = match (get("COGNITO_ISSUER"), &region, &user_pool_id) {
                (Some(issuer), _, _) => {
                    parse_url("COGNITO_ISSUER", &issuer)?.as_str().trim_end_matches('/').to_string()
                }
                (None, Some(region), Some(pool)) => {
                    let [issuer, _] = CognitoSettings::issuer_forms(region, pool);
                    issuer
                }
                (None, None, _) => {
                    return Err(missing("COGNITO_REGION", "needed to derive the issuer (or set COGNITO_ISSUER)"));
                }
                (None, _, None) => {
                    return Err(missing("COGNITO_USER_POOL_ID", "needed to derive the issuer (or set COGNITO_ISSUER)"));
                }
            };
            let accepted_issuers = match get("COGNITO_ISSUERS") {
                Some(list) => list
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| {
                        parse_url("COGNITO_ISSUERS", item).map(|url| url.as_str().trim_end_matches('/').to_string())
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                None => {
                    let mut accepted = vec![issuer.clone()];
                    if let (Some(region), Some(pool)) = (&region, &user_pool_id) {
                        for form in CognitoSettings::issuer_forms(region, pool) {
                            if !accepted.contains(&form) {
                                accepted.push(form);
                            }
                        }
                    }
                    accepted
                }
            };
            if accepted_issuers.is_empty() {
                return Err(ConfigError::new("COGNITO_ISSUERS", "lists no issuer"));
            }
            let domain = parse_url(
                "COGNITO_DOMAIN",
                &get("COGNITO_DOMAIN").ok_or_else(|| missing("COGNITO_DOMAIN", "the hosted UI domain"))?,
            )?;
            let client_id =
                get("COGNITO_CLIENT_ID").ok_or_else(|| missing("COGNITO_CLIENT_ID", "the app client id"))?;
            if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ConfigError::new("COGNITO_CLIENT_ID", "must contain only letters and digits"));
            }
            CognitoSettings {
                region,
                user_pool_id,
                issuer,
                accepted_issuers,
                domain,
                client_id,
                client_secret: get("COGNITO_CLIENT_SECRET").map(SecretString::from),
                scopes,
                redirect_uri,
                logout_uri,
                identity_providers,
            }
        }
    };
    Ok(cognito)
}

fn parse_region(value: &str) -> Result<String, ConfigError> {
    let valid = value.split('-').count() >= 3
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(value.to_string())
    } else {
        Err(ConfigError::new("COGNITO_REGION", format!("{value:?} is not an AWS region like us-east-1")))
    }
}

fn parse_pool_id(value: &str, region: Option<&str>) -> Result<String, ConfigError> {
    let problem =
        || ConfigError::new("COGNITO_USER_POOL_ID", format!("{value:?} is not a pool id like us-east-1_AbC123xyz"));
    let (pool_region, suffix) = value.split_once('_').ok_or_else(problem)?;
    if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(problem());
    }
    parse_region(pool_region).map_err(|_| problem())?;
    if let Some(region) = region
        && region != pool_region
    {
        return Err(ConfigError::new(
            "COGNITO_USER_POOL_ID",
            format!("{value:?} belongs to region {pool_region}, but COGNITO_REGION is {region}"),
        ));
    }
    Ok(value.to_string())
}

fn parse_scopes(value: &str) -> Result<Vec<String>, ConfigError> {
    let scopes: Vec<String> = value.split_whitespace().map(str::to_string).collect();
    if !scopes.iter().any(|s| s == "openid") {
        // Cognito issues an ID token only when `openid` is requested, and sign-in needs one.
        return Err(ConfigError::new("COGNITO_SCOPES", format!("{value:?} must include openid")));
    }
    Ok(scopes)
}

fn parse_identity_providers(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    value
        .split(',')
        .map(str::trim)
        .map(|name| {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                Err(ConfigError::new(
                    "COGNITO_IDENTITY_PROVIDERS",
                    format!("{name:?} is not a provider name (comma-separated names like Google)"),
                ))
            } else {
                Ok(name.to_string())
            }
        })
        .collect()
}
