//! One `Session`: a loaded snapshot, its cloud index, the `Config` in force, the plan under it
//! and the baseline plan it opened with. The command line and the explorer both work through it:
//! `flip` and `replan` for what-ifs, `error_lines` for the provisioning-error view,
//! `suggest` and `start_walkthrough` for guided fixes (rule book §6).
//!
//! A session is cheap to clone (the snapshot, index and plans are shared), so background jobs
//! take a clone and compute from it without touching the one on screen.

use crate::config::{Config, Item};
use crate::index::{CloudIndex, fold};
use crate::model::{Bundle, ObjectKind, PropertyName, strip_smtp_prefix};
use crate::pending::Pending;
use crate::plan::{Plan, Record, plan_recorded, plan_what_if, replan};
use crate::query::{ErrorRow, error_rows};
use crate::settings::Setting;
use crate::walkthrough::{Kind, Recorded, Walkthrough, suggest_from};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct Session {
    /// The snapshot as loaded (with any `--set` of this run); never modified.
    pub snapshot: Arc<Bundle>,
    /// The cloud index ([`Session::index`]); from a cache, decoded when first needed.
    index: Pending<CloudIndex>,
    /// The configuration the shown plan uses (the snapshot's own until a what-if flip).
    pub config: Config,
    /// Plan of `config`.
    pub plan: Arc<Plan>,
    /// The plan under the snapshot's own configuration: what what-ifs are compared with.
    pub baseline: Arc<Plan>,
    /// With [`Session::open_for_what_if`]: what each object of `plan` read and wrote, and the
    /// configuration it was made under, so that a flip re-plans only what it can change.
    made: Option<Arc<Made>>,
    /// The same for `baseline` (what a reset returns to).
    baseline_made: Option<Arc<Made>>,
}

/// A plan made in full with its record, and the configuration it was made under: what every
/// settings flip re-plans from, until a Connect switch plans in full again.
#[derive(Debug)]
struct Made {
    config: Config,
    plan: Arc<Plan>,
    /// From a cache, decoded when first needed (the first re-plan, or the explorer's prefetch).
    record: Pending<Record>,
}

/// What a snapshot cache gave besides the bundle: its index, and its plan under the bundle's own
/// configuration with the plan's record when the cache kept one.
struct Prepared {
    index: Pending<CloudIndex>,
    plan: Option<(Plan, Option<Pending<Record>>)>,
}

/// A plan made for a configuration by [`Session::plan_for`], to [`Session::install`].
#[derive(Debug)]
pub struct Replan {
    pub plan: Arc<Plan>,
    /// The recorded plan the next flips re-plan from: the one this plan was re-planned from,
    /// or this plan when it was made in full with its record.
    made: Option<Arc<Made>>,
    /// When re-planned incrementally: how many objects were planned again (the others' outcomes
    /// were copied, being out of the change's reach); `None` for a full plan.
    pub planned_again: Option<usize>,
}

/// Where an error line's object is in the snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A cloud object of the snapshot (index).
    Cloud(u32),
    /// An on-prem object whose new cloud object the next sync creates (outcome index).
    OnPrem(u32),
}

/// A provisioning error (rule book §7) with who holds its value and where its object is.
#[derive(Clone, Debug)]
pub struct ErrorLine {
    pub row: ErrorRow,
    /// The object that holds the conflicting value, for people.
    pub holder: Option<String>,
    pub target: Option<Target>,
}

impl Session {
    /// Opens a snapshot: `overrides` (`--set FEATURE=BOOL`) become part of the snapshot as this
    /// run sees it. Indexes and plans once.
    pub fn open(bundle: Bundle, overrides: &[(Setting, bool)]) -> Session {
        Self::open_with(Arc::new(bundle), overrides, false, None)
    }

    /// [`Session::open`] for exploring what-ifs (the explorer): the plan keeps its [`Record`]
    /// (about 100 bytes per object), so that a flip of a setting re-plans only the objects it
    /// can change instead of the whole tenant.
    pub fn open_for_what_if(bundle: Bundle, overrides: &[(Setting, bool)]) -> Session {
        Self::open_with(Arc::new(bundle), overrides, true, None)
    }

    /// Opens a snapshot read from the snapshot cache ([`crate::cache`]) with the index, plan
    /// and record it holds; a plan it lacks (or one made under other settings than this run's
    /// `overrides` give, or without the record a what-if session needs) is made here.
    pub fn open_cached(
        cached: crate::cache::Cached,
        overrides: &[(Setting, bool)],
        what_if: bool,
    ) -> Session {
        let prepared = Prepared {
            index: cached.index,
            plan: cached.plan.map(|p| (p, cached.record)),
        };
        Self::open_with(cached.bundle, overrides, what_if, Some(prepared))
    }

