//! Standard Webhooks 1.0 signatures: `v1,` and the base64 HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}` under the endpoint's key, where a secret is
//! `whsec_` and the base64 key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngExt;

use crate::credentials::hmac_sha256;

const PREFIX: &str = "whsec_";

/// A new secret: 32 random bytes (the spec asks for 24 to 64).
pub fn new_secret() -> String {
    let key: [u8; 32] = rand::rng().random();
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `v1,<base64>` signature of one message under one secret. A secret that is not
/// `whsec_` + base64 (it never is unless the row was edited by hand) signs with its raw
/// bytes, so the receiver's check fails loudly instead of Vouch dropping the event.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret
        .strip_prefix(PREFIX)
        .and_then(|b64| STANDARD.decode(b64).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let timestamp = timestamp.to_string();
    let mac = hmac_sha256(
        &key,
        &[msg_id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
    );
    format!("v1,{}", STANDARD.encode(mac))
}

/// The `webhook-signature` header: one signature per secret, space-separated (the current
/// secret first, then the one it replaced while that still signs).
pub fn header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specification_example() {
        // The worked example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_whsec_base64_of_32_bytes_and_distinct() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let key = STANDARD.decode(a.strip_prefix(PREFIX).unwrap()).unwrap();
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn a_rotated_endpoint_signs_with_both_secrets() {
        let h = header(&["whsec_AAAA", "whsec_BBBB"], "m", 1, b"{}");
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }
}
