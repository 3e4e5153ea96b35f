//! Guided fixes (rule book §6), applied step by step to a what-if copy of the state: W1 the
//! admin-role workaround, W2 hard match, W3 soft match, W4 unlink. Each step says what it does,
//! applies its actions, and reports the subject's new outcome and what changed in both
//! directories; steps can be skipped and undone; a step the service would refuse (X1, X2) shows
//! why and changes nothing. The walkthrough ends with the script for the real tenant and can be
//! saved as a scenario file (interfaces §5).

use crate::anchor::Anchor;
use crate::apply::{Action, OnPremAttribute, OnPremValue, apply, apply_plan, linked_cloud};
use crate::bundle::bundle_to_json;
use crate::index::TrackedIndex;
use crate::model::*;
use crate::outcome::{Flag, Holder, SyncResult};
use crate::pending::Pending;
use crate::plan::{Changes, Plan, Record, plan, plan_recorded, replan_changed};
use crate::remediation::{Command, ScriptStep, render_script};
use crate::report::outcome_json;
use crate::settings::Setting;
use crate::trace::Note;
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// W1: remove roles, purge the duplicate, sync, re-add roles.
    AdminRole,
    /// W2: set the anchor as the cloud user's ImmutableID, sync.
    HardMatch,
    /// W3: align the primary SMTP (or UPN), sync.
    SoftMatch,
    /// W4: out of scope, sync, restore, clear the ImmutableID.
    Unlink,
    /// W5 (r2): set mS-DS-ConsistencyGuid to the cloud object's ImmutableID, sync.
    ReAnchor,
}

impl Kind {
    pub fn id(self) -> &'static str {
        match self {
            Kind::AdminRole => "W1",
            Kind::HardMatch => "W2",
            Kind::SoftMatch => "W3",
            Kind::Unlink => "W4",
            Kind::ReAnchor => "W5",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::AdminRole => "admin-role workaround",
            Kind::HardMatch => "hard match",
            Kind::SoftMatch => "soft match",
            Kind::Unlink => "unlink",
            Kind::ReAnchor => "re-anchor",
        }
    }
}

/// One step: what it does, the actions on the what-if state, the commands for the real tenant.
#[derive(Clone, Debug)]
pub struct Step {
    pub title: String,
    pub explain: String,
    pub actions: Vec<Action>,
    pub commands: Vec<Command>,
    pub expect: Option<String>,
}

/// What applying (or skipping) a step did.
#[derive(Clone, Debug)]
pub struct StepResult {
    pub skipped: bool,
    /// Refused by the service (X1, X2, …): the state is unchanged.
    pub refused: Option<String>,
    pub messages: Vec<String>,
    /// For sync steps: what the sync did to the subject, with the deciding rule.
    pub sync_outcome: Option<String>,
    /// The subject's outcome of the next sync after this step.
    pub next_outcome: String,
    /// What changed in both directories.
    pub changes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Walkthrough {
    pub kind: Kind,
    pub subject: Uuid,
    pub target: Option<Uuid>,
    pub steps: Vec<Step>,
    /// `states[i]` is the state before step i; one more than the steps taken.
    pub states: Vec<Bundle>,
    pub results: Vec<StepResult>,
    /// The index of the state a step works on, updated for the objects the step changes
    /// instead of built again for the whole tenant.
    index: TrackedIndex,
    /// A plan of an earlier state made in full with its record: a step's plans are re-planned
    /// from it (only the objects its changes reach), until a step changes too much.
    recorded: Option<Arc<Recorded>>,
}

/// The plan of `state`, a state of a walkthrough: re-planned from the recorded plan
/// when few objects changed since (object for object the full plan), else made in full and
/// recorded for the steps after.
fn plan_of(
    tracked: &mut TrackedIndex,
    recorded: &mut Option<Arc<Recorded>>,
    state: &Bundle,
) -> Arc<Plan> {
    let index = tracked.of(&state.cloud);
    if let Some(r) = recorded
        && let Some(changes) = Changes::between(&r.state, state)
    {
        if changes.is_empty() && r.state.settings == state.settings {
            return Arc::clone(&r.plan);
        }
        let base = (&*r.plan, r.record.get(), &r.state.settings);
        if let Some(again) = replan_changed(state, index, base, &changes) {
            return Arc::new(again.plan);
        }
    }
    let (plan, record) = plan_recorded(state, index, &state.settings, &state.connect);
    // What the next step's re-plan reads, made while this step is still in the background.
    record.prepare();
    let plan = Arc::new(plan);
    *recorded = Some(Arc::new(Recorded {
        state: state.clone(),
        plan: Arc::clone(&plan),
        record: Pending::ready(record),
    }));
    plan
}

/// A state of the snapshot with its plan made in full and the plan's record.
pub struct Recorded {
    pub state: Bundle,
    pub plan: Arc<Plan>,
    pub record: Pending<Record>,
}

impl std::fmt::Debug for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recorded {{ {} outcomes }}", self.plan.outcomes.len())
    }
}

