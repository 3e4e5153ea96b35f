//! Pre-sync readiness (`syncscope check`, interfaces §9): the IdFix classes of attribute
//! problems on both sides, the duplicates no single-directory tool can see (AD against the
//! tenant and its recycle bin, P4 r2), and the hard-match hardening blockers (M3 r2). Every
//! finding names its object, carries the plan's outcome for it and the fix (text and commands).
//!
//! One pass over each side with hash lookups (the planner's [`CloudIndex`] for the tenant, one
//! table per namespace for AD): never a scan per object. Pure: bundle + index + plan in, findings
//! out.
//!
//! For a view (TUI or report): [`check`] gives [`CheckReport::findings`] in a stable order (rule,
//! then object); each [`Finding`] has `object` (an on-prem index or a cloud index — the object
//! id the view links to), `rule.info()` (id, title, effect, source), `detail`, `suggested`,
//! `fix` and `commands`; [`Finding::outcome`] is the plan outcome for its object, and
//! [`fix_script`] renders the commands of any selection as one script.

pub mod rules;
pub mod values;

use crate::index::{CloudIdx, CloudIndex, fold};
use crate::model::{Bundle, CloudObject, ObjectKind, OnPremObject, PropertyName, Text, domain_of};
use crate::outcome::{Outcome, SyncResult};
use crate::plan::Plan;
use crate::remediation::{Command, ScriptStep, render_script};
use crate::settings::Setting;
use crate::trace::{Note, Refusal};
pub use rules::{Class, RULES, Rule, RuleInfo, Severity};
use serde_json::{Value, json};
use values::*;

/// Where a finding's object lives.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum ObjectRef {
    /// Index in `Bundle::on_premises`.
    OnPrem(u32),
    /// Index in `Bundle::cloud`.
    Cloud(CloudIdx),
}

impl ObjectRef {
    pub fn side(self) -> &'static str {
        match self {
            ObjectRef::OnPrem(_) => "onPremises",
            ObjectRef::Cloud(_) => "cloud",
        }
    }

    /// objectGUID of an on-prem object, id of a cloud object.
    pub fn id(self, b: &Bundle) -> String {
        match self {
            ObjectRef::OnPrem(i) => b.on_premises[i as usize].object_guid.to_string(),
            ObjectRef::Cloud(c) => b.cloud[c as usize].id.to_string(),
        }
    }

    pub fn name(self, b: &Bundle) -> &str {
        match self {
            ObjectRef::OnPrem(i) => b.on_premises[i as usize].name(),
            ObjectRef::Cloud(c) => b.cloud[c as usize].name(),
        }
    }
}

/// One problem found.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub object: ObjectRef,
    pub attribute: &'static str,
    /// The value as it is in the snapshot.
    pub value: String,
    /// What exactly is wrong (the characters, the limit, the other holder …).
    pub detail: String,
    /// The other object holding the value (duplicates), or the cloud object blocking a match.
    pub conflicts_with: Option<ObjectRef>,
    /// The value IdFix's rule (or syncscope) proposes instead, when there is one.
    pub suggested: Option<String>,
    /// What to do, for people.
    pub fix: String,
    /// The commands that make the fix (empty when it needs a decision first).
    pub commands: Vec<Command>,
}

impl Finding {
    /// The plan outcome of the on-prem object this finding concerns: the object itself, or for
    /// a cloud object the on-prem object whose outcome names it.
    pub fn outcome<'p>(&self, plan: &'p Plan, refs: &CloudRefs) -> Option<&'p Outcome> {
        match self.object {
            ObjectRef::OnPrem(i) => plan.outcomes.get(i as usize).map(|o| &**o),
            ObjectRef::Cloud(c) => match self.conflicts_with {
                Some(ObjectRef::OnPrem(i)) => plan.outcomes.get(i as usize).map(|o| &**o),
                _ => refs.first(c).map(|i| &*plan.outcomes[i as usize]),
            },
        }
    }
}

/// Switches where the sources disagree (listed in docs/checks.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckOptions {
    /// IdFix's UPN regex rejects `'`; the Entra page allows it. Default: the Entra page.
    pub upn_apostrophe_invalid: bool,
}

#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    pub findings: Vec<Finding>,
    /// Objects checked on each side (on-prem: in sync scope and not filtered by Q7).
    pub checked_on_prem: usize,
    pub checked_cloud: usize,
}

/// For each cloud object, the first on-prem outcome that names it (plan::cloud_references,
/// kept as one index per object).
pub struct CloudRefs(Vec<u32>);

impl CloudRefs {
    pub fn build(b: &Bundle, plan: &Plan) -> Self {
        let mut v = vec![u32::MAX; b.cloud.len()];
        for (i, o) in plan.outcomes.iter().enumerate() {
            if let Some(c) = o.cloud
                && v[c as usize] == u32::MAX
            {
                v[c as usize] = i as u32;
            }
        }
        CloudRefs(v)
    }

    pub fn first(&self, c: CloudIdx) -> Option<u32> {
        self.0.get(c as usize).copied().filter(|&i| i != u32::MAX)
    }
}

type Map<V> = hashbrown::HashMap<Box<str>, V, foldhash::fast::FixedState>;

fn new_map<V>(n: usize) -> Map<V> {
    Map::with_capacity_and_hasher(n, foldhash::fast::FixedState::with_seed(0x1df1))
}

/// [`fold`] into a reused buffer (no allocation for ASCII values).
fn fold_into(value: &str, out: &mut String) {
    out.clear();
    if value.is_ascii() {
        out.push_str(value);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&value.to_lowercase());
    }
}

fn hash_of(folded: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x1df1).hash_one(folded.as_bytes())
}

/// Which value of an on-prem object a [`Seen`] entry stands for.
#[derive(Clone, Copy)]
enum Slot {
    Upn,
    Mail,
    Nickname,
    Sid,
    /// proxyAddresses[i]; `true`: without its `SMTP:` prefix.
    Proxy(u32, bool),
}

fn value_at(o: &OnPremObject, slot: Slot) -> &str {
    match slot {
        Slot::Upn => o.user_principal_name.as_deref().unwrap_or(""),
        Slot::Mail => o.mail.as_deref().unwrap_or(""),
        Slot::Nickname => o.mail_nickname.as_deref().unwrap_or(""),
        Slot::Sid => o.object_sid.as_deref().unwrap_or(""),
        Slot::Proxy(i, strip) => {
            let p = o.proxy_addresses[i as usize].as_str();
            if strip { &p[5..] } else { p }
        }
    }
}

/// The first on-prem holder of each value of one namespace (Q2: the first keeps it). Keys are not
/// copied: the table holds the hash of the folded value and where the value is; a hash hit is
/// confirmed by comparing the holder's value folded.
struct Seen {
    table: hashbrown::HashTable<(u64, u32, Slot)>,
}

impl Seen {
    fn with_capacity(n: usize) -> Self {
        Seen {
            table: hashbrown::HashTable::with_capacity(n),
        }
    }

    /// The first holder of `folded`, or `None` after recording (`i`, `slot`) as its first holder.
    fn first_or_insert(&mut self, b: &Bundle, folded: &str, i: u32, slot: Slot) -> Option<u32> {
        let h = hash_of(folded);
        if let Some(e) = self.table.find(h, Self::same(b, h, folded)) {
            return Some(e.1);
        }
        self.table.insert_unique(h, (h, i, slot), |e| e.0);
        None
    }

