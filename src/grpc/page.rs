//! `ListVehicleStateErrors` paging: the page size and the page token, as
//! types of their own, separate from filtering (the domain's) and from the
//! proto enums (`convert`'s).

use crate::interpret::RequestError;

/// Where a page starts: the position in the filtered list.
///
/// Tokens are the offset, prefixed so that a stray number is not mistaken
/// for one; they are only meaningful with the same filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct PageToken {
    offset: usize,
}

const PREFIX: &str = "offset:";

impl PageToken {
    /// Reads a token from a request; the empty token is the first page.
    ///
    /// # Errors
    /// `Malformed` for a token this server did not issue.
    pub(super) fn parse(token: &str) -> Result<Self, RequestError> {
        if token.is_empty() {
            return Ok(Self::default());
        }
        token
            .strip_prefix(PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .map(|offset| Self { offset })
            .ok_or_else(|| RequestError::Malformed {
                field: "page_token",
                detail: "not a token this server issued".into(),
            })
    }

    /// The token as the response carries it.
    pub(super) fn encode(self) -> String {
        format!("{PREFIX}{}", self.offset)
    }
}

/// A page request: where to start and how many at most.
#[derive(Debug, Clone, Copy)]
pub(super) struct Page {
    start: PageToken,
    /// `None`: everything that is left, in one page.
    size: Option<usize>,
}

impl Page {
    /// Reads `page_size` and `page_token`.
    ///
    /// # Errors
    /// `Malformed` for a negative size or a token this server did not issue.
    pub(super) fn parse(page_size: i32, page_token: &str) -> Result<Self, RequestError> {
        let size = usize::try_from(page_size).map_err(|_| RequestError::Malformed {
            field: "page_size",
            detail: "must not be negative".into(),
        })?;
        Ok(Self {
            start: PageToken::parse(page_token)?,
            size: (size > 0).then_some(size),
        })
    }

    /// This page of `items`, and the token of the next page if any is left.
    pub(super) fn slice<T>(self, items: &[T]) -> (&[T], Option<PageToken>) {
        let size = self.size.unwrap_or(items.len());
        let end = self.start.offset.saturating_add(size).min(items.len());
        let page = items.get(self.start.offset..end).unwrap_or_default();
        let next = (end < items.len()).then_some(PageToken { offset: end });
        (page, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages walk the list; the last has no next token; foreign tokens fail.
    #[test]
    fn pages_walk_the_list() {
        let items = [1, 2, 3, 4, 5];
        let (first, next) = Page::parse(2, "").unwrap().slice(&items);
        assert_eq!(first, [1, 2]);
        let token = next.unwrap().encode();
        let (second, next) = Page::parse(0, &token).unwrap().slice(&items);
        assert_eq!(second, [3, 4, 5]);
        assert!(next.is_none());
        assert!(Page::parse(-1, "").is_err());
        assert!(Page::parse(1, "7").is_err());
        let (past_end, next) = Page::parse(1, "offset:99").unwrap().slice(&items);
        assert!(past_end.is_empty() && next.is_none());
    }
}
