//! Conversions from domain values to proto messages, and the one piece of
//! request handling that is pure proto: `ListVehicleStateErrors` paging.

use std::time::Duration;

use crate::catalog::{
    Catalog, Category, ResolutionType, RetryStrategy, TextBlock, VehicleStateError,
};
use crate::interpret::{Interpretation, Locale, MatchKind, RequestError};
use crate::pb::{self, wire};
use crate::status::{EntryStatus, interpretation_status, propagation_code};

pub use crate::catalog::DOCUMENTATION_LOCALE;

/// What responses need from each catalog entry, converted and encoded once
/// at start-up: the entry as a shared, pre-encoded message and its fixed
/// status details.
#[derive(Debug)]
pub struct ProtoCatalog {
    entries: Vec<EntryProto>,
}

#[derive(Debug)]
struct EntryProto {
    shared: pb::SharedEntry,
    status: EntryStatus,
}

impl ProtoCatalog {
    /// Converts every entry of `catalog`.
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            entries: catalog
                .list()
                .iter()
                .map(|e| EntryProto {
                    shared: pb::SharedEntry::new(&entry_to_proto(e)),
                    status: EntryStatus::new(e),
                })
                .collect(),
        }
    }

    /// The shared message of `catalog`'s entry at `position`.
    pub fn entry(&self, position: usize) -> &pb::SharedEntry {
        &self.entries[position].shared
    }
}

/// Converts an interpretation, rendering its messages with `app_name`.
pub fn interpretation_to_proto(
    interp: &Interpretation<'_, '_>,
    protos: &ProtoCatalog,
    catalog: &Catalog,
    app_name: &str,
    locale: Option<Locale<'_>>,
) -> wire::InterpretResponse {
    let entry = interp.entry.map(|e| &protos.entries[catalog.position(e)]);
    let messages = interp.messages_in(app_name, locale.map(|l| l.as_str()));
    let locale = messages.locale;
    let status = interpretation_status(
        interp,
        entry.map(|e| &e.status),
        &messages.description,
        &messages.user_message,
        locale,
    );
    wire::InterpretResponse {
        r#match: match_kind(interp.match_kind) as i32,
        vehicle_state_error: entry.map(|e| e.shared.clone()),
        error_type: upper(&interp.error_type),
        error_code: upper(interp.error_code.as_deref().unwrap_or_default()),
        category: category(interp.category) as i32,
        retry_advice: Some(wire::RetryAdvice {
            strategy: strategy(interp.advice.strategy) as i32,
            retryable: interp.advice.retryable(),
            user_action_required: interp.advice.user_action_required(),
            suggested_delay: Some(duration(interp.advice.delay)),
            delay_reason: interp.advice.delay_reason.as_str().to_owned(),
        }),
        messages: Some(wire::RenderedMessages {
            user_message: messages.user_message,
            suggested_user_message: messages.suggested_user_message.into_owned(),
            description: messages.description.into_owned(),
            suggested_resolution: messages.suggested_resolution.to_owned(),
            troubleshooting_steps: messages.troubleshooting_steps.to_vec(),
            locale: locale.to_owned(),
        }),
        request_id: interp.request_id.as_deref().unwrap_or_default().to_owned(),
        http_status: interp.http_status.map_or(0, u32::from),
        http_status_mismatch: interp.http_status_mismatch,
        other_error_count: interp.other_errors,
        propagation_code: propagation_code(interp.advice.strategy) as i32,
        status: Some(status),
    }
}

/// Upper-cases without the per-character work when the text already is,
/// as codes and types almost always are.
fn upper(s: &str) -> String {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        s.to_ascii_uppercase()
    } else {
        s.to_owned()
    }
}