    /// The first holder recorded for `folded`, recording nothing.
    fn first(&self, b: &Bundle, folded: &str) -> Option<u32> {
        let h = hash_of(folded);
        self.table.find(h, Self::same(b, h, folded)).map(|e| e.1)
    }

    fn same<'a>(b: &'a Bundle, h: u64, folded: &'a str) -> impl Fn(&(u64, u32, Slot)) -> bool + 'a {
        move |e| {
            e.0 == h && {
                let v = value_at(&b.on_premises[e.1 as usize], e.2);
                if v.is_ascii() {
                    v.eq_ignore_ascii_case(folded)
                } else {
                    *fold(v) == *folded
                }
            }
        }
    }
}

/// No on-prem object joins or takes over this cloud object.
const NO_OWNER: u32 = u32::MAX;
/// Several processed on-prem objects name this cloud object as their own.
const SHARED_OWNER: u32 = u32::MAX - 1;

/// For each cloud object, the one checked on-prem object (in scope) whose own counterpart it is
/// ([`own_target`]), [`NO_OWNER`] or [`SHARED_OWNER`].
fn owners(b: &Bundle, plan: &Plan) -> Vec<u32> {
    let mut v = vec![NO_OWNER; b.cloud.len()];
    for (i, o) in plan.outcomes.iter().enumerate() {
        if o.result == SyncResult::OutOfScope {
            continue;
        }
        if let Some(c) = own_target(o) {
            let slot = &mut v[c as usize];
            *slot = if *slot == NO_OWNER {
                i as u32
            } else {
                SHARED_OWNER
            };
        }
    }
    v
}

/// What the tenant holds of one (folded) UPN or SMTP value of an on-prem object.
struct TenantValue<'a> {
    /// The active cloud objects holding it.
    holders: &'a [CloudIdx],
    /// The object's own counterpart holds it ([`own_holds`]): the service keeps the namespace
    /// unique, so no other cloud object does.
    own_held: bool,
    /// Its own counterpart is the only active holder and has no other on-prem owner: no other on-prem object can hold the value through its own counterpart, so the
    /// value need not enter the first-holder table (a later holder finds this object through
    /// [`Checker::sole_owner`]). Nearly every value of a linked, unchanged object: the tables
    /// stay small.
    sole: bool,
}

/// ONE place that says whether a directory role is privileged (M3 r2): the rules engine's table
/// (the snapshot's `roleDefinitions` over the built-in table of the permissions reference; a role
/// neither knows counts as privileged).
pub fn is_privileged_role(b: &Bundle, role: &str) -> bool {
    crate::roles::RoleTable::for_bundle(b).privilege(role).0
}

/// The roles of a cloud user that block a hard match (M3 r2; every role with the switch
/// `hardeningAllRoles`): (role, eligible).
fn privileged_roles(
    b: &Bundle,
    roles: &crate::roles::RoleTable,
    c: &CloudObject,
) -> Vec<(String, bool)> {
    let all = b.settings.get(Setting::HardeningAllRoles);
    let blocking = |r: &Text| all || roles.privilege(r).0;
    c.directory_roles
        .iter()
        .filter(|r| blocking(r))
        .map(|r| (r.to_string(), false))
        .chain(
            c.eligible_directory_roles
                .iter()
                .filter(|r| blocking(r))
                .map(|r| (r.to_string(), true)),
        )
        .collect()
}

/// The roles that refuse a soft match (M6): every assigned role, and the eligible ones unless the
/// switch `eligibleRolesBlockSoftMatch` is off.
fn all_roles(b: &Bundle, c: &CloudObject) -> Vec<(String, bool)> {
    let eligible = b.settings.get(Setting::EligibleRolesBlockSoftMatch);
    c.directory_roles
        .iter()
        .map(|r| (r.to_string(), false))
        .chain(
            c.eligible_directory_roles
                .iter()
                .filter(|_| eligible)
                .map(|r| (r.to_string(), true)),
        )
        .collect()
}

/// Runs every check. `plan` must be the plan of `b` (with the settings the findings should
/// describe) and `ix` its index.
pub fn check(b: &Bundle, ix: &CloudIndex, plan: &Plan, opts: CheckOptions) -> CheckReport {
    let targeted = targeted(b, plan);
    let owner = owners(b, plan);
    let roles = crate::roles::RoleTable::for_bundle(b);
    let n = b.on_premises.len();
    // Two halves that share nothing but the read-only inputs: the UPN / mailNickname / SID
    // namespaces and the hardening checks, and the mail / proxyAddresses namespaces. Each keeps
    // its own first-holder tables, so they run on two threads; the findings are sorted after.
    let run = |part: Part| {
        let mut c = Checker {
            b,
            ix,
            plan,
            opts,
            part,
            findings: Vec::new(),
            targeted: &targeted,
            owner: &owner,
            roles: &roles,
            // Most UPNs and SMTP addresses are their own counterpart's alone (TenantValue::sole)
            // and never enter these two tables.
            upns: Seen::with_capacity(if part == Part::Names { n / 8 } else { 0 }),
            smtps: Seen::with_capacity(if part == Part::Addresses { n / 4 } else { 0 }),
            mails: Seen::with_capacity(if part == Part::Addresses { n } else { 0 }),
            nicknames: Seen::with_capacity(if part == Part::Names { n } else { 0 }),
            sids: Seen::with_capacity(if part == Part::Names { n } else { 0 }),
            non_smtp: Seen::with_capacity(16),
            scratch: String::new(),
            cloud_non_smtp: if part == Part::Addresses {
                cloud_non_smtp(b)
            } else {
                new_map(0)
            },
        };
        for (i, out) in plan.outcomes.iter().enumerate() {
            if out.result != SyncResult::OutOfScope {
                c.on_prem(i as u32, out);
            }
        }
        if part == Part::Names {
            for (ci, cloud) in b.cloud.iter().enumerate() {
                c.cloud(ci as CloudIdx, cloud);
            }
        }
        c.findings
    };
    let (mut findings, addresses) = std::thread::scope(|s| {
        let addresses = s.spawn(|| run(Part::Addresses));
        let names = run(Part::Names);
        (names, addresses.join())
    });
    match addresses {
        Ok(more) => findings.extend(more),
        Err(panic) => std::panic::resume_unwind(panic),
    }
    findings.sort_by_key(|f| (f.rule, f.object));
    CheckReport {
        findings,
        checked_on_prem: plan
            .outcomes
            .iter()
            .filter(|o| o.result != SyncResult::OutOfScope)
            .count(),
        checked_cloud: b.cloud.len(),
    }
}

/// The earlier of two first holders.
fn earliest(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Which half of the checks a [`Checker`] runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// userPrincipalName, mailNickname, displayName, objectSid, hardening, the cloud side.
    Names,
    /// mail and proxyAddresses (the SMTP and non-SMTP namespaces).
    Addresses,
}

/// Cloud objects some on-prem object joins or takes over this cycle: their values become that
/// object's, so a collision with them is the on-prem duplicate (D rules), not a tenant one.
fn targeted(b: &Bundle, plan: &Plan) -> Vec<bool> {
    let mut t = vec![false; b.cloud.len()];
    for o in &plan.outcomes {
        if let (Some(c), None) = (o.cloud, o.error)
            && (o.result == SyncResult::Linked || o.result.is_takeover())
        {
            t[c as usize] = true;
        }
    }
    t
}

