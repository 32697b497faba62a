//! Verifying a Kubernetes projected ServiceAccount token (a JWT) against a JWKS file the
//! operator configures: the node-scan DaemonSet proves which node it runs on with it.
//!
//! Deliberately narrow: RS256 (RSA keys) and ES256 (P-256 keys) only, the algorithm must match
//! the key the `kid` names (no `none`, no HMAC, no algorithm chosen by the token), the signature
//! is checked before any claim is read, then expiry, not-before and audience. Signatures are
//! checked with ring, already in the tree for TLS.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// Tokens are small; anything longer is refused before decoding.
const MAX_TOKEN: usize = 16 * 1024;
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY: i64 = 30;

#[derive(Debug, Clone)]
enum Key {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// An uncompressed P-256 point (0x04 ‖ x ‖ y).
    P256(Vec<u8>),
}

/// The keys tokens may be signed with.
#[derive(Debug, Clone, Default)]
pub(crate) struct Jwks {
    keys: Vec<(Option<String>, Key)>,
}

fn b64(field: &str, v: &Value) -> Result<Vec<u8>, String> {
    let text = v
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("a key has no `{field}`"))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| format!("`{field}` is not base64url"))
}

impl Jwks {
    /// A JWKS document (`{"keys": [...]}`, as the API server's `/openid/v1/jwks` serves it).
    pub(crate) fn parse(text: &str) -> Result<Jwks, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let mut keys = Vec::new();
        for k in doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("no `keys` array")?
        {
            let kid = k.get("kid").and_then(Value::as_str).map(str::to_string);
            let key = match k.get("kty").and_then(Value::as_str) {
                Some("RSA") => Key::Rsa {
                    n: b64("n", k)?,
                    e: b64("e", k)?,
                },
                Some("EC") if k.get("crv").and_then(Value::as_str) == Some("P-256") => {
                    let (x, y) = (b64("x", k)?, b64("y", k)?);
                    if x.len() != 32 || y.len() != 32 {
                        return Err("a P-256 key's x and y must be 32 bytes".into());
                    }
                    Key::P256([&[4u8][..], &x, &y].concat())
                }
                // Other key types are skipped: no token may use them.
                _ => continue,
            };
            keys.push((kid, key));
        }
        if keys.is_empty() {
            return Err("no RSA or P-256 key".into());
        }
        Ok(Jwks { keys })
    }
}

fn part(text: &str, what: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| format!("the token's {what} is not base64url"))
}

