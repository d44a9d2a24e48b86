//! [`Channel`]: an authenticated, encrypted channel over any byte stream, without I/O. The app
//! (or the CLI's transport) moves the bytes; before any sync byte flows, both sides run a Noise
//! XX handshake (`snow`, `Noise_XX_25519_ChaChaPoly_BLAKE2s`, prologue [`PROLOGUE`]) and present,
//! encrypted, their device certificate and an Ed25519 signature by their device key over their
//! Noise static key (the libp2p Noise pattern). Each side checks the other's certificate against
//! its trust root, clock and revocation list, and the signature against the certificate's device
//! key and the handshake's remote static key, so the peer proved it holds the certified device
//! key in this very session. The peer's verified [`Certificate`] is what the share policy must
//! be computed from.
//!
//! **Who shows their certificate first.** The connecting side (initiator) presents its
//! certificate in the handshake's third message; the listening side (responder) checks it and
//! only then presents its own, in a fourth message, the first one encrypted with the session's
//! transport keys. A listener therefore tells nothing about itself (organisation, name, role, a
//! patient's person) to a peer that has not proved an enrolled device key of its organisation:
//! a stranger who connects learns only that something answers. The connecting side chose whom
//! to connect to, and shows its certificate to that peer first.
//!
//! ```text
//! initiator                                   responder
//!   m1  -> e                                  (no payload)
//!   m2  <- e, ee, s, es                       (no payload)
//!   m3  -> s, se           initiator's certificate + signature over its static key
//!                          (the responder checks it, or closes)
//!   m4  <- transport message: responder's certificate + signature (the initiator checks it)
//! ```
//!
//! Unenrolled stores (tests, demos) present no certificate; a channel between them opens only
//! when both sides opted in ([`ChannelPolicy::allow_unenrolled`]); an enrolled side never
//! accepts a peer without a certificate.

use snow::{Builder, HandshakeState, TransportState};
use zeroize::Zeroizing;

use super::encoding::{Reader, Writer};
use super::keys::{Domain, SecretKey, SIGNATURE_BYTES};
use super::{Certificate, Refusal, RevocationList, TrustRoot};

/// The Noise protocol name.
pub const NOISE_PARAMS: &str = "Noise_XX_25519_ChaChaPoly_BLAKE2s";

/// The channel's version, bound into the handshake as its Noise prologue: two sides of
/// different versions fail at the second message instead of misreading each other. Version 2
/// moved the responder's certificate after the initiator's (version 1, without a prologue, had
/// the responder show its certificate in the second message, to anyone who connected).
pub const PROLOGUE: &[u8] = b"linkwork channel v2";

/// The largest Noise message, and the plaintext that fits in one with its 16-byte tag.
const MAX_NOISE: usize = 65_535;
const MAX_CHUNK: usize = MAX_NOISE - 16;

/// The largest plaintext one sealed frame may carry (a sync message is at most this big).
pub const MAX_SEALED: usize = 64 * 1024 * 1024;

const PAYLOAD_MAGIC: &[u8; 3] = b"LWH";

/// Who this side is and whom it accepts.
pub struct ChannelPolicy {
    /// This device's certificate and secret key (`None`: this store is not enrolled).
    pub own: Option<(Certificate, SecretKey)>,
    /// The organisation's trust root (enrolled stores).
    pub root: Option<TrustRoot>,
    /// The installed revocation list.
    pub revoked: Option<RevocationList>,
    /// An unenrolled store's explicit opt-in to talk to another unenrolled store that also
    /// opted in. Ignored on an enrolled store.
    pub allow_unenrolled: bool,
    /// Now, in seconds since the Unix epoch (for expiry).
    pub now: i64,
}

/// The peer of an open channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// An enrolled peer that proved it holds the device key of this verified certificate.
    Verified(Box<Certificate>),
    /// An unenrolled peer, accepted because both sides opted in.
    Unenrolled,
}

impl Peer {
    /// The identity the share policy is computed from: the certificate's store id, the store
    /// role its role holds and its person (`None` for an unenrolled peer, whose hello is all
    /// there is).
    pub fn peer_info(&self) -> Option<crate::sync::PeerInfo> {
        match self {
            Peer::Verified(cert) => Some(crate::sync::PeerInfo {
                store_id: cert.store_id,
                role: cert.role.store_role(),
                person: cert.person,
            }),
            Peer::Unenrolled => None,
        }
    }
}

