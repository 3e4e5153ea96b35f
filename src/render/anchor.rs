//! `immutableid` (interfaces §6): every form of a source anchor.

use crate::anchor::{Anchor, AnchorForm};
use serde_json::{Value, json};
use std::io::Write;

/// Every form of one anchor, and the form it was given in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorForms {
    pub anchor: Anchor,
    pub input_form: AnchorForm,
}

pub fn json(r: &AnchorForms) -> Value {
    let a = &r.anchor;
    json!({
        "guid": a.guid().to_string(),
        "immutableId": a.immutable_id(),
        "hex": a.hex(),
        "ldapFilter": a.ldap_filter(),
        "connectorSpaceDn": a.connector_space_dn(),
        "inputForm": format!("{:?}", r.input_form),
    })
}

pub fn text(r: &AnchorForms, out: &mut impl Write) -> std::io::Result<()> {
    let a = &r.anchor;
    writeln!(out, "GUID (objectGUID)    {}", a.guid())?;
    writeln!(out, "ImmutableID          {}", a.immutable_id())?;
    writeln!(out, "hex bytes            {}", a.hex())?;
    writeln!(out, "LDAP filter escape   {}", a.ldap_filter())?;
    writeln!(out, "connector-space DN   {}", a.connector_space_dn())
}