/// The walkthroughs that fit an on-prem object's outcome, the best first, with the cloud object
/// each would work on.
pub fn suggest(b: &Bundle, on_prem: usize) -> Vec<(Kind, Option<Uuid>)> {
    suggest_from(b, &plan(b), &b.settings, on_prem)
}

/// [`suggest`] from a plan already made of `b` under `settings` (no planning: constant time).
pub fn suggest_from(
    b: &Bundle,
    p: &crate::plan::Plan,
    settings: &crate::settings::Settings,
    on_prem: usize,
) -> Vec<(Kind, Option<Uuid>)> {
    // Outcomes are in on-prem order (one per object).
    let Some(out) = p
        .outcomes
        .get(on_prem)
        .filter(|o| o.on_prem as usize == on_prem)
    else {
        return Vec::new();
    };
    let o = &b.on_premises[on_prem];
    let cloud_of = |i: u32| &b.cloud[i as usize];
    let candidate = out.cloud.or_else(|| {
        out.quarantined.iter().find_map(|q| match q.conflicts_with {
            Holder::Cloud(c) => Some(c),
            Holder::OnPrem(_) => None,
        })
    });
    let role_block = out.has_flag(Flag::ExistingAdminRoleConflict)
        || out
            .steps
            .iter()
            .any(|s| matches!(s.note, Note::HardeningRole(_)));
    let mut v = Vec::new();
    // W5: every AttributeValueMustBeUnique soft-match conflict (M6 r2) offers the re-anchor
    // first; with objectGUID as sourceAnchor its start explains why not and names W4 / W2.
    let anchor_conflict = out.steps.iter().any(|s| {
        matches!(
            s.note,
            Note::SoftMatchAnchorConflict { .. }
                | Note::Refused(_, crate::trace::Refusal::SyncedFromOther)
                // A6: changing the anchor back is the same write.
                | Note::SourceAnchorChanged(_)
        )
    });
    if anchor_conflict && o.object_class == ObjectKind::User {
        v.push((Kind::ReAnchor, candidate.map(|c| cloud_of(c).id)));
    }
    if role_block {
        v.push((Kind::AdminRole, candidate.map(|c| cloud_of(c).id)));
    }
    match out.result {
        SyncResult::Linked => v.push((Kind::Unlink, out.cloud.map(|c| cloud_of(c).id))),
        _ if o.object_class == ObjectKind::User => {
            let target = candidate
                .map(cloud_of)
                .filter(|c| c.object_type == ObjectKind::User && !c.is_synced());
            let soft_possible = !settings.get(crate::settings::Setting::BlockSoftMatch)
                && target.is_none_or(|c| c.on_premises_immutable_id.is_none());
            let t = target.map(|c| c.id);
            if soft_possible && !role_block {
                v.push((Kind::SoftMatch, t));
                v.push((Kind::HardMatch, t));
            } else {
                v.push((Kind::HardMatch, t));
                if !role_block {
                    v.push((Kind::SoftMatch, t));
                }
            }
        }
        _ => {}
    }
    v
}

fn find_on_prem(b: &Bundle, guid: Uuid) -> Option<&OnPremObject> {
    b.on_premises
        .iter()
        .find(|o| o.object_guid == guid)
        .map(|o| &**o)
}

fn find_cloud(b: &Bundle, id: Uuid) -> Option<&CloudObject> {
    b.cloud.iter().find(|c| c.id == id).map(|c| &**c)
}

