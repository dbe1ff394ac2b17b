//! Markdown posts: formatting, the sanitiser against a table of XSS vectors and 2,000
//! generated inputs, mentions, and plain text.
//!
//! Every rendered output goes through [`assert_safe`], which reads the HTML the way a browser
//! would start to: every `<` in the output must open a tag this module is allowed to write,
//! with allowed attributes only, and no URL in it may have a scheme other than `http:`,
//! `https:` or `mailto:`. Text is escaped, so dangerous words may appear in it (`&lt;script`)
//! and the tests check that the author's text did survive that way.

use peerlab_core::markdown::{mentions, plain_text, render};

const REL: &str = r#"rel="nofollow noopener noreferrer""#;

fn no_one(_: &str) -> Option<i64> {
    None
}

/// Resolves the handles of the demo people: "ana" is 7, "bo.lee@example.com" is 12.
fn people(handle: &str) -> Option<i64> {
    match handle {
        "ana" => Some(7),
        "bo.lee@example.com" => Some(12),
        _ => None,
    }
}

/// Renders `src` with `resolve` and checks the output with [`assert_safe`].
fn html_with(src: &str, resolve: &dyn Fn(&str) -> Option<i64>) -> String {
    let html = render(src, resolve);
    assert_safe(src, &html);
    html
}

fn html(src: &str) -> String {
    html_with(src, &no_one)
}

/// Panics unless `html` holds only the elements and attributes the renderer may write, with
/// no dangerous URL, no nested anchors, and `rel` on every link.
fn assert_safe(src: &str, html: &str) {
    const ELEMENTS: [&str; 23] = [
        "p",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h3",
        "h4",
        "h5",
        "h6",
        "a",
        "hr",
        "br",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ];
    const ATTRIBUTES: [&str; 4] = ["href", "rel", "class", "start"];
    let fail = |why: &str| panic!("{why}\nsource: {src:?}\nhtml: {html}");
    let lower = html.to_lowercase();
    for needle in [
        "<script", "<iframe", "<style", "<object", "<embed", "<form", "<img", "<svg", "<math",
        "<input", "<base", "<meta", "<link", "<!--",
    ] {
        if lower.contains(needle) {
            fail(&format!("contains {needle}"));
        }
    }
    let mut rest = html;
    let mut anchors = 0;
    while let Some(open) = rest.find('<') {
        if rest[..open].contains('>') {
            fail("a bare > outside a tag");
        }
        let Some(close) = rest[open..].find('>').map(|i| open + i) else {
            fail("an unclosed tag")
        };
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(name) => (true, name),
            None => (false, tag),
        };
        let name_end = tag.find([' ', '/']).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if !ELEMENTS.contains(&name) {
            fail(&format!("element <{name}>"));
        }
        if name == "a" {
            anchors += if closing { -1 } else { 1 };
            if !(0..=1).contains(&anchors) {
                fail("nested or unbalanced anchors");
            }
            if !closing && !tag.ends_with(REL) {
                fail("a link without rel");
            }
        }
        let mut attrs = tag[name_end..].trim_end_matches('/').trim();
        while !attrs.is_empty() {
            let Some((attr, after)) = attrs.split_once("=\"") else {
                fail(&format!("malformed attributes {attrs:?}"))
            };
            let Some((value, after)) = after.split_once('"') else {
                fail("unterminated attribute")
            };
            if closing || !ATTRIBUTES.contains(&attr) {
                fail(&format!("attribute {attr}"));
            }
            let url: String = value
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_lowercase();
            for scheme in ["javascript:", "data:", "vbscript:", "file:"] {
                if url.starts_with(scheme) {
                    fail(&format!("{attr}={value}"));
                }
            }
            if attr == "href" {
                if let Some(i) = url.find([':', '/', '?', '#']) {
                    if url[i..].starts_with(':')
                        && !["http", "https", "mailto"].contains(&&url[..i])
                    {
                        fail(&format!("href with scheme {}", &url[..i]));
                    }
                }
            }
            attrs = after.trim_start();
        }
    }
    if rest.contains('>') {
        fail("a bare > outside a tag");
    }
    if anchors != 0 {
        fail("an unclosed anchor");
    }
}

