//! Running the durable job queue (a transactional outbox; see `outbox` for what is
//! queued and `store::jobs` for the rows).
//!
//! Life of a job: `queued` (due at `run_at`) → claimed by a worker (`running`, with a
//! lease) → `done`; or back to `queued` with a later `run_at` after a transient failure;
//! `failed` after a permanent one (handled: e.g. the reference was marked bounced); `dead`
//! once the attempts run out, where an admin can list and retry it. A worker that dies
//! leaves its job `running`; when the lease expires, another worker takes it over.

mod admin;
mod runner;
mod tasks;

pub use crate::domain::{Job, JobStatus};
pub use crate::outbox::{EmailKey, OwnerNotice, Task, enqueue};
pub use crate::store::jobs::QueueHealth;
pub use admin::queue_health;
pub use runner::{Worker, WorkerReport, backoff};