impl Walkthrough {
    /// Builds a walkthrough for an on-prem object (by objectGUID) and, where it needs one, the
    /// cloud object to work on.
    pub fn start(
        kind: Kind,
        b: &Bundle,
        subject: Uuid,
        target: Option<Uuid>,
    ) -> Result<Walkthrough, String> {
        let o = find_on_prem(b, subject).ok_or("no such on-prem object")?;
        let target_obj = target.and_then(|t| find_cloud(b, t));
        let need_target = || {
            target_obj.ok_or_else(|| {
                format!(
                    "{} {} needs a cloud object: select one in the cloud pane first",
                    kind.id(),
                    kind.title()
                )
            })
        };
        let anchor = o.source_anchor(b.connect.source_anchor);
        let sync = |expect: String| {
            Step {
            title: "Run a delta sync cycle".into(),
            explain: "M2: the next cycle evaluates the object again: hard match, soft match on SMTP, then UPN, then provision.".into(),
            actions: vec![Action::Sync],
            commands: vec![Command::DeltaSync],
            expect: Some(expect),
        }
        };
        let steps = match kind {
            Kind::AdminRole => {
                let c = need_target()?;
                // W1 (r2): when the 2026 hardening is the block (M3), only the privileged roles
                // (assigned and eligible) are removed; for the soft-match block (M6) every role
                // that blocks it.
                let hardening = b.settings.get(Setting::HardMatchHardening)
                    && c.on_premises_immutable_id.as_deref()
                        == Some(anchor.immutable_id().as_str());
                let roles = blocking_roles(b, c, hardening);
                if roles.is_empty() {
                    return Err(format!(
                        "{} holds no directory role that blocks the match: W1 does not apply",
                        c.name()
                    ));
                }
                let listing = role_listing(&roles);
                let duplicate = linked_cloud(b, subject)
                    .map(|i| &b.cloud[i as usize])
                    .filter(|d| d.id != c.id);
                let mut steps = Vec::new();
                if c.is_deleted() {
                    steps.push(restore_step(c));
                }
                steps.push(remove_roles_step(c, &roles, &listing, hardening));
                if let Some(clear) = clear_object_identifier_step(b, o, c) {
                    steps.push(clear);
                }
                steps.push(match duplicate {
                    Some(d) => Step {
                        title: format!(
                            "Delete and purge the duplicate {}",
                            d.user_principal_name.as_deref().unwrap_or(d.name())
                        ),
                        explain: "M1: while the duplicate is synced and carries the object's anchor, the on-prem object is linked to it and is never matched again. Skipping this step leaves it linked.".into(),
                        actions: vec![Action::HardDelete { cloud: d.id }],
                        commands: vec![Command::DeleteAndPurge { object: d.id }],
                        expect: None,
                    },
                    None => Step {
                        title: "No duplicate to purge yet".into(),
                        explain: "No sync has created a duplicate for this object, so there is nothing to delete. (Had one run, its placeholder-UPN duplicate would have to be purged: M1.)".into(),
                        actions: Vec::new(),
                        commands: Vec::new(),
                        expect: None,
                    },
                });
                steps.push(sync_and_check(
                    format!(
                        "{} is soft matched (or hard matched) to {}",
                        o.name(),
                        c.name()
                    ),
                    c.id,
                    &anchor.immutable_id(),
                ));
                steps.push(re_add_roles_step(c, &roles, &listing));
                steps
            }
            Kind::HardMatch => {
                let c = need_target()?;
                let mut steps = Vec::new();
                let federated = c
                    .user_principal_name
                    .as_deref()
                    .and_then(domain_of)
                    .filter(|d| b.tenant.is_federated(d));
                if let (Some(domain), Some(upn)) = (federated, c.user_principal_name.as_deref()) {
                    let new_upn = format!("{}@{}", local_part(upn), b.tenant.initial_domain);
                    steps.push(Step {
                        title: format!("Move {} from the federated {domain} to {new_upn}", c.name()),
                        explain: "X1: setting an ImmutableID on a user of a federated domain fails (FederatedDomainChangeError).".into(),
                        actions: vec![Action::SetCloudUpn { cloud: c.id, upn: new_upn.clone() }],
                        commands: vec![Command::SetCloudUpn { user: c.id, upn: new_upn }],
                        expect: None,
                    });
                }
                // A2 (r2): Connect writes the objectGUID back into an empty
                // mS-DS-ConsistencyGuid itself; the admin is never asked to.
                steps.push(Step {
                    title: format!("Set the ImmutableID of {} to {}", c.name(), anchor.immutable_id()),
                    explain: format!(
                        "A1: base64 of Guid.ToByteArray() (little-endian first three fields) of {}; big-endian bytes would match nothing.",
                        anchor.guid()
                    ),
                    actions: vec![Action::SetImmutableId { cloud: c.id, value: anchor }],
                    commands: vec![Command::SetImmutableId { user: c.id, value: anchor }],
                    expect: None,
                });
                steps.push(sync_and_check(
                    format!("{} is hard matched to {}", o.name(), c.name()),
                    c.id,
                    &anchor.immutable_id(),
                ));
                steps
            }
            Kind::SoftMatch => {
                let c = need_target()?;
                let mut steps = Vec::new();
                if let Some(primary) = c.primary_smtp() {
                    let mut proxies: Vec<String> = o
                        .proxy_addresses
                        .iter()
                        .filter(|p| !strip_smtp_prefix(p).eq_ignore_ascii_case(primary))
                        .map(|p| match p.strip_prefix("SMTP:") {
                            Some(rest) => format!("smtp:{rest}"),
                            None => p.to_string(),
                        })
                        .collect();
                    proxies.insert(0, format!("SMTP:{primary}"));
                    steps.push(Step {
                        title: format!("Make {primary} the primary SMTP address on-premises"),
                        explain: "P1, M5: soft match compares the primary SMTP (the SMTP: proxy) with the cloud object's; the old primary stays as a secondary smtp: address.".into(),
                        actions: vec![Action::SetOnPrem {
                            object_guid: subject,
                            attribute: OnPremAttribute::ProxyAddresses,
                            value: OnPremValue::List(proxies.clone()),
                        }],
                        commands: vec![Command::SetOnPremProxyAddresses { object: subject, values: proxies }],
                        expect: None,
                    });
                } else if let Some(upn) = c.user_principal_name.as_deref().map(String::from) {
                    steps.push(Step {
                        title: format!("Set the on-prem UPN to {upn}"),
                        explain: "M5: without a primary SMTP on the cloud side, soft match can only use the UPN (softMatchOnUpnEnabled).".into(),
                        actions: vec![Action::SetOnPrem {
                            object_guid: subject,
                            attribute: OnPremAttribute::UserPrincipalName,
                            value: OnPremValue::Text(Some(upn.clone())),
                        }],
                        commands: vec![Command::SetOnPremUpn { object: subject, upn }],
                        expect: None,
                    });
                } else {
                    return Err(format!(
                        "{} has neither an SMTP address nor a UPN to match",
                        c.name()
                    ));
                }
                steps.push(sync_and_check(
                    format!("{} is soft matched to {}", o.name(), c.name()),
                    c.id,
                    &anchor.immutable_id(),
                ));
                steps
            }
            Kind::ReAnchor => {
                let c = need_target()?;
                re_anchor_steps(b, o, c)?
            }
            Kind::Unlink => {
                let c = target_obj
                    .or_else(|| linked_cloud(b, subject).map(|i| &*b.cloud[i as usize]))
                    .ok_or("the object is not linked to any cloud object")?;
                let root: Vec<&str> = crate::dn::rdns(&o.distinguished_name)
                    .into_iter()
                    .filter(|r| crate::dn::is_type(r, "DC"))
                    .collect();
                let target_ou = format!("OU=Not Synced,{}", root.join(","));
                vec![
                    Step {
                        title: format!("Move {} to {target_ou}, outside the sync scope", o.label()),
                        explain: "Q6: an object outside the included OUs is out of scope; its cloud object is soft-deleted by the next sync.".into(),
                        actions: vec![Action::MoveOnPrem { object_guid: subject, dn: format!("CN={},{target_ou}", crate::dn::first_rdn_value_escaped(&o.distinguished_name)) }],
                        commands: vec![Command::MoveOnPrem { object: subject, target_ou: target_ou.clone() }],
                        expect: None,
                    },
                    sync(format!("{} is soft-deleted in the cloud", c.name())),
                    Step {
                        title: format!("Restore {} from the recycle bin", c.name()),
                        explain: "Restoring a synced object whose source is out of scope makes it cloud-only (not synced); its ImmutableID stays.".into(),
                        actions: vec![Action::Restore { cloud: c.id }],
                        commands: vec![Command::Restore { object: c.id }],
                        expect: None,
                    },
                    Step {
                        title: format!("Clear the ImmutableID of {}", c.name()),
                        explain: "X2: allowed now that the user is not synced; the account is fully cloud-only.".into(),
                        actions: vec![Action::ClearImmutableId { cloud: c.id }],
                        commands: vec![Command::ClearImmutableId { user: c.id }],
                        expect: None,
                    },
                ]
            }
        };
        Ok(Walkthrough {
            kind,
            subject,
            target: target_obj.map(|c| c.id),
            steps,
            states: vec![b.clone()],
            results: Vec::new(),
            index: TrackedIndex::default(),
            recorded: None,
        })
    }

