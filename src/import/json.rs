//! JSON exports: Microsoft Graph responses (single entities and saved pages with `value` and
//! `@odata.nextLink`), PowerShell `ConvertTo-Json` of AD objects, and `connect.json`.
//!
//! A file may hold one or more JSON documents; each document is an object (a page, an entity,
//! connect.json) or an array (of objects or of pages). Arrays are read element by element, so
//! memory holds one object (or one Graph page) at a time, and every element is classified on
//! its own: `@odata.type`, then the page's `@odata.context`, then its keys.

use super::record::{self, Placeholders};
use super::text::{LineGuard, MAX_JSON_LINE, TextFile};
use super::unique::Unique;
use super::{FileCtx, Harvest, connect, graph, powershell};
use crate::error::InputError;
use crate::model::ObjectKind;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// What one JSON object is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Cloud(ObjectKind),
    DirectoryRole,
    RoleSchedule {
        eligible: bool,
    },
    Domain,
    Sync,
    /// `roleManagement/directory/roleDefinitions` (beta: with isPrivileged), rule M3.
    RoleDefinition,
    AdObject,
    /// A directory object Entra Connect does not provision (device, servicePrincipal, …).
    NotSynced(String),
}

/// A first look at a file's head: a Graph page or PowerShell output rather than a bundle.
pub(crate) fn looks_like_export(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('[')
        || text.contains("\"@odata.context\"")
        || text.contains("\"@odata.type\"")
}

/// Reads a JSON export; returns the format name for the report.
pub(crate) fn read(
    file: TextFile,
    ctx: &mut FileCtx,
    h: &mut Harvest,
) -> Result<String, InputError> {
    let mut de = serde_json::Deserializer::from_reader(LineGuard::new(file.reader, MAX_JSON_LINE));
    let mut state = State {
        ctx,
        h,
        labels: BTreeSet::new(),
        document: 0,
        page: Page::default(),
        placeholders: Placeholders::default(),
        role_file: false,
        coverage: Default::default(),
        member_lists: 0,
        undated_deleted: 0,
        undated_named_deleted: 0,
    };
    loop {
        DocSeed(&mut state)
            .deserialize(&mut de)
            .map_err(|e| syntax_error(state.ctx.file, e))?;
        state.document += 1;
        if de.end().is_ok() {
            break;
        }
    }
    let State {
        ctx,
        h,
        labels,
        placeholders,
        role_file,
        coverage,
        member_lists,
        undated_deleted,
        undated_named_deleted,
        ..
    } = state;
    if role_file {
        h.role_exports += 1;
    }
    coverage.report(ctx);
    if member_lists > 0 {
        ctx.warn(
            "",
            format!(
                "{member_lists} entr{} of a directoryObjects list (a member list such as GET /directoryRoles/{{id}}/members): not read as users, groups or contacts; export those with their own GET, and roles with GET /directoryRoles?$expand=members",
                if member_lists == 1 { "y" } else { "ies" }
            ),
        );
    }
    if undated_named_deleted > 0 {
        ctx.incomplete(
            "",
            format!(
                "the file is named as deleted items, but {undated_named_deleted} object{} carry no deletedDateTime and its pages \
                 do not say /directory/deletedItems: they cannot be told from active ones; export again with deletedDateTime \
                 in the $select (see docs/importing.md)",
                if undated_named_deleted == 1 { "" } else { "s" }
            ),
        );
    }
    if undated_deleted > 0 {
        ctx.warn(
            "",
            format!(
                "{undated_deleted} object{} of /directory/deletedItems without deletedDateTime: counted as deleted (the page says so); add deletedDateTime to the $select to see when",
                if undated_deleted == 1 { "" } else { "s" }
            ),
        );
    }
    placeholders.report(ctx);
    Ok(if labels.is_empty() {
        "JSON (nothing syncscope uses)".to_string()
    } else {
        labels.into_iter().collect::<Vec<_>>().join(", ")
    })
}

fn syntax_error(file: &str, e: serde_json::Error) -> InputError {
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m)
        .to_string();
    if e.is_io() {
        return InputError::new(file, "", message);
    }
    let message = if e.is_eof() {
        format!("{message}: the file ends early (truncated?)")
    } else {
        message
    };
    InputError::new(
        file,
        format!("line {} column {}", e.line(), e.column()),
        message,
    )
}

/// The `@odata.context` and `@odata.nextLink` of the page being read.
#[derive(Default, Clone)]
struct Page {
    context: Option<String>,
    kind: Option<Kind>,
    /// The page is of `/directory/deletedItems` (its context or its next link says so).
    deleted: bool,
    /// The page is a `directoryObjects` list (`…/members`, `…/memberOf`), not a users export.
    member_list: bool,
}

