//! What the payload interpretation ignored, cut or assumed: never silent.
//! Each item's own interpretation keeps `interpret`'s warnings beside
//! these.

/// The kinds of payload warning, each with a stable UPPER_SNAKE reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadWarningKind {
    /// The body is not JSON.
    BodyNotJson,
    /// The body nests deeper than the parser's limit (serde_json's 128).
    DepthLimitReached,
    /// The body is JSON but none of the known payload shapes.
    NotAPayload,
    /// A field that should be a list (`errors`, `signals`, `responses`,
    /// `data`, `vehicles`) is not; read as empty.
    NotAList,
    /// An error object that `interpret` cannot read (no type): skipped.
    ErrorSkipped,
    /// More distinct errors than `max_items`: the rest are counted only.
    ItemLimitReached,
    /// More failed signals than `max_signals`: the rest are counted only.
    SignalLimitReached,
    /// A signal entry that names no signal (not an object or a string, or
    /// no code and no group and name), in a signals list or an error's
    /// `signals`: counted only. An error whose `signals` held only such
    /// entries is still signal-scoped, never vehicle-wide.
    SignalUnreadable,
    /// `used_signals` was empty, so every signal counted as used, and that
    /// made a signal-scoped error relevant.
    UsedSignalsEmpty,
    /// The VERIFY challenge is too long or holds characters a challenge
    /// never has: not passed on.
    ChallengeInvalid,
}

impl PayloadWarningKind {
    /// The stable key callers switch on.
    pub fn reason(self) -> &'static str {
        match self {
            Self::BodyNotJson => "BODY_NOT_JSON",
            Self::DepthLimitReached => "DEPTH_LIMIT_REACHED",
            Self::NotAPayload => "NOT_A_PAYLOAD",
            Self::NotAList => "NOT_A_LIST",
            Self::ErrorSkipped => "ERROR_SKIPPED",
            Self::ItemLimitReached => "ITEM_LIMIT_REACHED",
            Self::SignalLimitReached => "SIGNAL_LIMIT_REACHED",
            Self::SignalUnreadable => "SIGNAL_UNREADABLE",
            Self::UsedSignalsEmpty => "USED_SIGNALS_EMPTY",
            Self::ChallengeInvalid => "CHALLENGE_INVALID",
        }
    }

    /// A sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            Self::BodyNotJson => "the body is not JSON; no errors were read",
            Self::DepthLimitReached => "the body nests deeper than 128 levels; no errors were read",
            Self::NotAPayload => {
                "the body is none of the webhook, signals or batch shapes; no errors were read"
            }
            Self::NotAList => "a field that should be a list is not; read as empty",
            Self::ErrorSkipped => "an error without a usable type was skipped",
            Self::ItemLimitReached => "more distinct errors than the limit; the rest were counted",
            Self::SignalLimitReached => {
                "more failed signals than the limit; the rest were counted, not listed"
            }
            Self::SignalUnreadable => {
                "signal entries that name no signal were counted, not listed; an error scoped to them stays signal-scoped"
            }
            Self::UsedSignalsEmpty => {
                "used_signals is empty, so every signal counted as used and made a signal-scoped error relevant"
            }
            Self::ChallengeInvalid => {
                "the VERIFY challenge is too long or has unexpected characters; not passed on"
            }
        }
    }
}

/// One payload warning: its kind and the values involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadWarning {
    /// What happened.
    pub kind: PayloadWarningKind,
    /// The values involved, with lowerCamelCase keys (`field`, `dropped`).
    pub metadata: Vec<(&'static str, String)>,
}

impl PayloadWarning {
    /// A warning with no values.
    pub fn new(kind: PayloadWarningKind) -> Self {
        Self {
            kind,
            metadata: Vec::new(),
        }
    }

    /// Adds a value.
    #[must_use]
    pub fn with(mut self, key: &'static str, value: &impl ToString) -> Self {
        self.metadata.push((key, value.to_string()));
        self
    }
}
