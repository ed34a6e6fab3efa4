//! The pictures a guide opens with, as data the Markdown (Mermaid) and HTML (inline SVG)
//! renderers both draw: a sequence diagram of the guide's steps between the user, your app,
//! TrueLayer's auth server, the bank and the API hosts, and, for a scenario that takes a
//! connection past `active` (it expires, or is extended), the lifecycle of that connection
//! with the statuses it visits — TrueLayer's "how each step of the data flow is related"
//! and "the lifecycle of a connection".

/// Who takes part in a flow, in the order the sequence diagram shows them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Party {
    User,
    App,
    Auth,
    Bank,
    DataApi,
    SignupPlus,
    /// Any other host a `request` step calls.
    Host(String),
}

impl Party {
    pub fn label(&self) -> String {
        match self {
            Party::User => "User".to_owned(),
            Party::App => "Your app".to_owned(),
            Party::Auth => "TrueLayer auth".to_owned(),
            Party::Bank => "Bank".to_owned(),
            Party::DataApi => "Data API".to_owned(),
            Party::SignupPlus => "Signup+ API".to_owned(),
            Party::Host(host) => host.clone(),
        }
    }

    /// A name Mermaid accepts as a participant id.
    pub fn id(&self) -> String {
        match self {
            Party::User => "User".to_owned(),
            Party::App => "App".to_owned(),
            Party::Auth => "Auth".to_owned(),
            Party::Bank => "Bank".to_owned(),
            Party::DataApi => "Data".to_owned(),
            Party::SignupPlus => "Signup".to_owned(),
            Party::Host(host) => {
                let id: String = host
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                format!("H_{id}")
            }
        }
    }
}

/// One row of a sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A call (solid) or an answer (dashed) from one party to another.
    Message {
        from: Party,
        to: Party,
        text: String,
        answer: bool,
    },
    /// Time passing, or a remark, across the whole diagram.
    Note(String),
    /// Items repeated (a `for_each` step).
    Loop { label: String, items: Vec<Item> },
}

impl Item {
    pub fn call(from: Party, to: Party, text: impl Into<String>) -> Item {
        Item::Message {
            from,
            to,
            text: text.into(),
            answer: false,
        }
    }

    pub fn answer(from: Party, to: Party, text: impl Into<String>) -> Item {
        Item::Message {
            from,
            to,
            text: text.into(),
            answer: true,
        }
    }
}

/// A sequence diagram: its parties (those the items name, in [`Party`] order) and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    pub items: Vec<Item>,
}

impl Sequence {
    pub fn parties(&self) -> Vec<Party> {
        fn collect(items: &[Item], out: &mut Vec<Party>) {
            for item in items {
                match item {
                    Item::Message { from, to, .. } => {
                        for p in [from, to] {
                            if !out.contains(p) {
                                out.push(p.clone());
                            }
                        }
                    }
                    Item::Note(_) => {}
                    Item::Loop { items, .. } => collect(items, out),
                }
            }
        }
        let mut parties = Vec::new();
        collect(&self.items, &mut parties);
        parties.sort();
        parties
    }
}

/// The statuses of a connection ("Connection authorisation lifecycle").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    AuthorizationRequired,
    Authorized,
    Active,
    Inactive,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::AuthorizationRequired => "authorization_required",
            Status::Authorized => "authorized",
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }
}

/// The lifecycle a scenario takes its connection through: each transition once, in the
/// order first taken; `from: None` is the start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub transitions: Vec<(Option<Status>, Status, String)>,
}

impl Lifecycle {
    /// The statuses visited, in the order first reached.
    pub fn statuses(&self) -> Vec<Status> {
        let mut out = Vec::new();
        for (_, to, _) in &self.transitions {
            if !out.contains(to) {
                out.push(*to);
            }
        }
        out
    }
}

/// Follows the connection's status through a guide as it is built.
#[derive(Debug, Default)]
pub struct Tracker {
    status: Option<Status>,
    /// Virtual seconds since the consent started its 90 days (`None`: no active consent).
    consent_age: Option<u64>,
    lifecycle: Lifecycle,
    /// Whether the connection went past `active` (it expired, or was extended).
    eventful: bool,
}

/// The 90 days of a connection's consent.
const CONSENT_SECS: u64 = 90 * 86_400;

impl Tracker {
    fn go(&mut self, to: Status, why: &str) {
        let from = self.status;
        if from == Some(to) {
            return;
        }
        let known = self
            .lifecycle
            .transitions
            .iter()
            .any(|(f, t, _)| *f == from && *t == to);
        if !known {
            self.lifecycle.transitions.push((from, to, why.to_owned()));
        }
        self.status = Some(to);
    }

    /// The user consented and logged in at the bank (a code came back).
    pub fn authorised(&mut self, again: bool) {
        if !again {
            self.go(Status::AuthorizationRequired, "the user consents");
        }
        self.go(
            Status::Authorized,
            if again {
                "the user authenticates again"
            } else {
                "the user logs in at the bank"
            },
        );
    }

    /// A code was exchanged for tokens.
    pub fn exchanged(&mut self) {
        if self.status == Some(Status::Authorized) {
            let again = self.consent_age.is_some();
            self.go(Status::Active, "the code is exchanged");
            self.consent_age = Some(0);
            if again {
                self.eventful = true;
            }
        }
    }

    /// Virtual time passed.
    pub fn waited(&mut self, secs: u64) {
        if let Some(age) = self.consent_age.as_mut() {
            *age = age.saturating_add(secs);
            if *age >= CONSENT_SECS && self.status == Some(Status::Active) {
                self.go(Status::Inactive, "90 days pass");
                self.eventful = true;
            }
        }
    }

    /// An extension gave new tokens: the consent starts again.
    pub fn extended(&mut self) {
        if matches!(self.status, Some(Status::Active | Status::Inactive)) {
            self.go(Status::Active, "extended (no_action_needed)");
            self.consent_age = Some(0);
            self.eventful = true;
        }
    }

    /// An extension asked the user to authenticate again (the status waits for them).
    pub fn extension_needs_the_user(&mut self) {
        self.eventful = true;
    }

    /// The lifecycle, when the scenario shows more of it than every connection goes through.
    pub fn finish(self) -> Option<Lifecycle> {
        self.eventful.then_some(self.lifecycle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_that_expires_and_is_extended() {
        let mut t = Tracker::default();
        t.authorised(false);
        t.exchanged();
        t.waited(91 * 86_400);
        t.extended();
        t.waited(86_400);
        let lifecycle = t.finish().expect("eventful");
        assert_eq!(
            lifecycle.statuses(),
            [
                Status::AuthorizationRequired,
                Status::Authorized,
                Status::Active,
                Status::Inactive
            ]
        );
        assert_eq!(lifecycle.transitions.len(), 5);
        assert_eq!(
            lifecycle.transitions.last().map(|t| (t.0, t.1)),
            Some((Some(Status::Inactive), Status::Active))
        );
    }

    #[test]
    fn an_ordinary_connection_shows_no_lifecycle() {
        let mut t = Tracker::default();
        t.authorised(false);
        t.exchanged();
        t.waited(3600);
        assert_eq!(t.finish(), None);
    }

    #[test]
    fn parties_are_in_a_fixed_order() {
        let s = Sequence {
            items: vec![
                Item::call(Party::App, Party::SignupPlus, "GET"),
                Item::call(Party::User, Party::Auth, "opens"),
            ],
        };
        assert_eq!(
            s.parties(),
            [Party::User, Party::App, Party::Auth, Party::SignupPlus]
        );
    }
}