/// One page of the filtered catalog.
///
/// Page tokens are the offset into the filtered list, prefixed so a stray
/// number is not mistaken for one; they are only meaningful with the same
/// filters.
///
/// # Errors
/// `Malformed` for a negative `page_size` or a token this server did not
/// issue.
pub fn list_page(
    catalog: &Catalog,
    protos: &ProtoCatalog,
    req: &wire::ListVehicleStateErrorsRequest,
) -> Result<wire::ListVehicleStateErrorsResponse, RequestError> {
    let page_size = usize::try_from(req.page_size).map_err(|_| RequestError::Malformed {
        field: "page_size",
        detail: "must not be negative".into(),
    })?;
    let offset = if req.page_token.is_empty() {
        0
    } else {
        req.page_token
            .strip_prefix(PAGE_TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| RequestError::Malformed {
                field: "page_token",
                detail: "not a token this server issued".into(),
            })?
    };
    let matching: Vec<usize> = catalog
        .list()
        .iter()
        .enumerate()
        .filter(|(_, e)| req.category == 0 || category(e.category) as i32 == req.category)
        .filter(|(_, e)| req.strategy == 0 || strategy(e.retry.strategy) as i32 == req.strategy)
        .map(|(position, _)| position)
        .collect();
    let page_size = if page_size == 0 {
        matching.len()
    } else {
        page_size
    };
    let end = offset.saturating_add(page_size).min(matching.len());
    let page = matching.get(offset..end).unwrap_or_default();
    Ok(wire::ListVehicleStateErrorsResponse {
        vehicle_state_errors: page.iter().map(|&p| protos.entry(p).clone()).collect(),
        next_page_token: if end < matching.len() {
            format!("{PAGE_TOKEN_PREFIX}{end}")
        } else {
            String::new()
        },
    })
}

const PAGE_TOKEN_PREFIX: &str = "offset:";

fn entry_to_proto(e: &VehicleStateError) -> pb::VehicleStateError {
    pb::VehicleStateError {
        r#type: e.error_type.clone(),
        code: e.code.clone(),
        description: e.description.clone(),
        doc_url: e.doc_url.clone(),
        status_code: u32::from(e.status_code),
        resolution_type: resolution_type(e.resolution) as i32,
        suggested_user_message: e.suggested_user_message.clone(),
        overview: Some(text_block(&e.overview)),
        suggested_resolution: Some(text_block(&e.suggested_resolution)),
        troubleshooting_steps: e.troubleshooting_steps.clone(),
        user_message_template: Some(text_block(&e.user_message_template)),
        category: category(e.category) as i32,
        retry_policy: Some(pb::RetryPolicy {
            strategy: strategy(e.retry.strategy) as i32,
            suggested_delay: Some(duration(e.retry.delay)),
            delay_reason: e.retry.delay_reason.clone(),
        }),
        legacy_codes: e.legacy_codes.clone(),
    }
}

fn text_block(b: &TextBlock) -> pb::TextBlock {
    pb::TextBlock {
        text: b.text.clone(),
        bullets: b.bullets.clone(),
    }
}

fn duration(d: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

/// The proto value of a domain category.
pub fn category(c: Category) -> pb::Category {
    match c {
        Category::Connectivity => pb::Category::Connectivity,
        Category::Charging => pb::Category::Charging,
        Category::Closure => pb::Category::Closure,
        Category::VehicleInUse => pb::Category::VehicleInUse,
        Category::Power => pb::Category::Power,
        Category::Unknown => pb::Category::Unknown,
        Category::Other => pb::Category::Other,
    }
}

/// The proto value of a domain retry strategy.
pub fn strategy(s: RetryStrategy) -> pb::RetryStrategy {
    match s {
        RetryStrategy::RetryLater => pb::RetryStrategy::RetryLater,
        RetryStrategy::RetryAfterUserAction => pb::RetryStrategy::RetryAfterUserAction,
        RetryStrategy::NoRetryNeeded => pb::RetryStrategy::NoRetryNeeded,
        RetryStrategy::DoNotRetry => pb::RetryStrategy::DoNotRetry,
    }
}

fn match_kind(m: MatchKind) -> pb::MatchKind {
    match m {
        MatchKind::Exact => pb::MatchKind::Exact,
        MatchKind::LegacyCode => pb::MatchKind::LegacyCode,
        MatchKind::Fallback => pb::MatchKind::Fallback,
        MatchKind::NotVehicleState => pb::MatchKind::NotVehicleState,
    }
}

fn resolution_type(r: ResolutionType) -> pb::ResolutionType {
    match r {
        ResolutionType::None => pb::ResolutionType::None,
        ResolutionType::RetryLater => pb::ResolutionType::RetryLater,
        ResolutionType::Reauthenticate => pb::ResolutionType::Reauthenticate,
        ResolutionType::ContactSupport => pb::ResolutionType::ContactSupport,
    }
}
