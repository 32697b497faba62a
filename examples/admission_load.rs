//! A bounded load test for `stevedore serve`'s admission door (used by scripts/bench.sh):
//! CONCURRENCY clients send REQUESTS AdmissionReviews in total and report latency percentiles.
//!
//! Usage: admission_load PORT API_KEY IMAGE [REQUESTS] [CONCURRENCY]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: admission_load PORT API_KEY IMAGE [REQUESTS] [CONCURRENCY]");
        std::process::exit(2);
    }
    let port: u16 = args[1].parse().unwrap_or(8080);
    let key = args[2].clone();
    let image = args[3].clone();
    let total: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(200);
    let concurrency: usize = args
        .get(5)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
        .min(total)
        .max(1);
    let body = format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"load","kind":{{"kind":"Pod"}},"operation":"CREATE","namespace":"default","object":{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p"}},"spec":{{"containers":[{{"name":"c","image":"{image}"}}]}}}}}}}}"#
    );
    let request = format!(
        "POST /api/v1/admission HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, latencies, errors, request) = (
                next.clone(),
                latencies.clone(),
                errors.clone(),
                request.clone(),
            );
            std::thread::spawn(move || {
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let t = Instant::now();
                    let ok = TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
                        s.set_read_timeout(Some(Duration::from_secs(30)))?;
                        s.write_all(request.as_bytes())?;
                        let mut out = Vec::new();
                        s.read_to_end(&mut out)?;
                        Ok(out.starts_with(b"HTTP/1.1 200"))
                    });
                    match ok {
                        Ok(true) => latencies
                            .lock()
                            .map(|mut l| l.push(t.elapsed()))
                            .unwrap_or(()),
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let wall = started.elapsed();
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    l.sort();
    let pct = |p: f64| {
        l.get(((l.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{} requests, {} concurrent: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {:.0} req/s, {} errors",
        total,
        concurrency,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        l.len() as f64 / wall.as_secs_f64(),
        errors.load(Ordering::Relaxed)
    );
}
