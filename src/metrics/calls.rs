//! One gRPC call's record: its RPC, status, latency and in-flight count,
//! kept by a guard the server's metrics layer (`server::layers::metrics`)
//! holds for the call's life.

use std::{fmt, time::Instant};

use prometheus_client::metrics::gauge::Gauge;
use tonic::Code;

use super::{Metrics, OTHER, RpcHandles, RpcLabels};
use crate::grpc::rpc::{self, RPCS};

impl Metrics {
    /// Starts timing a call to `path`; the guard records its outcome.
    pub(crate) fn start_call(&self, path: &str) -> CallGuard {
        let rpc = rpc::index(path);
        let guard = CallGuard {
            metrics: self.clone(),
            rpc,
            start: Instant::now(),
            finished: false,
        };
        guard.in_flight().inc();
        guard
    }
}

/// One call in flight: records its status and latency once, and counts
/// it as CANCELLED if it is dropped first (the client went away, or
/// the server's request timeout dropped it).
pub(crate) struct CallGuard {
    metrics: Metrics,
    rpc: usize,
    start: Instant,
    finished: bool,
}

impl CallGuard {
    fn labels(&self) -> RpcLabels {
        let (service, method) = RPCS.get(self.rpc).copied().unwrap_or((OTHER, OTHER));
        [("grpc_service", service), ("grpc_method", method)]
    }

    fn handles(&self) -> &RpcHandles {
        &self.metrics.inner.rpcs[self.rpc]
    }

    fn in_flight(&self) -> &Gauge {
        self.handles().in_flight.get_or_init(|| {
            self.metrics
                .inner
                .in_flight
                .get_or_create(&self.labels())
                .clone()
        })
    }

    /// Records the call's gRPC status `code` and latency.
    pub(crate) fn finish(&mut self, code: Code) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let inner = &*self.metrics.inner;
        let handles = self.handles();
        handles.handled[code as usize]
            .get_or_init(|| {
                let [service, method] = self.labels();
                inner
                    .handled
                    .get_or_create(&[service, method, ("grpc_code", rpc::code_name(code))])
                    .clone()
            })
            .inc();
        handles
            .latency
            .get_or_init(|| inner.latency.get_or_create(&self.labels()).clone())
            .observe(self.start.elapsed().as_secs_f64());
        self.in_flight().dec();
    }
}

impl fmt::Debug for CallGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallGuard").field("rpc", &self.rpc).finish()
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.finish(Code::Cancelled);
    }
}
