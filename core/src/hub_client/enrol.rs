//! [`Enrolment`]: a device's one-time enrolment with its organisation's hub.

use super::{bounded, HubClientError};
use crate::identity::enrolment::{EnrolReply, EnrolRequest, MAX_CODE_BYTES};
use crate::identity::Certificate;
use crate::{Error, Result, Store};

/// One enrolment of a store's device with a hub, over the caller's connection to the hub's
/// `/enrol` endpoint: [`Enrolment::start`] gives the one message to send (the invite code and
/// the store's signed certificate request), [`Enrolment::receive`] takes the hub's answer and
/// installs the certificate and the organisation's trust root it carries. One answer ends it.
#[derive(Debug)]
pub struct Enrolment {
    finished: bool,
}

impl Enrolment {
    /// Starts an enrolment with the one-time invite `code` an administrator gave the store's
    /// user: the enrolment and the message to send.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `code`) for an empty code or one longer than the hub
    /// accepts; the store's refusal to make a certificate request (its user name too long;
    /// storage errors).
    pub fn start(store: &Store, code: &str) -> Result<(Enrolment, Vec<u8>)> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::invalid("code", "the invite code is empty"));
        }
        if code.len() > MAX_CODE_BYTES {
            return Err(Error::invalid(
                "code",
                format!("an invite code is at most {MAX_CODE_BYTES} bytes"),
            ));
        }
        let request = EnrolRequest {
            code: code.to_owned(),
            request: store.certificate_request()?,
        };
        Ok((Enrolment { finished: false }, request.encode()))
    }

    /// Takes the hub's answer: installs the certificate and trust root and returns the
    /// certificate. The enrolment is then over, whatever the outcome.
    ///
    /// # Errors
    /// [`HubClientError::EnrolRefused`] when the hub refused (nothing installed);
    /// [`HubClientError::TooLarge`], [`Error::Untrusted`] for an answer that does not decode,
    /// and the store's refusals installing it (another organisation's root, a hub's
    /// certificate); [`HubClientError::Finished`] for a second answer.
    pub fn receive(&mut self, store: &Store, frame: &[u8]) -> Result<Certificate> {
        if std::mem::replace(&mut self.finished, true) {
            return Err(HubClientError::Finished.into());
        }
        match EnrolReply::decode(bounded(frame)?)? {
            EnrolReply::Enrolled {
                certificate,
                trust_root,
            } => store.install_enrolment(&certificate, &trust_root),
            EnrolReply::Refused(why) => Err(HubClientError::EnrolRefused(why).into()),
        }
    }

    /// The hub closed the connection: the error to report when no answer had arrived
    /// ([`HubClientError::Closed`]), `Ok` when the answer had.
    ///
    /// # Errors
    /// [`HubClientError::Closed`] before the answer.
    pub fn closed(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        Err(HubClientError::Closed("without answering the enrolment").into())
    }
}
