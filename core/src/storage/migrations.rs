//! Ordered schema migrations keyed by `PRAGMA user_version`: a fresh database runs every step,
//! an older one runs the missing steps, each in one transaction.

use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

/// The SQL of each version, in order; index 0 is version 1. Never edit a released step: add one.
pub(crate) const STEPS: &[&str] = &[
    include_str!("migrations/0001_documents.sql"),
    include_str!("migrations/0002_projections.sql"),
    include_str!("migrations/0003_sync.sql"),
];

/// The store format this build writes.
pub(crate) const CURRENT_VERSION: i64 = STEPS.len() as i64;

/// What a migration run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Migrated {
    /// The version before.
    pub from: i64,
    /// Projections must be rebuilt from the documents (a step changed their tables).
    pub rebuild_projections: bool,
}

/// Steps after which projections must be rebuilt (their tables were created or changed).
const REBUILDS_PROJECTIONS: &[i64] = &[2, 3];

/// Brings the schema up to [`CURRENT_VERSION`], refusing a newer store.
pub(crate) fn migrate(conn: &mut Connection) -> Result<Migrated> {
    let from: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if from > CURRENT_VERSION {
        return Err(Error::StoreTooNew {
            found: from,
            supported: CURRENT_VERSION,
        });
    }
    let mut out = Migrated {
        from,
        rebuild_projections: false,
    };
    for version in (from + 1)..=CURRENT_VERSION {
        let tx = conn.transaction()?;
        apply(&tx, version)?;
        tx.commit()?;
        out.rebuild_projections |= from > 0 && REBUILDS_PROJECTIONS.contains(&version);
    }
    Ok(out)
}

fn apply(tx: &Transaction<'_>, version: i64) -> Result<()> {
    let sql = usize::try_from(version - 1)
        .ok()
        .and_then(|i| STEPS.get(i))
        .ok_or_else(|| Error::schema("unknown store migration"))?;
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "user_version", version)?;
    Ok(())
}
