//! Property tests (proptest, on stable, inside `cargo test`): the parser
//! is total, every answer has its row's scope and a reason of the bounded
//! vocabulary whatever operation the caller says, the operation decides
//! only design 3d's pairings, rendering never leaves a placeholder, and
//! every catalog code round-trips through the v1, v2 and v3 body
//! formats. Case counts are modest so the suite stays quick on two cores;
//! `PROPTEST_CASES` raises them for a longer local run.

use proptest::prelude::*;

use super::*;
use crate::catalog::{Operation, Scope, VEHICLE_STATE};

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().unwrap())
}

/// The parse errors a body can get, all naming the `body` field.
const BODY_REASONS: [&str; 4] = [
    "EMPTY_BODY",
    "BODY_NOT_JSON",
    "BODY_NOT_OBJECT",
    "BODY_NOT_AN_ERROR",
];

/// Checks the contract for one body with the given upstream fields: an
/// interpretation whose reason is in the catalog's vocabulary, or a typed
/// error about the body, and that only when no usable HTTP status (400-599)
/// was given; never a panic.
fn assert_total_with(body: &str, ctx: &Context<'_>) -> Result<(), TestCaseError> {
    match interpret(catalog(), Input::Body(body), ctx) {
        Ok(interpretation) => {
            let reason = interpretation.reason;
            prop_assert!(catalog().reasons().any(|r| r == reason), "{}", reason);
            // An action_url is always one safe to show users.
            if let Some(url) = interpretation.action_url.as_deref() {
                prop_assert!(is_safe_link(url), "{}", url);
            }
            // Every answer has the scope of the entry or row that answered,
            // whatever the body's resolution changed (design 3c).
            let tabled = match interpretation.key {
                AnswerKey::Entry(_) => interpretation.entry.map(|e| e.entry.retry.scope),
                AnswerKey::Table(id) => Some(catalog().table().answer(id).retry.scope),
            };
            prop_assert_eq!(Some(interpretation.advice.scope), tabled, "{}", reason);
            // A vehicle-state answer always carries its entry.
            prop_assert_eq!(
                interpretation.entry.is_some(),
                interpretation.known_type == Some(VEHICLE_STATE) || reason == "HTTP_409"
            );
        }
        Err(err) => {
            prop_assert!(!(400..=599).contains(&ctx.http_status), "{:?}", err);
            prop_assert_eq!(err.field(), "body");
            prop_assert!(BODY_REASONS.contains(&err.reason()), "{:?}", err);
        }
    }
    Ok(())
}

