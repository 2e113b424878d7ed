//! The names of a category, a scope and an operation, written once for
//! the metrics, the trace spans, the ErrorInfo metadata and the catalog's
//! own messages: the proto enum's value name without its prefix.

use super::{Category, Operation, Scope};

impl Scope {
    /// The label name (`CALL`, `OPERATION`, `VEHICLE`, `USER`,
    /// `APPLICATION`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "CALL",
            Self::Operation => "OPERATION",
            Self::Vehicle => "VEHICLE",
            Self::User => "USER",
            Self::Application => "APPLICATION",
        }
    }
}

impl Operation {
    /// The name (`START_CHARGE`, ...), as the catalog file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lock => "LOCK",
            Self::Unlock => "UNLOCK",
            Self::StartCharge => "START_CHARGE",
            Self::StopCharge => "STOP_CHARGE",
            Self::Read => "READ",
            Self::OtherCommand => "OTHER_COMMAND",
        }
    }
}

impl Category {
    /// The label name (`CONNECTIVITY`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connectivity => "CONNECTIVITY",
            Self::Charging => "CHARGING",
            Self::Closure => "CLOSURE",
            Self::VehicleInUse => "VEHICLE_IN_USE",
            Self::Power => "POWER",
            Self::Unknown => "UNKNOWN",
            Self::Other => "OTHER",
            Self::Access => "ACCESS",
            Self::Account => "ACCOUNT",
            Self::RateLimit => "RATE_LIMIT",
            Self::Billing => "BILLING",
            Self::Compatibility => "COMPATIBILITY",
            Self::Upstream => "UPSTREAM",
            Self::Provider => "PROVIDER",
            Self::Request => "REQUEST",
        }
    }
}
