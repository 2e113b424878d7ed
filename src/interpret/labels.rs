//! The label names of an interpretation's kinds, written once for the
//! metrics and the trace spans: the proto enums' value names without
//! their prefix, which dashboards and callers already know.

use super::{DecisionSource, Identification};

impl Identification {
    /// Every identification; `identification as usize` indexes it.
    pub(crate) const ALL: [Self; 5] = [
        Self::ExactCode,
        Self::LegacyCode,
        Self::UnknownCode,
        Self::UnknownType,
        Self::NoErrorBody,
    ];

    /// The label name (`EXACT_CODE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExactCode => "EXACT_CODE",
            Self::LegacyCode => "LEGACY_CODE",
            Self::UnknownCode => "UNKNOWN_CODE",
            Self::UnknownType => "UNKNOWN_TYPE",
            Self::NoErrorBody => "NO_ERROR_BODY",
        }
    }
}

impl DecisionSource {
    /// Every decision source; `source as usize` indexes it.
    pub(crate) const ALL: [Self; 6] = [
        Self::Catalog,
        Self::Resolution,
        Self::TypeTable,
        Self::HttpStatus,
        Self::Default,
        Self::Operation,
    ];

    /// The label name (`CATALOG`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalog => "CATALOG",
            Self::Resolution => "RESOLUTION",
            Self::TypeTable => "TYPE_TABLE",
            Self::HttpStatus => "HTTP_STATUS",
            Self::Default => "DEFAULT",
            Self::Operation => "OPERATION",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` is in declaration order (the metrics index their handles by
    /// `as usize`), and no two values share a label.
    #[test]
    fn all_is_in_order_and_labels_are_distinct() {
        for (i, x) in Identification::ALL.into_iter().enumerate() {
            assert_eq!(x as usize, i, "{x:?}");
        }
        for (i, x) in DecisionSource::ALL.into_iter().enumerate() {
            assert_eq!(x as usize, i, "{x:?}");
        }
        let mut labels: Vec<_> = Identification::ALL.map(Identification::as_str).to_vec();
        labels.extend(DecisionSource::ALL.map(DecisionSource::as_str));
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), 11);
    }
}