/// The claims of `token` once its signature, `exp`, `nbf` and `aud` check out at `now`.
pub(crate) fn verify(token: &str, jwks: &Jwks, audience: &str, now: i64) -> Result<Value, String> {
    if token.len() > MAX_TOKEN {
        return Err("the token is too long".into());
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT (three dot-separated parts)".into());
    };
    let header: Value = serde_json::from_slice(&part(h, "header")?)
        .map_err(|_| "the token's header is not JSON".to_string())?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let kid = header.get("kid").and_then(Value::as_str);
    let signature = part(s, "signature")?;
    let signed = format!("{h}.{p}");
    // Keys the token may name: the one its kid names, else (no kid) any of the right type.
    let candidates = jwks
        .keys
        .iter()
        .filter(|(k, _)| kid.is_none() || k.as_deref() == kid);
    let mut verified = false;
    for (_, key) in candidates {
        let ok = match (alg, key) {
            ("RS256", Key::Rsa { n, e }) => ring::signature::RsaPublicKeyComponents { n, e }
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    signed.as_bytes(),
                    &signature,
                )
                .is_ok(),
            ("ES256", Key::P256(point)) => ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                point,
            )
            .verify(signed.as_bytes(), &signature)
            .is_ok(),
            _ => false,
        };
        if ok {
            verified = true;
            break;
        }
    }
    if !verified {
        return Err(match alg {
            "RS256" | "ES256" => {
                "the token's signature does not verify with any configured key".into()
            }
            other => format!("algorithm `{other}` is not accepted (RS256 or ES256)"),
        });
    }
    let claims: Value = serde_json::from_slice(&part(p, "payload")?)
        .map_err(|_| "the token's payload is not JSON".to_string())?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or("the token has no expiry")?;
    if now > exp + LEEWAY {
        return Err("the token has expired".into());
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| now + LEEWAY < nbf)
    {
        return Err("the token is not valid yet".into());
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("the token is not for audience `{audience}`"));
    }
    Ok(claims)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{self, KeyPair};

    /// A P-256 key of the test's own, as a JWKS and a signer.
    pub(crate) struct TestKey {
        pair: signature::EcdsaKeyPair,
        pub(crate) jwks: String,
    }

    impl TestKey {
        pub(crate) fn new(kid: &str) -> TestKey {
            let rng = SystemRandom::new();
            let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &rng,
            )
            .unwrap();
            let pair = signature::EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                pkcs8.as_ref(),
                &rng,
            )
            .unwrap();
            let point = pair.public_key().as_ref();
            let jwks = serde_json::json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}]})
            .to_string();
            TestKey { pair, jwks }
        }

        pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
            let h = URL_SAFE_NO_PAD.encode(header.to_string());
            let p = URL_SAFE_NO_PAD.encode(claims.to_string());
            let sig = self
                .pair
                .sign(&SystemRandom::new(), format!("{h}.{p}").as_bytes())
                .unwrap();
            format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
        }
    }

    #[test]
    fn only_a_signed_current_token_for_us_passes() {
        let key = TestKey::new("k1");
        let other = TestKey::new("k1");
        let jwks = Jwks::parse(&key.jwks).unwrap();
        let now = 1_800_000_000;
        let header = serde_json::json!({"alg": "ES256", "kid": "k1"});
        let claims = serde_json::json!({"aud": ["stevedore"], "exp": now + 600,
            "kubernetes.io": {"node": {"name": "node-1"}}});
        let good = key.sign(&header, &claims);
        let c = verify(&good, &jwks, "stevedore", now).unwrap();
        assert_eq!(c["kubernetes.io"]["node"]["name"], "node-1");
        // Another key, an edited payload, another audience, expired, alg none: refused.
        assert!(verify(&other.sign(&header, &claims), &jwks, "stevedore", now).is_err());
        let (h, _, s) = {
            let mut it = good.split('.');
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
        };
        let forged = serde_json::json!({"aud": "stevedore", "exp": now + 600,
            "kubernetes.io": {"node": {"name": "node-2"}}});
        let edited = format!("{h}.{}.{s}", URL_SAFE_NO_PAD.encode(forged.to_string()));
        assert!(
            verify(&edited, &jwks, "stevedore", now)
                .unwrap_err()
                .contains("signature")
        );
        assert!(
            verify(&good, &jwks, "api", now)
                .unwrap_err()
                .contains("audience")
        );
        assert!(
            verify(&good, &jwks, "stevedore", now + 3600)
                .unwrap_err()
                .contains("expired")
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert!(
            verify(&none, &jwks, "stevedore", now)
                .unwrap_err()
                .contains("not accepted")
        );
        let hs = key.sign(&serde_json::json!({"alg": "HS256", "kid": "k1"}), &claims);
        assert!(verify(&hs, &jwks, "stevedore", now).is_err());
        assert!(verify("a.b", &jwks, "stevedore", now).is_err());
        assert!(Jwks::parse(r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#).is_err());
    }

    /// RS256, the API server's default: a key openssl makes, its modulus in the JWKS.
    #[test]
    fn rs256_tokens_verify_with_the_rsa_key() {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("key.pem");
        let der = dir.path().join("key.der");
        let made = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(&pem)
            .output();
        let Some(out) = made.ok().filter(|o| o.status.success()) else {
            assert!(
                std::env::var("STEVEDORE_TEST_SERVICES").is_err(),
                "openssl is missing though scripts/test.sh installs it"
            );
            eprintln!("SKIPPED: no openssl");
            return;
        };
        drop(out);
        let run = |args: &[&str]| {
            let o = std::process::Command::new("openssl")
                .args(args)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        };
        let (pem_s, der_s) = (pem.to_str().unwrap(), der.to_str().unwrap());
        run(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", pem_s, "-outform", "DER", "-out", der_s,
        ]);
        let modulus = String::from_utf8(run(&["rsa", "-in", pem_s, "-noout", "-modulus"])).unwrap();
        let hex = modulus.trim().trim_start_matches("Modulus=");
        let n: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let jwks = Jwks::parse(
            &serde_json::json!({"keys": [{"kty": "RSA", "kid": "r1",
                "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode([1, 0, 1])}]})
            .to_string(),
        )
        .unwrap();
        let pair = signature::RsaKeyPair::from_pkcs8(&std::fs::read(&der).unwrap()).unwrap();
        let now = 1_800_000_000;
        let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"r1"}"#);
        let p = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"aud": "stevedore", "exp": now + 60}).to_string());
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            format!("{h}.{p}").as_bytes(),
            &mut sig,
        )
        .unwrap();
        let token = format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(&sig));
        assert!(verify(&token, &jwks, "stevedore", now).is_ok());
        // The same signature presented as ES256 (algorithm confusion) does not verify.
        let es = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","kid":"r1"}"#);
        let confused = format!("{es}.{p}.{}", URL_SAFE_NO_PAD.encode(&sig));
        assert!(verify(&confused, &jwks, "stevedore", now).is_err());
    }
}