    /// Re-plans its steps from `recorded`, a plan of a state its objects were copied from (the
    /// explorer's what-if plan), with `index` the index of that state's cloud objects, instead
    /// of indexing and planning its first step in full.
    pub fn with_recorded(mut self, recorded: Recorded, index: crate::index::CloudIndex) -> Self {
        self.index = TrackedIndex::seeded(&recorded.state.cloud, index);
        self.recorded = Some(Arc::new(recorded));
        self
    }

    pub fn current(&self) -> &Bundle {
        self.states.last().expect("at least the starting state")
    }

    pub fn done(&self) -> bool {
        self.results.len() == self.steps.len()
    }

    /// Applies the next step to the what-if state.
    pub fn apply_next(&mut self) {
        self.advance(false);
    }

    /// Skips the next step (the state stays; the step is left out of the script).
    pub fn skip_next(&mut self) {
        self.advance(true);
    }

    /// Undoes the last step taken.
    pub fn back(&mut self) {
        if self.results.pop().is_some() {
            self.states.pop();
        }
    }

    fn advance(&mut self, skip: bool) {
        let Some(step) = self.steps.get(self.results.len()) else {
            return;
        };
        // The state before the step stays in `states`: borrowed, not copied (a copy of a 1M
        // tenant costs seconds).
        let before = self.states.last().expect("at least the starting state");
        let mut after = before.clone();
        let now = before.captured_date_time.clone();
        let mut messages = Vec::new();
        let mut refused = None;
        let mut sync_outcome = None;
        if !skip {
            for action in &step.actions {
                if *action == Action::Sync {
                    let p = plan_of(&mut self.index, &mut self.recorded, &after);
                    if let Some(i) = after
                        .on_premises
                        .iter()
                        .position(|o| o.object_guid == self.subject)
                    {
                        sync_outcome = Some(describe_outcome(&after, &p.outcomes[i]));
                    }
                    apply_plan(&mut after, &p, now.as_deref());
                    messages.push(crate::apply::sync_summary(
                        &p,
                        after.connect.deletion_threshold,
                    ));
                    continue;
                }
                match apply(&mut after, action, now.as_deref()) {
                    Ok(a) => messages.push(a.summary),
                    Err(r) => {
                        // The service refuses the whole step; nothing changes.
                        refused = Some(r.0);
                        after = before.clone();
                        sync_outcome = None;
                        break;
                    }
                }
            }
        }
        let next = plan_of(&mut self.index, &mut self.recorded, &after);
        let next_outcome = after
            .on_premises
            .iter()
            .position(|o| o.object_guid == self.subject)
            .map(|i| describe_outcome(&after, &next.outcomes[i]))
            .unwrap_or_default();
        let changes = if skip {
            Vec::new()
        } else {
            changes(before, &after)
        };
        self.states.push(after);
        self.results.push(StepResult {
            skipped: skip,
            refused,
            messages,
            sync_outcome,
            next_outcome,
            changes,
        });
    }

