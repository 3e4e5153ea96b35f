//! The detail pane: both sides of the selection side by side with differences marked, the
//! outcome with its rule ids and trace, the takeover preview (M7), the anchor in every form
//! (A4) and the fixes the rule book gives. Every attribute value goes through `display_safe`.
//! Everything is read from the session's configuration in force (a what-if flip included), and
//! long text is wrapped here, under its label, to the pane's width.

use super::Pane;
use crate::anchor::Anchor;
use crate::model::{CloudObject, OnPremObject, Text};
use crate::outcome::{ErrorCode, Flag, Holder, Outcome, SyncResult};
use crate::preview::preview;
use crate::sanitize::display_safe;
use crate::trace::{cloud_ref, on_prem_ref};
use crate::tui::app::App as State;
use crate::tui::theme::result_badge;
use crate::tui::widgets::labeled;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

const LABEL: usize = 20;

fn safe(text: &str) -> String {
    display_safe(text).into_owned()
}

/// The detail lines for the current selection.
pub fn lines(s: &State, width: usize) -> Vec<Line<'static>> {
    match s.explorer.subject {
        Pane::Cloud => match s.explorer.selected_cloud() {
            Some(c) => cloud_lines(s, c, width),
            None => vec![Line::from("No cloud object in this view.")],
        },
        _ => match s.explorer.selected_outcome() {
            Some(o) => on_prem_lines(s, o, width),
            None => vec![Line::from(
                "No on-prem object in this view (press 0 to clear the filter).",
            )],
        },
    }
}

fn heading(s: &State, text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), s.theme.heading()))
}

/// One attribute row: label, on-prem value, cloud value; `≠` and emphasis where they differ.
fn compare_row(
    s: &State,
    label: &str,
    left: Option<Text>,
    right: Option<Text>,
    width: usize,
    compare: bool,
) -> Line<'static> {
    let norm = |v: &Option<Text>| v.as_deref().map(str::to_lowercase);
    // Compared only when there is a cloud object: a new object has nothing to differ from.
    let differ = compare
        && (left.is_some() && right.is_some() && norm(&left) != norm(&right)
            || left.is_some() != right.is_some());
    let cell = |v: Option<Text>| {
        let t = v.map(|v| safe(&v)).unwrap_or_else(|| "—".into());
        crate::report::truncate(&t, width)
    };
    let (l, r) = (cell(left), cell(right));
    let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(l.as_str()));
    let style = if differ {
        s.theme.changed()
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), s.theme.dim()),
        Span::styled(l, style),
        Span::raw(" ".repeat(pad)),
        Span::styled(if differ { " ≠ " } else { "   " }, style),
        Span::styled(r, style),
    ])
}

fn list(v: &[Text]) -> Option<Text> {
    (!v.is_empty()).then(|| v.join(", ").into())
}

