//! Which tables an action writes: the pages of the WAL frames each action appends, attributed to
//! the table or index owning each page (SQLite's `dbstat`). A measured cause for the bytes
//! written per action, for linkwork and the raw baseline alike.
//!
//! A WAL frame header (page number, salts) is not encrypted by SQLCipher, so the WAL file can be
//! read beside a live connection. A checkpoint that restarts the WAL changes its salts; an action
//! whose frames start a restarted WAL is counted from the start of the file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::support::{e, out, raw_open, wal_of, Res};

/// WAL header and frame header sizes (SQLite's file format).
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// The WAL's salt and the page number of each of its valid frames, in order (none when there is
/// no WAL). A frame is valid while its salts match the header's.
fn wal_frames(db: &Path) -> Res<(u64, Vec<u32>)> {
    let Ok(bytes) = std::fs::read(wal_of(db)) else {
        return Ok((0, Vec::new()));
    };
    let be32 = |at: usize| -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_be_bytes(b))
    };
    let be64 = |at: usize| -> Option<u64> {
        let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_be_bytes(b))
    };
    let (Some(page_size), Some(salt)) = (be32(8), be64(16)) else {
        return Ok((0, Vec::new()));
    };
    let frame = FRAME_HEADER + page_size as usize;
    let mut pages = Vec::new();
    let mut at = WAL_HEADER;
    while at + frame <= bytes.len() {
        match (be32(at), be64(at + 8)) {
            (Some(page), Some(s)) if s == salt && page != 0 => pages.push(page),
            _ => break,
        }
        at += frame;
    }
    Ok((salt, pages))
}

/// Counts the WAL frames each of `actions` appends to `db`'s WAL, by page.
pub struct FrameCounter<'a> {
    db: &'a Path,
    /// Page number -> frames written, over every counted action.
    frames: HashMap<u32, u64>,
    actions: u64,
    before: (u64, usize),
}

impl<'a> FrameCounter<'a> {
    /// A counter for the database at `db` (its WAL is `db-wal`).
    pub fn new(db: &'a Path) -> Self {
        FrameCounter {
            db,
            frames: HashMap::new(),
            actions: 0,
            before: (0, 0),
        }
    }

    /// Call right before an action.
    pub fn before(&mut self) -> Res<()> {
        let (salt, pages) = wal_frames(self.db)?;
        self.before = (salt, pages.len());
        Ok(())
    }

    /// Call right after the action committed: its frames are those after the ones seen before
    /// (or, if a checkpoint restarted the WAL in between, every frame of the new WAL).
    pub fn after(&mut self) -> Res<()> {
        let (salt, pages) = wal_frames(self.db)?;
        let from = if salt == self.before.0 && pages.len() >= self.before.1 {
            self.before.1
        } else {
            0
        };
        for p in pages.get(from..).unwrap_or_default() {
            *self.frames.entry(*p).or_default() += 1;
        }
        self.actions += 1;
        Ok(())
    }

    /// Prints `frames_per_action` and `frames:<table> <frames per action>` for each table or
    /// index whose pages were written (owners read from `dbstat` once the writer is done).
    pub fn report(&self) -> Res<()> {
        let conn = raw_open(self.db, None)?;
        let mut owner: HashMap<u32, String> = HashMap::new();
        let mut stmt = conn.prepare("SELECT pageno, name FROM dbstat").map_err(e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(e)?;
        for row in rows {
            let (page, name) = row.map_err(e)?;
            owner.insert(u32::try_from(page).map_err(e)?, name);
        }
        let mut by_table: BTreeMap<String, u64> = BTreeMap::new();
        for (page, n) in &self.frames {
            let name = owner
                .get(page)
                .cloned()
                .unwrap_or_else(|| "(free or new page)".into());
            *by_table.entry(name).or_default() += n;
        }
        let per = |n: u64| n as f64 / self.actions.max(1) as f64;
        out("frames_per_action", per(self.frames.values().sum::<u64>()));
        for (name, n) in by_table {
            out(&format!("frames:{name}"), per(n));
        }
        Ok(())
    }
}
