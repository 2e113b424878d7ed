//! The connection path, below tonic: accepting (under the connection
//! limit), TLS termination, the guards against hostile HTTP/2 peers, write
//! coalescing and the lingering close. Each piece wraps the connection
//! tonic serves ([`accept::Connection`] is the whole stack); nothing here
//! sees a request or a response, which is the tower layers' side.

mod accept;
mod coalesce;
mod either;
mod guard;
mod linger;
mod tls;

// Hidden, not private: the load generator (examples/loadgen.rs) coalesces
// its client writes the same way, and an example sees only public items.
// It is no general-purpose `AsyncWrite` (see `poll_flush`), so it is no
// part of the documented API.
#[doc(hidden)]
pub use coalesce::CoalescedWrites;
// The abuse tests size their floods from the budget's burst.
pub use guard::CONTROL_FRAME_BURST;
pub use tls::{TlsError, TlsFiles};

pub(crate) use accept::Incoming;
pub(crate) use guard::Guards;
pub(crate) use tls::acceptor as tls_acceptor;

use linger::LingeringClose;