fn on_prem_lines(s: &State, oi: u32, full: usize) -> Vec<Line<'static>> {
    let b = &*s.session.snapshot;
    let out = &s.session.plan.outcomes[oi as usize];
    let o = &b.on_premises[out.on_prem as usize];
    let cloud = s.counterpart_of_outcome(oi).map(|c| &*b.cloud[c as usize]);
    let mut v: Vec<Line<'static>> = Vec::new();
    let (sym, _) = result_badge(out.result);
    let mut title = vec![
        Span::styled(
            format!("{sym} {}", out.result.as_str()),
            s.theme.result(out.result).add_modifier(Modifier::BOLD),
        ),
        Span::raw("  "),
        Span::styled(safe(o.name()), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  ({})", o.object_class.as_str())),
    ];
    if let Some(e) = out.error {
        title.push(Span::styled(format!("  {}", e.as_str()), s.theme.error()));
    }
    for f in &out.flags {
        title.push(Span::styled(format!("  {}", f.as_str()), s.theme.warn()));
    }
    v.push(Line::from(title));
    v.push(Line::from(vec![
        Span::styled("rules  ", s.theme.dim()),
        Span::raw(out.rules().join(" ")),
    ]));
    // The verdict first: the step that decided it, and the first thing to do about it.
    v.extend(labeled(
        Span::styled("DN     ", s.theme.dim()),
        &safe(&o.distinguished_name),
        s.theme.dim(),
        full,
    ));
    if let Some(step) = out.key_step() {
        v.extend(labeled(
            Span::styled("why    ", s.theme.key()),
            &safe(&step.describe(b, &out.source_anchor)),
            Style::new().add_modifier(Modifier::BOLD),
            full,
        ));
    }
    // Δ: what the comparison plan (the snapshot's settings, or the pinned ones) said.
    if s.whatif
        .diff
        .changed
        .get(oi as usize)
        .copied()
        .unwrap_or(false)
    {
        let before = s.whatif.against(&s.session).outcomes.get(oi as usize);
        if let Some(before) = before {
            v.extend(labeled(
                Span::styled("Δ was  ", s.theme.changed()),
                &format!(
                    "was: {} — now: {} (what-if)",
                    crate::diff::outcome_class(before),
                    crate::diff::outcome_class(out)
                ),
                s.theme.changed(),
                full,
            ));
        }
    }
    let first_fix = if out.has_flag(Flag::ExistingAdminRoleConflict) {
        Some(
            "press W: the admin-role workaround (W1) step by step on a what-if copy, then the script",
        )
    } else {
        out.error.and_then(|e| e.fixes().first().copied())
    };
    if let Some(fix) = first_fix {
        v.extend(labeled(
            Span::styled("fix    ", s.theme.key()),
            fix,
            Style::new(),
            full,
        ));
    }
    // The guided fixes that fit, from the session: W starts the first, t (in the walkthrough)
    // offers the others.
    let fits: Vec<String> = s
        .session
        .suggest(out.on_prem as usize)
        .iter()
        .map(|(k, _)| format!("{} {}", k.id(), k.title()))
        .collect();
    if let Some((first, others)) = fits.split_first() {
        let needs_target =
            matches!(out.result, SyncResult::Provision | SyncResult::Error) && cloud.is_none();
        let mut text = format!("walk through {first} on a what-if copy");
        if !others.is_empty() {
            text.push_str(&format!(" (then t: {})", others.join(", ")));
        }
        if needs_target {
            text.push_str("; select the cloud user first");
        }
        v.extend(labeled(
            Span::styled("W      ", s.theme.key()),
            &text,
            Style::new(),
            full,
        ));
    }
    v.push(Line::default());

    // Side by side.
    let width = full.saturating_sub(LABEL + 3).max(20) / 2;
    let cloud_title = match (cloud, out.result) {
        (None, SyncResult::Provision) => "Cloud: a new object".to_string(),
        (None, _) => "Cloud: —".to_string(),
        (Some(c), r) => {
            let role = match r {
                SyncResult::Linked => "linked",
                SyncResult::Error => "conflicting",
                SyncResult::OutOfScope => "to be soft-deleted",
                SyncResult::Provision => "holds the values",
                _ => "taken over",
            };
            format!("Cloud ({role}): {}", c.id)
        }
    };
    v.push(Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "attribute"), s.theme.heading()),
        Span::styled(
            format!("{:<width$}   ", "On-premises AD"),
            s.theme.heading(),
        ),
        Span::styled(
            crate::report::truncate(&cloud_title, width),
            s.theme.heading(),
        ),
    ]));
    let c = |f: fn(&CloudObject) -> Option<Text>| cloud.and_then(f);
    let rows: Vec<(&str, Option<Text>, Option<Text>)> = vec![
        (
            "displayName",
            o.display_name.clone(),
            c(|c| c.display_name.clone()),
        ),
        (
            "userPrincipalName",
            o.user_principal_name.clone(),
            c(|c| c.user_principal_name.clone()),
        ),
        ("mail", o.mail.clone(), c(|c| c.mail.clone())),
        (
            "primary SMTP",
            o.primary_smtp().map(Text::from),
            c(|c| c.primary_smtp().map(Text::from)),
        ),
        (
            "proxyAddresses",
            list(&o.proxy_addresses),
            c(|c| list(&c.proxy_addresses)),
        ),
        (
            "anchor/ImmutableID",
            Some(out.source_anchor.clone()),
            c(|c| c.on_premises_immutable_id.clone()),
        ),
    ];
    for (label, l, r) in rows {
        v.push(compare_row(s, label, l, r, width, cloud.is_some()));
    }
    if let Some(c) = cloud {
        let sync = match (c.is_synced(), c.is_deleted()) {
            (_, true) => "in the recycle bin".to_string(),
            (true, false) => "synced".to_string(),
            (false, false) => "cloud-managed".to_string(),
        };
        let facts = [
            ("sync state", sync),
            (
                "directory roles",
                roles(c).map_or_else(|| "none".into(), String::from),
            ),
            ("licenses", c.assigned_licenses.len().to_string()),
        ];
        for (label, value) in facts {
            let style = if label == "directory roles" && c.has_directory_role() {
                s.theme.warn()
            } else {
                Style::new()
            };
            v.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), s.theme.dim()),
                Span::raw(format!("{:<width$}   ", "")),
                Span::styled(safe(&value), style),
            ]));
        }
    }
    v.push(Line::default());

    v.push(heading(s, "Why"));
    for step in &out.steps {
        v.extend(labeled(
            Span::styled(format!("  {:<5}", step.rule), s.theme.key()),
            &safe(&step.note.describe(b, &out.source_anchor)),
            Style::new(),
            full,
        ));
    }

    if !out.quarantined.is_empty() {
        v.push(Line::default());
        v.push(heading(s, "Quarantined by this sync (Q1)"));
        for q in &out.quarantined {
            let holder = match q.conflicts_with {
                Holder::Cloud(c) => cloud_ref(b, c),
                Holder::OnPrem(j) => on_prem_ref(b, j),
            };
            let instead = q
                .placeholder
                .as_ref()
                .map(|p| format!(" → placeholder {p}"))
                .unwrap_or_default();
            v.extend(labeled(
                Span::styled("  ⚠ ", s.theme.warn()),
                &safe(&format!(
                    "{} {}{instead}  (held by {holder})",
                    q.property.as_str(),
                    q.value
                )),
                Style::new(),
                full,
            ));
        }
    }

    if let Some(p) = preview(b, out).filter(|p| !p.is_empty()) {
        v.push(Line::default());
        let title = if out.result == SyncResult::Linked {
            "What this sync writes (update, M1)"
        } else {
            "Takeover preview: what the cloud object loses (M7)"
        };
        v.push(heading(s, title));
        for ch in &p.overwritten {
            v.push(Line::from(vec![
                Span::styled(format!("  {:<LABEL$}", ch.attribute), s.theme.dim()),
                Span::styled(
                    safe(ch.cloud.as_deref().unwrap_or("—")),
                    Style::new().add_modifier(Modifier::CROSSED_OUT),
                ),
                Span::raw(" → "),
                Span::styled(
                    safe(ch.on_prem.as_deref().unwrap_or("—")),
                    s.theme.changed(),
                ),
            ]));
        }
        for lost in &p.proxies_lost {
            v.push(Line::from(vec![
                Span::styled("  ✗ lost address      ", s.theme.error()),
                Span::raw(safe(lost)),
            ]));
        }
        for added in &p.proxies_added {
            v.push(Line::from(vec![
                Span::styled("  + added address     ", s.theme.ok()),
                Span::raw(safe(added)),
            ]));
        }
        if p.password_replaced {
            v.push(Line::from(Span::styled(
                "  ✗ the cloud password is replaced by the on-prem one (password hash sync)",
                s.theme.error(),
            )));
        }
        if p.becomes_synced {
            v.push(Line::from(Span::styled(
                "  ! the object becomes synced: from now on it is managed on-premises",
                s.theme.warn(),
            )));
        }
    }

    if let Some(e) = out.error {
        v.push(Line::default());
        v.push(heading(s, "What to do"));
        for fix in e.fixes() {
            v.extend(labeled(Span::raw("  • "), fix, Style::new(), full));
        }
        if e == ErrorCode::InvalidHardMatch && cloud.is_some_and(CloudObject::has_directory_role) {
            v.extend(w1_lines(s));
        }
    } else if out.has_flag(Flag::ExistingAdminRoleConflict) {
        v.push(Line::default());
        v.push(heading(s, "What to do"));
        v.extend(labeled(
            Span::raw("  "),
            "The admin will be duplicated: the cloud account holds a directory role, so soft match is refused (M6).",
            Style::new(),
            full,
        ));
        v.extend(w1_lines(s));
    }

    v.push(Line::default());
    v.extend(anchor_lines(s, o, &out.source_anchor));
    v
}

