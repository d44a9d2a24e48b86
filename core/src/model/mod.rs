//! Domain types of social prescribing and their validation, independent of storage.
//!
//! Inputs (`New*`, `*Update`) are validated here before anything touches a document, so a bad
//! value is refused with [`crate::Error::InvalidInput`] and nothing changes.

pub mod case;
mod codes;
pub mod conflict;
pub mod episode;
pub mod field;
pub mod history;
pub mod newer;
pub mod onward;
pub mod page;
pub mod person;
pub mod plan;
pub mod record;
pub mod reporting;
pub mod role;
pub mod scope;
pub mod sharing;
pub mod signed;
pub mod snomed;
pub mod store_state;
pub mod text;

pub use case::*;
use codes::code_enum;
pub use codes::Code;
pub use conflict::*;
pub use episode::*;
pub use field::{FieldType, FieldValue, Vocabulary};
pub use history::*;
pub use newer::*;
pub use onward::*;
pub use page::{Page, PageRequest, MAX_PAGE_SIZE};
pub use person::*;
pub use plan::*;
pub use record::*;
pub use reporting::*;
pub use role::*;
pub use scope::*;
pub use sharing::*;
pub use snomed::*;
pub use store_state::*;