    fn open_with(
        mut bundle: Arc<Bundle>,
        overrides: &[(Setting, bool)],
        record: bool,
        prepared: Option<Prepared>,
    ) -> Session {
        let own = bundle.settings;
        for &(s, v) in overrides {
            // Copied (its object pointers) only when a setting changes: a cache's fallbacks
            // keep the snapshot as it was read.
            if bundle.settings.get(s) != v {
                Arc::make_mut(&mut bundle).settings.set(s, v);
            }
        }
        let (index, mut made_before) = match prepared {
            Some(p) => (p.index, p.plan),
            None => (Pending::ready(CloudIndex::build(&bundle)), None),
        };
        if bundle.settings != own {
            made_before = None;
        }
        let config = Config::of(&bundle);
        let (plan, record) = match made_before {
            Some((plan, _)) if !record => (plan, None),
            Some((plan, Some(kept))) => (plan, Some(kept)),
            _ if record => {
                let (plan, record) =
                    plan_recorded(&bundle, index.get(), &config.settings, &config.connect);
                (plan, Some(Pending::ready(record)))
            }
            _ => {
                let plan = plan_what_if(&bundle, index.get(), &config.settings, &config.connect);
                (plan, None)
            }
        };
        let plan = Arc::new(plan);
        let made = record.map(|record| {
            Arc::new(Made {
                config: config.clone(),
                plan: Arc::clone(&plan),
                record,
            })
        });
        Session {
            snapshot: bundle,
            index,
            config,
            baseline: Arc::clone(&plan),
            plan,
            baseline_made: made.clone(),
            made,
        }
    }

