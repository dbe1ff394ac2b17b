//! Markdown posts: what people write in prompts, replies and comments, rendered to HTML that
//! is safe to put in a page, with the mentions it contains and a plain-text version of it.
//!
//! Posts are CommonMark plus two GitHub extensions, strikethrough (`~~gone~~`) and tables,
//! parsed by `pulldown-cmark`. The parser's events go through one filter before pulldown's HTML
//! writer sees them, and every decision below is made in that filter. The writer then only
//! ever gets events it writes safely (text is always escaped) and anchors built here.
//!
//! # What is kept, and what becomes text
//!
//! - **Raw HTML is never passed through**, block or inline, comments included: it is shown as
//!   the escaped text the author typed, so `<b>hi</b>` reads "<b>hi</b>". Nothing in a post
//!   can become an element or an attribute. A raw HTML block becomes a paragraph of text.
//! - **Links** keep their target only when it is `http:`, `https:`, `mailto:` or relative (no
//!   scheme: `/people/3`, `#top`, `notes.html`). The parser has already decoded entities and
//!   backslash escapes (`&#106;avascript:` is `javascript:` by then); the check also ignores
//!   case and drops whitespace and control characters anywhere, as browsers do with some of
//!   them. A colon before the first `/`, `?` or `#` makes a scheme, and a scheme that is not on
//!   the list is refused rather than guessed about (`data:`, `vbscript:`, `file:`, and so
//!   `Special:Page` as a relative link). A refused link is replaced by its text. Every link,
//!   mentions included, gets `rel="nofollow noopener noreferrer"`: posts are user content and
//!   must not pass on search ranking, the opener or the referring page. Link titles are
//!   dropped: a tooltip that touch screens never show is not worth a second attribute of user
//!   text.
//! - **Images never become `<img>`.** The site's CSP only allows same-origin images, so an
//!   external one would be a broken icon, and a same-origin one would make every reader's
//!   browser send a request, with their cookies, to a URL the author chose. An image is a link
//!   to it instead (class `image`), showing its alt text, or its URL when it has none, under
//!   the same URL rules as links.
//! - **Headings start at `h3`**: `#` is `<h3>`, `##` `<h4>`, `###` `<h5>`, deeper ones `<h6>`.
//!   The page owns `h1` (its title) and `h2` (its sections); a post must not out-rank them in
//!   the outline that screen readers navigate by.
//! - Table column alignment is dropped, because it is written as a `style` attribute, which
//!   the CSP blocks; a code block's language class keeps only `[A-Za-z0-9_+#.-]`.
//!
//! Nested anchors are not valid HTML, so inside a link, an image link or a mention, further
//! links and images are shown as their text.

use std::ops::Range;

use pulldown_cmark::{
    html, Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag,
    TagEnd, TextMergeStream,
};

/// The `rel` of every link in a post.
const REL: &str = "nofollow noopener noreferrer";

/// The handles mentioned in `src`, lower-cased, each once, in the order they first appear.
///
/// A mention is `@` followed by a handle of `[A-Za-z0-9._-]`, optionally followed by
/// `@domain.tld`, so both `@ana.silva` and `@ana.silva@example.com` are handles. The rules:
///
/// - The `@` must start the text or follow a character that is not a letter, digit, `.`, `_`,
///   `-` or `/`. An e-mail address in prose (`ana@example.com`) is therefore not a mention of
///   "example.com", and a profile URL (`mastodon.social/@ana`) is not a mention of "ana".
/// - Trailing dots and hyphens end the sentence, not the handle: "thanks @ana." mentions
///   "ana". A handle needs a letter or digit, and a handle directly followed by a non-ASCII
///   letter ("@josé") is not one, rather than a mention of "jos".
/// - The domain needs at least two non-empty labels; without one (`@ana@home`) the mention is
///   just "ana".
/// - Only prose counts: not code spans or code blocks (where `@decorators` live), not link
///   text (an anchor cannot hold another; the text of a refused link is prose again), and not
///   raw HTML blocks, which are shown as typed. Text between inline tags (`<b>@ana</b>`) is
///   prose.
///
/// These are exactly the handles [`render`] asks its resolver about.
pub fn mentions(src: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    sanitise(src, &mut |handle| {
        if !found.iter().any(|h| h == handle) {
            found.push(handle.to_string());
        }
        None
    });
    found
}

