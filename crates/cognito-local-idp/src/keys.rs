//! RSA signing keys: generated on first start, kept in a file so tokens survive a restart.
//!
//! Like Cognito, ID tokens and access tokens are signed with different keys, so a verifier that
//! mixes them up fails here as it would against AWS. Rotation adds keys and never drops old ones,
//! so tokens signed before a rotation still verify against the published JWKS.

use std::{
    fmt,
    io::Write,
    path::{Path, PathBuf},
};

use aws_lc_rs::{
    digest,
    encoding::AsDer,
    rsa::{KeyPair, KeySize},
    signature::KeyPair as _,
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::LocalIdpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyPurpose {
    Id,
    Access,
}

pub struct SigningKey {
    pub kid: String,
    pub purpose: KeyPurpose,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Base64url of the modulus and exponent, as a JWK carries them (RFC 7518 §6.3.1).
    n: String,
    e: String,
    /// Standard base64 of the PKCS#8 document, only ever written to the keys file.
    pkcs8: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("purpose", &self.purpose).finish_non_exhaustive()
    }
}

impl SigningKey {
    fn generate(purpose: KeyPurpose) -> Result<Self, LocalIdpError> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| LocalIdpError::Keys("RSA key generation failed".to_string()))?;
        let pkcs8 = pair.as_der().map_err(|_| LocalIdpError::Keys("cannot encode a new RSA key".to_string()))?;
        Self::from_pair(&pair, pkcs8.as_ref(), purpose, None).map_err(LocalIdpError::Keys)
    }

    fn from_stored(stored: &StoredKey) -> Result<Self, String> {
        let pkcs8 = STANDARD.decode(&stored.pkcs8).map_err(|_| format!("key {}: pkcs8 is not base64", stored.kid))?;
        let pair =
            KeyPair::from_pkcs8(&pkcs8).map_err(|_| format!("key {}: pkcs8 is not an RSA private key", stored.kid))?;
        Self::from_pair(&pair, &pkcs8, stored.purpose, Some(stored.kid.clone()))
    }

    fn from_pair(pair: &KeyPair, pkcs8: &[u8], purpose: KeyPurpose, kid: Option<String>) -> Result<Self, String> {
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        // Cognito's kids are base64 SHA-256 digests; deriving ours from the public key keeps them stable.
        let kid = kid.unwrap_or_else(|| STANDARD.encode(digest::digest(&digest::SHA256, public.as_ref())));
        let encoding = EncodingKey::from_rsa_pem(pkcs8_pem(pkcs8).as_bytes())
            .map_err(|error| format!("key {kid}: jsonwebtoken rejects it: {error}"))?;
        let decoding = DecodingKey::from_rsa_components(&n, &e)
            .map_err(|error| format!("key {kid}: bad public components: {error}"))?;
        Ok(Self { kid, purpose, encoding, decoding, n, e, pkcs8: STANDARD.encode(pkcs8) })
    }

    fn jwk(&self) -> serde_json::Value {
        json!({ "alg": "RS256", "e": self.e, "kid": self.kid, "kty": "RSA", "n": self.n, "use": "sig" })
    }
}

/// jsonwebtoken's aws-lc backend signs with `RsaKeyPair::from_der`, which wants PKCS#1; its PEM
/// reader unwraps PKCS#8 to PKCS#1 for us, so the key goes through PEM rather than `from_rsa_der`.
fn pkcs8_pem(pkcs8: &[u8]) -> String {
    let body = STANDARD.encode(pkcs8);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    purpose: KeyPurpose,
    pkcs8: String,
}

#[derive(Serialize, Deserialize)]
struct KeysFile {
    /// The private keys: this file is as sensitive as a user pool's signing keys.
    keys: Vec<StoredKey>,
}

#[derive(Debug)]
pub struct KeyRing {
    /// Oldest first; the newest key of each purpose signs.
    keys: Vec<SigningKey>,
    file: Option<PathBuf>,
}

