//! The label name of a category, written once for the metrics and the
//! trace spans: the proto enum's value name without its prefix.

use super::Category;

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