/// Renders the Markdown `src` to HTML that is safe to insert into a page as is.
///
/// See the module documentation for what is kept. `resolve` is called with each mention's
/// handle, lower-cased as [`mentions`] returns it; a resolved mention becomes
/// `<a class="mention" href="/people/{id}" rel="nofollow noopener noreferrer">@Handle</a>`,
/// showing the handle as written, and an unresolved one stays text, so a typo or a
/// departed colleague reads as what was typed.
pub fn render(src: &str, resolve: &dyn Fn(&str) -> Option<i64>) -> String {
    let events = sanitise(src, &mut |handle| resolve(handle));
    let mut out = String::with_capacity(src.len() + src.len() / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

/// The text a reader sees in `src`, for search snippets and notifications: Markdown syntax
/// stripped, whitespace collapsed to single spaces, at most `max_chars` characters.
///
/// Links, images and mentions read as their text; code and raw HTML as typed (raw HTML is text
/// in [`render`] too). A longer text is cut, between words when that keeps at least half of
/// it, and ends with `…`, which counts towards `max_chars`.
///
/// The result is text, not HTML: whoever shows it must escape it.
pub fn plain_text(src: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in sanitise(src, &mut |_| None) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => {}
            // The end of a block, a cell or a line separates words.
            Event::End(_) | Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            _ => {}
        }
    }
    truncate(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        max_chars,
    )
}

/// A link or image whose end has not been reached yet.
struct Anchor {
    /// Whether it was written as an `<a>`: its target passed and it is not nested in another.
    shown: bool,
    image: bool,
    href: String,
    /// The index of its first inner event in the output.
    first: usize,
}

/// The events of `src` with every decision of the module documentation applied: what remains
/// is structure, text to escape, and `InlineHtml` anchors built here. `resolve` is called for
/// each mention in prose.
fn sanitise<'a>(src: &'a str, resolve: &mut dyn FnMut(&str) -> Option<i64>) -> Vec<Event<'a>> {
    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut out = Vec::new();
    let mut open: Vec<Anchor> = Vec::new();
    let mut in_code = false;
    // Merged, so that a mention is seen whole even when the parser splits text at `_` or `\`.
    for event in TextMergeStream::new(parser) {
        let in_anchor = open.iter().any(|a| a.shown);
        match event {
            Event::Text(text) if in_code || in_anchor => out.push(Event::Text(text)),
            Event::Text(text) => link_mentions(text, resolve, &mut out),
            Event::Html(raw) | Event::InlineHtml(raw) => out.push(Event::Text(raw)),
            // Not enabled by the options above; text if they ever are.
            Event::InlineMath(t) | Event::DisplayMath(t) | Event::FootnoteReference(t) => {
                out.push(Event::Text(t));
            }
            Event::TaskListMarker(_) => {}
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let href = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.to_string(),
                };
                open_anchor(href, false, &mut open, &mut out);
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                open_anchor(dest_url.to_string(), true, &mut open, &mut out);
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                let Some(anchor) = open.pop() else { continue };
                if anchor.shown {
                    let has_text = out[anchor.first..]
                        .iter()
                        .any(|e| matches!(e, Event::Text(_) | Event::Code(_)));
                    if anchor.image && !has_text {
                        out.push(Event::Text(anchor.href.into()));
                    }
                    out.push(Event::InlineHtml("</a>".into()));
                }
            }
            Event::Start(Tag::HtmlBlock) => out.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(Event::Text(last)) = out.last_mut() {
                    *last = last.trim_end().to_string().into();
                }
                out.push(Event::End(TagEnd::Paragraph));
            }
            Event::Start(Tag::Heading { level, .. }) => out.push(Event::Start(Tag::Heading {
                level: demote(level),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            })),
            Event::End(TagEnd::Heading(level)) => {
                out.push(Event::End(TagEnd::Heading(demote(level))));
            }
            Event::Start(Tag::Table(columns)) => {
                out.push(Event::Start(Tag::Table(vec![
                    Alignment::None;
                    columns.len()
                ])));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                let kind = match kind {
                    CodeBlockKind::Fenced(info) => CodeBlockKind::Fenced(language(&info).into()),
                    CodeBlockKind::Indented => CodeBlockKind::Indented,
                };
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            end @ Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push(end);
            }
            other => out.push(other),
        }
    }
    out
}

