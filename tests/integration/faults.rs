//! A faulty server on loopback: each fault fails the step with its cause, not a bare "error
//! sending request"; escape sequences from a server never reach the terminal raw; a body
//! over the cap fails while it streams.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::support::Project;

/// Serves `answer` (raw bytes, then a close) to every connection, on a free port.
fn faulty_server(answer: &'static [u8], reset: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            if reset {
                // SO_LINGER 0: closing sends a RST.
                let socket = socket2::SockRef::from(&stream);
                let _ = socket.set_linger(Some(std::time::Duration::ZERO));
                drop(stream);
                continue;
            }
            let _ = stream.write_all(answer);
        }
    });
    base
}

fn run_against(base: &str, extra: &[&str]) -> crate::support::Run {
    let project = Project::new();
    project.write(
        "s.yaml",
        "name: against a faulty server\nsteps:\n  - request: { url: \"{{ base }}/x\", timeout: 5s }\n",
    );
    let var = format!("base={base}");
    let mut args = vec!["run", "s.yaml", "--var", &var];
    args.extend_from_slice(extra);
    project.obflow(&args)
}

#[test]
fn each_transport_fault_is_named() {
    let cases: &[(&'static [u8], &str)] = &[
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nbad\r\n",
            "chunk",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
            "content-length",
        ),
        (b"NOT HTTP AT ALL\r\n\r\n", "invalid"),
    ];
    for (answer, cause) in cases {
        let base = faulty_server(answer, false);
        let out = run_against(&base, &[]);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        let text = out.stdout.to_lowercase();
        assert!(text.contains(cause), "{cause}: {}", out.stdout);
        assert!(!text.contains("error sending request"), "{}", out.stdout);
    }
}

#[test]
fn a_reset_is_named() {
    let base = faulty_server(b"", true);
    let out = run_against(&base, &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let text = out.stdout.to_lowercase();
    assert!(
        text.contains("reset") || text.contains("closed"),
        "{}",
        out.stdout
    );
}

#[test]
fn escape_sequences_from_a_server_do_not_reach_the_terminal_raw() {
    let base = faulty_server(
        b"HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\n\x1b[2J\x1b]0;pwned\x07 hello!!",
        false,
    );
    let out = run_against(&base, &["-v"]);
    // A `request` step checks nothing unless told to: the 500 passes.
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains('\x1b'), "{:?}", out.stdout);
    assert!(!out.stdout.contains('\x07'), "{:?}", out.stdout);
    assert!(out.stdout.contains("hello"), "{}", out.stdout);
}

#[test]
fn a_body_over_the_cap_fails_the_step_while_it_streams() {
    // Declared too large, and streamed without a length: both stop at the cap.
    let declared = faulty_server(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nxxxx",
        false,
    );
    let streamed: &'static [u8] = Box::leak(
        {
            let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for _ in 0..8 {
                answer.extend_from_slice(b"200\r\n");
                answer.extend_from_slice(&[b'y'; 0x200]);
                answer.extend_from_slice(b"\r\n");
            }
            answer.extend_from_slice(b"0\r\n\r\n");
            answer
        }
        .into_boxed_slice(),
    );
    let streamed = faulty_server(streamed, false);
    for base in [declared, streamed] {
        let out = run_against(&base, &["--max-body", "1KiB"]);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        assert!(
            out.stdout
                .contains("larger than 1KiB, the most a step reads (`--max-body`)"),
            "{}",
            out.stdout
        );
    }
    // Under the cap, the same body is read.
    let out = run_against(
        &faulty_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
        &["--max-body", "1KiB"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// A 4 KiB body, streamed without a length, to every connection.
fn four_kib_server() -> String {
    let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        answer.extend_from_slice(b"400\r\n");
        answer.extend_from_slice(&[b'z'; 0x400]);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    faulty_server(Box::leak(answer.into_boxed_slice()), false)
}

#[test]
fn a_step_max_body_overrides_the_run_cap_either_way() {
    let base = four_kib_server();
    let project = Project::new();
    project.write(
        "small.yaml",
        "name: a step capped below the body\nsteps:\n  - request: { url: \"{{ base }}/x\" }\n    max_body: 1KiB\n",
    );
    project.write(
        "large.yaml",
        "name: a step allowed more than --max-body\nsteps:\n  - request: { url: \"{{ base }}/x\" }\n    max_body: 8192\n",
    );
    let var = format!("base={base}");

    // The run's cap is the default 16 MiB: the step's 1 KiB fails it, named, at the step.
    let out = project.obflow(&["run", "small.yaml", "--var", &var]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("larger than 1KiB, the most this step reads (its `max_body`)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("small.yaml:3:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("raise the step's `max_body`"),
        "{}",
        out.stdout
    );

    // The run's cap is 1 KiB, the step's 8 KiB: the 4 KiB body is read.
    let out = project.obflow(&["run", "large.yaml", "--var", &var, "--max-body", "1KiB"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}
