//! `ListVehicleStateErrors` paging: the page size and the page token, as
//! types of their own, separate from filtering (the domain's) and from the
//! proto enums (`convert`'s).
//!
//! A page token is opaque: hex of the offset, the filters and the page
//! size it was issued for, and a checksum over them. A token from another
//! filter set or page size, a mistyped one or a made-up one is refused
//! with `INVALID_ARGUMENT` instead of silently paging the wrong list. The
//! checksum is not keyed: it catches mistakes, not a determined forger,
//! who could at most page a public catalog; an unkeyed token works on
//! every replica behind a load balancer, which a per-process key would not.

use crate::interpret::RequestError;

/// What a page token is bound to: the request's filters and page size, as
/// they arrived (proto enum numbers and all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageQuery {
    /// `category`.
    pub(super) category: i32,
    /// `strategy`.
    pub(super) strategy: i32,
    /// `page_size`.
    pub(super) page_size: i32,
}

/// Where a page starts: the position in the filtered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct PageToken {
    offset: u32,
}

/// The token format's version, so a later format can refuse this one.
const VERSION: u8 = 1;
const LEN: usize = 1 + 4 * 5;

impl PageToken {
    /// Reads a token issued for `query`; the empty token is the first page.
    ///
    /// # Errors
    /// `Malformed` for a token this server did not issue, or issued for
    /// other filters or another page size.
    pub(super) fn parse(token: &str, query: PageQuery) -> Result<Self, RequestError> {
        if token.is_empty() {
            return Ok(Self::default());
        }
        let malformed = || RequestError::Malformed {
            field: "page_token",
            detail: "not a token this server issued for these filters and page size".into(),
        };
        let bytes = decode_hex(token).ok_or_else(malformed)?;
        let [version, rest @ ..] = bytes.as_slice() else {
            return Err(malformed());
        };
        if *version != VERSION || bytes.len() != LEN {
            return Err(malformed());
        }
        let word = |i: usize| {
            let mut b = [0; 4];
            b.copy_from_slice(&rest[i * 4..i * 4 + 4]);
            b
        };
        let offset = u32::from_be_bytes(word(0));
        let issued = PageQuery {
            category: i32::from_be_bytes(word(1)),
            strategy: i32::from_be_bytes(word(2)),
            page_size: i32::from_be_bytes(word(3)),
        };
        if issued != query || u32::from_be_bytes(word(4)) != checksum(&bytes[..LEN - 4]) {
            return Err(malformed());
        }
        Ok(Self { offset })
    }

    /// The token as the response carries it, bound to `query`.
    pub(super) fn encode(self, query: PageQuery) -> String {
        let mut bytes = Vec::with_capacity(LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.offset.to_be_bytes());
        bytes.extend_from_slice(&query.category.to_be_bytes());
        bytes.extend_from_slice(&query.strategy.to_be_bytes());
        bytes.extend_from_slice(&query.page_size.to_be_bytes());
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum.to_be_bytes());
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// FNV-1a (32-bit) over a fixed prefix and `bytes`.
fn checksum(bytes: &[u8]) -> u32 {
    b"vehicle-error-interpreter/page-token"
        .iter()
        .chain(bytes)
        .fold(0x811c_9dc5_u32, |h, &b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 2 * LEN {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A page request: where to start and how many at most.
#[derive(Debug, Clone, Copy)]
pub(super) struct Page {
    query: PageQuery,
    start: PageToken,
    /// `None`: everything that is left, in one page.
    size: Option<usize>,
}

impl Page {
    /// Reads `page_size` and `page_token` for `query`.
    ///
    /// # Errors
    /// `Malformed` for a negative size or a token this server did not issue
    /// for `query`.
    pub(super) fn parse(query: PageQuery, page_token: &str) -> Result<Self, RequestError> {
        let size = usize::try_from(query.page_size).map_err(|_| RequestError::Malformed {
            field: "page_size",
            detail: "must not be negative".into(),
        })?;
        Ok(Self {
            query,
            start: PageToken::parse(page_token, query)?,
            size: (size > 0).then_some(size),
        })
    }

    /// This page of `items`, and the next page's token if any is left.
    pub(super) fn slice<T>(self, items: &[T]) -> (&[T], Option<String>) {
        let start = usize::try_from(self.start.offset).unwrap_or(usize::MAX);
        let size = self.size.unwrap_or(items.len());
        let end = start.saturating_add(size).min(items.len());
        let page = items.get(start..end).unwrap_or_default();
        let next = (end < items.len()).then(|| {
            PageToken {
                offset: u32::try_from(end).unwrap_or(u32::MAX),
            }
            .encode(self.query)
        });
        (page, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(category: i32, page_size: i32) -> PageQuery {
        PageQuery {
            category,
            strategy: 0,
            page_size,
        }
    }

    /// Pages walk the list; the last has no next token.
    #[test]
    fn pages_walk_the_list() {
        let items = [1, 2, 3, 4, 5];
        let q = query(0, 2);
        let (first, next) = Page::parse(q, "").unwrap().slice(&items);
        assert_eq!(first, [1, 2]);
        let (second, next) = Page::parse(q, &next.unwrap()).unwrap().slice(&items);
        assert_eq!(second, [3, 4]);
        let (third, next) = Page::parse(q, &next.unwrap()).unwrap().slice(&items);
        assert_eq!((third, next), (&[5][..], None));
        assert!(Page::parse(query(0, -1), "").is_err());
    }

    /// A token works only with the filters and page size it was issued
    /// for; mistyped, forged-looking and old-style tokens are refused.
    #[test]
    fn tokens_are_bound_and_checked() {
        let token = PageToken { offset: 2 }.encode(query(3, 1));
        assert_eq!(
            PageToken::parse(&token, query(3, 1)),
            Ok(PageToken { offset: 2 })
        );
        for (bad, q) in [
            (token.clone(), query(0, 1)),
            (token.clone(), query(3, 2)),
            (format!("{}0", &token[..token.len() - 1]), query(3, 1)),
            ("offset:2".to_owned(), query(3, 1)),
            ("zz".to_owned(), query(3, 1)),
            (token.replacen("01", "02", 1), query(3, 1)),
        ] {
            assert!(PageToken::parse(&bad, q).is_err(), "{bad}");
        }
    }
}