enum State {
    Handshake(Box<HandshakeState>),
    /// The initiator after message 3: the Noise handshake is done, the responder's certificate
    /// (message 4) is awaited.
    AwaitingPeer(Box<TransportState>),
    Open(Box<TransportState>),
    Closed,
}

/// One side of an authenticated, encrypted channel (see the module documentation).
pub struct Channel {
    state: State,
    policy: ChannelPolicy,
    static_public: Vec<u8>,
    peer: Option<Peer>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("open", &self.is_open())
            .field("peer", &self.peer)
            .finish()
    }
}

fn broken(_: snow::Error) -> Refusal {
    Refusal::ChannelBroken
}

impl Channel {
    fn new(policy: ChannelPolicy, initiator: bool) -> Result<Channel, Refusal> {
        if policy.own.is_none() && !policy.allow_unenrolled {
            return Err(Refusal::NotEnrolled);
        }
        let params = NOISE_PARAMS.parse().map_err(broken)?;
        // A fresh static key per channel: what identifies the device is its certified Ed25519
        // key, which signs this static key inside the handshake.
        let keypair = Builder::new(NOISE_PARAMS.parse().map_err(broken)?)
            .generate_keypair()
            .map_err(broken)?;
        let private = Zeroizing::new(keypair.private);
        let builder = Builder::new(params)
            .prologue(PROLOGUE)
            .map_err(broken)?
            .local_private_key(&private)
            .map_err(broken)?;
        let hs = if initiator {
            builder.build_initiator()
        } else {
            builder.build_responder()
        }
        .map_err(broken)?;
        Ok(Channel {
            state: State::Handshake(Box::new(hs)),
            policy,
            static_public: keypair.public,
            peer: None,
        })
    }

    /// The connecting side: the channel and the first handshake message to send.
    ///
    /// # Errors
    /// [`Refusal::NotEnrolled`] for an unenrolled store that did not opt in.
    pub fn initiate(policy: ChannelPolicy) -> Result<(Channel, Vec<u8>), Refusal> {
        let mut channel = Channel::new(policy, true)?;
        let first = channel.write_handshake(&[])?;
        Ok((channel, first))
    }

    /// The listening side; feed it the peer's first message with [`Channel::receive_handshake`].
    ///
    /// # Errors
    /// As [`Channel::initiate`].
    pub fn accept(policy: ChannelPolicy) -> Result<Channel, Refusal> {
        Channel::new(policy, false)
    }

