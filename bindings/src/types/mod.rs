//! Records and enums crossing the FFI. Most are core's own types, re-exported below: they derive
//! their Kotlin/Swift shape in core behind its `uniffi` feature (ADR 0009), with ids and NHS
//! numbers as validated text, calendar dates as `NaiveDate` (Kotlin `java.time.LocalDate`, Swift `DateComponents`) and instants as `SystemTime`
//! (Kotlin `Instant`, Swift `Date`), declared once in `linkwork_core::uniffi_support`.
//!
//! The records written here are the ones whose foreign shape must differ from core's; each
//! module says why (update records with a `clear` list instead of `Option<Option<T>>`, values
//! computed for the app, `&'static` data, private fields, and the records that contain those).

pub mod case;
pub mod directory;
pub mod documents;
pub mod gp_message;
pub mod identity;
pub mod key;
pub mod measures;
pub mod person;
pub mod plan;
pub mod reporting;
pub mod sharing;
pub mod sync;
pub mod sync_state;

pub use case::*;
pub use directory::*;
pub use documents::*;
pub use gp_message::*;
pub use identity::*;
pub use key::*;
pub use measures::*;
pub use person::*;
pub use plan::*;
pub use reporting::*;
pub use sharing::*;
pub use sync::*;
pub use sync_state::*;

// Core types that cross the FFI as they are (derived in core behind its `uniffi` feature,
// ADR 0009): Kotlin package `org.linkwork.core`, Swift file `LinkWorkCore.swift`.
pub use linkwork_core::directory::{
    CostOption, DirectoryContact, DirectoryHit, DirectoryImportOutcome, DirectoryImportReport,
    DirectoryLocation, DirectoryOrganization, DirectoryPage, DirectoryPhone, DirectoryVersion,
    FeedIssue, FeedIssueAction, FeedIssueKind, TaxonomyTerm,
};
pub use linkwork_core::gp_message::{GpEvent, GpGoal, GpOnward, GpPatient, GpSummary};
pub use linkwork_core::measures::{
    AdministrationMode, DifferenceConvention, Instrument, ItemChange, Ons4Band, Ons4Item,
    Ons4Measure, PamResult, Score, ScoreOutcome, Timepoint,
};
pub use linkwork_core::model::{
    Author, Capacity, CaseNote, CaseloadEntry, CaseloadQuery, ConflictResolution, ConflictValue,
    ConflictedPerson, ConsentDecision, ConsentMethod, Consultation, ConsultationMode,
    ContactAttempt, ContactChannel, ContactOutcome, ContactPreference, DeclineReason, Demographics,
    DischargeReason, DocKind, DocumentInfo, DueItem, DueKind, Episode, EpisodeStatus,
    EpisodeTransition, EthnicCategory, FieldConflict, FieldType, FieldValue, Flag, FlagKind, Goal,
    GoalStatus, GpCode, HistoryEntry, KnownPeer, MeasureResponse, Need, NewConsent,
    NewConsultation, NewContactAttempt, NewGoal, NewMeasureResponse, NewOnwardReferral, NewPerson,
    NewProgress, NewReferral, NewStep, OnwardChange, OnwardReferral, OnwardStatus,
    OpenOnwardReferral, PageRequest, ProgressEntry, Proxy, RecordedNeed, RedirectReason,
    ReferralSource, ReportingFields, Role, Sex, StatusChange, Step, StepOwner, StoreInfo, Urgency,
    Vocabulary, WithholdReason,
};
pub use linkwork_core::reports::{
    CaseloadReport, Count, MeasureChange, Outcomes, PairRefusal, PersonChange, RefusedPair,
    ServiceOnward, ServiceOutcomes, TimeToFirstContact,
};

/// Declares a fieldless `uniffi::Enum` mirroring a core enum variant for variant, with `From`
/// both ways (a variant added in the core fails to compile here until it is mirrored).
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident = $core:ty {
            $($(#[$vmeta:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                type Core = $core;
                match v {
                    $(Core::$variant => Self::$variant,)+
                }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => Self::$variant,)+
                }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// One optional field of an update: `None` when absent, `Some(None)` when cleared,
/// `Some(Some(v))` when set; both set and cleared is `InvalidInput`.
pub(crate) fn patch<T, F: PartialEq>(
    field: &'static str,
    value: Option<T>,
    clear: &[F],
    which: F,
) -> Result<Option<Option<T>>, crate::LinkWorkError> {
    match (value, clear.contains(&which)) {
        (Some(_), true) => Err(crate::LinkWorkError::InvalidInput {
            field: field.into(),
            reason: "is both set and cleared".into(),
        }),
        (Some(v), false) => Ok(Some(Some(v))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}