fn w1_lines(s: &State) -> Vec<Line<'static>> {
    vec![
        Line::from(Span::styled(
            "  W1, the admin-role workaround, before the next sync:",
            s.theme.key(),
        )),
        Line::from("    1. remove the cloud user's directory roles (note them first)"),
        Line::from(
            "    2. if a sync already created the duplicate (name1234@…onmicrosoft.com), hard-delete it",
        ),
        Line::from(
            "       and purge it from the recycle bin — else the on-prem object stays linked to it (M1)",
        ),
        Line::from("    3. run a delta sync: the on-prem user soft matches the cloud account"),
        Line::from("    4. re-add the directory roles"),
    ]
}

fn anchor_lines(s: &State, o: &OnPremObject, immutable_id: &str) -> Vec<Line<'static>> {
    let mut v = vec![heading(s, "Source anchor in every form (A4)")];
    let Ok(a) = Anchor::parse_immutable_id(immutable_id) else {
        return v;
    };
    // A2, under the configuration in force (a what-if flip of the source anchor included).
    let source = s.session.config.anchor_source(o);
    for (label, value) in [
        ("from", source.to_string()),
        ("GUID", a.guid().to_string()),
        ("ImmutableID", a.immutable_id()),
        ("hex bytes", a.hex()),
        ("LDAP filter", a.ldap_filter()),
        ("connector-space DN", a.connector_space_dn()),
    ] {
        v.push(Line::from(vec![
            Span::styled(format!("  {label:<LABEL$}"), s.theme.dim()),
            Span::raw(value),
        ]));
    }
    v
}