    /// Whether the handshake finished and the peer was accepted.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open(_))
    }

    /// The accepted peer (once open).
    pub fn peer(&self) -> Option<&Peer> {
        self.peer.as_ref()
    }

    fn write_handshake(&mut self, payload: &[u8]) -> Result<Vec<u8>, Refusal> {
        let State::Handshake(hs) = &mut self.state else {
            return Err(Refusal::ChannelBroken);
        };
        let mut out = vec![0u8; MAX_NOISE];
        let n = hs.write_message(payload, &mut out).map_err(broken)?;
        out.truncate(n);
        Ok(out)
    }

    /// This side's identity payload: its certificate and its device key's signature over this
    /// channel's Noise static key (empty certificate for an unenrolled store).
    fn identity_payload(&self) -> Vec<u8> {
        let mut w = Writer::new(PAYLOAD_MAGIC);
        match &self.policy.own {
            Some((cert, key)) => {
                w.flag(true)
                    .bytes(&cert.encode())
                    .fixed(&key.sign(Domain::NoiseStatic, &self.static_public));
            }
            None => {
                w.flag(false);
            }
        }
        w.finish()
    }

    /// Checks the peer's identity payload against this side's policy and the handshake's
    /// remote static key.
    fn check_peer(&self, payload: &[u8], remote_static: &[u8]) -> Result<Peer, Refusal> {
        let mut r = Reader::new(payload, PAYLOAD_MAGIC)?;
        if !r.flag()? {
            r.end()?;
            return if self.policy.own.is_none() && self.policy.allow_unenrolled {
                Ok(Peer::Unenrolled)
            } else {
                Err(Refusal::Unauthenticated)
            };
        }
        let cert = Certificate::decode(r.bytes(super::encoding::MAX_ENCODED)?)?;
        let signature: [u8; SIGNATURE_BYTES] = r.fixed()?;
        r.end()?;
        let root = self.policy.root.as_ref().ok_or(Refusal::NotEnrolled)?;
        cert.verify(root, self.policy.revoked.as_ref(), self.policy.now)?;
        cert.device
            .verify(Domain::NoiseStatic, remote_static, &signature)?;
        Ok(Peer::Verified(Box::new(cert)))
    }

    /// Applies one handshake message from the peer; returns the message to send back, if any.
    /// After it, [`Channel::is_open`] says whether the channel is ready: the responder opens
    /// after message 3 (and returns message 4), the initiator after message 4 (returning
    /// nothing). Until then, keep feeding it the peer's messages.
    ///
    /// # Errors
    /// [`Refusal::ChannelBroken`] for a message that is not the expected handshake message;
    /// every refusal of the peer's certificate ([`Certificate::decode`], [`Certificate::verify`]),
    /// [`Refusal::BadSignature`] when the peer did not prove it holds its certified device key,
    /// [`Refusal::Unauthenticated`] for a peer without a certificate (unless both sides are
    /// unenrolled and opted in), [`Refusal::NotEnrolled`] when this unenrolled side is shown a
    /// certificate. The channel is closed on any error.
    pub fn receive_handshake(&mut self, message: &[u8]) -> Result<Option<Vec<u8>>, Refusal> {
        let out = self.step(message);
        if out.is_err() {
            self.state = State::Closed;
        }
        out
    }

    fn step(&mut self, message: &[u8]) -> Result<Option<Vec<u8>>, Refusal> {
        if message.len() > MAX_NOISE {
            return Err(Refusal::ChannelBroken);
        }
        let mut payload = vec![0u8; MAX_NOISE];
        if let State::AwaitingPeer(transport) = &mut self.state {
            // Message 4: the responder's identity, under the transport keys.
            let n = transport
                .read_message(message, &mut payload)
                .map_err(broken)?;
            payload.truncate(n);
            let remote = transport
                .get_remote_static()
                .map(<[u8]>::to_vec)
                .ok_or(Refusal::ChannelBroken)?;
            let peer = self.check_peer(&payload, &remote)?;
            let State::AwaitingPeer(transport) = std::mem::replace(&mut self.state, State::Closed)
            else {
                return Err(Refusal::ChannelBroken);
            };
            self.peer = Some(peer);
            self.state = State::Open(transport);
            return Ok(None);
        }
        let State::Handshake(hs) = &mut self.state else {
            return Err(Refusal::ChannelBroken);
        };
        let n = hs.read_message(message, &mut payload).map_err(broken)?;
        payload.truncate(n);
        let initiator = hs.is_initiator();
        let finished = hs.is_handshake_finished();
        let remote = hs.get_remote_static().map(<[u8]>::to_vec);
        if initiator {
            // Message 2: the responder shows nothing yet. Send message 3 with this side's
            // identity, then wait for the responder's (message 4).
            if !payload.is_empty() {
                return Err(Refusal::ChannelBroken);
            }
            let m3 = self.write_handshake(&self.identity_payload())?;
            let transport = self.take_transport()?;
            self.state = State::AwaitingPeer(Box::new(transport));
            Ok(Some(m3))
        } else if !finished {
            // Message 1: answer with message 2, which carries no identity.
            if !payload.is_empty() {
                return Err(Refusal::ChannelBroken);
            }
            Ok(Some(self.write_handshake(&[])?))
        } else {
            // Message 3: the initiator's identity. Only once it is proven does this side show
            // its own, sealed with the session's keys (message 4).
            let remote = remote.ok_or(Refusal::ChannelBroken)?;
            let peer = self.check_peer(&payload, &remote)?;
            let mut transport = self.take_transport()?;
            let mut m4 = vec![0u8; MAX_NOISE];
            let n = transport
                .write_message(&self.identity_payload(), &mut m4)
                .map_err(broken)?;
            m4.truncate(n);
            self.peer = Some(peer);
            self.state = State::Open(Box::new(transport));
            Ok(Some(m4))
        }
    }

    /// Ends the Noise handshake (which must be finished) and returns its transport state.
    fn take_transport(&mut self) -> Result<TransportState, Refusal> {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::Handshake(hs) if hs.is_handshake_finished() => {
                hs.into_transport_mode().map_err(broken)
            }
            _ => Err(Refusal::ChannelBroken),
        }
    }

    /// Encrypts one message (up to [`MAX_SEALED`] bytes) into one frame for the peer.
    ///
    /// # Errors
    /// [`Refusal::ChannelBroken`] before the channel is open or for an oversized message.
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, Refusal> {
        let State::Open(t) = &mut self.state else {
            return Err(Refusal::ChannelBroken);
        };
        seal_with(t, plaintext)
    }

    /// [`Channel::seal`] for the connecting side between message 3 and message 4, so that a
    /// first request travels with message 3 instead of a round trip later. The frame is
    /// encrypted with the session's transport keys, which only the holder of the static key
    /// of message 2 can derive, but that responder has **not yet proven a certificate**: seal
    /// early only what this side would show any peer it chose to connect to (what repeats its
    /// own certificate, sent in message 3 anyway), never a document or anything of a person.
    /// The responder opens it as any frame, once its channel is open; this side opens nothing
    /// before message 4 proves the responder.
    ///
    /// # Errors
    /// [`Refusal::ChannelBroken`] on the listening side, before message 3 was written, after
    /// message 4 (use [`Channel::seal`]), or for an oversized message.
    pub fn seal_early(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, Refusal> {
        let State::AwaitingPeer(t) = &mut self.state else {
            return Err(Refusal::ChannelBroken);
        };
        seal_with(t, plaintext)
    }

    /// Decrypts one frame from the peer.
    ///
    /// # Errors
    /// [`Refusal::ChannelBroken`] for a frame that was altered, replayed, reordered, cut off or
    /// oversized, or before the channel is open; the channel is closed then.
    pub fn open(&mut self, frame: &[u8]) -> Result<Vec<u8>, Refusal> {
        let out = self.open_inner(frame);
        if out.is_err() {
            self.state = State::Closed;
        }
        out
    }

    fn open_inner(&mut self, frame: &[u8]) -> Result<Vec<u8>, Refusal> {
        let State::Open(t) = &mut self.state else {
            return Err(Refusal::ChannelBroken);
        };
        let (head, mut rest) = frame.split_at_checked(4).ok_or(Refusal::ChannelBroken)?;
        let total = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if total > MAX_SEALED {
            return Err(Refusal::ChannelBroken);
        }
        let mut out = Vec::with_capacity(total.min(frame.len()));
        let mut buf = vec![0u8; MAX_NOISE];
        let mut first = true;
        while first || out.len() < total {
            first = false;
            let (len, tail) = rest.split_at_checked(2).ok_or(Refusal::ChannelBroken)?;
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            let (chunk, tail) = tail.split_at_checked(len).ok_or(Refusal::ChannelBroken)?;
            let n = t.read_message(chunk, &mut buf).map_err(broken)?;
            out.extend_from_slice(&buf[..n]);
            rest = tail;
            if out.len() > total {
                return Err(Refusal::ChannelBroken);
            }
        }
        if !rest.is_empty() {
            return Err(Refusal::ChannelBroken);
        }
        Ok(out)
    }
}

