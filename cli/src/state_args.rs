//! Command-line options for sync state (peers, unsynced people, documents, conflicts and their
//! resolution) and for paging long lists.

use clap::Args;

/// Paging options shared by `person list`, `due` and `history`: with either, the command
/// prints one page and, when more rows follow, the cursor of the next page (JSON:
/// `{"items": [...], "next": CURSOR or null}`).
#[derive(Debug, Default, Args)]
pub struct PageArgs {
    /// At most this many rows (1 to 1000).
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Start after the row this cursor names (the `next` of the previous page).
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
}

/// `unsynced` options.
#[derive(Debug, Args)]
pub struct UnsyncedArgs {
    /// The peer's store id (from `peers`), e.g. the team hub's.
    pub peer: String,
}

/// `conflicts` options.
#[derive(Debug, Args)]
pub struct ConflictsArgs {
    /// The person's id; without it, every person with conflicts (from the conflict index).
    pub person: Option<String>,
}

/// `resolve` options.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The person's id.
    pub person: String,
    /// Which document holds the field: plan or case (as `conflicts PERSON` shows).
    #[arg(long, value_name = "KIND")]
    pub document: String,
    /// The field's path as `conflicts PERSON` shows it, e.g. `goals/<goal id>/status`.
    #[arg(long, value_name = "PATH")]
    pub path: String,
    /// Keep this one of the conflict's values (exactly as `conflicts` lists it).
    #[arg(
        long,
        value_name = "VALUE",
        conflicts_with = "new",
        required_unless_present = "new"
    )]
    pub keep: Option<String>,
    /// Set this new value instead (same type as the field's values: text, YYYY-MM-DD, a code).
    #[arg(long, value_name = "VALUE")]
    pub new: Option<String>,
}

/// `history` options.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The person's id.
    pub person: String,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}