    /// What the snapshot cache keeps of this session: the snapshot, its index, and the
    /// baseline plan with its record (when kept). `settings`: the snapshot's settings as loaded
    /// (before a run's `--set`); the plan is kept only when it was made under them.
    pub fn cache_contents<'a>(
        &'a self,
        settings: crate::settings::Settings,
        report: &'a crate::import::LoadReport,
    ) -> crate::cache::Contents<'a> {
        let own = self.snapshot.settings == settings;
        crate::cache::Contents {
            bundle: &self.snapshot,
            settings,
            report,
            index: self.index(),
            plan: own.then(|| {
                let record = self.baseline_made.as_ref().map(|m| m.record.get());
                (&*self.baseline, record)
            }),
        }
    }

    /// The cloud index of the snapshot. From a cache it may still be being decoded: the first
    /// caller decodes it or waits (never the UI thread: only background jobs and the command
    /// line use it).
    pub fn index(&self) -> &CloudIndex {
        self.index.get()
    }

    /// Makes what is still pending (the index and record a cache left, the record's write
    /// log), so that the first what-if flip or readiness check does not wait for it: the
    /// explorer runs this as a background job after its first frame and after a full re-plan.
    pub fn prefetch(&self) {
        self.index();
        for made in [&self.made, &self.baseline_made].into_iter().flatten() {
            made.record.get().prepare();
        }
    }

    /// The snapshot's own configuration (what a reset returns to).
    pub fn snapshot_config(&self) -> Config {
        Config::of(&self.snapshot)
    }

    /// The switches a what-if offers for this snapshot.
    pub fn items(&self) -> Vec<Item> {
        Config::items(&self.snapshot.connect)
    }

    /// Flips one switch of the configuration in force; the plan is made again by `replan`
    /// (or a background job with `plan_for` and `install`).
    pub fn flip(&mut self, item: Item) {
        let baseline = self.snapshot.connect.clone();
        self.config.flip(item, &baseline);
    }

    /// Whether a switch is on in the configuration in force.
    pub fn value(&self, item: Item) -> bool {
        self.config.value(item, &self.snapshot.connect)
    }

    /// The plan of a configuration over this snapshot and index (pure; any thread). In a
    /// what-if session, when only settings differ from the shown plan's, only the objects the
    /// change can reach are planned again (the result is the full plan's, object for object);
    /// a change of the Connect settings (source anchor, scope, threshold) plans in full.
    pub fn plan_for(&self, config: &Config) -> Replan {
        let (b, ix) = (&*self.snapshot, self.index());
        let Some(made) = &self.made else {
            let plan = plan_what_if(b, ix, &config.settings, &config.connect);
            return Replan {
                plan: Arc::new(plan),
                made: None,
                planned_again: None,
            };
        };
        if made.config.connect == config.connect
            && let Some(r) = replan(
                b,
                ix,
                &config.connect,
                (&made.plan, made.record.get(), &made.config.settings),
                &config.settings,
            )
        {
            return Replan {
                plan: Arc::new(r.plan),
                made: Some(Arc::clone(made)),
                planned_again: Some(r.planned_again),
            };
        }
        let (plan, record) = plan_recorded(b, ix, &config.settings, &config.connect);
        let plan = Arc::new(plan);
        Replan {
            plan: Arc::clone(&plan),
            made: Some(Arc::new(Made {
                config: config.clone(),
                plan,
                record: Pending::ready(record),
            })),
            planned_again: None,
        }
    }

    /// Plans the configuration in force now, on this thread.
    pub fn replan(&mut self) {
        let config = self.config.clone();
        let r = self.plan_for(&config);
        self.install(&config, r);
    }

    /// Takes a plan made by `plan_for(config)`; refused (false) when the configuration in force
    /// has changed since, so a stale plan is never shown.
    pub fn install(&mut self, config: &Config, replan: Replan) -> bool {
        if *config != self.config {
            return false;
        }
        self.plan = replan.plan;
        self.made = replan.made;
        true
    }

    /// Back to the snapshot's own configuration and plan.
    pub fn reset(&mut self) {
        self.config = self.snapshot_config();
        self.plan = Arc::clone(&self.baseline);
        self.made = self.baseline_made.clone();
    }

    /// How many switches differ from the snapshot's own.
    pub fn changed_settings(&self) -> usize {
        self.config.differences(&self.snapshot_config())
    }

    /// The snapshot with the configuration in force (what walkthroughs and the next sync see).
    pub fn what_if_bundle(&self) -> Bundle {
        self.config.applied_to(&self.snapshot)
    }

    /// Provisioning errors (rule book §7): the snapshot's, or after the next sync those too that
    /// it adds (marked), under the configuration in force.
    pub fn error_rows(&self, after_sync: bool) -> Vec<ErrorRow> {
        if !after_sync {
            return error_rows(&self.snapshot);
        }
        self.error_lines().into_iter().map(|l| l.row).collect()
    }

    /// The errors after the next sync under the configuration in force, each with the holder of
    /// its value and its object's place in the snapshot (the explorer's error view).
    pub fn error_lines(&self) -> Vec<ErrorLine> {
        let bundle = &self.snapshot;
        let plan = &self.plan;
        let before: HashSet<(Uuid, String, String)> = error_rows(bundle)
            .into_iter()
            .map(|r| (r.object_id, r.property_name, r.value))
            .collect();
        let mut next = self.what_if_bundle();
        let now = next.captured_date_time.clone();
        crate::apply::apply_plan(&mut next, plan, now.as_deref());
        let index = CloudIndex::build(&next);
        let snapshot_pos: HashMap<Uuid, u32> = bundle
            .cloud
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u32))
            .collect();
        // New objects come from on-prem objects: find the source through the plan's anchors.
        let by_anchor: HashMap<&str, u32> = plan
            .outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| (o.source_anchor.as_str(), i as u32))
            .collect();
        let by_id: HashMap<Uuid, usize> = next
            .cloud
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        error_rows(&next)
            .into_iter()
            .map(|mut row| {
                row.new_in_next_sync = !before.contains(&(
                    row.object_id,
                    row.property_name.clone(),
                    row.value.clone(),
                ));
                let holder = PropertyName::parse(&row.property_name).and_then(|ns| {
                    let key = fold(strip_smtp_prefix(&row.value));
                    index
                        .holders(ns, &key)
                        .iter()
                        .map(|h| &next.cloud[*h as usize])
                        .find(|c| c.id != row.object_id)
                        .map(|c| match c.principal() {
                            Some(p) => format!("{} <{p}>", c.name()),
                            None => c.name().to_string(),
                        })
                });
                let target = match snapshot_pos.get(&row.object_id) {
                    Some(i) => Some(Target::Cloud(*i)),
                    None => by_id
                        .get(&row.object_id)
                        .and_then(|i| next.cloud[*i].on_premises_immutable_id.as_deref())
                        .and_then(|a| by_anchor.get(a))
                        .map(|o| Target::OnPrem(*o)),
                };
                ErrorLine {
                    row,
                    holder,
                    target,
                }
            })
            .collect()
    }

    /// The guided fixes that fit an on-prem object (by index) under the configuration in force,
    /// the best first, from the plan already made (constant time).
    pub fn suggest(&self, on_prem: usize) -> Vec<(Kind, Option<Uuid>)> {
        suggest_from(&self.snapshot, &self.plan, &self.config.settings, on_prem)
    }

    /// Starts a walkthrough on a what-if copy of the snapshot under the configuration in force.
    /// Without a target of its own, `fallback` (a cloud user the admin selected) is used.
    pub fn start_walkthrough(
        &self,
        kind: Kind,
        on_prem: usize,
        target: Option<Uuid>,
        fallback: Option<u32>,
    ) -> Result<Walkthrough, String> {
        let target = target.or_else(|| {
            fallback
                .map(|c| &self.snapshot.cloud[c as usize])
                .filter(|c| c.object_type == ObjectKind::User)
                .map(|c| c.id)
        });
        let b = self.what_if_bundle();
        let subject = b
            .on_premises
            .get(on_prem)
            .map(|o| o.object_guid)
            .ok_or("no such on-prem object")?;
        let w = Walkthrough::start(kind, &b, subject, target)?;
        // In a what-if session its steps re-plan from the recorded plan (made under the
        // configuration `made` names, over the same objects) instead of planning in full.
        Ok(match &self.made {
            Some(made) => w.with_recorded(
                Recorded {
                    state: made.config.applied_to(&self.snapshot),
                    plan: Arc::clone(&made.plan),
                    record: made.record.clone(),
                },
                // A copy: the walkthrough updates it in place (a build costs 4× as much).
                self.index().clone(),
            ),
            None => w,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/contoso.json");
        crate::bundle::parse_bundle(path, &std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn a_stale_plan_is_refused_and_reset_returns_to_the_baseline() {
        let mut s = Session::open(sample(), &[]);
        let before = s.config.clone();
        s.flip(Item::SourceAnchor);
        let stale = s.plan_for(&before);
        assert!(!s.install(&before, stale), "a plan for older settings");
        let fresh = s.config.clone();
        let plan = s.plan_for(&fresh);
        assert!(s.install(&fresh, plan));
        assert_eq!(s.changed_settings(), 1);
        s.reset();
        assert_eq!(s.changed_settings(), 0);
        assert!(Arc::ptr_eq(&s.plan, &s.baseline));
    }

    /// In a what-if session a settings flip re-plans only part of the tenant, and the plan is
    /// the full plan's; a Connect switch plans in full and records again.
    #[test]
    fn a_what_if_session_replans_only_what_a_flip_reaches() {
        let mut s = Session::open_for_what_if(sample(), &[]);
        let full =
            |s: &Session, c: &Config| plan_what_if(&s.snapshot, s.index(), &c.settings, &c.connect);
        s.flip(Item::Setting(Setting::BlockSoftMatch));
        let config = s.config.clone();
        let r = s.plan_for(&config);
        let again = r.planned_again.expect("incremental");
        assert!(again > 0 && again < s.plan.outcomes.len(), "{again}");
        assert_eq!(*r.plan, full(&s, &config));
        assert!(s.install(&config, r));
        s.flip(Item::SourceAnchor);
        let config = s.config.clone();
        let r = s.plan_for(&config);
        assert_eq!(r.planned_again, None, "a Connect switch plans in full");
        assert_eq!(*r.plan, full(&s, &config));
        assert!(s.install(&config, r));
        s.flip(Item::Setting(Setting::SoftMatchOnUpn));
        let config = s.config.clone();
        let r = s.plan_for(&config);
        assert!(
            r.planned_again.is_some(),
            "recorded again after the full plan"
        );
        assert_eq!(*r.plan, full(&s, &config));
        // A session for the command line keeps no record and always plans in full.
        let cli = Session::open(sample(), &[]);
        assert_eq!(cli.plan_for(&config).planned_again, None);
    }

    #[test]
    fn error_rows_after_sync_match_the_cli_function() {
        let b = sample();
        let s = Session::open(b.clone(), &[]);
        let mine: Vec<_> = s
            .error_rows(true)
            .into_iter()
            .map(|r| (r.object_id, r.value, r.new_in_next_sync))
            .collect();
        let theirs: Vec<_> = crate::query::error_rows_after_sync(&b)
            .into_iter()
            .map(|r| (r.object_id, r.value, r.new_in_next_sync))
            .collect();
        assert!(!mine.is_empty());
        assert_eq!(mine, theirs);
    }
}
