//! A small document model (sections of paragraphs, lists and tables) with a
//! Markdown and an HTML rendering, so the postmortem and the report are
//! written once and shown either way.

#[derive(Debug, Clone)]
pub enum Block {
    Para(String),
    List(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
}

#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub sections: Vec<Section>,
}

impl Document {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            sections: Vec::new(),
        }
    }

    pub fn section(&mut self, heading: impl Into<String>, blocks: Vec<Block>) {
        self.sections.push(Section {
            heading: heading.into(),
            blocks,
        });
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n", s.heading));
            for b in &s.blocks {
                out.push('\n');
                match b {
                    Block::Para(p) => out.push_str(&format!("{p}\n")),
                    Block::List(items) => {
                        for i in items {
                            out.push_str(&format!("- {}\n", i.replace('\n', "\n  ")));
                        }
                    }
                    Block::Table(head, rows) => {
                        let cell = |c: &str| c.replace('|', "\\|").replace('\n', " ");
                        out.push_str(&format!(
                            "| {} |\n",
                            head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
                        ));
                        out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                        for r in rows {
                            out.push_str(&format!(
                                "| {} |\n",
                                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                            ));
                        }
                    }
                }
            }
        }
        out
    }

    pub fn to_html(&self) -> String {
        let mut out = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}}</style>\n</head>\n<body>\n<h1>{t}</h1>\n",
            t = escape(&self.title)
        );
        for s in &self.sections {
            out.push_str(&format!("<h2>{}</h2>\n", escape(&s.heading)));
            for b in &s.blocks {
                match b {
                    Block::Para(p) => out.push_str(&format!("<p>{}</p>\n", escape(p))),
                    Block::List(items) => {
                        out.push_str("<ul>\n");
                        for i in items {
                            out.push_str(&format!("<li>{}</li>\n", escape(i)));
                        }
                        out.push_str("</ul>\n");
                    }
                    Block::Table(head, rows) => {
                        out.push_str("<table>\n<tr>");
                        for h in head {
                            out.push_str(&format!("<th>{}</th>", escape(h)));
                        }
                        out.push_str("</tr>\n");
                        for r in rows {
                            out.push_str("<tr>");
                            for c in r {
                                out.push_str(&format!("<td>{}</td>", escape(c)));
                            }
                            out.push_str("</tr>\n");
                        }
                        out.push_str("</table>\n");
                    }
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// Text as HTML: the five characters that could open markup are escaped.
pub fn escape(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_renderings_carry_the_same_content_and_html_is_escaped() {
        let mut d = Document::new("Postmortem <INC-1>");
        d.section(
            "Impact",
            vec![
                Block::Para("a & b".into()),
                Block::List(vec!["x".into()]),
                Block::Table(vec!["k".into()], vec![vec!["a|b".into()]]),
            ],
        );
        let md = d.to_markdown();
        assert!(
            md.starts_with(
                "# Postmortem <INC-1>\n\n## Impact\n\na & b\n\n- x\n\n| k |\n|---|\n| a\\|b |\n"
            ),
            "{md}"
        );
        let html = d.to_html();
        assert!(html.contains("<h1>Postmortem &lt;INC-1&gt;</h1>"), "{html}");
        assert!(html.contains("<p>a &amp; b</p>"));
        assert!(html.contains("<td>a|b</td>"));
    }
}