fn roles(c: &CloudObject) -> Option<Text> {
    let all: Vec<Text> = c
        .directory_roles
        .iter()
        .cloned()
        .chain(
            c.eligible_directory_roles
                .iter()
                .map(|r| compact_str::format_compact!("{r} (eligible)")),
        )
        .collect();
    list(&all)
}

fn cloud_lines(s: &State, ci: u32, full: usize) -> Vec<Line<'static>> {
    let b = &*s.session.snapshot;
    let c = &b.cloud[ci as usize];
    let refs = s.explorer.cloud_refs.of(ci);
    let mut v: Vec<Line<'static>> = Vec::new();
    let (sym, word, style) = cloud_badge(s, ci);
    v.push(Line::from(vec![
        Span::styled(format!("{sym} {word}"), style.add_modifier(Modifier::BOLD)),
        Span::raw("  "),
        Span::styled(safe(c.name()), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  (cloud {})", c.object_type.as_str())),
    ]));
    v.push(Line::from(Span::styled(
        format!("id {}", c.id),
        s.theme.dim(),
    )));
    v.push(Line::default());
    let sync = match (c.is_synced(), c.is_deleted()) {
        (true, true) => "synced, in the recycle bin",
        (false, true) => "cloud-managed, in the recycle bin",
        (true, false) => "synced",
        (false, false) => "cloud-managed (never synced, or converted)",
    };
    let mut facts: Vec<(&str, Option<Text>)> = vec![
        ("displayName", c.display_name.clone()),
        ("userPrincipalName", c.user_principal_name.clone()),
        ("mail", c.mail.clone()),
        ("proxyAddresses", list(&c.proxy_addresses)),
        ("ImmutableID", c.on_premises_immutable_id.clone()),
        ("sync state", Some(sync.into())),
        ("directory roles", roles(c)),
        (
            "licenses",
            Some(c.assigned_licenses.len().to_string().into()),
        ),
        (
            "onPremisesObjectIdentifier",
            c.on_premises_object_identifier.clone(),
        ),
    ];
    if c.object_type == crate::model::ObjectKind::Group {
        facts.push((
            "group",
            Some(compact_str::format_compact!(
                "mail-enabled {}, security {}, types {}",
                c.mail_enabled.unwrap_or(false),
                c.security_enabled.unwrap_or(false),
                list(&c.group_types).unwrap_or_else(|| "—".into())
            )),
        ));
    }
    for (label, value) in facts {
        v.extend(labeled(
            Span::styled(format!("{label:<LABEL$}"), s.theme.dim()),
            &value.map(|x| safe(&x)).unwrap_or_else(|| "—".into()),
            Style::new(),
            full,
        ));
    }
    if !c.on_premises_provisioning_errors.is_empty() {
        v.push(Line::default());
        v.push(heading(s, "Provisioning errors already on this object"));
        for e in &c.on_premises_provisioning_errors {
            v.extend(labeled(
                Span::styled("  ⚠ ", s.theme.warn()),
                &safe(&format!(
                    "{} {} {} since {}",
                    e.category,
                    e.property_causing_error,
                    e.value,
                    e.occurred_date_time.as_deref().unwrap_or("?")
                )),
                Style::new(),
                full,
            ));
        }
    }
    v.push(Line::default());
    v.push(heading(s, "What the next sync does with it"));
    if refs.is_empty() {
        v.extend(labeled(
            Span::raw("  "),
            "Nothing in this snapshot links, matches or conflicts with it: the next sync leaves it untouched.",
            Style::new(),
            full,
        ));
        if c.is_synced() && !c.is_deleted() {
            v.extend(labeled(
                Span::raw("  "),
                "It is synced, but from no object in this snapshot (another forest, another sync client, or deleted on-prem).",
                s.theme.dim(),
                full,
            ));
        }
    }
    for o in refs {
        let out = &s.session.plan.outcomes[*o as usize];
        let (sym, _) = result_badge(out.result);
        let how = describe_relation(out, ci);
        v.extend(labeled(
            Span::styled(format!("  {sym} "), s.theme.result(out.result)),
            &safe(&format!("{}: {how}", on_prem_ref(b, out.on_prem))),
            Style::new(),
            full,
        ));
        if let Some(step) = out.key_step() {
            v.extend(labeled(
                Span::raw("      "),
                &safe(&step.describe(b, &out.source_anchor)),
                s.theme.dim(),
                full,
            ));
        }
    }
    v
}

