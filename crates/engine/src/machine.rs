//! The state machines of a vetting case and a reference request. Every transition the
//! engine makes is checked here first; an illegal one is an `InvalidState` error naming
//! the current state (the API answers 409).

use crate::EngineError;
use crate::domain::{CaseStatus, ReferenceStatus, State};

/// Things that can happen to a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseEvent {
    Nominate,
    Launch,
    /// Collecting is over: quorum with nothing pending, the deadline, or closed early.
    Close,
    Decide,
    Cancel,
}

impl CaseEvent {
    fn verb(self) -> &'static str {
        match self {
            CaseEvent::Nominate => "ask for nominations on",
            CaseEvent::Launch => "launch",
            CaseEvent::Close => "close",
            CaseEvent::Decide => "decide",
            CaseEvent::Cancel => "cancel",
        }
    }
}

/// The state a case moves to on `event`, or why it cannot.
pub fn case_transition(from: CaseStatus, event: CaseEvent) -> Result<CaseStatus, EngineError> {
    use CaseStatus::*;
    let to = match (from, event) {
        (Draft | Nominating, CaseEvent::Nominate) => Nominating,
        (Draft | Nominating, CaseEvent::Launch) => Collecting,
        (Collecting, CaseEvent::Close) => Review,
        (Review, CaseEvent::Decide) => Decided,
        (Draft | Nominating | Collecting | Review, CaseEvent::Cancel) => Cancelled,
        _ => {
            return Err(EngineError::InvalidState {
                action: event.verb(),
                current: State::Case(from),
            });
        }
    };
    Ok(to)
}

/// Things that can happen to a reference request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceEvent {
    /// An invitation (or a resent one) was delivered.
    Invite,
    /// Ops asked for a new link; the old one stops working.
    Resend,
    Open,
    Complete,
    Decline,
    Expire,
    Bounce,
    Withdraw,
}

impl ReferenceEvent {
    fn verb(self) -> &'static str {
        match self {
            ReferenceEvent::Invite => "invite",
            ReferenceEvent::Resend => "resend to",
            ReferenceEvent::Open => "open",
            ReferenceEvent::Complete => "complete",
            ReferenceEvent::Decline => "decline",
            ReferenceEvent::Expire => "expire",
            ReferenceEvent::Bounce => "bounce",
            ReferenceEvent::Withdraw => "withdraw",
        }
    }
}

pub fn reference_transition(
    from: ReferenceStatus,
    event: ReferenceEvent,
) -> Result<ReferenceStatus, EngineError> {
    use ReferenceStatus::*;
    let to = match (from, event) {
        (Pending | Invited | Bounced, ReferenceEvent::Invite) => Invited,
        // A referee who already opened the form stays `opened` when a new link arrives.
        (Opened, ReferenceEvent::Invite) => Opened,
        // Pending: the invitation is still queued (or being retried); resending is harmless.
        (Pending | Invited | Opened | Bounced, ReferenceEvent::Resend) => from,
        (Invited, ReferenceEvent::Open) => Opened,
        (Opened, ReferenceEvent::Open) => Opened,
        (Invited | Opened, ReferenceEvent::Complete) => Completed,
        (Invited | Opened, ReferenceEvent::Decline) => Declined,
        (Pending | Invited | Opened, ReferenceEvent::Expire) => Expired,
        (Pending | Invited | Opened, ReferenceEvent::Bounce) => Bounced,
        (Pending | Invited | Opened | Bounced | Expired, ReferenceEvent::Withdraw) => Withdrawn,
        _ => {
            return Err(EngineError::InvalidState {
                action: event.verb(),
                current: State::Reference(from),
            });
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_transition_is_legal_or_names_the_current_state() {
        use CaseStatus::*;
        let legal = [
            (Draft, CaseEvent::Nominate, Nominating),
            (Nominating, CaseEvent::Nominate, Nominating),
            (Draft, CaseEvent::Launch, Collecting),
            (Nominating, CaseEvent::Launch, Collecting),
            (Collecting, CaseEvent::Close, Review),
            (Review, CaseEvent::Decide, Decided),
            (Draft, CaseEvent::Cancel, Cancelled),
            (Nominating, CaseEvent::Cancel, Cancelled),
            (Collecting, CaseEvent::Cancel, Cancelled),
            (Review, CaseEvent::Cancel, Cancelled),
        ];
        let events = [
            CaseEvent::Nominate,
            CaseEvent::Launch,
            CaseEvent::Close,
            CaseEvent::Decide,
            CaseEvent::Cancel,
        ];
        for &from in CaseStatus::ALL {
            for event in events {
                let expected = legal
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (case_transition(from, event), expected) {
                    (Ok(to), Some(exp)) => assert_eq!(to, exp, "{from} on {event:?}"),
                    (Err(EngineError::InvalidState { current, .. }), None) => {
                        assert_eq!(current.as_str(), from.as_str())
                    }
                    (got, exp) => panic!("{from} on {event:?}: got {got:?}, expected {exp:?}"),
                }
            }
        }
    }

    #[test]
    fn every_reference_transition_is_legal_or_names_the_current_state() {
        use ReferenceStatus::*;
        let legal = [
            (Pending, ReferenceEvent::Invite, Invited),
            (Invited, ReferenceEvent::Invite, Invited),
            (Bounced, ReferenceEvent::Invite, Invited),
            (Opened, ReferenceEvent::Invite, Opened),
            (Pending, ReferenceEvent::Resend, Pending),
            (Invited, ReferenceEvent::Resend, Invited),
            (Opened, ReferenceEvent::Resend, Opened),
            (Bounced, ReferenceEvent::Resend, Bounced),
            (Invited, ReferenceEvent::Open, Opened),
            (Opened, ReferenceEvent::Open, Opened),
            (Invited, ReferenceEvent::Complete, Completed),
            (Opened, ReferenceEvent::Complete, Completed),
            (Invited, ReferenceEvent::Decline, Declined),
            (Opened, ReferenceEvent::Decline, Declined),
            (Pending, ReferenceEvent::Expire, Expired),
            (Invited, ReferenceEvent::Expire, Expired),
            (Opened, ReferenceEvent::Expire, Expired),
            (Pending, ReferenceEvent::Bounce, Bounced),
            (Invited, ReferenceEvent::Bounce, Bounced),
            (Opened, ReferenceEvent::Bounce, Bounced),
            (Pending, ReferenceEvent::Withdraw, Withdrawn),
            (Invited, ReferenceEvent::Withdraw, Withdrawn),
            (Opened, ReferenceEvent::Withdraw, Withdrawn),
            (Bounced, ReferenceEvent::Withdraw, Withdrawn),
            (Expired, ReferenceEvent::Withdraw, Withdrawn),
        ];
        let events = [
            ReferenceEvent::Invite,
            ReferenceEvent::Resend,
            ReferenceEvent::Open,
            ReferenceEvent::Complete,
            ReferenceEvent::Decline,
            ReferenceEvent::Expire,
            ReferenceEvent::Bounce,
            ReferenceEvent::Withdraw,
        ];
        for &from in ReferenceStatus::ALL {
            for event in events {
                let expected = legal
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (reference_transition(from, event), expected) {
                    (Ok(to), Some(exp)) => assert_eq!(to, exp, "{from} on {event:?}"),
                    (Err(EngineError::InvalidState { current, .. }), None) => {
                        assert_eq!(current.as_str(), from.as_str())
                    }
                    (got, exp) => panic!("{from} on {event:?}: got {got:?}, expected {exp:?}"),
                }
            }
        }
    }
}