    /// The script for the real tenant: the steps taken and not skipped or refused (all steps
    /// while none is taken yet).
    pub fn script(&self, source: &str) -> String {
        let o = find_on_prem(&self.states[0], self.subject)
            .map_or(std::borrow::Cow::Borrowed("?"), |o| o.label());
        let steps: Vec<ScriptStep> = self
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                self.results
                    .get(*i)
                    .is_none_or(|r| !r.skipped && r.refused.is_none())
            })
            .map(|(_, s)| ScriptStep {
                title: s.title.clone(),
                commands: s.commands.clone(),
                expect: s.expect.clone(),
            })
            .collect();
        render_script(
            &format!("{} {} for {o}", self.kind.id(), self.kind.title()),
            source,
            &steps,
        )
    }

    /// The steps taken, as a scenario file (interfaces §5) over `snapshot` (a path relative to
    /// where the scenario is saved).
    pub fn scenario(&self, snapshot: &str) -> Value {
        let mut steps = Vec::new();
        for (i, r) in self.results.iter().enumerate() {
            if r.skipped {
                continue;
            }
            for a in &self.steps[i].actions {
                steps.push(action_json(a));
            }
        }
        json!({
            "description": format!("{} {} (saved by syncscope)", self.kind.id(), self.kind.title()),
            "snapshot": snapshot,
            "steps": steps,
        })
    }

    /// The what-if state after the steps taken, as a bundle.
    pub fn final_bundle(&self) -> Value {
        bundle_to_json(self.current())
    }
}

/// One scenario step for an action (interfaces §5).
pub fn action_json(a: &Action) -> Value {
    let mut v = json!({"action": a.name()});
    match a {
        Action::Sync | Action::ResolveQuarantines => {}
        Action::RemoveRole { cloud, role }
        | Action::AddRole { cloud, role }
        | Action::AddEligibleRole { cloud, role } => {
            v["cloudId"] = json!(cloud.to_string());
            v["role"] = json!(role);
        }
        Action::SoftDelete { cloud }
        | Action::Restore { cloud }
        | Action::HardDelete { cloud }
        | Action::ClearImmutableId { cloud }
        | Action::ClearOnPremisesObjectIdentifier { cloud } => {
            v["cloudId"] = json!(cloud.to_string());
        }
        Action::SetImmutableId { cloud, value } => {
            v["cloudId"] = json!(cloud.to_string());
            v["value"] = json!(value.immutable_id());
        }
        Action::SetCloudUpn { cloud, upn } => {
            v["cloudId"] = json!(cloud.to_string());
            v["value"] = json!(upn);
        }
        Action::SetOnPrem {
            object_guid,
            attribute,
            value,
        } => {
            v["objectGUID"] = json!(object_guid.to_string());
            v["attribute"] = json!(attribute.as_str());
            v["value"] = match value {
                OnPremValue::Text(t) => json!(t),
                OnPremValue::List(l) => json!(l),
                OnPremValue::Anchor(a) => json!(a.map(|a: Anchor| a.guid().to_string())),
            };
        }
        Action::MoveOnPrem { object_guid, dn } => {
            v["objectGUID"] = json!(object_guid.to_string());
            v["dn"] = json!(dn);
        }
        Action::SetFeature { setting, value } => {
            v["feature"] = json!(setting.key());
            v["value"] = json!(value);
        }
        Action::SetCloudManaged { cloud, value } => {
            v["cloudId"] = json!(cloud.to_string());
            v["value"] = json!(value);
        }
    }
    v
}

