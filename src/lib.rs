//! syncscope: predicts what the next Microsoft Entra Connect sync does to every object, and why.
//!
//! The engine is pure and deterministic: model → index → plan → apply. Importers turn files into
//! the model; the command line and the TUI only call this library.

pub mod anchor;
pub mod apply;
pub mod atomic;
pub mod bench;
pub mod bundle;
pub mod cache;
pub mod check;
pub mod collect;
pub mod config;
pub mod diff;
pub mod dn;
pub mod error;
pub mod filters;
pub mod generate;
pub mod hardmatch;
pub mod import;
pub mod index;
pub mod model;
pub mod outcome;
pub mod pending;
pub mod plan;
pub mod plan_csv;
pub mod preview;
pub mod query;
pub mod quote;
pub mod remediation;
pub mod render;
pub mod report;
pub mod report_html;
pub mod roles;
pub mod sanitize;
pub mod scenario;
pub mod session;
pub mod settings;
pub mod shared;
pub mod trace;
pub mod tui;
pub mod walkthrough;