/// P4(d): the tenant's non-SMTP proxy addresses (with prefix, folded) → holders. The planner's
/// index has no such table; this one holds only objects that have such addresses.
fn cloud_non_smtp(b: &Bundle) -> Map<Vec<CloudIdx>> {
    let mut m: Map<Vec<CloudIdx>> = new_map(0);
    for (i, c) in b.cloud.iter().enumerate() {
        for p in c.proxy_addresses.iter().filter(|p| !is_smtp(p)) {
            m.entry(fold(p)).or_default().push(i as CloudIdx);
        }
    }
    m
}

/// The cloud object this outcome joins or takes over (for an error, `cloud` is the object in the
/// way, which is exactly what a finding should name).
fn own_target(out: &Outcome) -> Option<CloudIdx> {
    out.cloud.filter(|_| out.error.is_none())
}

/// Whether a cloud holder is this object's own counterpart rather than a conflict: the object
/// it joins or takes over, or the one carrying its anchor (a refused hard match is reported by
/// the H rules, not as a duplicate).
fn is_own(b: &Bundle, out: &Outcome, c: CloudIdx) -> bool {
    own_target(out) == Some(c)
        || b.cloud[c as usize].on_premises_immutable_id.as_deref()
            == Some(out.source_anchor.as_str())
}

/// Whether this object's own cloud counterpart (the object it joins or takes over) already holds
/// the (folded) value. The service keeps the P4 namespaces unique among active objects and
/// against the recycle bin, so such a value has no other holder: no tenant lookup is needed.
/// This is what keeps the check cheaper than the plan (nearly every object is linked and
/// unchanged).
fn own_holds(b: &Bundle, out: &Outcome, ns: PropertyName, folded: &str) -> bool {
    let Some(c) = own_target(out) else {
        return false;
    };
    let c = &b.cloud[c as usize];
    let same = |v: &str| {
        if v.is_ascii() {
            v.eq_ignore_ascii_case(folded)
        } else {
            *fold(v) == *folded
        }
    };
    match ns {
        PropertyName::UserPrincipalName => c.user_principal_name.as_deref().is_some_and(same),
        PropertyName::ProxyAddresses => {
            c.proxy_addresses
                .iter()
                .any(|p| is_smtp(p) && same(&p[5..]))
                || (c.proxy_addresses.is_empty() && c.mail.as_deref().is_some_and(same))
        }
    }
}

/// Whether the plan refused a soft match with this cloud object because of its role (M6).
fn refused_for_role(out: &Outcome, c: CloudIdx) -> bool {
    out.steps
        .iter()
        .any(|s| s.note == Note::Refused(c, Refusal::AdminRole))
}

fn is_smtp(p: &str) -> bool {
    p.get(..5).is_some_and(|x| x.eq_ignore_ascii_case("smtp:"))
}

struct Checker<'a> {
    b: &'a Bundle,
    ix: &'a CloudIndex,
    plan: &'a Plan,
    opts: CheckOptions,
    part: Part,
    findings: Vec<Finding>,
    targeted: &'a [bool],
    /// [`owners`].
    owner: &'a [u32],
    roles: &'a crate::roles::RoleTable,
    /// First on-prem holder of each folded value, per namespace (Q2: the first keeps it).
    upns: Seen,
    smtps: Seen,
    mails: Seen,
    nicknames: Seen,
    sids: Seen,
    non_smtp: Seen,
    cloud_non_smtp: Map<Vec<CloudIdx>>,
    /// Reused for folded keys.
    scratch: String,
}