/// "soft-match-smtp → alice@contoso.com (M7: …)" for one outcome.
pub fn describe_outcome(b: &Bundle, out: &crate::outcome::Outcome) -> String {
    let j = outcome_json(b, out);
    let target = out
        .cloud
        .map(|c| {
            let c = &b.cloud[c as usize];
            format!(" → {}", c.principal().unwrap_or(c.name()))
        })
        .unwrap_or_default();
    let why = j["why"].as_str().unwrap_or("");
    format!("{}{target} — {why}", out.result.as_str())
}

/// What differs between two states, object by object, for people.
pub fn changes(before: &Bundle, after: &Bundle) -> Vec<String> {
    let mut out = Vec::new();
    // A step appends the cloud objects it creates and writes the others in place, so object i
    // before is object i after; only when that does not hold (a purge) are the ids looked up.
    let aligned = before.cloud.len() <= after.cloud.len()
        && before
            .cloud
            .iter()
            .zip(&after.cloud)
            .all(|(a, b)| a.id == b.id);
    let before_cloud: std::collections::HashMap<Uuid, &Shared<CloudObject>> = if aligned {
        Default::default()
    } else {
        before.cloud.iter().map(|c| (c.id, c)).collect()
    };
    for (i, c) in after.cloud.iter().enumerate() {
        let old = if aligned {
            before.cloud.get(i)
        } else {
            before_cloud.get(&c.id).copied()
        };
        // An object neither state wrote since the copy is the same object: nothing changed.
        if old.is_some_and(|old| Shared::same(old, c)) {
            continue;
        }
        let (old, c): (Option<&CloudObject>, &CloudObject) = (old.map(|o| &**o), c);
        let label =
            |c: &CloudObject| format!("cloud {:?} <{}>", c.name(), c.principal().unwrap_or("-"));
        match old {
            None => out.push(format!("{} created", label(c))),
            Some(old) if old != c => {
                let mut what = Vec::new();
                if old.user_principal_name != c.user_principal_name {
                    what.push(format!(
                        "UPN {} → {}",
                        old.user_principal_name.as_deref().unwrap_or("-"),
                        c.user_principal_name.as_deref().unwrap_or("-")
                    ));
                }
                if old.on_premises_immutable_id != c.on_premises_immutable_id {
                    what.push(format!(
                        "ImmutableID {} → {}",
                        old.on_premises_immutable_id.as_deref().unwrap_or("-"),
                        c.on_premises_immutable_id.as_deref().unwrap_or("-")
                    ));
                }
                if old.on_premises_sync_enabled != c.on_premises_sync_enabled {
                    what.push(format!("synced {} → {}", old.is_synced(), c.is_synced()));
                }
                if old.deleted_date_time.is_some() != c.deleted_date_time.is_some() {
                    what.push(if c.is_deleted() {
                        "soft-deleted".into()
                    } else {
                        "restored".into()
                    });
                }
                if old.directory_roles != c.directory_roles
                    || old.eligible_directory_roles != c.eligible_directory_roles
                {
                    what.push(format!(
                        "roles [{}] → [{}]",
                        old.all_roles().cloned().collect::<Vec<_>>().join(", "),
                        c.all_roles().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
                if old.proxy_addresses != c.proxy_addresses {
                    what.push("proxyAddresses rewritten".into());
                }
                if old.display_name != c.display_name {
                    what.push("displayName overwritten".into());
                }
                if old.on_premises_provisioning_errors.len()
                    != c.on_premises_provisioning_errors.len()
                {
                    what.push(format!(
                        "provisioning errors {} → {}",
                        old.on_premises_provisioning_errors.len(),
                        c.on_premises_provisioning_errors.len()
                    ));
                }
                if !what.is_empty() {
                    out.push(format!("{}: {}", label(c), what.join("; ")));
                }
            }
            Some(_) => {}
        }
    }
    // Aligned states lose no object; otherwise the ids no longer there were purged.
    if !aligned {
        let after_ids: std::collections::HashSet<Uuid> = after.cloud.iter().map(|c| c.id).collect();
        for c in before.cloud.iter().filter(|c| !after_ids.contains(&c.id)) {
            out.push(format!(
                "cloud {:?} <{}> deleted and purged",
                c.name(),
                c.principal().unwrap_or("-")
            ));
        }
    }
    for (a, b2) in before.on_premises.iter().zip(&after.on_premises) {
        if a != b2 {
            let mut what = Vec::new();
            if a.distinguished_name != b2.distinguished_name {
                what.push(format!("moved to {}", b2.distinguished_name));
            }
            if a.proxy_addresses != b2.proxy_addresses {
                what.push(format!(
                    "proxyAddresses [{}]",
                    b2.proxy_addresses.join(", ")
                ));
            }
            if a.user_principal_name != b2.user_principal_name {
                what.push(format!(
                    "UPN {}",
                    b2.user_principal_name.as_deref().unwrap_or("-")
                ));
            }
            if a.consistency_guid != b2.consistency_guid {
                what.push("mS-DS-ConsistencyGuid stamped".into());
            }
            out.push(format!("on-prem {:?}: {}", b2.name(), what.join("; ")));
        }
    }
    if before.settings != after.settings {
        for s in before.settings.differences(&after.settings) {
            out.push(format!("{} → {}", s.key(), after.settings.get(s)));
        }
    }
    out
}

/// The roles of `c` that block the match, with whether each is only eligible: under the
/// hardening (M3) the privileged ones (every one with `hardeningAllRoles`); for soft match (M6)
/// every assigned role and, with `eligibleRolesBlockSoftMatch`, every eligible one.
fn blocking_roles(b: &Bundle, c: &CloudObject, hardening: bool) -> Vec<(String, bool)> {
    let table = crate::roles::RoleTable::for_bundle(b);
    let all = b.settings.get(Setting::HardeningAllRoles);
    let eligible_block = b.settings.get(Setting::EligibleRolesBlockSoftMatch);
    let keep = |r: &str, eligible: bool| {
        if hardening {
            all || table.privilege(r).0
        } else {
            !eligible || eligible_block
        }
    };
    c.directory_roles
        .iter()
        .filter(|r| keep(r, false))
        .map(|r| (r.to_string(), false))
        .chain(
            c.eligible_directory_roles
                .iter()
                .filter(|r| keep(r, true))
                .map(|r| (r.to_string(), true)),
        )
        .collect()
}

fn role_listing(roles: &[(String, bool)]) -> String {
    roles
        .iter()
        .map(|(r, e)| {
            if *e {
                format!("{r} (eligible)")
            } else {
                r.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn restore_step(c: &CloudObject) -> Step {
    Step {
        title: format!("Restore {} from the recycle bin", c.name()),
        explain: "W1 (r2), M3: the hardening also refuses a soft-deleted privileged target, and a deleted user's roles cannot be edited: restore it first.".into(),
        actions: vec![Action::Restore { cloud: c.id }],
        commands: vec![Command::Restore { object: c.id }],
        expect: None,
    }
}

fn remove_roles_step(
    c: &CloudObject,
    roles: &[(String, bool)],
    listing: &str,
    hardening: bool,
) -> Step {
    let explain = if hardening {
        "M3 (r2): the 2026 hard-match hardening refuses a target assigned OR eligible for a privileged role. Eligibilities are removed through PIM schedule requests (adminRemove). Note the roles to restore them at once after the sync."
    } else {
        "M6: a cloud user holding a directory role (assigned, or eligible with eligibleRolesBlockSoftMatch) is never soft matched. Eligibilities are removed through PIM schedule requests (adminRemove). Note the roles to re-add them."
    };
    Step {
        title: format!("Remove the directory roles of {} ({listing})", c.name()),
        explain: explain.into(),
        actions: roles
            .iter()
            .map(|(r, _)| Action::RemoveRole {
                cloud: c.id,
                role: r.clone(),
            })
            .collect(),
        commands: roles
            .iter()
            .map(|(r, e)| Command::RemoveRole {
                user: c.id,
                role: r.clone(),
                eligible: *e,
            })
            .collect(),
        expect: None,
    }
}

fn re_add_roles_step(c: &CloudObject, roles: &[(String, bool)], listing: &str) -> Step {
    Step {
        title: format!("Re-add the directory roles ({listing})"),
        explain: "Only after the check above showed the match: the account is synced and keeps its roles (eligibilities through PIM adminAssign).".into(),
        actions: roles
            .iter()
            .map(|(r, e)| {
                if *e {
                    Action::AddEligibleRole {
                        cloud: c.id,
                        role: r.clone(),
                    }
                } else {
                    Action::AddRole {
                        cloud: c.id,
                        role: r.clone(),
                    }
                }
            })
            .collect(),
        commands: roles
            .iter()
            .map(|(r, e)| Command::AddRole {
                user: c.id,
                role: r.clone(),
                eligible: *e,
            })
            .collect(),
        expect: None,
    }
}

/// X4: a foreign onPremisesObjectIdentifier blocks the hard match (M3 hardening) unless
/// `allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled`; it can only be cleared.
fn clear_object_identifier_step(b: &Bundle, o: &OnPremObject, c: &CloudObject) -> Option<Step> {
    let foreign = c
        .on_premises_object_identifier
        .as_deref()
        .is_some_and(|id| !id.trim().eq_ignore_ascii_case(&o.object_guid.to_string()));
    let allowed = b
        .settings
        .get(Setting::AllowOnPremUpdateOfOnPremisesObjectIdentifier);
    (foreign && !allowed).then(|| Step {
        title: format!("Clear the onPremisesObjectIdentifier of {}", c.name()),
        explain: format!(
            "M3 hardening, X4: {} is mapped to another on-prem object ({}); the hard match is refused (AttributeUpdateNotAllowed) until the value is cleared. It can only be cleared, never set; the next successful sync stamps this object's objectGUID.",
            c.name(),
            c.on_premises_object_identifier.as_deref().unwrap_or("?")
        ),
        actions: vec![Action::ClearOnPremisesObjectIdentifier { cloud: c.id }],
        commands: vec![Command::ClearOnPremisesObjectIdentifier { user: c.id }],
        expect: None,
    })
}

/// A sync for the real tenant that waits for the cycle to end and checks the match (W1 r2).
fn sync_and_check(expect: String, user: Uuid, immutable_id: &str) -> Step {
    Step {
        title: "Run a delta sync cycle, wait for it to finish, check the match".into(),
        explain: "M2: the next cycle evaluates the object again. The script polls Get-ADSyncScheduler until SyncCycleInProgress is false and stops unless the cloud user is synced with the expected ImmutableID.".into(),
        actions: vec![Action::Sync],
        commands: vec![
            Command::DeltaSync,
            Command::WaitForSyncCycle,
            Command::CheckMatch {
                user,
                immutable_id: immutable_id.to_string(),
            },
        ],
        expect: Some(expect),
    }
}

/// W5 (r2): the on-prem object is the same person as the cloud object synced earlier
/// (re-created, moved forests, restored DC, changed ConsistencyGuid): write the cloud object's
/// ImmutableID into mS-DS-ConsistencyGuid so that the next sync hard matches (M3), with the
/// hardening clean-up first (X4, privileged roles).
fn re_anchor_steps(b: &Bundle, o: &OnPremObject, c: &CloudObject) -> Result<Vec<Step>, String> {
    if o.object_class != ObjectKind::User {
        return Err(
            "W5 re-anchors users only (A2: groups and contacts always use objectGUID)".into(),
        );
    }
    if b.connect.source_anchor == SourceAnchorAttribute::ObjectGuid {
        return Err(format!(
            "W5 does not apply: Connect's sourceAnchor is objectGUID, which cannot be changed (A2, A6): {} cannot take over {}'s ImmutableID. Instead unlink the cloud object (W4: its source out of scope, sync, restore, clear the ImmutableID) and hard match it to this object (W2).",
            o.name(),
            c.name()
        ));
    }
    let Some(immutable_id) = c.on_premises_immutable_id.as_deref() else {
        return Err(format!(
            "{} has no ImmutableID to re-anchor to: use W2 (hard match) or W3 (soft match)",
            c.name()
        ));
    };
    let Ok(target) = Anchor::parse_immutable_id(immutable_id) else {
        return Err(format!(
            "{}'s ImmutableID {:?} is not derived from a GUID (A4): it cannot be written as the 16 bytes of mS-DS-ConsistencyGuid",
            c.name(),
            immutable_id
        ));
    };
    let mut steps = Vec::new();
    if let Some(clear) = clear_object_identifier_step(b, o, c) {
        steps.push(clear);
    }
    let roles = if b.settings.get(Setting::HardMatchHardening) {
        blocking_roles(b, c, true)
    } else {
        Vec::new()
    };
    let listing = role_listing(&roles);
    if !roles.is_empty() {
        if c.is_deleted() {
            steps.push(restore_step(c));
        }
        steps.push(remove_roles_step(c, &roles, &listing, true));
    }
    steps.push(Step {
        title: format!(
            "Set mS-DS-ConsistencyGuid of {} to the 16 bytes of {}",
            o.name(),
            target.immutable_id()
        ),
        explain: format!(
            "W5, A1: the cloud object {} carries ImmutableID {} (GUID {}); with that as this object's sourceAnchor the next sync hard matches it (M3) instead of failing with AttributeValueMustBeUnique (M6).",
            c.name(),
            target.immutable_id(),
            target.guid()
        ),
        actions: vec![Action::SetOnPrem {
            object_guid: o.object_guid,
            attribute: OnPremAttribute::ConsistencyGuid,
            value: OnPremValue::Anchor(Some(target)),
        }],
        commands: vec![Command::ReAnchor {
            object: o.object_guid,
            immutable_id: target,
        }],
        expect: None,
    });
    let expect = if c.is_synced() && !c.is_deleted() {
        format!(
            "{} joins {} (M1: it is still synced with that ImmutableID, and no longer mapped to another object)",
            o.name(),
            c.name()
        )
    } else {
        format!("{} is hard matched to {} (M3)", o.name(), c.name())
    };
    steps.push(sync_and_check(expect, c.id, &target.immutable_id()));
    if !roles.is_empty() {
        steps.push(re_add_roles_step(c, &roles, &listing));
    }
    Ok(steps)
}
