//! The in-process driver (for `linkwork demo`): two stores in one process run the same
//! authenticated channel as `sync serve|connect` ([`Channel`]: a Noise XX handshake in which
//! each side proves its certificate), with the handshake messages and the sealed sync messages
//! handed over as bytes in memory instead of frames on a socket.

use linkwork_core::identity::{Channel, Peer, Refusal};
use linkwork_core::{Error, Id, Store, SyncStats};

use crate::error::{CliError, CliResult};

/// The most messages an in-process session may take (the core bounds sessions too).
const IN_PROCESS_LIMIT: u32 = 400;

/// The most messages a handshake may take (Noise XX's three and the listener's certificate).
const HANDSHAKE_LIMIT: u32 = 5;

/// How an in-process handshake between two stores ended.
#[derive(Debug)]
pub enum Handshake {
    /// Both sides accepted each other: the open channels of `a` (connecting) and `b`.
    Open {
        /// The connecting side's channel.
        a: Box<Channel>,
        /// The listening side's channel.
        b: Box<Channel>,
        /// Handshake bytes moved both ways.
        bytes: u64,
    },
    /// One side refused the other's identity; the channel never opened, so no sync message
    /// was sent.
    Refused {
        /// Whether the connecting side refused (else the listening side did).
        by_a: bool,
        /// Why.
        refusal: Refusal,
        /// Handshake bytes the connecting side had received (a refused stranger connecting to
        /// an enrolled store gets its handshake reply only, nothing of its certificate).
        bytes_to_a: u64,
    },
}

/// Runs the authenticated channel's handshake between two stores in one process: `a`
/// connects, `b` listens. `allow_unenrolled` is both sides' opt-in to an unenrolled peer
/// (ignored by an enrolled store).
///
/// # Errors
/// Storage errors reading a store's identity; [`Refusal::NotEnrolled`] for an unenrolled store
/// that did not opt in (as [`Channel::initiate`]).
pub fn handshake_in_process(a: &Store, b: &Store, allow_unenrolled: bool) -> CliResult<Handshake> {
    let (mut ca, first) =
        Channel::initiate(a.channel_policy(allow_unenrolled)?).map_err(Error::from)?;
    let mut cb = Channel::accept(b.channel_policy(allow_unenrolled)?).map_err(Error::from)?;
    let (mut to_a, mut to_b) = (0u64, 0u64);
    let mut message = Some(first);
    let mut towards_b = true;
    let mut count = 0;
    while let Some(m) = message.take() {
        count += 1;
        if count > HANDSHAKE_LIMIT {
            break;
        }
        let len = m.len() as u64;
        let step = if towards_b {
            to_b += len;
            cb.receive_handshake(&m)
        } else {
            to_a += len;
            ca.receive_handshake(&m)
        };
        match step {
            Ok(reply) => message = reply,
            Err(refusal) => {
                return Ok(Handshake::Refused {
                    by_a: !towards_b,
                    refusal,
                    bytes_to_a: to_a,
                })
            }
        }
        towards_b = !towards_b;
    }
    if !(ca.is_open() && cb.is_open()) {
        return Err(CliError::Failed(
            "an in-process handshake ended before both sides were open".into(),
        ));
    }
    Ok(Handshake::Open {
        a: Box::new(ca),
        b: Box::new(cb),
        bytes: to_a + to_b,
    })
}

/// What an in-process session between two stores did.
#[derive(Clone, Debug)]
pub struct InProcess {
    /// The connecting store's counts of sync messages (before encryption): `bytes_sent` went
    /// to the listening store, `bytes_received` came back.
    pub stats: SyncStats,
    /// People whose documents changed on the connecting store.
    pub changed_on_a: Vec<Id>,
    /// People whose documents changed on the listening store.
    pub changed_on_b: Vec<Id>,
    /// Who the connecting store's channel proved the listening store to be.
    pub b_proved: Peer,
    /// Who the listening store's channel proved the connecting store to be.
    pub a_proved: Peer,
    /// Every byte both ways as a transport would carry it: the handshake and the sealed
    /// (encrypted, authenticated) sync messages.
    pub wire_bytes: u64,
}

