//! The process's shutdown signal: SIGTERM (what Kubernetes sends) or
//! SIGINT (Ctrl-C).

use std::future::Future;

/// Listens for SIGINT and SIGTERM from the moment it is called, and returns
/// a future that resolves when one arrives.
///
/// The listeners are registered here, not on the future's first poll: the
/// server logs "serving" and answers calls before its accept loop first
/// polls the shutdown future, and a SIGTERM in between would otherwise hit
/// the default action and kill the process without a drain (seen as exit
/// by signal 15 in the client test suites). Call it inside the runtime,
/// before announcing readiness.
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let listeners = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (terminate, interrupt) = listeners;
            let (mut terminate, mut interrupt) = match (terminate, interrupt) {
                (Ok(t), Ok(i)) => (t, i),
                (Err(err), _) | (_, Err(err)) => {
                    tracing::error!(%err, "cannot listen for SIGTERM/SIGINT");
                    return std::future::pending().await;
                }
            };
            tokio::select! {
                _ = terminate.recv() => tracing::info!("SIGTERM received"),
                _ = interrupt.recv() => tracing::info!("SIGINT received"),
            }
        }
        #[cfg(not(unix))]
        {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!(%err, "cannot listen for Ctrl-C");
                return std::future::pending().await;
            }
            tracing::info!("Ctrl-C received");
        }
    }
}
