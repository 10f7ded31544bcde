//! Query strings and form bodies, parsed by hand so no malformed input reaches axum's plain-text
//! rejections: every endpoint answers in its own (Cognito) error dialect instead.

use axum::{
    body::Bytes,
    extract::rejection::BytesRejection,
    http::{HeaderMap, header},
};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// No request of Cognito's endpoints has more than a couple of dozen parameters; past this the
/// request is refused before any more work is spent on it.
const MAX_PARAMS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsProblem {
    /// RFC 6749 §3.1: request parameters must not repeat.
    Repeated,
    /// Not `application/x-www-form-urlencoded`.
    NotAForm,
    /// The body could not be read: over the size limit, or not sent in time.
    Unreadable,
    /// More than [`MAX_PARAMS`] parameters.
    TooMany,
}

impl ParamsProblem {
    /// The explanation a page shows.
    pub fn describe(self) -> &'static str {
        match self {
            ParamsProblem::Repeated => "A parameter was sent more than once.",
            ParamsProblem::NotAForm => "The request is not a form.",
            ParamsProblem::Unreadable => "The request body could not be read (too large, or not sent in time).",
            ParamsProblem::TooMany => "The request has too many parameters.",
        }
    }
}

impl Params {
    /// Linear in the input: a set of the names seen finds repeats, and the count is bounded.
    pub fn parse(input: &[u8]) -> Result<Self, ParamsProblem> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (name, value) in url::form_urlencoded::parse(input) {
            if pairs.len() == MAX_PARAMS {
                return Err(ParamsProblem::TooMany);
            }
            if !seen.insert(name.clone()) {
                return Err(ParamsProblem::Repeated);
            }
            pairs.push((name.into_owned(), value.into_owned()));
        }
        Ok(Self { pairs })
    }

    pub fn from_query(query: Option<&str>) -> Result<Self, ParamsProblem> {
        Self::parse(query.unwrap_or_default().as_bytes())
    }

    /// A form body (RFC 6749 §4.1.3 and friends require this content type).
    pub fn from_form(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Self, ParamsProblem> {
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ParamsProblem::NotAForm);
        }
        let body = body.map_err(|_| ParamsProblem::Unreadable)?;
        Self::parse(&body)
    }

    /// A parameter's value; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    pub fn without(&self, names: &[&str]) -> Self {
        Self { pairs: self.pairs.iter().filter(|(n, _)| !names.contains(&n.as_str())).cloned().collect() }
    }

    /// Re-encoded, so what goes into a Location header or an HTML attribute is always well-formed.
    pub fn to_query(&self) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.pairs {
            serializer.append_pair(name, value);
        }
        serializer.finish()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn parses_and_reencodes() {
        let params = Params::from_query(Some("a=1&b=x%20y&c=")).expect("valid");
        assert_eq!(params.get("b"), Some("x y"));
        assert_eq!(params.get("c"), None);
        assert_eq!(params.without(&["a"]).to_query(), "b=x+y&c=");
        let odd = Params::from_query(Some("q=%22%3C")).expect("valid");
        assert_eq!(odd.to_query(), "q=%22%3C");
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(Params::from_query(Some("a=1&a=2")), Err(ParamsProblem::Repeated));
    }

    #[test]
    fn a_flood_of_distinct_names_is_refused_early() {
        // About 400 KB of distinct names: refused after the first few, not compared pairwise.
        let flood: String = (0..50_000).map(|n| format!("p{n}=&")).collect();
        assert!(flood.len() > 300_000);
        assert_eq!(Params::from_query(Some(&flood)), Err(ParamsProblem::TooMany));
        let many: String = (0..MAX_PARAMS).map(|n| format!("p{n}=1&")).collect();
        assert_eq!(Params::from_query(Some(&many)).map(|p| p.get("p0").map(str::to_string)), Ok(Some("1".into())));
    }

    #[test]
    fn forms_need_the_form_content_type() {
        let mut headers = HeaderMap::new();
        assert_eq!(Params::from_form(&headers, Ok(Bytes::from_static(b"a=1"))), Err(ParamsProblem::NotAForm));
        headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"));
        assert_eq!(
            Params::from_form(&headers, Ok(Bytes::from_static(b"a=1"))).map(|p| p.get("a").map(str::to_string)),
            Ok(Some("1".to_string()))
        );
    }
}
