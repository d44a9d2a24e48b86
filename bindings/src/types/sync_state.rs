//! Sync state for apps and paging: known peers, stored documents, people with conflicts, how
//! to resolve a conflict, and pages of the caseload, due and history lists.
//!
//! Known peers, stored documents, conflicted people, conflict resolutions and page requests are
//! core's own types; the page records are declared here (core's `Page<T>` is generic).

use linkwork_core::model as lw;

use super::*;
use crate::convert::list;

/// Declares a page record of `$item` rows converting from the core's `Page`.
macro_rules! page_record {
    ($(#[$meta:meta])* $name:ident of $item:ty) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, uniffi::Record)]
        pub struct $name {
            /// The rows, in the list's order.
            pub items: Vec<$item>,
            /// Where the next page starts (pass as `PageRequest.after`); absent on the last
            /// page. Opaque; it holds the last row's sort key, so keep it as private as the list.
            pub next: Option<String>,
        }

        impl<T> From<lw::Page<T>> for $name
        where
            $item: From<T>,
        {
            fn from(p: lw::Page<T>) -> Self {
                $name {
                    items: list(p.items),
                    next: p.next,
                }
            }
        }
    };
}

page_record!(
    /// A page of the caseload list.
    CaseloadPage of CaseloadEntry
);
page_record!(
    /// A page of the due list.
    DuePage of DueItem
);
page_record!(
    /// A page of a person's history.
    HistoryPage of HistoryEntry
);
