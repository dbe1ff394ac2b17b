//! E-mail: the SMTP settings, the transport, and the shape of every message peerlab sends.
//!
//! Decisions:
//! - One URL configures the server (`--smtp-url`, `PEERLAB_SMTP_URL`): `smtp://host:25` is
//!   plain SMTP, `smtp://user:pass@host:587?tls=required` upgrades with STARTTLS,
//!   `smtps://user:pass@host:465` is TLS from the first byte (lettre's URL syntax, rustls
//!   with the webpki roots). Any other scheme is refused when peerlab starts.
//! - Every message is `multipart/alternative`: plain text first, then HTML, then — for a
//!   session invitation — the `text/calendar; method=REQUEST` (or `CANCEL`) part, which is
//!   what makes Outlook and Gmail show Accept and Decline.
//! - E-mails about activity carry `List-Unsubscribe` (an HTTPS link to peerlab) and
//!   `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), which large mail
//!   providers require of bulk senders.
//! - A message's `Message-ID` is derived from its job, so a repeat after a crash (delivery is
//!   at least once: see `jobs.rs`) carries the same id and mail clients show it once.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

/// How long one SMTP exchange may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where e-mail goes: a checked SMTP URL and the sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSettings {
    url: String,
    pub from: String,
}

impl MailSettings {
    /// Checks an SMTP URL and a sender address; the error says what is wrong and how to
    /// write it instead.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or_default();
        if !matches!(scheme, "smtp" | "smtps") {
            return Err(format!(
                "the SMTP URL must start with smtp:// (add ?tls=required for STARTTLS) or smtps://; \
                 '{}' is not one of them",
                if scheme.is_empty() { url } else { scheme }
            ));
        }
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not valid: {e}"))?;
        from.parse::<Mailbox>()
            .map_err(|e| format!("the sender address '{from}' is not valid: {e}"))?;
        Ok(Self {
            url: url.to_string(),
            from: from.to_string(),
        })
    }

    /// The URL without its password, to show to admins and in logs.
    pub fn display_url(&self) -> String {
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return self.url.clone();
        };
        match rest.rsplit_once('@') {
            Some((creds, host)) => {
                let user = creds.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{host}")
            }
            None => self.url.clone(),
        }
    }
}

/// The connection to the SMTP server (pooled).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    pub settings: MailSettings,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("url", &self.settings.display_url())
            .finish()
    }
}

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// The server's answer was a permanent refusal (5xx): bad credentials, an unknown
    /// recipient. Retrying may still help (a mailbox that was full), so it is retried too.
    pub permanent: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn send_error(e: lettre::transport::smtp::Error) -> SendError {
    SendError {
        permanent: e.is_permanent(),
        message: match e.status() {
            Some(_) => format!("the SMTP server answered: {e}"),
            None => format!("the SMTP server could not be reached: {e}"),
        },
    }
}

impl Mailer {
    pub fn new(settings: MailSettings) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|e| format!("the sender address is not valid: {e}"))?;
        Ok(Self {
            transport,
            from,
            settings,
        })
    }

    /// Connects, says hello and logs in, as sending would: the error of a server that is
    /// down, or that refuses the credentials.
    pub async fn check(&self) -> Result<(), SendError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendError {
                message: "the SMTP server did not answer NOOP".into(),
                permanent: false,
            }),
            Err(e) => Err(send_error(e)),
        }
    }

    /// Sends one message; the server's answer ("250 …") on success.
    pub async fn send(&self, mail: &Mail, to: &str) -> Result<String, SendError> {
        let message = mail.message(&self.from, to).map_err(|message| SendError {
            message,
            permanent: true,
        })?;
        let response = self.transport.send(message).await.map_err(send_error)?;
        Ok(format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        ))
    }
}

/// One message, before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `(method, .ics)` for a calendar invitation.
    pub calendar: Option<(&'static str, String)>,
    /// The one-click unsubscribe link, for e-mails about activity.
    pub unsubscribe: Option<String>,
    /// `<…@…>`: stable for a job, so a repeat is recognisably the same message.
    pub message_id: String,
}

impl Mail {
    /// The whole message to `to`.
    pub fn message(&self, from: &Mailbox, to: &str) -> Result<Message, String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("the address '{to}' is not valid: {e}"))?;
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&self.subject)
            .message_id(Some(self.message_id.clone()))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ));
        if let Some(link) = &self.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let mut parts = MultiPart::alternative()
            .singlepart(SinglePart::plain(self.text.clone()))
            .singlepart(SinglePart::html(self.html.clone()));
        if let Some((method, ics)) = &self.calendar {
            let content_type =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|e| format!("calendar content type: {e}"))?;
            parts = parts.singlepart(SinglePart::builder().header(content_type).body(ics.clone()));
        }
        builder.multipart(parts).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_smtp_and_smtps_urls_are_taken() {
        let e = MailSettings::new("http://mail.example.com", "a@example.com").expect_err("http");
        assert!(e.contains("smtp://") && e.contains("'http'"), "{e}");
        let e = MailSettings::new("mail.example.com", "a@example.com").expect_err("no scheme");
        assert!(e.contains("'mail.example.com'"), "{e}");
        let e = MailSettings::new("smtp://mail.example.com", "not an address").expect_err("from");
        assert!(e.contains("sender address"), "{e}");
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://u:p@mail.example.com:587?tls=required",
            "smtps://u:p%40ss@mail.example.com",
        ] {
            MailSettings::new(ok, "peerlab <peerlab@example.com>").expect(ok);
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let s = MailSettings::new("smtps://ann:s3cret@mail.example.com:465", "a@example.com")
            .expect("valid");
        assert_eq!(s.display_url(), "smtps://ann:***@mail.example.com:465");
        let s = MailSettings::new("smtp://127.0.0.1:2525", "a@example.com").expect("valid");
        assert_eq!(s.display_url(), "smtp://127.0.0.1:2525");
    }
}
