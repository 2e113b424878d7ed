//! The classification's vocabulary: the enums every catalog entry and
//! type-table answer is written in (docs/design.md §3 and §5.1), read from
//! the catalog files by name and turned into proto enums and metric labels
//! by the code that serves them.

use std::time::Duration;

use serde::Deserialize;

/// Which kind of vehicle state blocked a request (docs/design.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// Asleep, out of coverage, remote access off, in service mode.
    Connectivity,
    /// The charging state conflicts with the request.
    Charging,
    /// A door, the hood or the trunk is open.
    Closure,
    /// The vehicle is running or moving.
    VehicleInUse,
    /// A battery is too low.
    Power,
    /// The API could not tell which state it is.
    Unknown,
    /// An error with no usable type or status.
    Other,
    /// Credentials or permissions: the access token, the user's grant.
    Access,
    /// The user's connected-services account at the carmaker.
    Account,
    /// A rate limit of the API or of the carmaker.
    RateLimit,
    /// The API plan's limits or standing.
    Billing,
    /// The vehicle, make or platform cannot do what was asked.
    Compatibility,
    /// The carmaker's systems failed.
    Upstream,
    /// The API itself failed.
    Provider,
    /// The calling service's own request to the API was wrong.
    Request,
}

impl Category {
    /// True for the categories of vehicle-state errors, the only ones a
    /// catalog entry may have.
    pub fn is_vehicle_state(self) -> bool {
        matches!(
            self,
            Self::Connectivity
                | Self::Charging
                | Self::Closure
                | Self::VehicleInUse
                | Self::Power
                | Self::Unknown
        )
    }
}

/// What an error blocks, so what a caller pauses (docs/design.md §3c):
/// declared from the narrowest to the widest circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scope {
    /// Only this call: retrying the same call may work.
    Call,
    /// This request on this vehicle; other requests may work.
    Operation,
    /// Every request for this vehicle.
    Vehicle,
    /// Every request with this user's connection.
    User,
    /// Every request of the application.
    Application,
}

impl Scope {
    /// Every scope, narrowest first, for pre-created metric series.
    pub const ALL: [Self; 5] = [
        Self::Call,
        Self::Operation,
        Self::Vehicle,
        Self::User,
        Self::Application,
    ];
}

/// What the caller's failed request asked the vehicle to do, when it says
/// (docs/design.md §3.1): it lets "already done" be decided instead of
/// guessed. Not saying is `None` wherever an operation is optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Operation {
    /// Lock the doors.
    Lock,
    /// Unlock the doors.
    Unlock,
    /// Start charging.
    StartCharge,
    /// Stop charging.
    StopCharge,
    /// Read data (a signal, the charge state, the location, ...).
    Read,
    /// Any other command sent to the vehicle.
    OtherCommand,
}

/// When a caller should retry (docs/design.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RetryStrategy {
    /// The vehicle is already in the requested state. Declared first: the
    /// order is how restrictive a strategy is, least first (a v3 body with
    /// several errors is answered for its most restrictive one).
    NoRetryNeeded,
    /// Retry after a delay; nobody needs to act.
    RetryLater,
    /// Retry once someone has acted (see [`Action`]).
    RetryAfterAction,
    /// Retrying will not help.
    DoNotRetry,
}

/// Who must do what before a retry can succeed (docs/design.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Nobody: wait, or do not retry.
    None,
    /// The driver, at the vehicle.
    DriverAtVehicle,
    /// The user signs in again through the connect flow.
    UserReconnect,
    /// The user fixes something in their carmaker account.
    UserAccountAction,
    /// The calling service refreshes its access token.
    CallerRefreshCredentials,
    /// The calling service fixes its request.
    CallerFixRequest,
    /// Someone contacts the API's support.
    ContactSupport,
}

/// The `resolution.type` the API sends with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolutionType {
    /// `resolution` or its `type` is null or absent.
    None,
    /// `RETRY_LATER`.
    RetryLater,
    /// `REAUTHENTICATE`.
    Reauthenticate,
    /// `CONTACT_SUPPORT`.
    ContactSupport,
}

impl ResolutionType {
    /// Reads a documented resolution type in any letter case; `None` for
    /// anything else.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ("RETRY_LATER", Self::RetryLater),
            ("REAUTHENTICATE", Self::Reauthenticate),
            ("CONTACT_SUPPORT", Self::ContactSupport),
        ]
        .into_iter()
        .find_map(|(name, kind)| s.eq_ignore_ascii_case(name).then_some(kind))
    }
}

impl RetryStrategy {
    /// The rules every retry policy keeps, in the catalog and the type
    /// table alike: a wait needs a delay, "already done" has none, and an
    /// action is named exactly when a retry waits on one (or when no retry
    /// will help and someone must still do something).
    pub(super) fn check(self, action: Action, delay: Duration) -> Result<(), String> {
        match (self, action) {
            (Self::NoRetryNeeded, _) if !delay.is_zero() => {
                Err("NO_RETRY_NEEDED must have a zero delay".into())
            }
            (Self::RetryLater, _) if delay.is_zero() => Err("RETRY_LATER needs a delay".into()),
            (Self::RetryLater | Self::NoRetryNeeded, a) if a != Action::None => {
                Err(format!("{self:?} takes action NONE, not {a:?}"))
            }
            (Self::RetryAfterAction, Action::None) => {
                Err("RETRY_AFTER_ACTION must name who acts".into())
            }
            _ => Ok(()),
        }
    }
}

/// The gRPC code a caller should propagate, decided per answer
/// (docs/design.md §5.1). Named like `google.rpc.Code`, without depending
/// on it: the adapter converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Propagation {
    /// The system must change state first (someone acts, or time passes).
    FailedPrecondition,
    /// A quota or rate limit.
    ResourceExhausted,
    /// A transient failure: retrying just this call soon is right.
    Unavailable,
    /// A gateway timed out: a command may have run.
    DeadlineExceeded,
    /// The calling service's own bug.
    Internal,
    /// A record the provider lacks.
    NotFound,
    /// Nothing usable.
    Unknown,
}

impl Propagation {
    /// True for the codes generic retry layers (gRPC retry policies,
    /// meshes) retry at once.
    pub fn is_retried_by_infrastructure(self) -> bool {
        matches!(
            self,
            Self::Unavailable | Self::ResourceExhausted | Self::DeadlineExceeded
        )
    }
}