impl<'a> Checker<'a> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        object: ObjectRef,
        attribute: &'static str,
        value: &str,
        detail: String,
        suggested: Option<String>,
        fix: String,
        commands: Vec<Command>,
    ) {
        self.findings.push(Finding {
            rule,
            severity: rule.info().severity,
            object,
            attribute,
            value: value.to_string(),
            detail,
            conflicts_with: None,
            suggested,
            fix,
            commands,
        });
    }

    fn on_prem(&mut self, i: u32, out: &Outcome) {
        let b = self.b;
        let o = &b.on_premises[i as usize];
        if self.part == Part::Addresses {
            if let Some(m) = o.mail.as_deref().filter(|m| !m.is_empty()) {
                self.mail(i, o, m);
            }
            for (k, p) in o.proxy_addresses.iter().enumerate() {
                self.proxy(i, o, k as u32, p, out);
            }
            return;
        }
        if o.object_class == ObjectKind::User {
            self.upn(i, o, out);
        }
        if let Some(n) = o.mail_nickname.as_deref() {
            self.nickname(i, o, n);
        }
        self.display_name(i, o);
        if let Some(sid) = o.object_sid.as_deref().filter(|s| !s.is_empty())
            && matches!(o.object_class, ObjectKind::User | ObjectKind::Group)
        {
            self.sid(i, sid, out);
        }
        if o.object_class == ObjectKind::User {
            self.hardening(i, o, out);
        }
    }

    fn set_upn(o: &OnPremObject, upn: &str) -> Vec<Command> {
        vec![Command::SetOnPremUpn {
            object: o.object_guid,
            upn: upn.to_string(),
        }]
    }

    fn upn(&mut self, i: u32, o: &OnPremObject, out: &Outcome) {
        let me = ObjectRef::OnPrem(i);
        let attr = "userPrincipalName";
        let Some(upn) = o
            .user_principal_name
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            let derived = o
                .sam_account_name
                .as_deref()
                .map(|s| format!("{s}@<AD domain>"));
            self.push(
                Rule::UpnBlank,
                me,
                attr,
                o.user_principal_name.as_deref().unwrap_or(""),
                match &derived {
                    Some(d) => format!("no UPN: Connect derives {d}"),
                    None => "no UPN and no sAMAccountName".into(),
                },
                None,
                "Set a UPN on a verified domain of the tenant (Set-ADUser -UserPrincipalName)."
                    .into(),
                Vec::new(),
            );
            if let Some(sam) = o.sam_account_name.as_deref() {
                let bad: Vec<char> = sam
                    .chars()
                    .filter(|c| "[\\\"|,/:<>+=;?*]".contains(*c))
                    .collect();
                let long = sam.chars().count() > 20;
                if !bad.is_empty() || long {
                    let mut why = Vec::new();
                    if !bad.is_empty() {
                        why.push(format!("characters {}", describe_chars(&bad)));
                    }
                    if long {
                        why.push(format!("{} characters (at most 20)", sam.chars().count()));
                    }
                    self.push(
                        Rule::SamCharacter,
                        me,
                        "sAMAccountName",
                        sam,
                        why.join("; "),
                        None,
                        "Give the user a valid UPN (then sAMAccountName does not matter for the sync), or rename the account.".into(),
                        Vec::new(),
                    );
                }
            }
            return;
        };
        let trimmed = upn.trim();
        if trimmed != upn {
            self.push(
                Rule::UpnWhitespace,
                me,
                attr,
                upn,
                "leading or trailing whitespace".into(),
                Some(trimmed.to_string()),
                "Remove the whitespace.".into(),
                Self::set_upn(o, trimmed),
            );
        }
        // IdFix passes the value proposed by one rule on to the next (ComposedRule.Execute).
        let mut current: std::borrow::Cow<str> = trimmed.into();
        let bad = upn_invalid_chars(trimmed, self.opts.upn_apostrophe_invalid);
        if !bad.is_empty() {
            let suggested = upn_without_invalid_chars(trimmed, self.opts.upn_apostrophe_invalid);
            let fix = match &suggested {
                Some(s) => format!("Replace the characters: {s} (check it is still unique)."),
                None => "Choose a new UPN of allowed characters.".into(),
            };
            let cmds = suggested
                .as_deref()
                .map(|s| Self::set_upn(o, s))
                .unwrap_or_default();
            self.push(
                Rule::UpnCharacter,
                me,
                attr,
                upn,
                format!("characters {}", describe_chars(&bad)),
                suggested.clone(),
                fix,
                cmds,
            );
            if let Some(s) = suggested {
                current = s.into();
            }
        }
        let format = address_format(&current);
        let local_bad = format.iter().any(|f| *f != FormatProblem::DomainPart);
        let domain_bad = format.contains(&FormatProblem::DomainPart);
        if !format.is_empty() {
            let suggested = address_format_fix(&current);
            let cmds = suggested
                .as_deref()
                .map(|s| Self::set_upn(o, s))
                .unwrap_or_default();
            let fix = match &suggested {
                Some(s) => format!("IdFix proposes {s}; check it before applying."),
                None => "Choose a UPN of the form name@verified-domain.".into(),
            };
            for (rule, bad) in [
                (Rule::UpnFormat, local_bad),
                (Rule::UpnDomainPart, domain_bad),
            ] {
                if bad {
                    let detail = format
                        .iter()
                        .filter(|f| {
                            (**f == FormatProblem::DomainPart) == (rule == Rule::UpnDomainPart)
                        })
                        .map(|f| f.describe())
                        .collect::<Vec<_>>()
                        .join("; ");
                    self.push(
                        rule,
                        me,
                        attr,
                        upn,
                        detail,
                        suggested.clone(),
                        fix.clone(),
                        cmds.clone(),
                    );
                }
            }
        }
        if let Some(tld) = unknown_tld(&current) {
            self.push(
                Rule::UpnTopLevelDomain,
                me,
                attr,
                upn,
                format!("top-level domain {tld} is not routable"),
                None,
                "Add a routable UPN suffix (AD Domains and Trusts: alternative UPN suffixes), verify it in the tenant, and move the user to it.".into(),
                Vec::new(),
            );
        } else if !domain_bad
            && let Some(domain) = domain_of(&current)
            && !self.b.tenant.is_verified_suffix(domain)
        {
            let cloud_upn = out
                .cloud_upn
                .as_deref()
                .map(|u| format!(": the cloud UPN will be {u}"))
                .unwrap_or_default();
            self.push(
                Rule::UpnUnverifiedSuffix,
                me,
                attr,
                upn,
                format!("{domain} is not a verified domain of the tenant{cloud_upn}"),
                None,
                format!(
                    "Verify {domain} in the tenant (New-MgDomain, then the DNS TXT record), or move the user to a verified suffix."
                ),
                Vec::new(),
            );
        }
        if let Some((what, len, limit)) = upn_length(&current) {
            self.push(
                Rule::UpnLength,
                me,
                attr,
                upn,
                format!("{what} has {len} characters (at most {limit})"),
                None,
                "Shorten the UPN (a decision for the admin: IdFix would only truncate it).".into(),
                Vec::new(),
            );
        }
        // P4(a) within AD, then against the tenant and its recycle bin.
        let mut key = std::mem::take(&mut self.scratch);
        fold_into(upn, &mut key);
        let ns = PropertyName::UserPrincipalName;
        let tv = self.tenant_value(i, out, ns, &key);
        let first = if tv.sole {
            self.upns.first(self.b, &key)
        } else {
            let seen = self.upns.first_or_insert(self.b, &key, i, Slot::Upn);
            earliest(seen, self.sole_owner(i, &tv, ns, &key))
        };
        if let Some(first) = first {
            self.duplicate(Rule::UpnDuplicate, i, first, attr, upn);
        }
        self.in_tenant(i, out, ns, attr, upn, &key, &tv);
        self.scratch = key;
    }

    fn duplicate(&mut self, rule: Rule, i: u32, first: u32, attr: &'static str, value: &str) {
        let b = self.b;
        let other = &b.on_premises[first as usize];
        self.findings.push(Finding {
            rule,
            severity: rule.info().severity,
            object: ObjectRef::OnPrem(i),
            attribute: attr,
            value: value.to_string(),
            detail: format!(
                "also held by {} ({}), which comes first and keeps it (Q2)",
                other.name(),
                other.distinguished_name
            ),
            conflicts_with: Some(ObjectRef::OnPrem(first)),
            suggested: None,
            fix: "Decide which object keeps the value and change or remove it on the other.".into(),
            commands: Vec::new(),
        });
    }

    /// One index lookup per value: who in the tenant holds it, and whether this object's own
    /// counterpart does (alone).
    fn tenant_value(&self, i: u32, out: &Outcome, ns: PropertyName, key: &str) -> TenantValue<'a> {
        let b = self.b;
        let holders = self.ix.holders(ns, key);
        match own_target(out) {
            // An active counterpart holds the value exactly when the index lists it there (the
            // index folds the same values the same way).
            Some(c) if !b.cloud[c as usize].is_deleted() => {
                let own_held = holders.contains(&c);
                let sole = own_held && holders.len() == 1 && self.owner[c as usize] == i;
                TenantValue {
                    holders,
                    own_held,
                    sole,
                }
            }
            _ => TenantValue {
                holders,
                own_held: own_holds(b, out, ns, key),
                sole: false,
            },
        }
    }

    /// The on-prem object before `i` that holds the value through its own counterpart, the
    /// value's only holder ([`TenantValue::sole`] for that object: it is not in the table).
    fn sole_owner(&self, i: u32, tv: &TenantValue, ns: PropertyName, key: &str) -> Option<u32> {
        let b = self.b;
        let &[c] = tv.holders else { return None };
        let j = self.owner[c as usize];
        if j >= i {
            return None;
        }
        let o = &b.on_premises[j as usize];
        let same = |v: &str| {
            if v.is_ascii() {
                v.eq_ignore_ascii_case(key)
            } else {
                *fold(v) == *key
            }
        };
        let holds = match ns {
            PropertyName::UserPrincipalName => {
                o.object_class == ObjectKind::User
                    && o.user_principal_name.as_deref().is_some_and(same)
            }
            // What `on_prem` puts in the SMTP namespace: mail without proxies, else every SMTP
            // proxy the service keeps (P2).
            PropertyName::ProxyAddresses => {
                (o.proxy_addresses.is_empty()
                    && o.mail.as_deref().is_some_and(|m| !m.is_empty() && same(m)))
                    || o.proxy_addresses.iter().any(|p| {
                        is_smtp(p)
                            && crate::model::discarded_address(&p[5..]).is_none()
                            && same(&p[5..])
                    })
            }
        };
        holds.then_some(j)
    }

    /// P4(a)(b) against active tenant objects (X1/X2) and the recycle bin (X5, Q5).
    #[allow(clippy::too_many_arguments)]
    fn in_tenant(
        &mut self,
        i: u32,
        out: &Outcome,
        ns: PropertyName,
        attr: &'static str,
        value: &str,
        key: &str,
        tv: &TenantValue,
    ) {
        let b = self.b;
        if tv.own_held {
            return;
        }
        let holder = tv
            .holders
            .iter()
            .copied()
            .find(|&c| !is_own(b, out, c) && !self.targeted[c as usize]);
        if let Some(c) = holder {
            let cloud = &b.cloud[c as usize];
            let rule = match ns {
                PropertyName::UserPrincipalName => Rule::UpnInTenant,
                PropertyName::ProxyAddresses => Rule::SmtpInTenant,
            };
            let quarantined = out.quarantines(ns, crate::model::strip_smtp_prefix(value));
            self.findings.push(Finding {
                rule,
                severity: if quarantined { Severity::Warning } else { Severity::Error },
                object: ObjectRef::OnPrem(i),
                attribute: attr,
                value: value.to_string(),
                detail: format!(
                    "held by the cloud {} {} ({}){}",
                    cloud.object_type.as_str(),
                    cloud.name(),
                    cloud.id,
                    if cloud.is_synced() { ", synced from another object" } else { ", cloud-only" }
                ),
                conflicts_with: Some(ObjectRef::Cloud(c)),
                suggested: None,
                fix: if refused_for_role(out, c) {
                    "The soft match with this cloud user is refused because of its directory role (M6): remove the roles, sync, re-add them (W1; see H1).".into()
                } else {
                    "If they are the same person: match them (W2 hard match, W3 soft match). Otherwise change the value on one side before the sync.".into()
                },
                commands: Vec::new(),
            });
        }
        if !self.b.settings.get(Setting::RecycleBinHoldsValues) {
            return;
        }
        if let Some(&c) = self
            .ix
            .deleted_holders(ns, key)
            .iter()
            .find(|&&c| !is_own(b, out, c))
        {
            let cloud = &b.cloud[c as usize];
            self.findings.push(Finding {
                rule: Rule::InRecycleBin,
                severity: Severity::Error,
                object: ObjectRef::OnPrem(i),
                attribute: attr,
                value: value.to_string(),
                detail: format!(
                    "held by the soft-deleted {} {} ({}, deleted {})",
                    cloud.object_type.as_str(),
                    cloud.name(),
                    cloud.id,
                    cloud.deleted_date_time.as_deref().unwrap_or("?")
                ),
                conflicts_with: Some(ObjectRef::Cloud(c)),
                suggested: None,
                fix: "Purge the deleted object from the recycle bin (Q5), or restore it if it is this object's own.".into(),
                commands: vec![Command::PurgeDeleted { object: cloud.id }],
            });
        }
    }

    fn mail(&mut self, i: u32, o: &OnPremObject, m: &str) {
        let me = ObjectRef::OnPrem(i);
        let attr = "mail";
        let trimmed = m.trim();
        let mut problems: Vec<&str> = Vec::new();
        if m.contains(char::is_whitespace) {
            problems.push("whitespace");
        }
        let format = address_format(trimmed);
        problems.extend(format.iter().map(|f| f.describe()));
        if !problems.is_empty() {
            let suggested = address_format_fix(trimmed)
                .or_else(|| (format.is_empty() && trimmed != m).then(|| trimmed.to_string()));
            let cmds = suggested
                .as_deref()
                .map(|s| {
                    vec![Command::SetOnPremMail {
                        object: o.object_guid,
                        mail: s.to_string(),
                    }]
                })
                .unwrap_or_default();
            self.push(
                Rule::MailFormat,
                me,
                attr,
                m,
                problems.join("; "),
                suggested,
                "Correct the address (and the matching proxyAddresses value).".into(),
                cmds,
            );
        }
        if m.chars().count() > 256 {
            self.push(
                Rule::MailLength,
                me,
                attr,
                m,
                format!("{} characters (at most 256)", m.chars().count()),
                None,
                "Shorten the address.".into(),
                Vec::new(),
            );
        }
        if let Some(tld) = unknown_tld(trimmed) {
            self.push(
                Rule::MailTopLevelDomain,
                me,
                attr,
                m,
                format!("top-level domain {tld} is not routable"),
                None,
                "Use an address on a routable, verified domain.".into(),
                Vec::new(),
            );
        }
        let mut key = std::mem::take(&mut self.scratch);
        fold_into(m, &mut key);
        if let Some(first) = self.mails.first_or_insert(self.b, &key, i, Slot::Mail) {
            let other_has_proxies = !self.b.on_premises[first as usize]
                .proxy_addresses
                .is_empty();
            // Without proxies on either side, mail is the SMTP namespace itself: D2 says it.
            if !o.proxy_addresses.is_empty() || other_has_proxies {
                self.duplicate(Rule::MailDuplicate, i, first, attr, m);
            }
        }
        if o.proxy_addresses.is_empty() {
            // P1: mail is the primary SMTP, in the SMTP namespace (P4 b).
            self.smtp_namespace(i, m, &key, Slot::Mail);
        }
        self.scratch = key;
    }

    fn smtp_namespace(&mut self, i: u32, value: &str, key: &str, slot: Slot) {
        let plan = self.plan;
        let out = &plan.outcomes[i as usize];
        let ns = PropertyName::ProxyAddresses;
        let tv = self.tenant_value(i, out, ns, key);
        let first = if tv.sole {
            self.smtps.first(self.b, key)
        } else {
            let seen = self.smtps.first_or_insert(self.b, key, i, slot);
            earliest(seen, self.sole_owner(i, &tv, ns, key))
        };
        match first {
            Some(first) if first != i => {
                self.duplicate(Rule::SmtpDuplicate, i, first, "proxyAddresses", value)
            }
            _ => {}
        }
        self.in_tenant(i, out, ns, "proxyAddresses", value, key, &tv);
    }

    fn proxy(&mut self, i: u32, o: &OnPremObject, k: u32, p: &str, out: &Outcome) {
        let me = ObjectRef::OnPrem(i);
        let attr = "proxyAddresses";
        let replace = |o: &OnPremObject, with: &str| -> Vec<Command> {
            vec![Command::SetOnPremProxyAddresses {
                object: o.object_guid,
                values: o
                    .proxy_addresses
                    .iter()
                    .map(|v| if v == p { with } else { v.as_str() }.to_string())
                    .collect(),
            }]
        };
        let mut current: std::borrow::Cow<str> = p.into();
        let bad = proxy_invalid_chars(p);
        if !bad.is_empty() {
            let s = without(p, &bad);
            self.push(
                Rule::ProxyCharacter,
                me,
                attr,
                p,
                format!("characters {}", describe_chars(&bad)),
                Some(s.clone()),
                format!("Replace the value with {s}."),
                replace(o, &s),
            );
            current = s.into();
        }
        if let Some(s) = proxy_extra_colon(&current) {
            self.push(
                Rule::ProxyColon,
                me,
                attr,
                p,
                "a colon in the address part".into(),
                Some(s.clone()),
                format!("Replace the value with {s} (IdFix's proposal)."),
                replace(o, &s),
            );
            current = s.into();
        }
        if p.chars().count() > 256 {
            self.push(
                Rule::ProxyLength,
                me,
                attr,
                p,
                format!("{} characters (at most 256)", p.chars().count()),
                None,
                "Shorten or remove the address.".into(),
                Vec::new(),
            );
        }
        if is_smtp(p) {
            let address = &current[5..];
            let format = address_format(address);
            if !format.is_empty() {
                let suggested =
                    address_format_fix(address).map(|a| format!("{}{a}", &current[..5]));
                let cmds = suggested
                    .as_deref()
                    .map(|s| replace(o, s))
                    .unwrap_or_default();
                self.push(
                    Rule::ProxyFormat,
                    me,
                    attr,
                    p,
                    format
                        .iter()
                        .map(|f| f.describe())
                        .collect::<Vec<_>>()
                        .join("; "),
                    suggested,
                    "Correct or remove the address.".into(),
                    cmds,
                );
            }
            if let Some(tld) = unknown_tld(address) {
                self.push(
                    Rule::ProxyTopLevelDomain,
                    me,
                    attr,
                    p,
                    format!("top-level domain {tld} is not routable"),
                    None,
                    "Remove the address, or replace it with one on a verified domain.".into(),
                    Vec::new(),
                );
            }
            // P4(b): the address as written after the prefix (P2 discarded values take no part).
            let raw_address = &p[5..];
            if crate::model::discarded_address(raw_address).is_none() {
                let mut key = std::mem::take(&mut self.scratch);
                fold_into(raw_address, &mut key);
                self.smtp_namespace(i, p, &key, Slot::Proxy(k, true));
                self.scratch = key;
            }
        } else if !p.trim().is_empty() {
            // P4(d): non-SMTP proxies, with their prefix, case-insensitively.
            let mut key = std::mem::take(&mut self.scratch);
            fold_into(p, &mut key);
            match self
                .non_smtp
                .first_or_insert(self.b, &key, i, Slot::Proxy(k, false))
            {
                Some(first) if first != i => {
                    self.duplicate(Rule::NonSmtpDuplicate, i, first, attr, p)
                }
                _ => {}
            }
            let b = self.b;
            let holders: Vec<CloudIdx> = self
                .cloud_non_smtp
                .get(&*key)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&c| !is_own(b, out, c) && !self.targeted[c as usize])
                        .collect()
                })
                .unwrap_or_default();
            self.scratch = key;
            self.cloud_holders(i, attr, p, &holders, Rule::NonSmtpInTenant);
        }
    }

    /// X3/X4 (active holders) and X6 (soft-deleted holders) for the never-quarantined namespaces.
    fn cloud_holders(
        &mut self,
        i: u32,
        attr: &'static str,
        value: &str,
        holders: &[CloudIdx],
        active_rule: Rule,
    ) {
        let b = self.b;
        let active = holders
            .iter()
            .copied()
            .find(|&c| !b.cloud[c as usize].is_deleted());
        let deleted = holders
            .iter()
            .copied()
            .find(|&c| b.cloud[c as usize].is_deleted());
        for (rule, c) in [
            (active_rule, active),
            (Rule::SidOrNonSmtpInRecycleBin, deleted),
        ] {
            let Some(c) = c else { continue };
            let cloud = &b.cloud[c as usize];
            let in_bin = rule == Rule::SidOrNonSmtpInRecycleBin;
            self.findings.push(Finding {
                rule,
                severity: Severity::Error,
                object: ObjectRef::OnPrem(i),
                attribute: attr,
                value: value.to_string(),
                detail: format!(
                    "held by the {}{} {} ({})",
                    if in_bin { "soft-deleted " } else { "" },
                    cloud.object_type.as_str(),
                    cloud.name(),
                    cloud.id
                ),
                conflicts_with: Some(ObjectRef::Cloud(c)),
                suggested: None,
                fix: if in_bin {
                    "Purge the deleted object (or restore it if it is this object's own cloud object).".into()
                } else {
                    "If it is the same object: match them (W2/W5); otherwise remove the value from one side.".into()
                },
                commands: if in_bin { vec![Command::PurgeDeleted { object: cloud.id }] } else { Vec::new() },
            });
        }
    }

    fn sid(&mut self, i: u32, sid: &str, out: &Outcome) {
        let mut key = std::mem::take(&mut self.scratch);
        fold_into(sid, &mut key);
        if let Some(first) = self.sids.first_or_insert(self.b, &key, i, Slot::Sid) {
            self.duplicate(Rule::SidDuplicate, i, first, "objectSid", sid);
        }
        self.scratch = key;
        let b = self.b;
        let own_sid = own_target(out)
            .and_then(|c| {
                b.cloud[c as usize]
                    .on_premises_security_identifier
                    .as_deref()
            })
            .is_some_and(|s| s.eq_ignore_ascii_case(sid));
        if own_sid {
            return;
        }
        let holders: Vec<CloudIdx> = self
            .ix
            .with_sid(sid)
            .iter()
            .copied()
            .filter(|&c| !is_own(b, out, c) && !self.targeted[c as usize])
            .collect();
        self.cloud_holders(i, "objectSid", sid, &holders, Rule::SidInTenant);
    }

    fn nickname(&mut self, i: u32, o: &OnPremObject, n: &str) {
        let me = ObjectRef::OnPrem(i);
        let attr = "mailNickname";
        let set = |v: &str| {
            vec![Command::SetOnPremAttribute {
                object: o.object_guid,
                attribute: "mailNickname",
                value: Some(v.to_string()),
            }]
        };
        let mut current: std::borrow::Cow<str> = n.into();
        let bad = nickname_invalid_chars(n);
        if !bad.is_empty() {
            let s = without(n, &bad);
            let ok = !s.is_empty();
            self.push(
                Rule::NicknameCharacter,
                me,
                attr,
                n,
                format!("characters {}", describe_chars(&bad)),
                ok.then(|| s.clone()),
                if ok {
                    format!("Replace it with {s}.")
                } else {
                    "Choose a new alias.".into()
                },
                if ok { set(&s) } else { Vec::new() },
            );
            if ok {
                current = s.into();
            }
        }
        if current.starts_with('.') || current.ends_with('.') {
            let s = current.trim_matches('.').to_string();
            let ok = !s.is_empty();
            self.push(
                Rule::NicknamePeriod,
                me,
                attr,
                n,
                "begins or ends with a period".into(),
                ok.then(|| s.clone()),
                if ok {
                    format!("Replace it with {s}.")
                } else {
                    "Choose a new alias.".into()
                },
                if ok { set(&s) } else { Vec::new() },
            );
            if ok {
                current = s.into();
            }
        }
        if current.chars().count() > 64 {
            let s: String = current.chars().take(64).collect();
            self.push(
                Rule::NicknameLength,
                me,
                attr,
                n,
                format!("{} characters (at most 64)", n.chars().count()),
                Some(s.clone()),
                format!("Shorten it (IdFix proposes the first 64 characters: {s})."),
                set(&s),
            );
        }
        if n.is_empty() {
            return;
        }
        let mut key = std::mem::take(&mut self.scratch);
        fold_into(n, &mut key);
        if let Some(first) = self
            .nicknames
            .first_or_insert(self.b, &key, i, Slot::Nickname)
        {
            self.duplicate(Rule::NicknameDuplicate, i, first, attr, n);
        }
        self.scratch = key;
    }

    fn display_name(&mut self, i: u32, o: &OnPremObject) {
        let me = ObjectRef::OnPrem(i);
        let attr = "displayName";
        let set = |v: &str| {
            vec![Command::SetOnPremAttribute {
                object: o.object_guid,
                attribute: "displayName",
                value: Some(v.to_string()),
            }]
        };
        match o.display_name.as_deref() {
            None | Some("") if o.object_class == ObjectKind::Group => {
                // IdFix BlankStringRule proposes the cn.
                let cn = crate::model::rdn_value(&o.distinguished_name).to_string();
                self.push(
                    Rule::DisplayNameBlank,
                    me,
                    attr,
                    "",
                    "a group without displayName".into(),
                    Some(cn.clone()),
                    format!("Set displayName (IdFix proposes the cn: {cn})."),
                    set(&cn),
                );
            }
            Some(d) if !d.is_empty() => {
                if d.trim() != d {
                    self.push(
                        Rule::DisplayNameBlank,
                        me,
                        attr,
                        d,
                        "leading or trailing whitespace".into(),
                        Some(d.trim().to_string()),
                        "Remove the whitespace.".into(),
                        set(d.trim()),
                    );
                }
                if d.chars().count() > 256 {
                    let s: String = d.chars().take(256).collect();
                    self.push(
                        Rule::DisplayNameLength,
                        me,
                        attr,
                        d,
                        format!("{} characters (at most 256)", d.chars().count()),
                        Some(s.clone()),
                        "Shorten it.".into(),
                        set(&s),
                    );
                }
            }
            _ => {}
        }
    }

    /// M3 r2 hardening: the cloud user that this (not yet linked) user would hard match, or the
    /// soft-match twin whose role refused the match (M6).
    fn hardening(&mut self, i: u32, o: &OnPremObject, out: &Outcome) {
        let b = self.b;
        // M10: cloud-managed accounts are excluded from the hardening checks.
        if matches!(out.result, SyncResult::Linked | SyncResult::CloudManaged)
            || !b.settings.get(Setting::HardMatchHardening)
        {
            return;
        }
        let by_anchor = self.ix.with_immutable_id(&out.source_anchor);
        let refused = out
            .steps
            .iter()
            .any(|s| matches!(s.note, Note::Refused(_, Refusal::AdminRole)));
        if by_anchor.is_empty() && !refused {
            return;
        }
        let mut targets: Vec<(CloudIdx, bool)> = by_anchor.iter().map(|&c| (c, true)).collect();
        for s in &out.steps {
            if let Note::Refused(c, Refusal::AdminRole) = s.note
                && !targets.iter().any(|(t, _)| *t == c)
            {
                targets.push((c, false));
            }
        }
        for (c, by_anchor) in targets {
            let cloud = &b.cloud[c as usize];
            if cloud.object_type != ObjectKind::User || cloud.is_cloud_managed() {
                continue;
            }
            // M3 r2 refuses a hard match for privileged roles; M6 refuses the soft match for any
            // role (the plan's refusal says which).
            let roles = if by_anchor {
                privileged_roles(b, self.roles, cloud)
            } else {
                all_roles(b, cloud)
            };
            if !roles.is_empty() {
                self.role_blocker(i, c, &roles, by_anchor);
            }
            let foreign = cloud
                .on_premises_object_identifier
                .as_deref()
                .filter(|id| !id.trim().eq_ignore_ascii_case(&o.object_guid.to_string()));
            if let (true, Some(id)) = (by_anchor, foreign)
                && !b
                    .settings
                    .get(Setting::AllowOnPremUpdateOfOnPremisesObjectIdentifier)
            {
                self.findings.push(Finding {
                    rule: Rule::ForeignObjectIdentifier,
                    severity: Severity::Error,
                    object: ObjectRef::Cloud(c),
                    attribute: "onPremisesObjectIdentifier",
                    value: id.to_string(),
                    detail: format!(
                        "{} names {} as its on-prem object, not {} ({})",
                        cloud.name(),
                        id,
                        o.name(),
                        o.object_guid
                    ),
                    conflicts_with: Some(ObjectRef::OnPrem(i)),
                    suggested: None,
                    fix: "If this on-prem object is the right source: clear onPremisesObjectIdentifier (X4: it can only be cleared; Global or Hybrid Identity Administrator, User-OnPremisesSyncBehavior.ReadWrite.All, or ADSyncTools 2.5 Clear-ADSyncToolsOnPremisesAttribute -onPremisesObjectIdentifier), then sync: the next sync stamps the new value.".into(),
                    commands: vec![
                        Command::ClearOnPremisesObjectIdentifier { user: cloud.id },
                        Command::DeltaSync,
                    ],
                });
            }
        }
    }

    fn role_blocker(&mut self, i: u32, c: CloudIdx, roles: &[(String, bool)], by_anchor: bool) {
        let b = self.b;
        let cloud = &b.cloud[c as usize];
        let o = &b.on_premises[i as usize];
        let deleted = cloud.is_deleted();
        let names = roles
            .iter()
            .map(|(r, e)| {
                if *e {
                    format!("{r} (eligible)")
                } else {
                    r.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        // W1 r2: restore if soft-deleted, remove the assignments AND eligibilities, sync, check
        // the match, restore the roles.
        let mut commands = Vec::new();
        if deleted {
            commands.push(Command::Restore { object: cloud.id });
        }
        commands.extend(roles.iter().map(|(r, e)| Command::RemoveRole {
            user: cloud.id,
            role: r.clone(),
            eligible: *e,
        }));
        // W1 r2: wait for the cycle and stop unless the match happened before any role returns.
        commands.push(Command::DeltaSync);
        commands.push(Command::WaitForSyncCycle);
        commands.push(Command::CheckMatch {
            user: cloud.id,
            immutable_id: self.plan.outcomes[i as usize].source_anchor.to_string(),
        });
        commands.extend(roles.iter().map(|(r, e)| Command::AddRole {
            user: cloud.id,
            role: r.clone(),
            eligible: *e,
        }));
        self.findings.push(Finding {
            rule: if deleted { Rule::DeletedPrivileged } else { Rule::PrivilegedRole },
            severity: Severity::Error,
            object: ObjectRef::Cloud(c),
            attribute: "directoryRoles",
            value: names.clone(),
            detail: format!(
                "{} {} {}: {}",
                if deleted { "soft-deleted user" } else { "user" },
                cloud.name(),
                if by_anchor { "carries the anchor of" } else { "is the soft-match twin of" },
                o.name()
            ),
            conflicts_with: Some(ObjectRef::OnPrem(i)),
            suggested: None,
            fix: format!(
                "{}Remove the privileged roles ({names}) including eligibilities, run a sync cycle and check the match (OnPremisesSyncEnabled, OnPremisesImmutableId), then re-add the roles at once (W1).",
                if deleted { "Restore the user from the recycle bin. " } else { "" }
            ),
            commands,
        });
    }

    /// Cloud-side attribute checks: the tenant's own values (cloud-only objects can hold values
    /// from before the service's validation, or from an import; they block matches all the same).
    fn cloud(&mut self, ci: CloudIdx, c: &CloudObject) {
        if c.is_deleted() || c.is_synced() {
            return;
        }
        let me = ObjectRef::Cloud(ci);
        if let (ObjectKind::User, Some(upn)) = (c.object_type, c.user_principal_name.as_deref()) {
            let trimmed = upn.trim();
            let bad = upn_invalid_chars(trimmed, self.opts.upn_apostrophe_invalid);
            let (rule, suggested, detail) = if trimmed != upn {
                (
                    Rule::UpnWhitespace,
                    Some(trimmed.to_string()),
                    "leading or trailing whitespace".to_string(),
                )
            } else if !bad.is_empty() {
                (
                    Rule::UpnCharacter,
                    upn_without_invalid_chars(trimmed, self.opts.upn_apostrophe_invalid),
                    format!("characters {}", describe_chars(&bad)),
                )
            } else {
                return;
            };
            let commands = suggested
                .as_deref()
                .map(|s| {
                    vec![Command::SetCloudUpn {
                        user: c.id,
                        upn: s.to_string(),
                    }]
                })
                .unwrap_or_default();
            self.push(
                rule,
                me,
                "userPrincipalName",
                upn,
                detail,
                suggested,
                "Correct the cloud UPN (Update-MgUser) so that a soft match on UPN can find it."
                    .into(),
                commands,
            );
        }
    }
}

/// One script for a selection of findings (e.g. every C2): one step per finding that has
/// commands, findings that need a decision listed as comments. `source` names the snapshot.
pub fn fix_script(b: &Bundle, findings: &[&Finding], title: &str, source: &str) -> String {
    let mut steps: Vec<ScriptStep> = Vec::new();
    let mut undecided: Vec<String> = Vec::new();
    // Several findings on one object's proxyAddresses: each command replaces the whole list, so
    // fold them into one list with every proposal applied.
    let mut merged_proxies: hashbrown::HashMap<uuid::Uuid, usize> = hashbrown::HashMap::new();
    for f in findings {
        let who = format!(
            "{} {} ({})",
            f.object.side(),
            f.object.name(b),
            f.object.id(b)
        );
        if f.commands.is_empty() {
            undecided.push(format!("{} {}: {} — {}", f.rule.id(), who, f.detail, f.fix));
            continue;
        }
        if let (ObjectRef::OnPrem(i), Some(new)) = (f.object, &f.suggested)
            && f.attribute == "proxyAddresses"
        {
            let o = &b.on_premises[i as usize];
            if let Some(&at) = merged_proxies.get(&o.object_guid) {
                if let Some(Command::SetOnPremProxyAddresses { values, .. }) =
                    steps[at].commands.first_mut()
                {
                    for v in values.iter_mut().filter(|v| **v == f.value) {
                        *v = new.clone();
                    }
                }
                steps[at]
                    .title
                    .push_str(&format!("; {} {}", f.rule.id(), f.value));
                continue;
            }
            merged_proxies.insert(o.object_guid, steps.len());
        }
        steps.push(ScriptStep {
            title: format!("{} {}: {} {}", f.rule.id(), who, f.attribute, f.value),
            commands: f.commands.clone(),
            expect: Some(f.fix.clone()),
        });
    }
    let mut text = render_script(title, source, &steps);
    if !undecided.is_empty() {
        text.push_str("\n# --- Findings that need a decision first (no command written):\n");
        for u in undecided {
            let line: String = u
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            text.push_str("# ");
            text.push_str(&line);
            text.push('\n');
        }
    }
    text
}

/// Counts for the summary: per rule, per severity, per side.
pub fn summary_json(r: &CheckReport) -> Value {
    let mut by_rule = serde_json::Map::new();
    for rule in Rule::ALL {
        let n = r.findings.iter().filter(|f| f.rule == *rule).count();
        if n > 0 {
            by_rule.insert(rule.id().into(), json!(n));
        }
    }
    let count = |f: &dyn Fn(&Finding) -> bool| r.findings.iter().filter(|x| f(x)).count();
    json!({
        "findings": r.findings.len(),
        "errors": count(&|f| f.severity == Severity::Error),
        "warnings": count(&|f| f.severity == Severity::Warning),
        "onPremises": count(&|f| matches!(f.object, ObjectRef::OnPrem(_))),
        "cloud": count(&|f| matches!(f.object, ObjectRef::Cloud(_))),
        "checkedOnPremises": r.checked_on_prem,
        "checkedCloud": r.checked_cloud,
        "byRule": by_rule,
    })
}

/// One finding of `check --json`.
pub fn finding_json(b: &Bundle, plan: &Plan, refs: &CloudRefs, f: &Finding) -> Value {
    let info = f.rule.info();
    let outcome = f.outcome(plan, refs).map(|o| {
        json!({
            "objectGUID": b.on_premises[o.on_prem as usize].object_guid.to_string(),
            "result": o.result.as_str(),
            "error": o.error.map(|e| e.as_str()),
            "flags": o.flags.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
            "cloudId": o.cloud.map(|c| b.cloud[c as usize].id.to_string()),
        })
    });
    json!({
        "objectId": f.object.id(b),
        "side": f.object.side(),
        "displayName": f.object.name(b),
        "attribute": f.attribute,
        "value": f.value,
        "rule": info.id,
        "class": info.class.as_str(),
        "severity": f.severity.as_str(),
        "title": info.title,
        "detail": f.detail,
        "effect": info.effect,
        "outcome": outcome,
        "conflictsWith": f.conflicts_with.map(|c| json!({"side": c.side(), "objectId": c.id(b), "displayName": c.name(b)})),
        "suggestedValue": f.suggested,
        "fix": f.fix,
        "fixCommands": f.commands.iter().flat_map(|c| c.lines()).collect::<Vec<_>>(),
        "ruleBook": info.book.split_whitespace().collect::<Vec<_>>(),
        "source": info.source,
    })
}

/// `check --json` (interfaces §9).
pub fn report_json(b: &Bundle, plan: &Plan, r: &CheckReport) -> Value {
    let refs = CloudRefs::build(b, plan);
    json!({
        "findings": r.findings.iter().map(|f| finding_json(b, plan, &refs, f)).collect::<Vec<_>>(),
        "summary": summary_json(r),
    })
}

/// `check --json` written finding by finding: the bytes [`report_json`] gives through the safe
/// formatter, with the `extra` members (`fixScript`, `load`) after the summary, without holding
/// every finding's JSON at once.
pub fn write_report_json(
    b: &Bundle,
    plan: &Plan,
    r: &CheckReport,
    extra: &[(&str, Value)],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    use serde::ser::{SerializeMap, Serializer};
    struct Findings<'a>(&'a Bundle, &'a Plan, &'a CloudRefs, &'a [Finding]);
    impl serde::Serialize for Findings<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Findings(b, plan, refs, findings) = *self;
            s.collect_seq(findings.iter().map(|f| finding_json(b, plan, refs, f)))
        }
    }
    let refs = CloudRefs::build(b, plan);
    let mut ser =
        serde_json::Serializer::with_formatter(&mut *out, crate::sanitize::SafeJsonFormatter);
    let mut m = ser.serialize_map(None)?;
    m.serialize_entry("findings", &Findings(b, plan, &refs, &r.findings))?;
    m.serialize_entry("summary", &summary_json(r))?;
    for (k, v) in extra {
        m.serialize_entry(k, v)?;
    }
    Ok(m.end()?)
}