/// Starts a link or image: an `<a>` when its target is allowed and it is not inside another
/// anchor, otherwise nothing, so that only its text shows.
fn open_anchor<'a>(href: String, image: bool, open: &mut Vec<Anchor>, out: &mut Vec<Event<'a>>) {
    let shown = !open.iter().any(|a| a.shown) && is_allowed_url(&href);
    if shown {
        let class = if image { r#" class="image""# } else { "" };
        let tag = format!(r#"<a{class} href="{}" rel="{REL}">"#, escape(&href));
        out.push(Event::InlineHtml(tag.into()));
    }
    open.push(Anchor {
        shown,
        image,
        href,
        first: out.len(),
    });
}

/// Whether a link may point at `url`: `http:`, `https:`, `mailto:` or no scheme at all.
fn is_allowed_url(url: &str) -> bool {
    let url: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match url.find([':', '/', '?', '#']) {
        Some(i) if url[i..].starts_with(':') => matches!(&url[..i], "http" | "https" | "mailto"),
        _ => true,
    }
}

/// Pushes `text` with its resolved mentions turned into links to the people they name.
fn link_mentions<'a>(
    text: CowStr<'a>,
    resolve: &mut dyn FnMut(&str) -> Option<i64>,
    out: &mut Vec<Event<'a>>,
) {
    let mut linked = Vec::new();
    for span in find_mentions(&text) {
        let handle = text[span.start + 1..span.end].to_ascii_lowercase();
        if let Some(id) = resolve(&handle) {
            linked.push((span, id));
        }
    }
    if linked.is_empty() {
        out.push(Event::Text(text));
        return;
    }
    let mut done = 0;
    for (span, id) in linked {
        if done < span.start {
            out.push(Event::Text(text[done..span.start].to_string().into()));
        }
        let tag = format!(r#"<a class="mention" href="/people/{id}" rel="{REL}">"#);
        out.push(Event::InlineHtml(tag.into()));
        out.push(Event::Text(text[span.clone()].to_string().into()));
        out.push(Event::InlineHtml("</a>".into()));
        done = span.end;
    }
    if done < text.len() {
        out.push(Event::Text(text[done..].to_string().into()));
    }
}

/// The byte ranges of the mentions in a run of prose, each from its `@` to the end of the
/// handle, by the rules documented on [`mentions`].
fn find_mentions(text: &str) -> Vec<Range<usize>> {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let is_domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find('@').map(|i| from + i) {
        from = at + 1;
        let after_word = text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
        let raw = prefix(&text[at + 1..], is_local);
        let local = raw.trim_end_matches(['.', '-']);
        let next = text[at + 1 + raw.len()..].chars().next();
        if after_word
            || !local.bytes().any(|b| b.is_ascii_alphanumeric())
            || next.is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let mut end = at + 1 + local.len();
        if local.len() == raw.len() && next == Some('@') {
            let domain = prefix(&text[end + 1..], is_domain).trim_end_matches(['.', '-']);
            if domain.contains('.') && domain.split('.').all(|label| !label.is_empty()) {
                end += 1 + domain.len();
            }
        }
        found.push(at..end);
        from = end;
    }
    found
}

/// The longest start of `text` whose characters all satisfy `keep`.
fn prefix(text: &str, keep: impl Fn(char) -> bool) -> &str {
    let end = text.find(|c| !keep(c)).unwrap_or(text.len());
    &text[..end]
}

/// The level a post's heading is shown at: two below what was written, `h6` at most.
fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// The language of a fenced code block's info string, as far as it is made of characters
/// that language names use.
fn language(info: &str) -> String {
    prefix(info, |c| c.is_ascii_alphanumeric() || "_+#.-".contains(c)).to_string()
}

/// `text` escaped for a double-quoted attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max_chars` characters, ending with `…` when cut.
fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let Some(keep) = max_chars.checked_sub(1) else {
        return String::new();
    };
    let cut: String = text.chars().take(keep).collect();
    let at_word_end = text.chars().nth(keep).is_some_and(char::is_whitespace);
    let cut = match cut.rfind(' ') {
        Some(space) if !at_word_end && space * 2 >= cut.len() => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}