fn describe_relation(out: &Outcome, ci: u32) -> String {
    if out.cloud == Some(ci) {
        match out.result {
            SyncResult::Linked => "linked: the sync updates this object".into(),
            SyncResult::HardMatch => "hard match: takes this object over".into(),
            SyncResult::Restore => "hard match: restores this object from the recycle bin".into(),
            SyncResult::SoftMatchSmtp => "soft match on SMTP: takes this object over".into(),
            SyncResult::SoftMatchUpn => "soft match on UPN: takes this object over".into(),
            SyncResult::OutOfScope => "left the sync scope: this object is soft-deleted".into(),
            SyncResult::Error => format!(
                "{} against this object",
                out.error.map_or("error", ErrorCode::as_str)
            ),
            SyncResult::Provision => "provisioned".into(),
            SyncResult::CloudManaged => "cloud-managed (M10): the sync does not write it".into(),
        }
    } else {
        "a new object whose values collide with this one: quarantined".into()
    }
}

/// Symbol, word and style for a cloud object's fate in this plan.
pub fn cloud_badge(s: &State, ci: u32) -> (&'static str, &'static str, Style) {
    let c = &s.session.snapshot.cloud[ci as usize];
    let refs = s.explorer.cloud_refs.of(ci);
    let direct = refs
        .iter()
        .map(|o| &s.session.plan.outcomes[*o as usize])
        .find(|o| o.cloud == Some(ci));
    let t = &s.theme;
    match direct.map(|o| o.result) {
        Some(SyncResult::Linked) => ("=", "linked", t.result(SyncResult::Linked)),
        Some(r) if r.is_takeover() => {
            if r == SyncResult::Restore {
                ("R", "restore", t.result(r))
            } else {
                ("»", "takeover", t.result(r))
            }
        }
        Some(SyncResult::OutOfScope) => ("x", "delete", t.error()),
        Some(SyncResult::Error) => ("!", "conflict", t.error()),
        _ if !refs.is_empty() => ("⚠", "holds", t.warn()),
        _ if c.is_deleted() => ("·", "deleted", t.dim()),
        _ => ("·", "untouched", t.dim()),
    }
}
