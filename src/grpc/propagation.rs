//! The ready `google.rpc.Status` an interpretation carries, for callers to
//! return to their own callers: its code, message and error details
//! (docs/design.md §5.4), and [`EncodedAnswer`], the parts of it that
//! depend only on what answered, encoded once per catalog snapshot.

use std::time::Duration;

use tonic_types::{
    ErrorInfo, Help, LocalizedMessage, PreconditionFailure, QuotaFailure, RetryInfo, pb,
};

use super::convert::{duration, rpc_code};
use super::status::DOMAIN;
use super::wire::{EncodedStatus, encode_message_any, field_len, string_field};
use crate::catalog::{Action, Propagation, RetryPolicy, RetryStrategy};
use crate::interpret::{DelayReason, Interpretation, Messages, violation};
use crate::rules::upper;

/// The parts of a propagation status that depend only on what answered.
#[derive(Debug)]
pub(super) struct EncodedAnswer {
    /// `ErrorInfo`'s reason, domain and `scope` metadata, encoded; the
    /// per-call metadata is appended to it.
    error_info_prefix: Vec<u8>,
    /// `RetryInfo` with the catalog's delay, as an encoded `Any`;
    /// retry-later answers only.
    retry_info: Option<Vec<u8>>,
    /// The strategy, action and code `violation` was built for: a body's
    /// resolution can change them, and then the violation is built anew.
    base: (RetryStrategy, Action, Propagation),
    /// `PreconditionFailure` or `QuotaFailure` as an encoded `Any`, where
    /// the code has one.
    violation: Option<Vec<u8>>,
    /// `Help`'s link to the entry's documentation, encoded as the message's
    /// `links` field (vehicle-state entries); a call's `action_url` link is
    /// written before it.
    doc_link: Option<Vec<u8>>,
}

impl EncodedAnswer {
    /// Encodes what an answer of `reason`, `retry` and `propagation` always
    /// carries, with a `Help` link to `doc_url` where there is one.
    pub(super) fn new(
        reason: &str,
        retry: &RetryPolicy,
        propagation: Propagation,
        doc_url: Option<&str>,
    ) -> Self {
        Self {
            error_info_prefix: error_info_prefix(reason, retry.scope.as_str()),
            retry_info: (retry.strategy == RetryStrategy::RetryLater)
                .then(|| retry_info(retry.delay)),
            base: (retry.strategy, retry.action, propagation),
            violation: violation(reason, retry.strategy, retry.action, propagation),
            doc_link: doc_url.map(|url| help_link(DOC_LINK, url)),
        }
    }

    /// The bytes the precomputed parts take, all of them.
    fn len(&self) -> usize {
        [&self.retry_info, &self.violation, &self.doc_link]
            .into_iter()
            .flatten()
            .map(Vec::len)
            .sum::<usize>()
            + self.error_info_prefix.len()
    }
}

/// The status for an interpretation: its propagation code, the short
/// description as message, and `ErrorInfo` (always), `RetryInfo` (only
/// for RETRY_LATER), `PreconditionFailure` (on FAILED_PRECONDITION),
/// `QuotaFailure` (on RESOURCE_EXHAUSTED), `LocalizedMessage` (always) and
/// `Help` (when there is an `action_url` or a documentation link: the
/// `action_url` first). `encoded` holds what answered's precomputed parts,
/// copied in as bytes.
pub(super) fn status(
    interp: &Interpretation<'_, '_>,
    messages: &Messages<'_>,
    encoded: &EncodedAnswer,
) -> EncodedStatus {
    // Room for the whole status at once: the precomputed parts, the
    // user message, and 512 bytes for the type URLs and the per-call
    // values (type, code, request id, locale, action link). A status that
    // outgrew its buffer was copied once more on every call.
    let mut status = EncodedStatus::new(
        rpc_code(interp.propagation) as i32,
        &messages.description,
        512 + messages.user_message.len() + encoded.len(),
    );
    error_info(&mut status, interp, encoded);
    if interp.advice.strategy == RetryStrategy::RetryLater {
        let table_delay = matches!(interp.advice.delay_reason, DelayReason::Catalog(_));
        match &encoded.retry_info {
            Some(precomputed) if table_delay => status.push_any(precomputed),
            _ => status.push_any(&retry_info(interp.advice.delay)),
        }
    }
    // The violation: precomputed for the answer as the table gives it,
    // built here only when the body's resolution changed it.
    let as_tabled = encoded.base
        == (
            interp.advice.strategy,
            interp.advice.action,
            interp.propagation,
        );
    match (&encoded.violation, as_tabled) {
        (Some(precomputed), true) => status.push_any(precomputed),
        _ => {
            let built = violation(
                interp.reason,
                interp.advice.strategy,
                interp.advice.action,
                interp.propagation,
            );
            if let Some(built) = built {
                status.push_any(&built);
            }
        }
    }
    let (locale, message) = (messages.locale, messages.user_message.as_str());
    status.push_with(
        LocalizedMessage::TYPE_URL,
        field_len(locale.len()) + field_len(message.len()),
        |b| {
            string_field(b, 1, locale);
            string_field(b, 2, message);
        },
    );
    help(&mut status, interp, messages, encoded);
    status
}