/// What every answered `action_url` is: `https`, at most 2 KiB, no
/// whitespace or control characters.
fn is_safe_link(url: &str) -> bool {
    url.len() <= MAX_ACTION_URL_LEN
        && url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn assert_total(body: &str) -> Result<(), TestCaseError> {
    assert_total_with(body, &Context::default())
}

/// Any operation the caller can say, or none.
fn operation() -> impl Strategy<Value = Option<Operation>> {
    prop::option::of(prop_oneof![
        Just(Operation::Lock),
        Just(Operation::Unlock),
        Just(Operation::StartCharge),
        Just(Operation::StopCharge),
        Just(Operation::Read),
        Just(Operation::OtherCommand),
    ])
}

/// Fragments that steer generated text into the parser's deeper paths:
/// every format's keys and every resolution shape, besides the common
/// punctuation and odd scalars.
fn json_fragment() -> impl Strategy<Value = &'static str> {
    lenient::json_fragment(&[
        "\"statusCode\"",
        "\"requestId\"",
        "\"resolution\"",
        "\"description\"",
        "\"suggestedUserMessage\"",
        "\"message\"",
        "\"VEHICLE_STATE\"",
        "\"vehicle_state_error\"",
        "\"DOOR_OPEN\"",
        "\"NOT_CHARGING\"",
        "\"CHARGING_IN_PROGRESS\"",
        "\"VS_001\"",
        "409",
        "18446744073709551616",
        "\"\\u0000\"",
        "\"<app name>\"",
        "{\"type\":null}",
        "{\"type\":\"RETRY_LATER\",\"url\":1}",
        "{\"type\":\"REAUTHENTICATE\",\"url\":\"https://a.example/re\"}",
        "\"url\"",
        "\"https://a.example/x\"",
        "\"http://a.example/x\"",
        "\"RETRY_LATER\"",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes (read as the service would get them: valid UTF-8, so
    /// lossily converted) give an interpretation or a typed body error.
    #[test]
    fn any_bytes_parse_or_fail_typed(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        assert_total(&String::from_utf8_lossy(&bytes))?;
    }

    /// Any string gives an interpretation or a typed body error.
    #[test]
    fn any_string_parses_or_fails_typed(body in any::<String>()) {
        assert_total(&body)?;
    }

    /// JSON-shaped text built from the formats' own keys and values gives an
    /// interpretation or a typed body error.
    #[test]
    fn json_like_text_parses_or_fails_typed(
        parts in prop::collection::vec(json_fragment(), 0..48),
    ) {
        assert_total(&parts.concat())?;
    }

    /// Any structured type and code give an interpretation (never an
    /// error: a well-formed error the catalog lacks is a fallback), with
    /// any operation or none.
    #[test]
    fn any_structured_error_interprets(
        error_type in any::<String>(),
        code in any::<String>(),
        operation in operation(),
    ) {
        let input = Input::Structured { error_type: &error_type, code: &code };
        let ctx = Context { operation, ..Context::default() };
        prop_assert!(interpret(catalog(), input, &ctx).is_ok());
    }

    /// Any string as a v2 body's `resolution.url` is either answered as
    /// `action_url`, trimmed and safe to show, or dropped with exactly one
    /// `ACTION_URL_INVALID` warning (none when blank); the answer is the
    /// same either way.
    #[test]
    fn any_resolution_url_passes_safe_or_warns(
        url in prop_oneof![any::<String>(), "(?i:https)://[a-z.:@/ ]{0,40}", "https://a.example/[a-z]{2040,2050}"],
    ) {
        let body = format!(
            r#"{{"type":"CONNECTED_SERVICES_ACCOUNT","code":"AUTHENTICATION_FAILED","resolution":{{"type":"REAUTHENTICATE","url":{}}}}}"#,
            serde_json::to_string(&url).unwrap()
        );
        let got = interpret(catalog(), Input::Body(&body), &Context::default()).unwrap();
        prop_assert_eq!(got.reason, "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED");
        let dropped = got.warnings.iter().filter(|w| w.kind == WarningKind::ActionUrlInvalid).count();
        match got.action_url.as_deref() {
            Some(answered) => {
                prop_assert!(is_safe_link(answered), "{}", answered);
                prop_assert_eq!(answered, url.trim());
                prop_assert_eq!(dropped, 0);
            }
            None => prop_assert_eq!(dropped, usize::from(!url.trim().is_empty())),
        }
    }

    /// Any body with any upstream fields and any operation: an answer
    /// whose reason is in the vocabulary and whose scope is its row's, or
    /// a body error only when no usable status was given.
    #[test]
    fn any_body_with_any_upstream_fields(
        parts in prop::collection::vec(json_fragment(), 0..24),
        http_status in prop_oneof![Just(0_u32), 100_u32..700, any::<u32>()],
        retry_after in prop_oneof![Just(String::new()), "[0-9]{1,20}", any::<String>()],
        request_id in any::<String>(),
        operation in operation(),
    ) {
        let ctx = Context {
            http_status,
            retry_after: &retry_after,
            request_id: &request_id,
            operation,
            ..Context::default()
        };
        assert_total_with(&parts.concat(), &ctx)?;
    }

    /// Any operation with any catalog code, in any letter case, as a v2 or
    /// v3 body: the operation decides exactly where the catalog has a rule
    /// for the pair (design 3d), under the rule's own reason when it has
    /// one, else the entry's; everywhere else the answer is the one given
    /// when nothing is said.
    #[test]
    fn any_operation_decides_only_its_rules(
        operation in operation(),
        index in 0_usize..17,
        mask in any::<u64>(),
        v3 in any::<bool>(),
    ) {
        let entry = &catalog().list()[index];
        let code = recase(&entry.code, mask);
        let body = if v3 {
            serde_json::json!({"errors": [{"type": "VEHICLE_STATE", "code": code}]})
        } else {
            serde_json::json!({"type": "VEHICLE_STATE", "code": code})
        }
        .to_string();
        let unsaid = interpret(catalog(), Input::Body(&body), &Context::default()).unwrap();
        let ctx = Context { operation, ..Context::default() };
        let said = interpret(catalog(), Input::Body(&body), &ctx).unwrap();
        assert_total_with(&body, &ctx)?;
        let (id, _) = catalog().get(&entry.code).unwrap();
        match operation.and_then(|op| catalog().operation_rule(op, id.id)) {
            Some(rule) => {
                prop_assert_eq!(said.decided_by, DecisionSource::Operation);
                let reason = rule.answer.map_or(entry.reason.as_str(), |a| {
                    catalog().table().answer(a).reason.as_str()
                });
                prop_assert_eq!(said.reason, reason);
                prop_assert_eq!(said.advice.scope, Scope::Operation);
            }
            None => {
                prop_assert_eq!(said.decided_by, unsaid.decided_by);
                prop_assert_eq!(said.reason, unsaid.reason);
                prop_assert_eq!(said.advice, unsaid.advice);
                prop_assert_eq!(said.propagation, unsaid.propagation);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// For any app name the service accepts, every catalog entry's user
    /// message has the name where the template had `<app name>`, and no
    /// placeholder is left. (A name that itself contains `<app name>` is
    /// inserted verbatim, as any name is; docs/reliability.md says so.)
    #[test]
    fn rendering_never_leaves_a_placeholder(
        // Arbitrary strings are mostly refused (control characters); the
        // second arm yields names the service accepts.
        name in prop_oneof![any::<String>(), "\\PC{1,64}"],
    ) {
        let Ok(Some(app_name)) = AppName::parse(&name) else {
            return Ok(());
        };
        let name = app_name.as_str();
        prop_assume!(!name.contains(crate::render::APP_NAME_PLACEHOLDER));
        for entry in catalog().list() {
            let input = Input::Structured { error_type: VEHICLE_STATE, code: &entry.code };
            let mut interpretation = interpret(catalog(), input, &Context::default()).unwrap();
            let messages = interpretation.messages(name);
            prop_assert!(!messages.user_message.contains("<app name>"), "{}", entry.code);
            if entry.user_message.has_placeholder() {
                let rest: String = name.chars().skip(1).collect();
                prop_assert!(messages.user_message.contains(&rest), "{}", entry.code);
            }
        }
        // The operation's own answers (design 3d), in their own words.
        for rule in catalog().operation_rules() {
            let Some(id) = rule.answer else { continue };
            let entry = &catalog().list()[rule.entry.index()];
            let input = Input::Structured { error_type: VEHICLE_STATE, code: &entry.code };
            let ctx = Context { operation: Some(rule.operation), ..Context::default() };
            let mut interpretation = interpret(catalog(), input, &ctx).unwrap();
            let messages = interpretation.messages(name);
            let answer = catalog().table().answer(id);
            prop_assert_eq!(interpretation.reason, answer.reason.as_str());
            prop_assert!(!messages.user_message.contains("<app name>"), "{}", answer.reason);
            if answer.user_message.template.has_placeholder() {
                let rest: String = name.chars().skip(1).collect();
                prop_assert!(messages.user_message.contains(&rest), "{}", answer.reason);
            }
        }
    }

    /// Text of errors outside the catalog, with placeholders anywhere, is
    /// rendered without them for any accepted app name free of `<` and `>`.
    #[test]
    fn foreign_text_never_keeps_a_placeholder(
        text in "(<app name>|[a-z <>]){0,40}",
        name in "[A-Za-z0-9 ]{1,20}",
    ) {
        let Ok(Some(app_name)) = AppName::parse(&name) else {
            return Ok(());
        };
        let body = serde_json::json!({
            "type": "COMPATIBILITY",
            "description": text,
            "suggestedUserMessage": text,
        })
        .to_string();
        let mut interpretation =
            interpret(catalog(), Input::Body(&body), &Context::default()).unwrap();
        let messages = interpretation.messages(app_name.as_str());
        prop_assert!(!messages.user_message.contains("<app name>"));
        prop_assert!(!messages.description.contains("<app name>"));
        let own = interpretation
            .body_suggested_user_message(app_name.as_str())
            .unwrap_or_default();
        prop_assert!(!own.contains("<app name>"));
    }
}

/// `code` with each letter's case flipped where `mask` has a set bit.
fn recase(code: &str, mask: u64) -> String {
    code.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_lowercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every catalog code, in any letter case, round-trips through the v2
    /// body, the v3 envelope (after any number of errors of other types),
    /// and, where it has one, its legacy v1 code.
    #[test]
    fn every_catalog_code_round_trips_through_each_format(
        mask in any::<u64>(),
        others in 0usize..4,
    ) {
        let ctx = Context::default();
        for entry in catalog().list() {
            let code = recase(&entry.code, mask);

            let v2 = serde_json::json!({"type": "VEHICLE_STATE", "code": code, "statusCode": 409})
                .to_string();
            let i = interpret(catalog(), Input::Body(&v2), &ctx).unwrap();
            prop_assert_eq!(i.identification, Identification::ExactCode);
            prop_assert_eq!(&i.entry.unwrap().entry.code, &entry.code);

            // The others are "already done", the least restrictive answer,
            // so this one (first, and so first of equals) is answered.
            let mut errors = vec![serde_json::json!({"status": "409", "type": "VEHICLE_STATE", "code": code})];
            errors.extend(vec![serde_json::json!({"type": "VEHICLE_STATE", "code": "FULLY_CHARGED"}); others]);
            let v3 = serde_json::json!({ "errors": errors }).to_string();
            let i = interpret(catalog(), Input::Body(&v3), &ctx).unwrap();
            prop_assert_eq!(i.identification, Identification::ExactCode);
            prop_assert_eq!(&i.entry.unwrap().entry.code, &entry.code);
            prop_assert_eq!(i.other_errors, u32::try_from(others).unwrap());

            for legacy in &entry.legacy_codes {
                let v1 = serde_json::json!({
                    "error": "vehicle_state_error",
                    "message": "m",
                    "code": recase(legacy, mask),
                })
                .to_string();
                let i = interpret(catalog(), Input::Body(&v1), &ctx).unwrap();
                prop_assert_eq!(i.identification, Identification::LegacyCode);
                prop_assert_eq!(&i.entry.unwrap().entry.code, &entry.code);
            }
        }
    }
}

/// Five entries have legacy codes (VS_000 to VS_004), so the v1 leg of the
/// round trip above is not vacuous.
#[test]
fn legacy_codes_exist_for_the_v1_round_trip() {
    let legacy: usize = catalog().list().iter().map(|e| e.legacy_codes.len()).sum();
    assert_eq!(legacy, 5);
}