struct State<'a, 'b, 'c> {
    ctx: &'a mut FileCtx<'b>,
    h: &'c mut Harvest,
    labels: BTreeSet<&'static str>,
    document: usize,
    page: Page,
    placeholders: Placeholders,
    role_file: bool,
    coverage: super::graph_check::Coverage,
    member_lists: usize,
    undated_deleted: usize,
    /// Objects without deletedDateTime in a file named as deleted items, on pages that do not
    /// say they are (`@odata.context` #users, no next link).
    undated_named_deleted: usize,
}

impl State<'_, '_, '_> {
    fn prefix(&self) -> String {
        if self.document == 0 {
            String::new()
        } else {
            format!("document {}: ", self.document + 1)
        }
    }

    /// The file's name says deleted items (`deletedItems-users.json`).
    fn named_deleted(&self) -> bool {
        let name = std::path::Path::new(self.ctx.file)
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        name.contains("deleted")
    }

    fn set_context(&mut self, context: String) {
        self.page.kind = kind_of_context(&context);
        let path = context_path(&context);
        self.page.deleted |= path.contains("deletedItems");
        let base = path.split('(').next().unwrap_or(path);
        self.page.member_list = base.trim_end_matches("/$entity") == "directoryObjects";
        self.page.context = Some(context);
    }

    /// A page ended: remember whether it points to a next page.
    fn page_done(&mut self, next_link: Option<String>, position: String) {
        let key = self
            .page
            .context
            .as_deref()
            .map(context_path)
            .unwrap_or("(no @odata.context)")
            .to_string();
        let origin = self.ctx.origin(position);
        self.h.pages.push((key, next_link, origin));
    }

    /// One object of the file.
    fn element(&mut self, value: Value, path: String) {
        let path = format!("{}{path}", self.prefix());
        let Value::Object(mut map) = value else {
            self.ctx.skip(
                &path,
                format!("expected an object, found {}", type_name(&value)),
            );
            return;
        };
        let kind = match kind_of_type(&map)
            .or_else(|| self.page.kind.clone())
            .or_else(|| kind_of_keys(&map))
        {
            Some(k) => k,
            None => {
                self.ctx.skip(
                    &path,
                    format!(
                        "cannot tell what this object is (keys: {}); save Graph responses with their @odata.context",
                        map.keys().take(8).cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
                return;
            }
        };
        if self.page.member_list && matches!(kind, Kind::Cloud(_) | Kind::NotSynced(_)) {
            self.member_lists += 1;
            return;
        }
        match kind {
            Kind::Cloud(k) => {
                if self.page.deleted && map.get("deletedDateTime").is_none_or(Value::is_null) {
                    // A deleted item saved without deletedDateTime is still deleted (Q5).
                    map.insert("deletedDateTime".into(), Value::String("unknown".into()));
                    self.undated_deleted += 1;
                }
                let deleted = map.get("deletedDateTime").is_some_and(|d| !d.is_null());
                if !map.contains_key("deletedDateTime")
                    && !self.page.deleted
                    && self.named_deleted()
                {
                    self.undated_named_deleted += 1;
                }
                self.coverage.check(&map, k, deleted, &path);
                self.labels.insert(match (k, deleted) {
                    (_, true) => "Graph deleted items",
                    (ObjectKind::User, _) => "Graph users",
                    (ObjectKind::Group, _) => "Graph groups",
                    (ObjectKind::Contact, _) => "Graph contacts",
                });
                if let Some(c) = graph::cloud_object(map, k, self.ctx, &path) {
                    let origin = self.ctx.origin(path);
                    self.h.cloud.push((c, origin));
                }
            }
            Kind::DirectoryRole => {
                self.labels.insert("Graph directoryRoles");
                self.role_file = true;
                graph::directory_role(map, self.ctx, &path, self.h);
            }
            Kind::RoleSchedule { eligible } => {
                self.labels.insert(if eligible {
                    "Graph role eligibility"
                } else {
                    "Graph role assignments"
                });
                self.role_file = true;
                graph::role_schedule(map, eligible, self.ctx, &path, self.h);
            }
            Kind::Domain => {
                self.labels.insert("Graph domains");
                graph::domain(map, self.ctx, &path, self.h);
            }
            Kind::Sync => {
                self.labels.insert("Graph onPremisesSynchronization");
                graph::sync(map, self.ctx, &path, self.h);
            }
            Kind::RoleDefinition => {
                self.labels.insert("Graph roleDefinitions");
                graph::role_definition(map, self.ctx, &path, self.h);
            }
            Kind::AdObject => {
                self.labels.insert("PowerShell ConvertTo-Json");
                let rec = powershell::ad_record(map, &path);
                if let Some(o) = record::on_prem_object(rec, self.ctx, &mut self.placeholders) {
                    let origin = self.ctx.origin(path);
                    self.h.on_prem.push((o, origin));
                }
            }
            Kind::NotSynced(what) => self.ctx.ignore(
                &path,
                format!(
                    "a {what}, which Entra Connect does not provision as a user, group or contact"
                ),
            ),
        }
    }

    /// A top-level object that is not a page: an entity, connect.json or a bundle.
    fn single(&mut self, mut map: Map<String, Value>) -> Result<(), String> {
        if map.contains_key("onPremises") || map.contains_key("cloud") {
            return Err(
                "this is a snapshot bundle, not an export; open it directly (syncscope FILE) or move it out of the export folder"
                    .into(),
            );
        }
        if self.page.context.is_none()
            && !map.contains_key("@odata.type")
            && connect::looks_like(&map)
        {
            self.labels.insert("connect.json");
            let prefix = self.prefix();
            let c = connect::parse(map, &prefix).map_err(|e| e.to_string())?;
            for (position, message) in c.1 {
                self.ctx.warn(position, message);
            }
            let origin = self.ctx.origin("");
            self.h.connect.push((c.0, origin));
            return Ok(());
        }
        map.remove("@odata.context");
        self.element(Value::Object(map), String::new());
        Ok(())
    }

    /// An element of a top-level array: an object, or a saved Graph page.
    fn array_element(&mut self, value: Value, index: usize) {
        match value {
            Value::Object(mut map)
                if map.get("value").is_some_and(Value::is_array)
                    && (map.contains_key("@odata.context")
                        || map.contains_key("@odata.nextLink")) =>
            {
                let saved = std::mem::take(&mut self.page);
                if let Some(Value::String(c)) = map.remove("@odata.context") {
                    self.set_context(c);
                }
                let next = map
                    .remove("@odata.nextLink")
                    .and_then(|v| v.as_str().map(str::to_string));
                if next.as_deref().is_some_and(|l| l.contains("/deletedItems")) {
                    self.page.deleted = true;
                }
                if let Some(Value::Array(items)) = map.remove("value") {
                    for (i, item) in items.into_iter().enumerate() {
                        self.element(item, format!("[{index}].value[{i}]"));
                    }
                }
                self.page_done(next, format!("{}[{index}]", self.prefix()));
                self.page = saved;
            }
            other => self.element(other, format!("[{index}]")),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The path of an `@odata.context` after `$metadata#`.
fn context_path(context: &str) -> &str {
    context.split_once("$metadata#").map_or(context, |(_, p)| p)
}

/// What the objects of a page are, from its `@odata.context`.
pub(crate) fn kind_of_context(context: &str) -> Option<Kind> {
    let path = context_path(context);
    let base = path.split('(').next().unwrap_or(path);
    let base = base.trim_end_matches("/$entity");
    let last = base.rsplit('/').next().unwrap_or(base);
    match last {
        "users" | "microsoft.graph.user" => Some(Kind::Cloud(ObjectKind::User)),
        "groups" | "microsoft.graph.group" => Some(Kind::Cloud(ObjectKind::Group)),
        "contacts" | "microsoft.graph.orgContact" => Some(Kind::Cloud(ObjectKind::Contact)),
        "directoryRoles" => Some(Kind::DirectoryRole),
        "domains" => Some(Kind::Domain),
        "onPremisesSynchronization" => Some(Kind::Sync),
        "roleDefinitions" => Some(Kind::RoleDefinition),
        "roleEligibilitySchedules" | "roleEligibilityScheduleInstances" => {
            Some(Kind::RoleSchedule { eligible: true })
        }
        "roleAssignments" | "roleAssignmentSchedules" | "roleAssignmentScheduleInstances" => {
            Some(Kind::RoleSchedule { eligible: false })
        }
        _ => None,
    }
}

/// What an object is, from its `@odata.type`.
fn kind_of_type(map: &Map<String, Value>) -> Option<Kind> {
    let t = map.get("@odata.type")?.as_str()?;
    let name = t
        .trim_start_matches('#')
        .trim_start_matches("microsoft.graph.");
    Some(match name {
        "user" => Kind::Cloud(ObjectKind::User),
        "group" => Kind::Cloud(ObjectKind::Group),
        "orgContact" => Kind::Cloud(ObjectKind::Contact),
        "directoryRole" => Kind::DirectoryRole,
        "domain" => Kind::Domain,
        "onPremisesDirectorySynchronization" => Kind::Sync,
        "unifiedRoleEligibilitySchedule" | "unifiedRoleEligibilityScheduleInstance" => {
            Kind::RoleSchedule { eligible: true }
        }
        "unifiedRoleAssignment"
        | "unifiedRoleAssignmentSchedule"
        | "unifiedRoleAssignmentScheduleInstance" => Kind::RoleSchedule { eligible: false },
        other => Kind::NotSynced(other.to_string()),
    })
}

/// What an object is, from its keys (an export saved without `@odata.context`).
fn kind_of_keys(map: &Map<String, Value>) -> Option<Kind> {
    let has = |k: &str| map.keys().any(|x| x.eq_ignore_ascii_case(k));
    if has("distinguishedName") && has("objectGUID") {
        return Some(Kind::AdObject);
    }
    if map.get("features").is_some_and(Value::is_object) {
        return Some(Kind::Sync);
    }
    if map.contains_key("roleTemplateId") {
        return Some(Kind::DirectoryRole);
    }
    if map.contains_key("isInitial")
        || map.contains_key("authenticationType") && map.contains_key("isVerified")
    {
        return Some(Kind::Domain);
    }
    if !map.contains_key("id") {
        return None;
    }
    if map.contains_key("userPrincipalName") {
        return Some(Kind::Cloud(ObjectKind::User));
    }
    if ["groupTypes", "securityEnabled", "mailEnabled"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return Some(Kind::Cloud(ObjectKind::Group));
    }
    None
}

// ---- streaming --------------------------------------------------------------------------------

/// One top-level JSON document.
struct DocSeed<'s, 'a, 'b, 'c>(&'s mut State<'a, 'b, 'c>);

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a JSON object or array (a Graph response, ConvertTo-Json output or connect.json)",
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.page = Page::default();
        let mut i = 0;
        while let Some(Unique(v)) = seq.next_element::<Unique>()? {
            self.0.array_element(v, i);
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        state.page = Page::default();
        let mut rest = Map::new();
        let mut next_link = None;
        let mut was_page = false;
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.to_ascii_lowercase()) {
                return Err(de::Error::custom(super::unique::duplicate_message(&key)));
            }
            match key.as_str() {
                "@odata.context" => {
                    let Unique(v) = map.next_value()?;
                    if let Value::String(c) = &v {
                        state.set_context(c.clone());
                    }
                    rest.insert(key, v);
                }
                "@odata.nextLink" => {
                    next_link = map.next_value::<Option<String>>()?;
                    // The page's own address tells deleted items even without a context.
                    if next_link
                        .as_deref()
                        .is_some_and(|l| l.contains("/deletedItems"))
                    {
                        state.page.deleted = true;
                    }
                }
                "value" => {
                    let seed = ValueSeed { state: &mut *state };
                    if let Some(v) = map.next_value_seed(seed)? {
                        rest.insert(key, v);
                    } else {
                        was_page = true;
                    }
                }
                _ => {
                    let Unique(v) = map.next_value()?;
                    rest.insert(key, v);
                }
            }
        }
        if was_page {
            let position = format!("{}value", state.prefix());
            state.page_done(next_link, position);
            return Ok(());
        }
        state.single(rest).map_err(de::Error::custom)
    }
}

/// The `value` member: an array of objects is streamed; anything else is handed back.
struct ValueSeed<'s, 'a, 'b, 'c> {
    state: &'s mut State<'a, 'b, 'c>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_, '_> {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let mut i = 0;
        while let Some(Unique(v)) = seq.next_element::<Unique>()? {
            self.state.element(v, format!("value[{i}]"));
            i += 1;
        }
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        super::unique::visit_unique_map(map).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Value>, E> {
        Ok(Some(Value::String(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<Value>, E> {
        Ok(Some(Value::String(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_name_the_collection() {
        let k = |c: &str| kind_of_context(c);
        assert_eq!(
            k("https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)"),
            Some(Kind::Cloud(ObjectKind::User))
        );
        assert_eq!(
            k("https://graph.microsoft.com/v1.0/$metadata#users/$entity"),
            Some(Kind::Cloud(ObjectKind::User))
        );
        assert_eq!(
            k(
                "https://graph.microsoft.com/v1.0/$metadata#directory/deletedItems/microsoft.graph.group"
            ),
            Some(Kind::Cloud(ObjectKind::Group))
        );
        assert_eq!(
            k("https://graph.microsoft.com/v1.0/$metadata#directoryRoles(members())"),
            Some(Kind::DirectoryRole)
        );
        assert_eq!(
            k(
                "https://graph.microsoft.com/beta/$metadata#directory/onPremisesSynchronization/$entity"
            ),
            Some(Kind::Sync)
        );
        assert_eq!(
            k(
                "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleEligibilitySchedules(roleDefinition(id,displayName))"
            ),
            Some(Kind::RoleSchedule { eligible: true })
        );
        assert_eq!(
            k("https://graph.microsoft.com/v1.0/$metadata#devices"),
            None
        );
    }
}