/// What `Help.links[].description` says of each link.
const DOC_LINK: &str = "API docs";
const ACTION_LINK: &str = "Open to resolve this error";

/// Appends `Help`: the call's `action_url` link, if any, then the
/// documentation link, precomputed per answer or the body's own; nothing
/// when there is neither. Only an answer with an `action_url` writes a
/// link per call.
fn help(
    status: &mut EncodedStatus,
    interp: &Interpretation<'_, '_>,
    messages: &Messages<'_>,
    encoded: &EncodedAnswer,
) {
    let built;
    let doc_link = match (&encoded.doc_link, &messages.doc_url) {
        (Some(precomputed), _) => Some(precomputed.as_slice()),
        (None, Some(url)) if !url.is_empty() => {
            built = help_link(DOC_LINK, url);
            Some(built.as_slice())
        }
        _ => None,
    };
    let action = interp.action_url.as_deref();
    let action_len = action.map_or(0, |url| help_link_len(ACTION_LINK, url));
    let doc_len = doc_link.map_or(0, <[u8]>::len);
    if action_len + doc_len == 0 {
        return;
    }
    status.push_with(Help::TYPE_URL, action_len + doc_len, |b| {
        if let Some(url) = action {
            write_help_link(b, ACTION_LINK, url);
        }
        b.extend_from_slice(doc_link.unwrap_or_default());
    });
}

/// `RetryInfo` advising `delay`, as an encoded `Any`.
fn retry_info(delay: Duration) -> Vec<u8> {
    let retry = pb::RetryInfo {
        retry_delay: Some(duration(delay)),
    };
    encode_message_any(RetryInfo::TYPE_URL, &retry)
}

/// The `PreconditionFailure` (on FAILED_PRECONDITION) or `QuotaFailure`
/// (on RESOURCE_EXHAUSTED) of an answer; its subject is the answer's
/// reason, the stable name of what failed; the wording is the domain's.
fn violation(
    reason: &str,
    strategy: RetryStrategy,
    action: Action,
    propagation: Propagation,
) -> Option<Vec<u8>> {
    match propagation {
        Propagation::FailedPrecondition => Some(encode_message_any(
            PreconditionFailure::TYPE_URL,
            &pb::PreconditionFailure {
                violations: vec![pb::precondition_failure::Violation {
                    r#type: violation::precondition_kind(strategy).to_owned(),
                    subject: reason.to_owned(),
                    description: violation::precondition_description(strategy, action).to_owned(),
                }],
            },
        )),
        Propagation::ResourceExhausted => Some(encode_message_any(
            QuotaFailure::TYPE_URL,
            &pb::QuotaFailure {
                violations: vec![pb::quota_failure::Violation {
                    subject: reason.to_owned(),
                    description: violation::QUOTA_DESCRIPTION.to_owned(),
                    ..Default::default()
                }],
            },
        )),
        _ => None,
    }
}

/// One `Help.links` entry (field 1, a `Link` of description = 1 and
/// url = 2), encoded.
fn help_link(description: &str, url: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(help_link_len(description, url));
    write_help_link(&mut buf, description, url);
    buf
}

/// The encoded length of [`help_link`]'s entry.
fn help_link_len(description: &str, url: &str) -> usize {
    field_len(field_len(description.len()) + field_len(url.len()))
}

