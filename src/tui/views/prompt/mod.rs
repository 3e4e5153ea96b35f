//! A one-line prompt in the hint bar: a value of the errors query, or a file name to read or
//! write. Enter applies it, Esc leaves everything as it was.

use crate::sanitize::display_safe;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, WriteRequest};
use ratatui::text::Span;

/// A text field of the errors query bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryField {
    PropertyValue,
    SearchString,
    MaxResults,
}

/// What a prompt asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Query(QueryField),
    /// The SamAccountName,CloudUPN file of a bulk hard match.
    BulkCsv,
    /// Where to write the bulk hard match script.
    BulkScript,
    /// Where to write the walkthrough's remediation script.
    WalkScript,
    /// Where to save the walkthrough as a scenario file.
    WalkScenario,
    /// Where to write the fix script of the selected readiness finding.
    FixScript,
    /// Where to write the fix script of every finding of the selected finding's rule.
    BulkFixScript,
}

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Query(QueryField::PropertyValue) => "-PropertyValue",
            Purpose::Query(QueryField::SearchString) => "-SearchString",
            Purpose::Query(QueryField::MaxResults) => "-MaxResults",
            Purpose::BulkCsv => "SamAccountName,CloudUPN file",
            Purpose::BulkScript => "write the bulk script to",
            Purpose::WalkScript => "write the script to",
            Purpose::WalkScenario => "save the scenario to",
            Purpose::FixScript => "write the fix script to",
            Purpose::BulkFixScript => "write the fix script for the whole rule to",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub purpose: Purpose,
    pub text: String,
}

impl App {
    /// Opens a prompt with the value it starts from.
    fn prompt_open(&mut self, purpose: Purpose) {
        let text = match purpose {
            Purpose::Query(QueryField::PropertyValue)
                if self.errors.query.property_name.is_none() =>
            {
                self.status = Some(
                    "-PropertyValue needs -PropertyName first: p chooses UserPrincipalName or ProxyAddresses"
                        .into(),
                );
                return;
            }
            Purpose::Query(field) => self.errors.field_text(field),
            Purpose::BulkCsv => "hardmatch.csv".into(),
            Purpose::BulkScript => {
                if self.bulk.checked.is_none() {
                    self.status = Some("no CSV checked yet: H checks one".into());
                    return;
                }
                "syncscope-hardmatch.ps1".into()
            }
            Purpose::FixScript | Purpose::BulkFixScript => {
                match self.readiness_script_name(purpose == Purpose::BulkFixScript) {
                    Some(name) => name,
                    None => return,
                }
            }
            Purpose::WalkScript | Purpose::WalkScenario => {
                let Some(name) = self.walk.file_stem() else {
                    self.status = Some("no walkthrough: W starts one".into());
                    return;
                };
                let ext = if purpose == Purpose::WalkScript {
                    "ps1"
                } else {
                    "scenario.json"
                };
                format!("{name}.{ext}")
            }
        };
        self.prompt = Some(Prompt { purpose, text });
    }

    fn prompt_accept(&mut self) {
        let Some(Prompt { purpose, text }) = self.prompt.take() else {
            return;
        };
        if let Purpose::Query(field) = purpose {
            if let Err(why) = self.errors.set_field(field, text) {
                self.status = Some(why);
            }
            self.errors_changed();
            return;
        }
        let path = text.trim().to_string();
        if path.is_empty() {
            self.status = Some("no file name: nothing done".into());
            return;
        }
        match purpose {
            Purpose::BulkCsv => {
                self.bulk.checking = true;
                self.status = Some(format!("checking {path}…"));
                self.effects.push_back(Effect::CheckCsv(path));
            }
            Purpose::BulkScript => {
                if let Some((_, reports)) = &self.bulk.checked {
                    let contents = crate::hardmatch::script(reports, &self.source);
                    self.effects.push_back(Effect::Write(WriteRequest {
                        path,
                        contents,
                        overwrite: false,
                        what: "bulk hard match script",
                    }));
                }
            }
            Purpose::WalkScript | Purpose::WalkScenario => {
                if let Some(req) = self
                    .walk
                    .file(purpose, path, &self.source, &self.source_path)
                {
                    self.effects.push_back(Effect::Write(req));
                }
            }
            Purpose::FixScript | Purpose::BulkFixScript => {
                if let Some(req) = self.readiness_script(path, purpose == Purpose::BulkFixScript) {
                    self.effects.push_back(Effect::Write(req));
                }
            }
            Purpose::Query(_) => {}
        }
    }

    /// Prompt actions (the prompt is open, or `Ask` opens one); false when not a prompt's.
    pub fn prompt_update(&mut self, action: Action) -> bool {
        match action {
            Action::Ask(purpose) => self.prompt_open(purpose),
            Action::PromptType(c) => {
                if let Some(p) = &mut self.prompt {
                    p.text.push(c);
                }
            }
            Action::PromptErase => {
                if let Some(p) = &mut self.prompt {
                    p.text.pop();
                }
            }
            Action::PromptAccept => self.prompt_accept(),
            Action::PromptCancel => self.prompt = None,
            _ => return false,
        }
        true
    }
}

/// The prompt's line (in the hint bar's row).
pub fn spans(s: &App, p: &Prompt) -> Vec<Span<'static>> {
    let t = &s.theme;
    vec![
        Span::styled(format!("{} ", p.purpose.label()), t.key()),
        Span::raw(display_safe(&p.text).into_owned()),
        Span::styled("▏  ", t.key()),
    ]
}