/// Runs a whole session between two stores in one process inside the authenticated channel:
/// the handshake ([`handshake_in_process`]), then `a` starts an authenticated session bound to
/// the peer it proved and `b` accepts one, every message sealed by its sender's channel and
/// opened by the receiver's, until one side has nothing to reply.
///
/// # Errors
/// [`Error::Untrusted`] when either side refuses the other's identity (nothing was synced);
/// core errors (e.g. the share policy refusing a document); a session that does not finish.
pub fn sync_in_process(a: &Store, b: &Store, allow_unenrolled: bool) -> CliResult<InProcess> {
    let (mut ca, mut cb, mut wire) = match handshake_in_process(a, b, allow_unenrolled)? {
        Handshake::Open { a, b, bytes } => (a, b, bytes),
        Handshake::Refused { refusal, .. } => return Err(Error::Untrusted(refusal).into()),
    };
    let (Some(b_proved), Some(a_proved)) = (ca.peer().cloned(), cb.peer().cloned()) else {
        return Err(CliError::Failed("an open channel without a peer".into()));
    };
    let (mut sa, first) = a.sync_start_authenticated(&b_proved)?;
    let mut sb = b.sync_accept_authenticated(&a_proved);
    let mut message = Some(first);
    let mut to_b = true;
    let mut count = 0;
    while let Some(m) = message.take() {
        count += 1;
        if count > IN_PROCESS_LIMIT {
            return Err(Error::Sync {
                reason: "the session did not converge".into(),
                retryable: true,
            }
            .into());
        }
        let (from, to) = if to_b {
            (&mut ca, &mut cb)
        } else {
            (&mut cb, &mut ca)
        };
        let sealed = from.seal(&m).map_err(Error::from)?;
        wire += sealed.len() as u64;
        let opened = to.open(&sealed).map_err(Error::from)?;
        let step = if to_b {
            b.sync_receive(&mut sb, &opened)?
        } else {
            a.sync_receive(&mut sa, &opened)?
        };
        message = step.reply;
        to_b = !to_b;
    }
    if !(sa.is_complete() && sb.is_complete()) {
        return Err(CliError::Failed(
            "an in-process sync ended before both sides completed".into(),
        ));
    }
    Ok(InProcess {
        stats: sa.stats(),
        changed_on_a: sa.changed_people(),
        changed_on_b: sb.changed_people(),
        b_proved,
        a_proved,
        wire_bytes: wire,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    use super::super::tests::store;
    use linkwork_core::model::NewPerson;

    #[test]
    fn in_process_sessions_converge_inside_the_channel() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), "a");
        let b = store(dir.path(), "b");
        let p = a
            .add_person(NewPerson {
                given_name: "Ada".into(),
                family_name: "L".into(),
                ..NewPerson::default()
            })
            .unwrap();
        let done = sync_in_process(&b, &a, true).unwrap();
        assert_eq!(done.changed_on_a, vec![p]);
        assert!(done.changed_on_b.is_empty());
        assert_eq!(
            (done.a_proved, done.b_proved),
            (Peer::Unenrolled, Peer::Unenrolled)
        );
        assert!(done.wire_bytes > done.stats.bytes_sent + done.stats.bytes_received);
        let idle = sync_in_process(&a, &b, true).unwrap();
        assert_eq!(idle.stats.round_trips(), 1);
    }

    #[test]
    fn unenrolled_stores_that_did_not_opt_in_do_not_sync() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), "a");
        let b = store(dir.path(), "b");
        a.add_person(NewPerson {
            given_name: "Ada".into(),
            family_name: "L".into(),
            ..NewPerson::default()
        })
        .unwrap();
        let err = sync_in_process(&b, &a, false).unwrap_err();
        assert!(
            matches!(err, CliError::Core(Error::Untrusted(Refusal::NotEnrolled))),
            "{err:?}"
        );
        assert!(b.caseload(&Default::default()).unwrap().is_empty());
    }
}