/// Appends one `Help.links` entry to `buf`.
fn write_help_link(buf: &mut Vec<u8>, description: &str, url: &str) {
    use prost::encoding::{WireType, encode_key, encode_varint};
    encode_key(1, WireType::LengthDelimited, buf);
    encode_varint(
        (field_len(description.len()) + field_len(url.len())) as u64,
        buf,
    );
    string_field(buf, 1, description);
    string_field(buf, 2, url);
}

/// `ErrorInfo`: the precomputed reason, domain and scope, then the
/// metadata of this call: the type and code as received and the request id (AIP-193:
/// the dynamic values). The strategy and action are not repeated here: the
/// reason determines them, and the default view must fit in 1 KiB.
fn error_info(
    status: &mut EncodedStatus,
    interp: &Interpretation<'_, '_>,
    encoded: &EncodedAnswer,
) {
    let error_type = interp.error_type.as_deref().map(upper);
    let code = interp.error_code.as_deref().map(upper);
    let metadata = [
        ("type", error_type.as_deref()),
        ("code", code.as_deref()),
        ("requestId", interp.request_id.as_deref()),
    ];
    let entry_len = |k: &str, v: &str| field_len(field_len(k.len()) + field_len(v.len()));
    let len = encoded.error_info_prefix.len()
        + metadata
            .iter()
            .filter_map(|(k, v)| v.map(|v| entry_len(k, v)))
            .sum::<usize>();
    status.push_with(ErrorInfo::TYPE_URL, len, |b| {
        b.extend_from_slice(&encoded.error_info_prefix);
        for (key, value) in metadata {
            if let Some(value) = value {
                metadata_entry(b, key, value);
            }
        }
    });
}

/// `ErrorInfo`'s reason (field 1), domain (field 2) and the `scope`
/// metadata entry (`VEHICLE`, ...), encoded once per answer: the scope is
/// the answer's, whatever the body's resolution changes.
///
/// Why by hand: prost encodes a map in `HashMap` order, which differs from
/// one map to the next, so the same answer would come out as different
/// bytes on every call (no byte-level caching or comparison downstream).
/// Written in a fixed order, an answer is byte-identical each time, and no
/// map is built per call.
fn error_info_prefix(reason: &str, scope: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(reason.len() + DOMAIN.len() + scope.len() + 16);
    string_field(&mut buf, 1, reason);
    string_field(&mut buf, 2, DOMAIN);
    metadata_entry(&mut buf, "scope", scope);
    buf
}

/// Appends one `ErrorInfo.metadata` entry: field 3, a map entry message of
/// key = 1, value = 2.
fn metadata_entry(buf: &mut Vec<u8>, key: &str, value: &str) {
    use prost::encoding::{WireType, encode_key, encode_varint};
    encode_key(3, WireType::LengthDelimited, buf);
    encode_varint((field_len(key.len()) + field_len(value.len())) as u64, buf);
    string_field(buf, 1, key);
    string_field(buf, 2, value);
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    /// The hand-encoded ErrorInfo decodes as the message it stands for.
    #[test]
    fn encoded_error_info_decodes() {
        let mut bytes = error_info_prefix("R", "VEHICLE");
        metadata_entry(&mut bytes, "a", "1");
        metadata_entry(&mut bytes, "requestId", "abc-123");
        let decoded = pb::ErrorInfo::decode(&*bytes).unwrap();
        assert_eq!(decoded.reason, "R");
        assert_eq!(decoded.domain, DOMAIN);
        assert_eq!(decoded.metadata.len(), 3);
        assert_eq!(decoded.metadata["scope"], "VEHICLE");
        assert_eq!(decoded.metadata["requestId"], "abc-123");
    }

    /// Hand-encoded `Help` links decode as the message they stand for.
    #[test]
    fn encoded_help_links_decode() {
        let mut bytes = Vec::new();
        write_help_link(&mut bytes, ACTION_LINK, "https://a.example/x");
        bytes.extend_from_slice(&help_link(DOC_LINK, &"d".repeat(300)));
        assert_eq!(
            bytes.len(),
            help_link_len(ACTION_LINK, "https://a.example/x")
                + help_link_len(DOC_LINK, &"d".repeat(300))
        );
        let decoded = pb::Help::decode(&*bytes).unwrap();
        let urls: Vec<_> = decoded.links.iter().map(|l| l.url.len()).collect();
        assert_eq!(urls, [19, 300]);
        assert_eq!(decoded.links[0].description, ACTION_LINK);
    }
}