impl KeyRing {
    /// Loads the keys file, or creates it with fresh keys; without a file, keys live in memory.
    pub fn open(file: Option<PathBuf>) -> Result<Self, LocalIdpError> {
        let Some(path) = file else {
            return Ok(Self { keys: fresh_pair()?, file: None });
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let keys = parse(&text).map_err(|problem| {
                    LocalIdpError::keys_file(&path, format!("{problem} (delete the file to create new keys)"))
                })?;
                Ok(Self { keys, file: Some(path) })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let ring = Self { keys: fresh_pair()?, file: Some(path) };
                ring.save()?;
                Ok(ring)
            }
            Err(error) => Err(LocalIdpError::keys_file(&path, format!("cannot be read: {error}"))),
        }
    }

    pub fn signing_key(&self, purpose: KeyPurpose) -> Option<&SigningKey> {
        self.keys.iter().rev().find(|key| key.purpose == purpose)
    }

    pub fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.iter().find(|key| key.kid == kid).map(|key| &key.decoding)
    }

    #[cfg(test)]
    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|key| key.kid.clone()).collect()
    }

    pub fn jwks(&self) -> serde_json::Value {
        json!({ "keys": self.keys.iter().map(SigningKey::jwk).collect::<Vec<_>>() })
    }

    /// Adds a new ID key and access key; the old ones stay published for tokens already issued.
    pub fn rotate(&mut self) -> Result<(), LocalIdpError> {
        let fresh = fresh_pair()?;
        let before = self.keys.len();
        self.keys.extend(fresh);
        if let Err(error) = self.save() {
            self.keys.truncate(before);
            return Err(error);
        }
        Ok(())
    }

    fn save(&self) -> Result<(), LocalIdpError> {
        let Some(path) = &self.file else { return Ok(()) };
        let stored = KeysFile {
            keys: self
                .keys
                .iter()
                .map(|key| StoredKey { kid: key.kid.clone(), purpose: key.purpose, pkcs8: key.pkcs8.clone() })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&stored)
            .map_err(|error| LocalIdpError::keys_file(path, format!("cannot be encoded: {error}")))?;
        write_private(path, text.as_bytes())
            .map_err(|error| LocalIdpError::keys_file(path, format!("cannot be written: {error}")))
    }
}

fn fresh_pair() -> Result<Vec<SigningKey>, LocalIdpError> {
    Ok(vec![SigningKey::generate(KeyPurpose::Id)?, SigningKey::generate(KeyPurpose::Access)?])
}

fn parse(text: &str) -> Result<Vec<SigningKey>, String> {
    let file: KeysFile =
        serde_json::from_str(text).map_err(|error| format!("is not a keys file: line {}: {error}", error.line()))?;
    let keys = file.keys.iter().map(SigningKey::from_stored).collect::<Result<Vec<_>, _>>()?;
    for purpose in [KeyPurpose::Id, KeyPurpose::Access] {
        if !keys.iter().any(|key| key.purpose == purpose) {
            return Err(format!("has no {purpose:?} key"));
        }
    }
    Ok(keys)
}

/// Writes through a temporary file and a rename so a crash never leaves half a key file, and
/// creates it readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, Header, Validation};

    use super::*;

    #[test]
    fn a_generated_key_signs_tokens_that_its_jwk_verifies() {
        let ring = KeyRing::open(None).expect("keys");
        let id = ring.signing_key(KeyPurpose::Id).expect("id key");
        let access = ring.signing_key(KeyPurpose::Access).expect("access key");
        assert_ne!(id.kid, access.kid);

        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(id.kid.clone());
        let token = jsonwebtoken::encode(&header, &json!({ "sub": "x", "exp": 4_000_000_000u64 }), &id.encoding)
            .expect("signs");
        let jwk = &ring.jwks()["keys"][0];
        let key = DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap_or(""), jwk["e"].as_str().unwrap_or(""))
            .expect("jwk");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).expect("verifies");
    }

    #[test]
    fn keys_persist_and_rotation_keeps_old_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/keys.json");
        let mut first = KeyRing::open(Some(path.clone())).expect("created");
        let kids = first.kids();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(KeyRing::open(Some(path.clone())).expect("reloaded").kids(), kids);

        first.rotate().expect("rotates");
        let reloaded = KeyRing::open(Some(path)).expect("reloaded");
        assert_eq!(reloaded.kids().len(), 4);
        assert_eq!(&reloaded.kids()[..2], &kids[..]);
        assert_ne!(reloaded.signing_key(KeyPurpose::Id).map(|k| k.kid.clone()), Some(kids[0].clone()));
    }

    #[test]
    fn a_corrupt_keys_file_is_an_error_not_a_silent_new_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys.json");
        std::fs::write(&path, "{ not json").expect("write");
        let error = KeyRing::open(Some(path)).expect_err("corrupt");
        assert!(error.to_string().contains("keys.json"), "{error}");
    }
}