#[test]
fn formats_commonmark_with_strikethrough_and_tables() {
    let out = html(
        "Some *emphasis*, **strong** and ~~struck~~ text with `code`.\n\n\
         - one\n- two\n\n3. three\n4. four\n\n> quoted\n\n\
         ```rust\nfn main() {}\n```\n\n---\n\nline  \nbreak",
    );
    for expected in [
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<del>struck</del>",
        "<code>code</code>",
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
        r#"<ol start="3">"#,
        "<blockquote>\n<p>quoted</p>\n</blockquote>",
        r#"<pre><code class="language-rust">fn main() {}"#,
        "<hr />",
        "<br />",
    ] {
        assert!(out.contains(expected), "{expected} in {out}");
    }

    let table = html("| left | right |\n|:-----|------:|\n| a | **b** |");
    assert!(table.contains("<th>left</th><th>right</th>"), "{table}");
    assert!(
        table.contains("<td>a</td><td><strong>b</strong></td>"),
        "{table}"
    );
    assert!(
        !table.contains("style"),
        "alignment is not written: {table}"
    );
}

#[test]
fn links_get_rel_and_titles_are_dropped() {
    assert_eq!(
        html("[docs](https://example.com/a?b=1&c=2 \"The docs\")"),
        format!("<p><a href=\"https://example.com/a?b=1&amp;c=2\" {REL}>docs</a></p>\n")
    );
    assert_eq!(
        html("<https://example.com> <ana@example.com>"),
        format!(
            "<p><a href=\"https://example.com\" {REL}>https://example.com</a> \
             <a href=\"mailto:ana@example.com\" {REL}>ana@example.com</a></p>\n"
        )
    );
    for relative in ["/people/3", "#top", "notes.html", "?page=2", "../up"] {
        let out = html(&format!("[here]({relative})"));
        assert!(out.contains(&format!("href=\"{relative}\"")), "{out}");
    }
    let reference = html("See [the guide][g].\n\n[g]: https://example.com/guide");
    assert!(
        reference.contains(r#"<a href="https://example.com/guide""#),
        "{reference}"
    );
}

#[test]
fn images_become_links_and_headings_start_at_h3() {
    assert_eq!(
        html("![a chart](/files/chart.png) ![](https://example.com/x.png)"),
        format!(
            "<p><a class=\"image\" href=\"/files/chart.png\" {REL}>a chart</a> \
             <a class=\"image\" href=\"https://example.com/x.png\" {REL}>https://example.com/x.png</a></p>\n"
        )
    );
    // An image inside a link would be an anchor in an anchor: it shows its alt text.
    assert_eq!(
        html("[![logo](/logo.png)](https://example.com)"),
        format!("<p><a href=\"https://example.com\" {REL}>logo</a></p>\n")
    );
    assert_eq!(
        html("# One\n## Two\n### Three\n#### Four\n###### Six"),
        "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n<h6>Four</h6>\n<h6>Six</h6>\n"
    );
}

/// Each vector, with the text that must survive escaped in the output.
const VECTORS: &[(&str, &[&str])] = &[
    (
        "<script>alert(1)</script>",
        &["<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ),
    (
        "Hi <script>alert(1)</script> there",
        &["Hi &lt;script&gt;alert(1)&lt;/script&gt; there"],
    ),
    (
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        &["&lt;SCRIPT SRC=//evil.example/x.js&gt;"],
    ),
    (
        "<img src=x onerror=alert(1)>",
        &["&lt;img src=x onerror=alert(1)&gt;"],
    ),
    (
        "**<img src=x onerror=alert(1)>**",
        &["<strong>&lt;img src=x onerror=alert(1)&gt;</strong>"],
    ),
    (
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        &["&lt;iframe src=\"javascript:alert(1)\"&gt;&lt;/iframe&gt;"],
    ),
    ("<svg onload=alert(1)>", &["&lt;svg onload=alert(1)&gt;"]),
    (
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        &["&lt;math&gt;&lt;mi xlink:href="],
    ),
    (
        "<style>body { display: none }</style>",
        &["&lt;style&gt;body { display: none }&lt;/style&gt;"],
    ),
    (
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        &[
            "&lt;object data=\"x.swf\"&gt;",
            "&lt;embed src=\"x.swf\"&gt;",
        ],
    ),
    (
        "<form action=\"/logout\"><button>Win</button></form>",
        &["&lt;form action=\"/logout\"&gt;&lt;button&gt;Win"],
    ),
    (
        "<div><p onclick=\"alert(1)\">nested <b>html</b></p></div>",
        &["&lt;div&gt;&lt;p onclick=\"alert(1)\"&gt;nested &lt;b&gt;html"],
    ),
    (
        "Hidden <!-- <script>alert(1)</script> --> comment",
        &["Hidden &lt;!-- &lt;script&gt;alert(1)&lt;/script&gt; --&gt; comment"],
    ),
    (
        "<a href=\"javascript:alert(1)\">raw link</a>",
        &["&lt;a href=\"javascript:alert(1)\"&gt;raw link&lt;/a&gt;"],
    ),
    ("[click](javascript:alert(1))", &["<p>click</p>"]),
    ("[click](JaVaScRiPt:alert(1))", &["<p>click</p>"]),
    ("[click](&#106;avascript:alert(1))", &["<p>click</p>"]),
    ("[click](&#x6A;avascript&#x3A;alert(1))", &["<p>click</p>"]),
    ("[click](javascript&colon;alert(1))", &["<p>click</p>"]),
    ("[click](&#9;javascript:alert(1))", &["<p>click</p>"]),
    ("[click](< javascript:alert(1)>)", &["<p>click</p>"]),
    ("[click](<\u{1}javascript:alert(1)>)", &["<p>click</p>"]),
    ("[click](java&#10;script:alert(1))", &["<p>click</p>"]),
    ("[click](java\u{200b}script:alert(1))", &["<p>click</p>"]),
    ("[click](vbscript:msgbox(1))", &["<p>click</p>"]),
    (
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        &["<p>click</p>"],
    ),
    ("[click](file:///etc/passwd)", &["<p>click</p>"]),
    (
        "[click][evil]\n\n[evil]: javascript:alert(1)",
        &["<p>click</p>"],
    ),
    ("[click][evil]\n\n[evil]: <javascript:alert(1)>", &["click"]),
    (
        "[click](javascript:alert(1) \"a title\")",
        &["<p>click</p>"],
    ),
    ("<javascript:alert(1)>", &["<p>javascript:alert(1)</p>"]),
    ("<JAVASCRIPT:alert(1)>", &["<p>JAVASCRIPT:alert(1)</p>"]),
    (
        "<data:text/html,<script>alert(1)</script>>",
        &["&lt;data:text/html,&lt;script&gt;"],
    ),
    ("![pic](javascript:alert(1))", &["<p>pic</p>"]),
    (
        "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        &["<p>pic</p>"],
    ),
    (
        "![pic](/a.png\"onerror=\"alert(1))",
        &["href=\"/a.png&quot;onerror=&quot;alert(1)\"", ">pic</a>"],
    ),
    (
        "[x](/ok \"a\\\" onmouseover=\\\"alert(1)\")",
        &["<p><a href=\"/ok\" rel="],
    ),
    (
        "[x](https://example.com/\"onmouseover=\"alert(1))",
        &["href=\"https://example.com/&quot;onmouseover=&quot;alert(1)\""],
    ),
    (
        "[<img src=x onerror=alert(1)>](https://example.com)",
        &[">&lt;img src=x onerror=alert(1)&gt;</a>"],
    ),
    (
        "```\"><script>alert(1)</script>\ncode\n```",
        &["<pre><code>code"],
    ),
    (
        "| a |\n|---|\n| <script>alert(1)</script> |",
        &["<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"],
    ),
    (
        "<a href=\"[x](javascript:alert(1))\">y</a>",
        &["&lt;a href=\"[x](javascript:alert(1))\"&gt;"],
    ),
    (
        "@ana\"><script>alert(1)</script>",
        &["@ana</a>\"&gt;&lt;script&gt;"],
    ),
];

#[test]
fn xss_vectors_are_shown_as_text() {
    assert!(VECTORS.len() >= 25);
    for (src, visible) in VECTORS {
        // `html_with` checks the elements, the attributes (so no `on…=` handler) and the URLs.
        let out = html_with(src, &people);
        for text in *visible {
            assert!(out.contains(text), "{text:?} missing for {src:?}: {out}");
        }
    }
}

#[test]
fn mentions_are_found_in_prose_only() {
    assert_eq!(
        mentions("Thanks @ana. And @Bo.Lee@Example.com, @carl-, (@dee_1)!"),
        ["ana", "bo.lee@example.com", "carl", "dee_1"]
    );
    // E-mail addresses and profile URLs are not mentions.
    assert_eq!(
        mentions("Write to ana@example.com or see mastodon.social/@ana"),
        Vec::<String>::new()
    );
    // Nor is anything in code or link text.
    assert_eq!(
        mentions("`@ana` and\n\n```\n@decorator\n```\n\n    @indented\n\n[@bo](/p) @cy"),
        ["cy"]
    );
    // Duplicates count once, in first-seen order, whatever their case.
    assert_eq!(mentions("@Bo @ana @BO @bo @ana"), ["bo", "ana"]);
    // A domain needs a dot; trailing punctuation and non-ASCII letters end or void a handle.
    assert_eq!(
        mentions("@ana@home @bo@example.com. @josé @... @-- @_x"),
        ["ana", "bo@example.com", "_x"]
    );
    assert_eq!(mentions("**@ana**, _@bo_\n@cy"), ["ana", "bo", "cy"]);
    assert_eq!(mentions(""), Vec::<String>::new());
}

#[test]
fn resolved_mentions_become_links() {
    let link = |id: i64, text: &str| {
        format!("<a class=\"mention\" href=\"/people/{id}\" {REL}>{text}</a>")
    };
    assert_eq!(
        html_with("Thanks @Ana, @bo.lee@example.com and @nobody.", &people),
        format!(
            "<p>Thanks {}, {} and @nobody.</p>\n",
            link(7, "@Ana"),
            link(12, "@bo.lee@example.com")
        )
    );
    // Code and link text stay as they are.
    assert_eq!(
        html_with("`@ana` [@ana](/x)", &people),
        format!("<p><code>@ana</code> <a href=\"/x\" {REL}>@ana</a></p>\n")
    );
    // The resolver is asked about exactly the handles that `mentions` lists.
    let src = "@Ana @bo, `@cy` a@b.com @Ana";
    let asked = std::cell::RefCell::new(Vec::new());
    render(src, &|h| {
        asked.borrow_mut().push(h.to_string());
        None
    });
    let mut unique = Vec::new();
    for handle in asked.into_inner() {
        if !unique.contains(&handle) {
            unique.push(handle);
        }
    }
    assert_eq!(unique, mentions(src));
}

#[test]
fn plain_text_strips_syntax_and_cuts() {
    assert_eq!(
        plain_text(
            "# Title\n\nSome **bold** and [a link](https://x.y) with `code`.\n\n- one\n- two\n\n<b>raw</b>",
            200
        ),
        "Title Some bold and a link with code. one two <b>raw</b>"
    );
    assert_eq!(plain_text("Hello @ana!", 200), "Hello @ana!");
    assert_eq!(
        plain_text("| a | b |\n|---|---|\n| 1 | 2 |", 200),
        "a b 1 2"
    );
    assert_eq!(plain_text("one two three four", 18), "one two three four");
    assert_eq!(plain_text("one two three four", 17), "one two three…");
    assert_eq!(plain_text("one two three four", 14), "one two three…");
    assert_eq!(plain_text("one two three four", 13), "one two…");
    assert_eq!(plain_text("abcdefghijklmnop", 6), "abcde…");
    assert_eq!(plain_text("éééééé", 3), "éé…");
    assert_eq!(plain_text("anything", 1), "…");
    assert_eq!(plain_text("anything", 0), "");
    assert_eq!(plain_text("  \n\n  ", 10), "");
}

/// A deterministic xorshift generator, so that a failure can be reproduced.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn generated_inputs_never_produce_dangerous_html() {
    const FRAGMENTS: &[&str] = &[
        "<",
        ">",
        "</",
        "script",
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "<iframe",
        "<svg onload=alert(1)>",
        "<style>",
        "<form",
        "<object",
        "<embed",
        "<!--",
        "-->",
        " onerror=",
        "javascript:",
        "JaVaScRiPt:",
        "&#106;",
        "&#x3A;",
        "&colon;",
        "&#9;",
        "data:",
        "vbscript:",
        "file:",
        "http://x.y/",
        "mailto:",
        "alert(1)",
        "[",
        "]",
        "(",
        ")",
        "![",
        "](",
        "[r]",
        "\n[r]: ",
        "<",
        "\"",
        "'",
        "`",
        "```",
        "\\",
        " ",
        "\n",
        "\n\n",
        "\t",
        "\u{0}",
        "\u{1}",
        "\u{200b}",
        "*",
        "_",
        "~~",
        "|",
        "\n|---|\n",
        "#",
        "> ",
        "- ",
        "1. ",
        ":",
        "/",
        "@ana",
        "@",
        "@bo.lee@example.com",
        "x",
        "é",
        "&",
        "=",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..2_000 {
        let count = 1 + rng.below(40);
        let src: String = (0..count)
            .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
            .collect();
        html_with(&src, &people);
        for handle in mentions(&src) {
            assert!(
                !handle.is_empty() && handle == handle.to_lowercase(),
                "{handle}"
            );
        }
        let max = rng.below(60);
        assert!(plain_text(&src, max).chars().count() <= max, "{src:?}");
    }
}
