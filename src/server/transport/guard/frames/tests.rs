//! The frame reader under any split of its input, the control-frame
//! budget it charges, and the GOAWAY it writes.

use std::time::Duration;

use super::*;
use crate::server::CONTROL_FRAME_BURST;

/// One frame, built on the header the GOAWAY uses (the integration tests
/// have their own builder in `tests/api/helpers/frames.rs`: a unit test
/// cannot reach it).
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    [&header(payload.len(), kind, flags, stream), payload].concat()
}

fn start() -> Vec<u8> {
    [MAGIC.as_slice(), &frame(SETTINGS, 0, 0, &[])].concat()
}

/// The preface is complete with the magic and the first frame header,
/// however the bytes are split.
#[test]
fn preface_in_any_split() {
    let bytes = start();
    for split in 0..bytes.len() {
        let mut inbound = Inbound::default();
        inbound.feed(&bytes[..split], None).unwrap();
        assert!(!inbound.preface_done(), "{split}");
        inbound.feed(&bytes[split..], None).unwrap();
        assert!(inbound.preface_done(), "{split}");
    }
    let mut http1 = Inbound::default();
    http1.feed(b"GET / HTTP/1.1\r\n\r\n", None).unwrap();
    assert!(http1.opaque && !http1.preface_done());
}

/// The bucket's burst of PINGs passes, one more trips it; payloads are
/// skipped unread, even when a frame header in them looks like a PING.
#[tokio::test(start_paused = true)]
async fn pings_beyond_the_burst_trip() {
    let mut inbound = Inbound::default();
    let mut bucket = Bucket::new(10);
    let fake_pings: Vec<u8> = (0..200).flat_map(|_| frame(PING, 0, 0, &[0; 8])).collect();
    let data = frame(0, 0, 1, &fake_pings);
    inbound.feed(&start(), Some(&mut bucket)).unwrap();
    inbound.feed(&data, Some(&mut bucket)).unwrap();
    let ping = frame(PING, 0, 0, &[0; 8]);
    for _ in 1..CONTROL_FRAME_BURST {
        inbound.feed(&ping, Some(&mut bucket)).unwrap();
    }
    assert_eq!(inbound.feed(&ping, Some(&mut bucket)), Err(Trip::Pings));
    // A second of refill buys `rate` more.
    tokio::time::advance(Duration::from_secs(1)).await;
    // The connection closes at a trip; a new reader picks up the bucket.
    let mut inbound = Inbound::default();
    inbound.feed(MAGIC, None).unwrap();
    let settings = frame(SETTINGS, 0, 0, &[]);
    let passed = (0..20)
        .take_while(|_| inbound.feed(&settings, Some(&mut bucket)).is_ok())
        .count();
    assert_eq!(passed, 10);
    assert_eq!(
        inbound.feed(&settings, Some(&mut bucket)),
        Err(Trip::Settings)
    );
}

/// Every request gives a token back: a PING per call never runs out.
#[tokio::test(start_paused = true)]
async fn pings_that_come_with_requests_are_free() {
    let mut inbound = Inbound::default();
    let mut bucket = Bucket::new(1);
    inbound.feed(&start(), Some(&mut bucket)).unwrap();
    for stream in (1..20_000).step_by(2) {
        let call = [
            frame(HEADERS, 0x4, stream, &[0x83]),
            frame(PING, 0, 0, &[0; 8]),
        ];
        inbound.feed(&call.concat(), Some(&mut bucket)).unwrap();
    }
    assert_eq!(inbound.last_stream, 19_999);
}

/// Outbound boundaries follow frame lengths across any split.
#[test]
fn outbound_boundaries() {
    let bytes = [frame(SETTINGS, 0, 0, &[0; 6]), frame(0, 0, 1, &[7; 300])].concat();
    for split in 0..bytes.len() {
        let mut outbound = Outbound::default();
        outbound.feed(&bytes[..split], &mut OpenStreams::default());
        assert_eq!(outbound.at_boundary(), split == 0 || split == 15, "{split}");
        outbound.feed(&bytes[split..], &mut OpenStreams::default());
        assert!(outbound.at_boundary());
    }
}

/// The GOAWAY is well-formed: length, type, last stream, code, data.
#[test]
fn goaway_frame() {
    let frame = goaway(7, b"too_many_pings");
    assert_eq!(&frame[..9], &[0, 0, 22, GOAWAY, 0, 0, 0, 0, 0]);
    assert_eq!(&frame[9..13], &7_u32.to_be_bytes());
    assert_eq!(&frame[13..17], &ENHANCE_YOUR_CALM.to_be_bytes());
    assert_eq!(&frame[17..], b"too_many_pings");
}

/// A stream is open from the client's HEADERS until our END_STREAM or a
/// RST_STREAM either way; the client's own END_STREAM and a HEADERS frame
/// on a stream it already opened (trailers) change nothing; the answer's
/// frames are read across any split.
#[test]
fn open_streams_follow_requests_and_answers() {
    let answer = [
        frame(HEADERS, 0x4, 1, &[0x88]),
        frame(DATA, 0, 1, &[0; 300]),
        frame(HEADERS, 0x4 | END_STREAM, 1, &[0x40]),
    ]
    .concat();
    for split in 0..answer.len() {
        let mut inbound = Inbound::default();
        inbound.feed(&start(), None).unwrap();
        let requests = [
            frame(HEADERS, 0x4, 1, &[0x83]),
            frame(DATA, END_STREAM, 1, &[0; 40]),
            frame(HEADERS, 0x4, 3, &[0x83]),
            frame(HEADERS, 0x4 | END_STREAM, 3, &[0x40]),
        ];
        inbound.feed(&requests.concat(), None).unwrap();
        assert_eq!(inbound.open.ids, [1, 3]);
        let mut outbound = Outbound::default();
        outbound.feed(&answer[..split], &mut inbound.open);
        // Ended once the trailers' frame header is in, its payload or not.
        let trailers_header_in = split >= answer.len() - 1;
        assert_eq!(
            inbound.open.ids.contains(&1),
            !trailers_header_in,
            "{split}"
        );
        outbound.feed(&answer[split..], &mut inbound.open);
        assert_eq!(inbound.open.ids, [3], "{split}");
        inbound
            .feed(&frame(RST_STREAM, 0, 3, &[0, 0, 0, 8]), None)
            .unwrap();
        assert!(!inbound.open.any());
    }
    let mut inbound = Inbound::default();
    inbound.feed(&start(), None).unwrap();
    inbound
        .feed(&frame(HEADERS, 0x4, 5, &[0x83]), None)
        .unwrap();
    Outbound::default().feed(&frame(RST_STREAM, 0, 5, &[0, 0, 0, 7]), &mut inbound.open);
    assert!(!inbound.open.any(), "our RST_STREAM ends it too");
}
