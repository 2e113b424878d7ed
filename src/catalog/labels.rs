//! The label names of a category and a scope, written once for the
//! metrics, the trace spans and the ErrorInfo metadata: the proto enum's
//! value name without its prefix.

use super::{Category, Scope};

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
