//! Text logs read by a pipe (a container runtime, a log collector) carry no
//! ANSI colour codes; a terminal still gets them.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

#[test]
fn text_logs_on_a_pipe_are_not_coloured() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
        .args(["--listen-addr", "127.0.0.1:0"])
        .args(["--metrics-addr", "127.0.0.1:0"])
        .args(["--log-format", "text"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        let serving = line.contains(" serving ");
        lines.push(line);
        if serving {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        lines.last().is_some_and(|l| l.contains(" serving ")),
        "no serving line: {lines:#?}"
    );
    assert!(
        lines.iter().all(|l| !l.contains('\u{1b}')),
        "ANSI escape codes in: {lines:#?}"
    );
}