fn push_chunk(out: &mut Vec<u8>, chunk: &[u8]) {
    let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(chunk);
}

/// Encrypts `plaintext` into one frame: its length, then Noise messages of at most
/// [`MAX_CHUNK`] bytes each, each behind its own length.
fn seal_with(t: &mut TransportState, plaintext: &[u8]) -> Result<Vec<u8>, Refusal> {
    let total = u32::try_from(plaintext.len())
        .ok()
        .filter(|n| (*n as usize) <= MAX_SEALED)
        .ok_or(Refusal::ChannelBroken)?;
    let mut out = Vec::with_capacity(plaintext.len() + 4 + plaintext.len() / MAX_CHUNK * 18 + 18);
    out.extend_from_slice(&total.to_be_bytes());
    let mut buf = vec![0u8; MAX_NOISE];
    let mut chunks = plaintext.chunks(MAX_CHUNK).peekable();
    if chunks.peek().is_none() {
        let n = t.write_message(&[], &mut buf).map_err(broken)?;
        push_chunk(&mut out, &buf[..n]);
    }
    for chunk in chunks {
        let n = t.write_message(chunk, &mut buf).map_err(broken)?;
        push_chunk(&mut out, &buf[..n]);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::identity::certificate::CertificateRequest;
    use crate::identity::{CertRole, OrgSigner, Permissions};
    use crate::ids::Id;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    struct Device {
        cert: Certificate,
        key: SecretKey,
    }

    fn device(org: &OrgSigner, role: CertRole, issued: i64, days: u32) -> Device {
        let key = SecretKey::generate().unwrap();
        let request = CertificateRequest {
            device: key.public(),
            store_id: Id::new(),
            user: "Asha".into(),
            role,
            person: (role == CertRole::Patient).then(Id::new),
        };
        let cert = org
            .issue(&request, role, Permissions::default(), issued, days)
            .unwrap();
        Device { cert, key }
    }

    fn policy(
        org: &OrgSigner,
        d: Option<&Device>,
        revoked: Option<RevocationList>,
    ) -> ChannelPolicy {
        ChannelPolicy {
            own: d.map(|d| {
                (
                    d.cert.clone(),
                    SecretKey::from_secret_bytes(d.key.to_secret_bytes().as_slice()).unwrap(),
                )
            }),
            root: d.map(|_| org.trust_root()),
            revoked,
            allow_unenrolled: false,
            now: now(),
        }
    }

    /// Runs the handshake; returns both channels, or the first refusal and which side (0
    /// initiator, 1 responder) raised it.
    fn handshake(a: ChannelPolicy, b: ChannelPolicy) -> Result<(Channel, Channel), (u8, Refusal)> {
        let (mut a, m1) = Channel::initiate(a).map_err(|e| (0, e))?;
        let mut b = Channel::accept(b).map_err(|e| (1, e))?;
        let m2 = b.receive_handshake(&m1).map_err(|e| (1, e))?.unwrap();
        let m3 = a.receive_handshake(&m2).map_err(|e| (0, e))?.unwrap();
        assert!(
            !a.is_open() && a.peer().is_none(),
            "the initiator waits for message 4"
        );
        let m4 = b.receive_handshake(&m3).map_err(|e| (1, e))?.unwrap();
        assert!(b.is_open());
        assert!(a.receive_handshake(&m4).map_err(|e| (0, e))?.is_none());
        assert!(a.is_open() && b.is_open());
        Ok((a, b))
    }

    #[test]
    fn two_devices_of_one_organisation_open_a_channel_and_see_each_others_certificate() {
        let org = OrgSigner::create("Org").unwrap();
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        let pat = device(&org, CertRole::Patient, now(), 30);
        let (mut a, mut b) = handshake(
            policy(&org, Some(&pat), None),
            policy(&org, Some(&lw), None),
        )
        .unwrap();
        assert_eq!(a.peer(), Some(&Peer::Verified(Box::new(lw.cert.clone()))));
        assert_eq!(b.peer(), Some(&Peer::Verified(Box::new(pat.cert.clone()))));
        let secret = b"Rose Hill 943 476 5919".repeat(5000);
        let frame = a.seal(&secret).unwrap();
        assert!(!frame.windows(9).any(|w| w == b"Rose Hill"));
        assert!(!frame.windows(12).any(|w| w == b"943 476 5919"));
        assert_eq!(b.open(&frame).unwrap(), secret);
        let empty = b.seal(&[]).unwrap();
        assert_eq!(a.open(&empty).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn the_initiator_seals_early_only_between_message_3_and_message_4() {
        let org = OrgSigner::create("Org").unwrap();
        let x = device(&org, CertRole::LinkWorker, now(), 30);
        let y = device(&org, CertRole::Hub, now(), 30);
        let (mut a, m1) = Channel::initiate(policy(&org, Some(&x), None)).unwrap();
        let mut b = Channel::accept(policy(&org, Some(&y), None)).unwrap();
        assert_eq!(
            a.seal_early(b"hello"),
            Err(Refusal::ChannelBroken),
            "before message 3"
        );
        let m2 = b.receive_handshake(&m1).unwrap().unwrap();
        assert_eq!(
            b.seal_early(b"hello"),
            Err(Refusal::ChannelBroken),
            "the listener"
        );
        let m3 = a.receive_handshake(&m2).unwrap().unwrap();
        assert_eq!(
            a.seal(b"hello"),
            Err(Refusal::ChannelBroken),
            "not open yet"
        );
        let early = [
            a.seal_early(b"first").unwrap(),
            a.seal_early(b"second").unwrap(),
        ];
        let m4 = b.receive_handshake(&m3).unwrap().unwrap();
        // The listener opens them as any frame, in order, once the initiator is proven.
        assert_eq!(b.open(&early[0]).unwrap(), b"first");
        assert_eq!(b.open(&early[1]).unwrap(), b"second");
        assert!(a.receive_handshake(&m4).unwrap().is_none());
        assert_eq!(
            a.seal_early(b"late"),
            Err(Refusal::ChannelBroken),
            "after message 4"
        );
        let frame = a.seal(b"third").unwrap();
        assert_eq!(b.open(&frame).unwrap(), b"third");
    }

    #[test]
    fn altered_replayed_or_cut_frames_close_the_channel() {
        let org = OrgSigner::create("Org").unwrap();
        let x = device(&org, CertRole::LinkWorker, now(), 30);
        let y = device(&org, CertRole::LinkWorker, now(), 30);
        let (mut a, mut b) =
            handshake(policy(&org, Some(&x), None), policy(&org, Some(&y), None)).unwrap();
        let frame = a.seal(b"hello").unwrap();
        let mut altered = frame.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(b.open(&altered), Err(Refusal::ChannelBroken));
        assert_eq!(
            b.open(&frame),
            Err(Refusal::ChannelBroken),
            "closed after a bad frame"
        );

        let (mut a, mut b) =
            handshake(policy(&org, Some(&x), None), policy(&org, Some(&y), None)).unwrap();
        let frame = a.seal(b"hello").unwrap();
        assert_eq!(b.open(&frame).unwrap(), b"hello");
        assert_eq!(
            b.open(&frame),
            Err(Refusal::ChannelBroken),
            "a replay is refused"
        );
        let (mut a, mut b) =
            handshake(policy(&org, Some(&x), None), policy(&org, Some(&y), None)).unwrap();
        let frame = a.seal(b"hello").unwrap();
        assert_eq!(
            b.open(&frame[..frame.len() - 1]),
            Err(Refusal::ChannelBroken)
        );
    }

    #[test]
    fn foreign_expired_and_revoked_peers_are_refused_by_both_sides() {
        let org = OrgSigner::create("Org").unwrap();
        let other = OrgSigner::create("Other").unwrap();
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        let foreign = device(&other, CertRole::LinkWorker, now(), 30);
        let expired = device(&org, CertRole::LinkWorker, now() - 10 * 86_400, 1);
        let lost = device(&org, CertRole::LinkWorker, now(), 30);
        let list = org.revoke(None, lost.cert.device, now()).unwrap();

        let err = handshake(
            policy(&other, Some(&foreign), None),
            policy(&org, Some(&lw), None),
        )
        .unwrap_err();
        assert_eq!(err, (1, Refusal::OtherOrganisation));
        // The foreign listener refuses the connecting device, and shows nothing of itself.
        let err = handshake(
            policy(&org, Some(&lw), None),
            policy(&other, Some(&foreign), None),
        )
        .unwrap_err();
        assert_eq!(err, (1, Refusal::OtherOrganisation));
        let err = handshake(
            policy(&org, Some(&expired), None),
            policy(&org, Some(&lw), None),
        )
        .unwrap_err();
        assert_eq!(err, (1, Refusal::Expired));
        let err = handshake(
            policy(&org, Some(&lost), None),
            policy(&org, Some(&lw), Some(list)),
        )
        .unwrap_err();
        assert_eq!(err, (1, Refusal::Revoked));
    }

    #[test]
    fn a_stolen_certificate_without_its_device_key_is_refused() {
        let org = OrgSigner::create("Org").unwrap();
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        let victim = device(&org, CertRole::Admin, now(), 30);
        // The thief has the admin's (public) certificate but only its own key.
        let thief = Device {
            cert: victim.cert.clone(),
            key: SecretKey::generate().unwrap(),
        };
        let err = handshake(
            policy(&org, Some(&thief), None),
            policy(&org, Some(&lw), None),
        )
        .unwrap_err();
        assert_eq!(err, (1, Refusal::BadSignature));
    }

    #[test]
    fn unauthenticated_peers_only_between_unenrolled_stores_that_both_opted_in() {
        let org = OrgSigner::create("Org").unwrap();
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        let opted = || ChannelPolicy {
            own: None,
            root: None,
            revoked: None,
            allow_unenrolled: true,
            now: now(),
        };
        let not_opted = ChannelPolicy {
            allow_unenrolled: false,
            ..opted()
        };
        // An enrolled store never accepts an unenrolled peer, in either role: as the connecting
        // side it is refused by an unenrolled listener, which cannot check its certificate...
        assert_eq!(
            handshake(policy(&org, Some(&lw), None), opted()).unwrap_err(),
            (1, Refusal::NotEnrolled)
        );
        let mut enrolled_opting = policy(&org, Some(&lw), None);
        enrolled_opting.allow_unenrolled = true;
        assert_eq!(
            handshake(enrolled_opting, opted()).unwrap_err(),
            (1, Refusal::NotEnrolled)
        );
        // ...and it refuses a listener that answers message 3 without a certificate.
        let (mut a, m1) = Channel::initiate(policy(&org, Some(&lw), None)).unwrap();
        let mut b = Channel::accept(opted()).unwrap();
        let m2 = b.receive_handshake(&m1).unwrap().unwrap();
        let m3 = a.receive_handshake(&m2).unwrap().unwrap();
        let mut unenrolled_b = {
            // What an unenrolled listener that accepted would send: its identity without a
            // certificate, as message 4.
            let mut b2 = Channel::accept(opted()).unwrap();
            let (mut a2, m1) = Channel::initiate(opted()).unwrap();
            let m2 = b2.receive_handshake(&m1).unwrap().unwrap();
            let m3 = a2.receive_handshake(&m2).unwrap().unwrap();
            let _ = b2.receive_handshake(&m3).unwrap().unwrap();
            b2
        };
        assert!(unenrolled_b.is_open());
        assert!(
            b.receive_handshake(&m3).is_err(),
            "an unenrolled listener cannot check it"
        );
        // A forged message 4 from another session cannot even be decrypted.
        let forged = unenrolled_b.seal(b"x").unwrap();
        assert_eq!(a.receive_handshake(&forged), Err(Refusal::ChannelBroken));
        assert!(!a.is_open());
        // ...and as the listener it refuses a connecting peer that checked the listener's
        // certificate (it knows the public trust root) but presents none itself.
        let sneaky = ChannelPolicy {
            root: Some(org.trust_root()),
            ..opted()
        };
        assert_eq!(
            handshake(sneaky, policy(&org, Some(&lw), None)).unwrap_err(),
            (1, Refusal::Unauthenticated)
        );
        // An enrolled listener refuses an unenrolled peer that opted in before showing anything.
        assert_eq!(
            handshake(opted(), policy(&org, Some(&lw), None)).unwrap_err(),
            (1, Refusal::Unauthenticated)
        );
        assert!(matches!(
            Channel::initiate(not_opted),
            Err(Refusal::NotEnrolled)
        ));
        let (a, b) = handshake(opted(), opted()).unwrap();
        assert_eq!(a.peer(), Some(&Peer::Unenrolled));
        assert_eq!(b.peer(), Some(&Peer::Unenrolled));
    }

    /// A raw Noise initiator of this channel's construction, for playing a peer that does not
    /// follow the protocol (it reads whatever the responder sends).
    fn raw_initiator() -> HandshakeState {
        let params: snow::params::NoiseParams = NOISE_PARAMS.parse().unwrap();
        let keypair = Builder::new(params.clone()).generate_keypair().unwrap();
        Builder::new(params)
            .prologue(PROLOGUE)
            .unwrap()
            .local_private_key(&keypair.private)
            .unwrap()
            .build_initiator()
            .unwrap()
    }

    #[test]
    fn a_listener_shows_nothing_of_its_certificate_to_a_peer_that_has_not_proved_one() {
        let org = OrgSigner::create("Org").unwrap();
        let other = OrgSigner::create("Other").unwrap();
        let pat = device(&org, CertRole::Patient, now(), 30);
        let foreign = device(&other, CertRole::LinkWorker, now(), 30);
        let unenrolled = ChannelPolicy {
            own: None,
            root: None,
            revoked: None,
            allow_unenrolled: true,
            now: now(),
        };
        let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        let secret_of_listener = [
            pat.cert.encode(),
            pat.cert.device.as_bytes().to_vec(),
            pat.cert.person.unwrap().as_bytes().to_vec(),
            b"Asha".to_vec(),
        ];
        for intruder in [policy(&other, Some(&foreign), None), unenrolled] {
            // The intruder runs the protocol with its own (foreign, or no) identity; it reads
            // every byte the listener sends, decrypted with the session's keys.
            let mut hs = raw_initiator();
            let mut m1 = vec![0u8; MAX_NOISE];
            let n = hs.write_message(&[], &mut m1).unwrap();
            m1.truncate(n);
            let mut listener = Channel::accept(policy(&org, Some(&pat), None)).unwrap();
            let m2 = listener.receive_handshake(&m1).unwrap().unwrap();
            let mut seen = vec![0u8; MAX_NOISE];
            let n = hs.read_message(&m2, &mut seen).unwrap();
            seen.truncate(n);
            assert!(seen.is_empty(), "message 2 carries no identity");
            let intruding = Channel {
                state: State::Closed,
                policy: intruder,
                static_public: hs.get_remote_static().unwrap().to_vec(),
                peer: None,
            };
            // Its own identity payload (signed over the wrong key for a foreign device, or no
            // certificate at all): the listener refuses it and sends nothing more.
            let mut m3 = vec![0u8; MAX_NOISE];
            let n = hs
                .write_message(&intruding.identity_payload(), &mut m3)
                .unwrap();
            m3.truncate(n);
            let refused = listener.receive_handshake(&m3);
            assert!(refused.is_err(), "{refused:?}");
            assert!(!listener.is_open());
            for secret in &secret_of_listener {
                assert!(!contains(&seen, secret) && !contains(&m2, secret));
            }
        }
        // A peer of the organisation that proves its key gets the listener's certificate.
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        let (a, _) = handshake(
            policy(&org, Some(&lw), None),
            policy(&org, Some(&pat), None),
        )
        .unwrap();
        assert_eq!(a.peer(), Some(&Peer::Verified(Box::new(pat.cert.clone()))));
    }

    #[test]
    fn a_peer_of_another_channel_version_is_refused() {
        let org = OrgSigner::create("Org").unwrap();
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        // Version 1 had no prologue.
        let params: snow::params::NoiseParams = NOISE_PARAMS.parse().unwrap();
        let keypair = Builder::new(params.clone()).generate_keypair().unwrap();
        let mut old = Builder::new(params)
            .local_private_key(&keypair.private)
            .unwrap()
            .build_initiator()
            .unwrap();
        let mut m1 = vec![0u8; MAX_NOISE];
        let n = old.write_message(&[], &mut m1).unwrap();
        m1.truncate(n);
        let mut b = Channel::accept(policy(&org, Some(&lw), None)).unwrap();
        let m2 = b.receive_handshake(&m1).unwrap().unwrap();
        let mut out = vec![0u8; MAX_NOISE];
        assert!(old.read_message(&m2, &mut out).is_err());
    }

    #[test]
    fn garbage_handshake_messages_are_refused_without_panicking() {
        let org = OrgSigner::create("Org").unwrap();
        let lw = device(&org, CertRole::LinkWorker, now(), 30);
        for bytes in [
            vec![],
            vec![0u8; 10],
            vec![0xff; 200],
            vec![1u8; MAX_NOISE + 1],
        ] {
            let mut b = Channel::accept(policy(&org, Some(&lw), None)).unwrap();
            let _ = b.receive_handshake(&bytes);
            let mut b = Channel::accept(policy(&org, Some(&lw), None)).unwrap();
            assert!(b.seal(b"x").is_err() && b.open(&bytes).is_err(), "not open");
        }
    }
}
