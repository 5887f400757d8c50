//! Throughput of invitations into a local SMTP sink, by pool size. A benchmark, not a test:
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-mailer cargo run --release -p mailer --example bench_send -- [count]
//! ```
//!
//! For each pool size it starts a fresh `smtp-sink` on loopback, sends `count` (default
//! 5000) invitations from 64 concurrent senders through one `Mailer`, waits until the sink
//! has every message, and prints messages per second and how many connections were used.
//! It also prints the render + compose rate alone, to separate template cost from SMTP cost.
//! The sink runs in the same process and on the same cores, so the figures are a floor for
//! the mailer, not a property of any real mail server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mailer::{
    Email, Invitation, MailSettings, Mailer, Purpose, Recipient, SmtpSettings, Tls, TransportKind,
};
use smtp_sink::SmtpSink;
use tokio::task::JoinSet;
use uuid::Uuid;

const SENDERS: usize = 64;

fn invitation(n: usize) -> Email {
    Email::from(Invitation {
        to: Recipient::new(
            format!("Zoë Referee {n}"),
            format!("referee{n}@client.example.org"),
        ),
        reply_to: Recipient::new("Olivia Owner", "olivia@hiring.example.com"),
        provider_name: "Société Générale Conseil".to_owned(),
        requested_by: "Olivia Owner".to_owned(),
        company_name: Some("Hiring Co".to_owned()),
        token: format!("token-{n:08}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        deadline: "5 December 2026".to_owned(),
        questions_count: 14,
        minutes: 7,
        purpose: Purpose::Reference,
    })
}

fn settings(port: u16, pool_size: u32) -> MailSettings {
    MailSettings {
        transport: TransportKind::Smtp,
        from: "Vouch <vouch@vouch.example.com>".to_owned(),
        smtp: SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: Some(port),
            tls: Tls::None,
            pool_size: Some(pool_size),
            timeout_seconds: 30,
            ..SmtpSettings::default()
        },
        ..MailSettings::default()
    }
}

async fn run(count: usize, pool_size: u32) {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::from_settings(
        &settings(sink.port(), pool_size),
        "https://vouch.example.com",
    )
    .expect("mailer");
    let next = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let mut senders = JoinSet::new();
    for _ in 0..SENDERS {
        let mailer = mailer.clone();
        let next = Arc::clone(&next);
        senders.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return;
                }
                mailer.send(&invitation(n)).await.expect("sent");
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.expect("sender task");
    }
    let received = sink.wait_for(count).await.len();
    let elapsed = started.elapsed();

    println!(
        "pool_size {pool_size:>2}: {count} invitations in {:>6.2} s = {:>7.0} msg/s over {} connection(s) ({received} received)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        sink.connections_count(),
    );
    mailer.shutdown().await;
    sink.stop().await;
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("count must be a number"))
        .unwrap_or(5000);

    let sink = SmtpSink::start().await;
    let mailer = Mailer::from_settings(&settings(sink.port(), 1), "https://vouch.example.com")
        .expect("mailer");
    let started = Instant::now();
    for n in 0..count {
        mailer
            .compose(&invitation(n), Uuid::now_v7())
            .expect("composed");
    }
    let elapsed = started.elapsed();
    println!(
        "render + compose only: {count} invitations in {:>6.2} s = {:>7.0} msg/s (one core)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
    );

    for pool_size in [1, 8] {
        run(count, pool_size).await;
    }
}