/// The findings as text for people: one block per finding, values through the display
/// sanitizer.
pub fn report_text(b: &Bundle, plan: &Plan, r: &CheckReport) -> String {
    use crate::sanitize::display_safe;
    use std::fmt::Write as _;
    let refs = CloudRefs::build(b, plan);
    let mut t = String::new();
    for f in &r.findings {
        let info = f.rule.info();
        let _ = writeln!(
            t,
            "{:<4} {:<7} {} {}  {} = {}",
            info.id,
            f.severity.as_str(),
            if matches!(f.object, ObjectRef::OnPrem(_)) {
                "AD   "
            } else {
                "cloud"
            },
            display_safe(f.object.name(b)),
            f.attribute,
            display_safe(&format!("{:?}", f.value)),
        );
        let _ = writeln!(t, "     {}", display_safe(&f.detail));
        if let Some(o) = f.outcome(plan, &refs) {
            let _ = writeln!(
                t,
                "     next sync: {}{}",
                o.result.as_str(),
                o.error
                    .map(|e| format!(" ({})", e.as_str()))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(t, "     fix: {}", display_safe(&f.fix));
    }
    let s = summary_json(r);
    let _ = writeln!(
        t,
        "\n{} finding(s): {} error(s), {} warning(s); {} on-prem and {} cloud object(s) checked",
        r.findings.len(),
        s["errors"],
        s["warnings"],
        r.checked_on_prem,
        r.checked_cloud
    );
    if !r.findings.is_empty() {
        t.push_str("(--fix-script FILE [--rule ID] writes the PowerShell for the fixes; --json for every field)\n");
    }
    t
}

#[cfg(test)]
mod tests;
