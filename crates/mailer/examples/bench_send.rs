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
//! the mailer, not a property of any real mail server; `BENCH_SINK` points it at another
//! (`bench/dispatch.sh` mode `mailer` uses it for the mail path alone, without a database).

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
        locale: "en".to_owned(),
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

/// Sends `count` invitations through a `Mailer` with `pool_size` connections, into the
/// in-process sink or, with `external` (host, port), into a sink of another process, whose
/// acceptance of each message (the 250) is when its send returns.
async fn run(count: usize, pool_size: u32, external: Option<(String, u16)>) {
    let sink = match external {
        None => Some(SmtpSink::start().await),
        Some(_) => None,
    };
    let (host, port) = match (&sink, external) {
        (Some(sink), _) => ("127.0.0.1".to_owned(), sink.port()),
        (None, Some(addr)) => addr,
        (None, None) => unreachable!("one of the two sinks"),
    };
    let mut settings = settings(port, pool_size);
    settings.smtp.host = host;
    let mailer = Mailer::from_settings(&settings, "https://vouch.example.com").expect("mailer");
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
    let received = match &sink {
        Some(sink) => sink.wait_for(count).await.len(),
        None => count,
    };
    let elapsed = started.elapsed();

    let connections = match &sink {
        Some(sink) => format!(" over {} connection(s)", sink.connections_count()),
        None => String::new(),
    };
    println!(
        "pool_size {pool_size:>2}: {count} invitations in {:>6.2} s = {:>7.0} msg/s{connections} ({received} received)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
    );
    mailer.shutdown().await;
    if let Some(sink) = sink {
        sink.stop().await;
    }
}

/// `BENCH_SINK=host:port` sends into that sink instead of one in this process (so that,
/// say, Postfix's `smtp-sink` and `smtp-source` can be compared on the same server);
/// `BENCH_POOLS=1,8` are the pool sizes to measure.
#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("count must be a number"))
        .unwrap_or(5000);
    let external = std::env::var("BENCH_SINK").ok().map(|addr| {
        let (host, port) = addr.rsplit_once(':').expect("BENCH_SINK is host:port");
        (host.to_owned(), port.parse().expect("BENCH_SINK port"))
    });
    let pools: Vec<u32> = std::env::var("BENCH_POOLS")
        .unwrap_or_else(|_| "1,8".to_owned())
        .split(',')
        .map(|p| p.trim().parse().expect("BENCH_POOLS: numbers"))
        .collect();

    let mailer =
        Mailer::from_settings(&settings(25, 1), "https://vouch.example.com").expect("mailer");
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

    for pool_size in pools {
        run(count, pool_size, external.clone()).await;
    }
}
