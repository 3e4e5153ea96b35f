//! Synthetic tenants for scale tests and benchmarks (issue 7): `N` on-prem and `N` cloud objects
//! with the mix a real hybrid tenant has — most objects already synced, cloud-only twins waiting
//! for a soft match on SMTP or UPN, pre-staged hard matches, admins with roles, security,
//! distribution and Microsoft 365 groups, contacts, guests, UPN and proxy conflicts, duplicates
//! within one cycle, the recycle bin, out-of-scope OUs, unverified suffixes and provisioning errors
//! left by earlier cycles.
//!
//! Everything derives from the seed through a counter-based PRNG (splitmix64 keyed by the object's
//! position): the same `(objects, seed)` always gives the same bundle, byte for byte, and any one
//! object can be built without building the others. That is what lets [`write_generated`] stream a
//! 1M + 1M tenant to a file with the memory of a few objects plus one byte per object.

use crate::anchor::Anchor;
use crate::bundle::write_bundle_parts;
use crate::model::*;
use crate::settings::Settings;
use compact_str::format_compact;
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use uuid::Uuid;

/// A bundle of `objects` on-prem and `objects` cloud objects, the same for the same seed.
pub fn generate(objects: usize, seed: u64) -> Bundle {
    let g = Generator::new(objects, seed);
    let mut b = g.head();
    b.on_premises = (0..objects).map(|i| g.on_prem(i).into()).collect();
    b.cloud = g.cloud().map(Shared::new).collect();
    b
}

/// Writes `generate(objects, seed)` as bundle JSON (the document `bundle_to_json` gives) without
/// holding the tenant in memory: objects are built, written and dropped one at a time.
pub fn write_generated(objects: usize, seed: u64, out: impl Write) -> io::Result<()> {
    let g = Generator::new(objects, seed);
    write_bundle_parts(
        &g.head(),
        (0..objects).map(|i| g.on_prem(i)),
        g.cloud(),
        out,
    )
}

// ---- the mix --------------------------------------------------------------------------------

/// What one on-prem object is, and which cloud objects come with it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Case {
    /// Synced user, nothing changed (M1). Takes every slot the other cases leave.
    LinkedUser,
    /// Synced user whose surname (UPN, primary SMTP) changed on-prem (M8).
    LinkedUserRenamed,
    /// Synced user given an alias another synced user holds (Q1 quarantine on an update).
    LinkedUserAliasClash,
    /// Synced user whose UPN was quarantined by an earlier cycle and is still held (Q1, Q3).
    LinkedUserQuarantined,
    /// Synced user with a UPN suffix that is not a verified domain (M9).
    LinkedUserUnverified,
    LinkedSecurityGroup,
    LinkedDistributionGroup,
    LinkedMailSecurityGroup,
    LinkedContact,
    /// New user with a cloud-only twin of the same primary SMTP (M5).
    SoftSmtpUser,
    /// New user with a cloud-only twin of the same UPN and no mailbox (M5).
    SoftUpnUser,
    SoftSmtpGroup,
    SoftSmtpContact,
    /// New user whose ImmutableID was pre-staged on a cloud-only user (M3).
    HardMatchUser,
    /// User back in scope whose synced cloud object is in the recycle bin (M3 restore).
    RestoreUser,
    /// New user whose cloud twin is a directory-role holder (M6 ExistingAdminRoleConflict).
    AdminSoftMatch,
    /// New user whose ImmutableID was pre-staged on a role holder (M3 hardening).
    AdminHardMatch,
    NewUser,
    NewUserUnverified,
    NewSecurityGroup,
    NewDistributionGroup,
    NewContact,
    /// New user given the UPN of a synced user by mistake (M6 refused, Q1).
    UpnClash,
    /// New user with an alias a synced user holds (Q1).
    AliasClash,
    /// A second new account for the same person in the same cycle (Q2).
    DuplicateInCycle,
    /// Two new mail-enabled groups with the same address in one cycle (Q4).
    DuplicateGroupInCycle,
    /// Rehire whose UPN a soft-deleted synced user still holds (Q5).
    RecycleBinClash,
    /// New contact whose address is a guest user's (M6 ObjectTypeMismatch).
    ContactIsGuest,
    /// New distribution group whose address a Microsoft 365 group holds (M4, Q1).
    UnifiedGroupClash,
    /// A user cloned with another user's mS-DS-ConsistencyGuid (A5 DuplicateSourceAnchor).
    CopiedAnchor,
    /// Service accounts, disabled users, the default Users container: never synced (Q6).
    OutOfScope,
    /// A synced user moved to a disabled-users OU: its cloud object is soft-deleted (Q6).
    OutOfScopeLinked,
    /// A synced user whose source of authority was switched to the cloud (M10).
    CloudManagedUser,
    /// New user whose SIP: address a cloud-only Teams account already holds (P4 d).
    SipClash,
    /// Connect's own service account in scope: filtered by the out-of-box rules (Q7).
    BuiltInAccount,
}

/// Shares of the on-prem objects, in parts per 10,000; `LinkedUser` takes the rest (about 72%).
const MIX: [(Case, usize); 34] = [
    (Case::LinkedUserRenamed, 50),
    (Case::LinkedUserAliasClash, 20),
    (Case::LinkedUserQuarantined, 20),
    (Case::LinkedUserUnverified, 50),
    (Case::LinkedSecurityGroup, 600),
    (Case::LinkedDistributionGroup, 250),
    (Case::LinkedMailSecurityGroup, 100),
    (Case::LinkedContact, 300),
    (Case::SoftSmtpUser, 250),
    (Case::SoftUpnUser, 100),
    (Case::SoftSmtpGroup, 30),
    (Case::SoftSmtpContact, 20),
    (Case::HardMatchUser, 80),
    (Case::RestoreUser, 20),
    (Case::AdminSoftMatch, 20),
    (Case::AdminHardMatch, 5),
    (Case::NewUser, 400),
    (Case::NewUserUnverified, 30),
    (Case::NewSecurityGroup, 50),
    (Case::NewDistributionGroup, 30),
    (Case::NewContact, 30),
    (Case::UpnClash, 30),
    (Case::AliasClash, 30),
    (Case::DuplicateInCycle, 20),
    (Case::DuplicateGroupInCycle, 5),
    (Case::RecycleBinClash, 20),
    (Case::ContactIsGuest, 5),
    (Case::UnifiedGroupClash, 10),
    (Case::CopiedAnchor, 3),
    (Case::OutOfScope, 250),
    (Case::OutOfScopeLinked, 3),
    (Case::CloudManagedUser, 5),
    (Case::SipClash, 5),
    (Case::BuiltInAccount, 2),
];

impl Case {
    /// How many cloud objects come with the on-prem object.
    fn cloud_objects(self) -> usize {
        match self {
            Case::LinkedUserQuarantined => 2,
            Case::NewUser
            | Case::NewUserUnverified
            | Case::NewSecurityGroup
            | Case::NewDistributionGroup
            | Case::NewContact
            | Case::UpnClash
            | Case::AliasClash
            | Case::DuplicateInCycle
            | Case::DuplicateGroupInCycle
            | Case::CopiedAnchor
            | Case::BuiltInAccount
            | Case::OutOfScope => 0,
            _ => 1,
        }
    }
}

// ---- the tenant -----------------------------------------------------------------------------

const INITIAL_DOMAIN: &str = "contoso.onmicrosoft.com";
const ROUTING_DOMAIN: &str = "contoso.mail.onmicrosoft.com";
const INCLUDED_OU: &str = "OU=Corp,DC=contoso,DC=com";
/// The mail domain of generated users (SIP addresses, service accounts).
const DOMAIN: &str = "contoso.com";
const CAPTURED: &str = "2026-07-15T06:00:00Z";
/// (domain, federated, verified)
const DOMAINS: [(&str, bool, bool); 4] = [
    ("contoso.com", false, true),
    ("fabrikam.com", true, true),
    ("contoso.net", false, true),
    ("northwindtraders.com", false, false),
];
const UNVERIFIED_SUFFIXES: [&str; 2] = ["contoso.local", "northwindtraders.com"];
const SITES: [&str; 10] = [
    "Seattle",
    "London",
    "Berlin",
    "Oslo",
    "Singapore",
    "Toronto",
    "Sydney",
    "Madrid",
    "Tokyo",
    "Chicago",
];
const DEPARTMENTS: [&str; 12] = [
    "Sales",
    "Finance",
    "Engineering",
    "Marketing",
    "Legal",
    "HR",
    "Operations",
    "Support",
    "IT",
    "Research",
    "Procurement",
    "Facilities",
];
const GROUP_ROLES: [&str; 8] = [
    "Readers",
    "Editors",
    "Owners",
    "Members",
    "Admins",
    "Approvers",
    "Users",
    "Leads",
];
const TOPICS: [&str; 10] = [
    "Project Falcon",
    "Quarterly Planning",
    "Onboarding",
    "Social Club",
    "Pricing Review",
    "Launch Team",
    "Security Champions",
    "Hackathon",
    "Vendor Management",
    "Town Hall",
];
const PARTNERS: [&str; 8] = [
    "litwareinc.com",
    "adventure-works.com",
    "tailspintoys.com",
    "wingtiptoys.com",
    "woodgrovebank.com",
    "proseware.com",
    "lucernepublishing.com",
    "fourthcoffee.com",
];
const SERVICES: [&str; 10] = [
    "sql",
    "backup",
    "sharepoint",
    "scan",
    "print",
    "crm",
    "erp",
    "monitor",
    "deploy",
    "adfs",
];
const ROLES: [&str; 6] = [
    "Global Administrator",
    "User Administrator",
    "Exchange Administrator",
    "Helpdesk Administrator",
    "Security Reader",
    "Privileged Role Administrator",
];
const SKU_E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";
const SKU_E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const SKU_F3: &str = "66b55226-6b4f-492c-910c-a3b7a3c9d993";
/// groupType values: global security, universal security, universal distribution.
const GLOBAL_SECURITY: i64 = -2_147_483_646;
const UNIVERSAL_SECURITY: i64 = -2_147_483_640;
const UNIVERSAL_DISTRIBUTION: i64 = 8;

const FIRST_NAMES: [&str; 120] = [
    "Alice",
    "Aaron",
    "Abigail",
    "Adam",
    "Aisha",
    "Alejandro",
    "Amara",
    "Amelia",
    "Andrea",
    "Ángel",
    "Anna",
    "Arjun",
    "Ava",
    "Benjamin",
    "Björn",
    "Brian",
    "Camila",
    "Carlos",
    "Charlotte",
    "Chen",
    "Chloé",
    "Chris",
    "Daniel",
    "David",
    "Diego",
    "Dmitri",
    "Elena",
    "Elijah",
    "Emily",
    "Emma",
    "Ethan",
    "Fatima",
    "Felix",
    "Fiona",
    "Gabriel",
    "Grace",
    "Hana",
    "Hannah",
    "Harper",
    "Henry",
    "Hiroshi",
    "Ines",
    "Isaac",
    "Isabella",
    "Ivan",
    "Jack",
    "James",
    "Jana",
    "Javier",
    "Jessica",
    "Ji-woo",
    "John",
    "José",
    "Julia",
    "Jürgen",
    "Kai",
    "Karen",
    "Kenji",
    "Laura",
    "Leah",
    "Leo",
    "Liam",
    "Lina",
    "Lucas",
    "Lucy",
    "Łukasz",
    "Maria",
    "Mark",
    "Mateo",
    "Maya",
    "Mei",
    "Mia",
    "Michael",
    "Mohammed",
    "Nadia",
    "Naomi",
    "Nathan",
    "Nia",
    "Noah",
    "Noémie",
    "Olga",
    "Olivia",
    "Omar",
    "Oscar",
    "Paul",
    "Priya",
    "Rafael",
    "Rahul",
    "Rebecca",
    "Ren",
    "Robert",
    "Rosa",
    "Ryan",
    "Sakura",
    "Samuel",
    "Sara",
    "Sean",
    "Siân",
    "Sofia",
    "Søren",
    "Sophie",
    "Stefan",
    "Sven",
    "Tariq",
    "Thomas",
    "Tomás",
    "Uma",
    "Valentina",
    "Victor",
    "Wei",
    "William",
    "Xavier",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoë",
    "Ahmed",
    "Beatriz",
    "Ciarán",
    "Dagny",
];

const LAST_NAMES: [&str; 152] = [
    "Ng",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Østergaard",
    "Hansen",
    "Johansen",
    "Larsen",
    "Andersson",
    "Nilsson",
    "Eriksson",
    "Virtanen",
    "Korhonen",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Novák",
    "Horváth",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Fournier",
    "Girard",
    "Bonnet",
    "Muñoz",
    "Fernández",
    "Domínguez",
    "Jiménez",
    "Gómez",
    "Díaz",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Costa",
    "Pereira",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Walsh",
    "Byrne",
    "Ryan",
    "O'Connor",
    "MacDonald",
    "Campbell-Reid",
    "Stewart",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Yamamoto",
    "Kim",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Patel",
    "Sharma",
    "Singh",
    "Kumar",
    "Gupta",
    "Shah",
    "Khan",
    "Ali",
    "Hussain",
    "Ahmed",
    "Okafor",
    "Mensah",
    "Abebe",
    "Mwangi",
    "Diallo",
    "Haddad",
    "Cohen",
    "Levi",
    "Friedman",
    "van der Berg",
    "de Jong",
    "Janssen",
];

/// The ASCII form of a name for mail addresses: lower case, accents dropped, spaces and
/// apostrophes removed (`Østergaard` → `ostergaard`, `O'Brien` → `obrien`).
fn ascii_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars().flat_map(char::to_lowercase) {
        let mapped = match ch {
            'a'..='z' | '0'..='9' | '-' => {
                out.push(ch);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'ł' => "l",
            'ś' | 'š' => "s",
            _ => "",
        };
        out.push_str(mapped);
    }
    out
}

// ---- randomness -----------------------------------------------------------------------------

/// splitmix64: small, fast, and good enough for test data.
struct Rng(u64);

impl Rng {
    /// An independent stream for one (seed, stream, position).
    fn keyed(seed: u64, stream: u64, position: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.0 ^= r.next_u64() ^ position.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A version-4 GUID.
    fn guid(&mut self) -> Uuid {
        let bytes =
            ((u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())).to_le_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A timestamp in the half year before the snapshot.
    fn date_time(&mut self) -> String {
        let month = 1 + self.below(6);
        let day = 1 + self.below(28);
        format!(
            "2026-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }
}

/// A bijection of `0..m` (`x → (a·x + b) mod m` with `a` coprime to `m`): a fixed shuffle any
/// element of which is computed on its own.
struct Permutation {
    m: u64,
    a: u64,
    b: u64,
}

impl Permutation {
    fn new(m: usize, rng: &mut Rng) -> Self {
        let m = m.max(1) as u64;
        let mut a = (m / 3 + rng.below(m as usize / 3 + 1) as u64) | 1;
        while gcd(a, m) != 1 {
            a += 1;
        }
        Permutation {
            m,
            a: a % m,
            b: rng.below(m as usize) as u64,
        }
    }

    fn apply(&self, x: usize) -> usize {
        ((u128::from(self.a) * x as u128 + u128::from(self.b)) % u128::from(self.m)) as usize
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

// ---- people ---------------------------------------------------------------------------------

/// A person with a tenant-wide unique mail local part.
struct Person {
    given: &'static str,
    surname: &'static str,
    /// `alice.ng`, or `alice.ng3` for the third Alice Ng.
    local: String,
    /// 0 for the first person of this name.
    number: usize,
}

impl Person {
    fn display(&self) -> String {
        format!("{} {}", self.given, self.surname)
    }

    /// The AD common name: duplicates get a number, as admins do by hand.
    fn cn(&self) -> String {
        if self.number == 0 {
            self.display()
        } else {
            format!("{} ({})", self.display(), self.number + 1)
        }
    }

    fn sam(&self) -> String {
        self.local.replace('.', "").chars().take(20).collect()
    }
}

/// Where a case built on another object looks for it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    EarlierOnly,
    Nearest,
}

// ---- the generator --------------------------------------------------------------------------

const STREAM_LAYOUT: u64 = 1;
const STREAM_SLOT: u64 = 2;
const STREAM_FILLER: u64 = 3;

struct Generator {
    n: usize,
    seed: u64,
    /// The case of each on-prem object, in input order.
    cases: Vec<Case>,
    /// Cloud-only objects that come with no on-prem object.
    fillers: usize,
    /// Person number of slot `i` (`i < n`) and of filler `f` (`n + f`): unique names.
    people: Permutation,
    /// Cloud position → unit (`i < n`: slot `i`'s cloud objects; else a filler).
    cloud_order: Permutation,
    /// The domain SID of the forest.
    domain_sid: String,
}

impl Generator {
    fn new(n: usize, seed: u64) -> Self {
        let mut rng = Rng::keyed(seed, STREAM_LAYOUT, 0);
        let mut cases = Vec::with_capacity(n);
        for (case, share) in MIX {
            let wanted = (n * share + 5_000) / 10_000;
            let room = n - cases.len();
            cases.extend(std::iter::repeat_n(case, wanted.min(room)));
        }
        // Every cloud object of a slot must fit in N: the one slot kind with two cloud objects
        // may not outnumber the kinds with none.
        let none = cases.iter().filter(|c| c.cloud_objects() == 0).count();
        let mut doubles = 0;
        for c in &mut cases {
            if *c == Case::LinkedUserQuarantined {
                doubles += 1;
                if doubles > none {
                    *c = Case::LinkedUser;
                }
            }
        }
        cases.resize(n, Case::LinkedUser);
        for i in (1..cases.len()).rev() {
            let j = rng.below(i + 1);
            cases.swap(i, j);
        }
        let slot_cloud: usize = cases.iter().map(|c| c.cloud_objects()).sum();
        let fillers = n.saturating_sub(slot_cloud);
        let people = Permutation::new(n + fillers, &mut rng);
        let cloud_order = Permutation::new(n + fillers, &mut rng);
        let domain_sid = format!(
            "S-1-5-21-{}-{}-{}",
            1_000_000_000 + rng.below(3_000_000_000),
            1_000_000_000 + rng.below(3_000_000_000),
            1_000_000_000 + rng.below(3_000_000_000)
        );
        Generator {
            n,
            seed,
            cases,
            fillers,
            people,
            cloud_order,
            domain_sid,
        }
    }

    /// The tenant, features and Connect settings, without objects.
    fn head(&self) -> Bundle {
        let mut extra = Map::new();
        extra.insert(
            "generator".into(),
            json!({"by": "syncscope::generate", "objects": self.n, "seed": self.seed}),
        );
        Bundle {
            tenant: Tenant {
                initial_domain: INITIAL_DOMAIN.into(),
                domains: DOMAINS
                    .iter()
                    .map(|&(id, federated, verified)| Domain {
                        id: id.into(),
                        authentication_type: if federated {
                            AuthenticationType::Federated
                        } else {
                            AuthenticationType::Managed
                        },
                        is_verified: verified,
                    })
                    .collect(),
            },
            settings: Settings::default(),
            connect: ConnectSettings {
                source_anchor: SourceAnchorAttribute::ConsistencyGuid,
                included_ous: Some(vec![INCLUDED_OU.into()]),
                deletion_threshold: 500,
            },
            on_premises: Vec::new(),
            cloud: Vec::new(),
            captured_date_time: Some(CAPTURED.into()),
            extra,
        }
    }

    /// Every cloud object, in a shuffled but fixed order.
    fn cloud(&self) -> impl Iterator<Item = CloudObject> + '_ {
        (0..self.n + self.fillers).flat_map(|p| {
            let unit = self.cloud_order.apply(p);
            if unit < self.n {
                self.slot(unit).1
            } else {
                vec![self.filler(unit - self.n)]
            }
        })
    }

    fn on_prem(&self, i: usize) -> OnPremObject {
        self.slot(i).0
    }

    /// Person number `u`: names spread over the lists, unique by construction.
    fn person(&self, u: usize) -> Person {
        let u = self.people.apply(u);
        let first = u % FIRST_NAMES.len();
        let q = u / FIRST_NAMES.len();
        let last = (q + first * 37) % LAST_NAMES.len();
        let number = q / LAST_NAMES.len();
        let (given, surname) = (FIRST_NAMES[first], LAST_NAMES[last]);
        let mut local = format!("{}.{}", ascii_name(given), ascii_name(surname));
        if number > 0 {
            local.push_str(&(number + 1).to_string());
        }
        Person {
            given,
            surname,
            local,
            number,
        }
    }

    /// The nearest other slot of a kind (before `i` first), for cases built on another object.
    fn find(&self, i: usize, case: Case, direction: Direction) -> Option<usize> {
        let before = (0..i).rev().find(|&k| self.cases[k] == case);
        match direction {
            Direction::EarlierOnly => before,
            Direction::Nearest => {
                before.or_else(|| (i + 1..self.n).find(|&k| self.cases[k] == case))
            }
        }
    }

    fn sid(&self, rid: usize) -> String {
        format!("{}-{}", self.domain_sid, 1_100 + rid)
    }

    /// Slot `i`: its on-prem object and the cloud objects that come with it.
    fn slot(&self, i: usize) -> (OnPremObject, Vec<CloudObject>) {
        let mut r = Rng::keyed(self.seed, STREAM_SLOT, i as u64);
        let case = self.cases[i];
        let person = self.person(i);
        match case {
            Case::LinkedUser => {
                let o = self.user(&mut r, i, &person, UserKind::Synced);
                let c = self.synced_twin(&mut r, &o);
                (o, vec![c])
            }
            Case::LinkedUserRenamed => {
                let o = self.user(&mut r, i, &person, UserKind::Synced);
                let c = self.synced_twin(&mut r, &o);
                (rename(&mut r, o, &person), vec![c])
            }
            Case::LinkedUserAliasClash => {
                let mut o = self.user(&mut r, i, &person, UserKind::Synced);
                let c = self.synced_twin(&mut r, &o);
                self.add_alias_of_linked_user(&mut o, i);
                (o, vec![c])
            }
            Case::LinkedUserQuarantined => {
                let o = self.user(&mut r, i, &person, UserKind::Synced);
                let mut c = self.synced_twin(&mut r, &o);
                let upn = o.user_principal_name.clone().unwrap_or_default();
                c.user_principal_name = Some(format_compact!(
                    "{}{:04}@{INITIAL_DOMAIN}",
                    person.local,
                    r.below(10_000)
                ));
                c.on_premises_provisioning_errors.push(ProvisioningError {
                    category: "PropertyConflict".into(),
                    property_causing_error: PropertyName::UserPrincipalName.as_str().into(),
                    value: upn.clone(),
                    occurred_date_time: Some(Text::from(r.date_time())),
                });
                // The holder: an unlicensed cloud-only account someone created by hand.
                let mut holder = CloudObject::new(r.guid(), ObjectKind::User);
                holder.display_name = Some(format_compact!("{} (cloud)", person.display()));
                holder.user_principal_name = Some(upn);
                member_extra(&mut holder, None);
                (o, vec![c, holder])
            }
            Case::LinkedUserUnverified => {
                let o = self.user(&mut r, i, &person, UserKind::Unverified);
                let c = self.synced_twin(&mut r, &o);
                (o, vec![c])
            }
            Case::LinkedSecurityGroup
            | Case::LinkedDistributionGroup
            | Case::LinkedMailSecurityGroup => {
                let kind = match case {
                    Case::LinkedSecurityGroup => GroupKind::Security,
                    Case::LinkedDistributionGroup => GroupKind::Distribution,
                    _ => GroupKind::MailSecurity,
                };
                let o = self.group(&mut r, i, kind);
                let c = self.synced_twin(&mut r, &o);
                (o, vec![c])
            }
            Case::LinkedContact => {
                let o = self.contact(&mut r, &person);
                let c = self.synced_twin(&mut r, &o);
                (o, vec![c])
            }
            Case::SoftSmtpUser => {
                let o = self.user(&mut r, i, &person, UserKind::New);
                let mut c = cloud_copy(&mut r, &o);
                // Created before the domain was added: UPN on the initial domain.
                c.user_principal_name = Some(format_compact!("{}@{INITIAL_DOMAIN}", person.local));
                c.proxy_addresses
                    .push(format_compact!("smtp:{}@{INITIAL_DOMAIN}", person.local));
                (o, vec![c])
            }
            Case::SoftUpnUser => {
                let o = self.user(&mut r, i, &person, UserKind::New);
                let mut c = cloud_copy(&mut r, &o);
                c.mail = None;
                c.proxy_addresses.clear();
                c.assigned_licenses.clear();
                (o, vec![c])
            }
            Case::SoftSmtpGroup => {
                let o = self.group(&mut r, i, GroupKind::Distribution);
                let c = cloud_copy(&mut r, &o);
                (o, vec![c])
            }
            Case::SoftSmtpContact => {
                let o = self.contact(&mut r, &person);
                let c = cloud_copy(&mut r, &o);
                (o, vec![c])
            }
            Case::HardMatchUser | Case::AdminHardMatch => {
                let o = self.user(&mut r, i, &person, UserKind::New);
                let mut c = cloud_copy(&mut r, &o);
                c.on_premises_immutable_id = Some(Text::from(anchor_of(&o)));
                if case == Case::AdminHardMatch {
                    c.directory_roles.push(r.pick(&ROLES).into());
                }
                (o, vec![c])
            }
            Case::RestoreUser => {
                let o = self.user(&mut r, i, &person, UserKind::Synced);
                let mut c = self.synced_twin(&mut r, &o);
                c.deleted_date_time = Some(Text::from(r.date_time()));
                (o, vec![c])
            }
            Case::AdminSoftMatch => {
                let o = self.user(&mut r, i, &person, UserKind::New);
                let mut c = cloud_copy(&mut r, &o);
                let role = r.pick(&ROLES).to_string();
                if r.percent(30) {
                    c.eligible_directory_roles.push(role.into());
                } else {
                    c.directory_roles.push(role.into());
                }
                (o, vec![c])
            }
            Case::NewUser => (self.user(&mut r, i, &person, UserKind::New), Vec::new()),
            Case::NewUserUnverified => (
                self.user(&mut r, i, &person, UserKind::NewUnverified),
                Vec::new(),
            ),
            Case::NewSecurityGroup => (self.group(&mut r, i, GroupKind::Security), Vec::new()),
            Case::NewDistributionGroup => {
                (self.group(&mut r, i, GroupKind::Distribution), Vec::new())
            }
            Case::NewContact => (self.contact(&mut r, &person), Vec::new()),
            Case::UpnClash => {
                let mut o = self.user(&mut r, i, &person, UserKind::New);
                if let Some(k) = self.find(i, Case::LinkedUser, Direction::Nearest) {
                    o.user_principal_name = self.slot(k).0.user_principal_name;
                }
                (o, Vec::new())
            }
            Case::AliasClash => {
                let mut o = self.user(&mut r, i, &person, UserKind::New);
                self.add_alias_of_linked_user(&mut o, i);
                (o, Vec::new())
            }
            Case::DuplicateInCycle => {
                let o = match self.find(i, Case::NewUser, Direction::EarlierOnly) {
                    Some(k) => {
                        let first = self.person(k);
                        let mut o = self.slot(k).0;
                        o.object_guid = r.guid();
                        o.sam_account_name = (o
                            .sam_account_name
                            .map(|s| format!("{}-rh", s.chars().take(17).collect::<String>())))
                        .map(Text::from);
                        o.object_sid = Some(Text::from(self.sid(i)));
                        o.distinguished_name = format_compact!(
                            "CN={} (rehire),OU=Users,OU={},{INCLUDED_OU}",
                            first.display(),
                            r.pick(&SITES)
                        );
                        o
                    }
                    None => self.user(&mut r, i, &person, UserKind::New),
                };
                (o, Vec::new())
            }
            Case::DuplicateGroupInCycle => {
                let mut o = self.group(&mut r, i, GroupKind::Distribution);
                if let Some(k) = self.find(i, Case::NewDistributionGroup, Direction::EarlierOnly) {
                    let first = self.slot(k).0;
                    o.mail = first.mail;
                    o.proxy_addresses = first.proxy_addresses;
                }
                (o, Vec::new())
            }
            Case::RecycleBinClash => {
                let o = self.user(&mut r, i, &person, UserKind::New);
                // The earlier holder of the name left; their synced object is in the recycle bin.
                let mut c = cloud_copy(&mut r, &o);
                c.on_premises_sync_enabled = Some(true);
                c.on_premises_immutable_id = Some(Anchor::from_guid(r.guid()).immutable_id_text());
                c.deleted_date_time = Some(Text::from(r.date_time()));
                (o, vec![c])
            }
            Case::ContactIsGuest => {
                let o = self.contact(&mut r, &person);
                let mail = o.mail.clone().unwrap_or_default();
                let mut c = CloudObject::new(r.guid(), ObjectKind::User);
                c.display_name = o.display_name.clone();
                c.user_principal_name = Some(Text::from(guest_upn(&mail)));
                c.proxy_addresses = vec![format_compact!("SMTP:{mail}")];
                c.mail = Some(mail);
                guest_extra(&mut c);
                (o, vec![c])
            }
            Case::UnifiedGroupClash => {
                let o = self.group(&mut r, i, GroupKind::Distribution);
                let mut c = cloud_copy(&mut r, &o);
                c.group_types = vec!["Unified".into()];
                c.security_enabled = Some(false);
                c.extra.insert("visibility".into(), json!("Private"));
                (o, vec![c])
            }
            Case::CopiedAnchor => {
                let mut o = self.user(&mut r, i, &person, UserKind::New);
                if let Some(k) = self.find(i, Case::LinkedUser, Direction::EarlierOnly) {
                    let original = self.slot(k).0;
                    o.consistency_guid = Some(original.source_anchor(SOURCE_ANCHOR));
                }
                (o, Vec::new())
            }
            Case::OutOfScope => (self.out_of_scope(&mut r, i, &person), Vec::new()),
            Case::OutOfScopeLinked => {
                let mut o = self.user(&mut r, i, &person, UserKind::Synced);
                let c = self.synced_twin(&mut r, &o);
                o.distinguished_name =
                    format_compact!("CN={},OU=Disabled Users,DC=contoso,DC=com", person.cn());
                (o, vec![c])
            }
            Case::SipClash => {
                let mut o = self.user(&mut r, i, &person, UserKind::New);
                let sip = format!("SIP:{}@{}", person.local, DOMAIN);
                o.proxy_addresses.push(Text::from(sip.as_str()));
                // A cloud-only Teams room account that took the same SIP address.
                let mut c = cloud_copy(&mut r, &o);
                let room = format!("room-{}", person.local);
                c.display_name = Some(format_compact!("Room {}", person.display()));
                c.user_principal_name = Some(format_compact!("{room}@{DOMAIN}"));
                c.mail = Some(format_compact!("{room}@{DOMAIN}"));
                c.mail_nickname = Some(Text::from(room.as_str()));
                c.proxy_addresses = vec![format_compact!("SMTP:{room}@{DOMAIN}"), sip.into()];
                (o, vec![c])
            }
            Case::BuiltInAccount => {
                let mut o = self.user(&mut r, i, &person, UserKind::New);
                let name = format!("MSOL_{:012x}", r.next_u64() & 0xffff_ffff_ffff);
                o.sam_account_name = Some(Text::from(name.as_str()));
                o.display_name = Some(Text::from(name.as_str()));
                o.user_principal_name = Some(format_compact!("{name}@{DOMAIN}"));
                o.mail = None;
                o.proxy_addresses.clear();
                o.distinguished_name =
                    format_compact!("CN={name},OU=Service Accounts,{INCLUDED_OU}");
                (o, Vec::new())
            }
            Case::CloudManagedUser => {
                let o = self.user(&mut r, i, &person, UserKind::Synced);
                let mut c = self.synced_twin(&mut r, &o);
                c.set_cloud_managed(true);
                c.on_premises_sync_enabled = Some(false);
                (o, vec![c])
            }
        }
    }

    /// An on-prem user.
    fn user(&self, r: &mut Rng, i: usize, p: &Person, kind: UserKind) -> OnPremObject {
        let guid = r.guid();
        let domain = if r.percent(20) {
            "fabrikam.com"
        } else {
            "contoso.com"
        };
        let site = r.pick(&SITES);
        let department = r.pick(&DEPARTMENTS);
        let cn = if r.percent(10) {
            // The "Surname, Given" convention, with the comma escaped.
            let mut cn = format!("{}\\, {}", p.surname, p.given);
            if p.number > 0 {
                cn.push_str(&format!(" ({})", p.number + 1));
            }
            cn
        } else {
            p.cn()
        };
        let upn_suffix = match kind {
            UserKind::Unverified | UserKind::NewUnverified => r.pick(&UNVERIFIED_SUFFIXES),
            _ => domain,
        };
        let address = format!("{}@{domain}", p.local);
        let mailbox = r.percent(95);
        let mut proxies: Vec<Text> = Vec::new();
        if mailbox {
            proxies.push(format_compact!("SMTP:{address}"));
            if r.percent(60) {
                proxies.push(format_compact!("smtp:{}@contoso.net", p.local));
            }
            if r.percent(30) {
                proxies.push(format_compact!(
                    "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}",
                    p.sam()
                ));
            }
            if r.percent(20) {
                proxies.push(format_compact!("SIP:{address}"));
            }
            if r.percent(1) {
                // The hybrid routing address the service assigns itself (P2: discarded).
                proxies.push(format_compact!("smtp:{}@{ROUTING_DOMAIN}", p.local));
            }
        }
        let consistency_guid = match kind {
            UserKind::Synced | UserKind::Unverified => match r.below(100) {
                // Written back by Connect on first export (A2).
                0..=84 => Some(Anchor::from_guid(guid)),
                // Synced before ConsistencyGuid was the anchor.
                85..=94 => None,
                // Migrated from another forest: the old forest's objectGUID.
                _ => Some(Anchor::from_guid(r.guid())),
            },
            UserKind::New | UserKind::NewUnverified => None,
        };
        let mut extra = Map::new();
        extra.insert("givenName".into(), json!(p.given));
        extra.insert("sn".into(), json!(p.surname));
        extra.insert("department".into(), json!(department));
        OnPremObject {
            object_class: ObjectKind::User,
            object_guid: guid,
            distinguished_name: format_compact!("CN={cn},OU=Users,OU={site},{INCLUDED_OU}"),
            sam_account_name: Some(Text::from(p.sam())),
            user_principal_name: Some(format_compact!("{}@{upn_suffix}", p.local)),
            mail: mailbox.then(|| Text::from(address.as_str())),
            proxy_addresses: proxies,
            display_name: Some(Text::from(p.display())),
            consistency_guid,
            group_type: None,
            object_sid: Some(Text::from(self.sid(i))),
            mail_nickname: mailbox.then(|| Text::from(p.local.as_str())),
            extra: extra.into(),
        }
    }

    /// An on-prem group; names carry the slot number, as naming policies do.
    fn group(&self, r: &mut Rng, i: usize, kind: GroupKind) -> OnPremObject {
        let department = r.pick(&DEPARTMENTS);
        let site = r.pick(&SITES);
        let role = r.pick(&GROUP_ROLES);
        let (name, group_type) = match kind {
            GroupKind::Security => (
                format!("SG-{department}-{site}-{role}-{i:06}"),
                if r.percent(70) {
                    GLOBAL_SECURITY
                } else {
                    UNIVERSAL_SECURITY
                },
            ),
            GroupKind::MailSecurity => (
                format!("MSG-{department}-{site}-{role}-{i:06}"),
                UNIVERSAL_SECURITY,
            ),
            GroupKind::Distribution => (
                format!("DL-{department}-{site}-{i:06}"),
                UNIVERSAL_DISTRIBUTION,
            ),
        };
        let alias = name.to_ascii_lowercase();
        let mail = (kind != GroupKind::Security).then(|| format!("{alias}@contoso.com"));
        let mut extra = Map::new();
        extra.insert(
            "description".into(),
            json!(format!("{department} {role}, {site}")),
        );
        OnPremObject {
            object_class: ObjectKind::Group,
            object_guid: r.guid(),
            distinguished_name: format_compact!("CN={name},OU=Groups,{INCLUDED_OU}"),
            sam_account_name: Some(Text::from(name.as_str())),
            user_principal_name: None,
            proxy_addresses: mail.iter().map(|m| format_compact!("SMTP:{m}")).collect(),
            mail_nickname: mail.is_some().then_some(alias.into()),
            mail: mail.map(Text::from),
            display_name: Some(name.into()),
            consistency_guid: None,
            group_type: Some(group_type),
            object_sid: Some(Text::from(self.sid(i))),
            extra: extra.into(),
        }
    }

    /// A mail contact for a partner's employee.
    fn contact(&self, r: &mut Rng, p: &Person) -> OnPremObject {
        let partner = r.pick(&PARTNERS);
        let company = partner.split('.').next().unwrap_or(partner);
        let display = format!("{} ({company})", p.display());
        let mail = format!("{}@{partner}", p.local);
        OnPremObject {
            object_class: ObjectKind::Contact,
            object_guid: r.guid(),
            distinguished_name: format_compact!("CN={},OU=Contacts,{INCLUDED_OU}", p.cn()),
            sam_account_name: None,
            user_principal_name: None,
            proxy_addresses: vec![format_compact!("SMTP:{mail}")],
            mail: Some(mail.into()),
            display_name: Some(display.into()),
            consistency_guid: None,
            group_type: None,
            object_sid: None,
            mail_nickname: Some(format_compact!("{}-{company}", p.local)),
            extra: Extra::new(),
        }
    }

    fn out_of_scope(&self, r: &mut Rng, i: usize, p: &Person) -> OnPremObject {
        let roll = r.below(100);
        let mut o = self.user(r, i, p, UserKind::New);
        if roll < 40 {
            let service = r.pick(&SERVICES);
            let name = format!("svc-{service}-{i:06}");
            o.distinguished_name =
                format_compact!("CN={name},OU=Service Accounts,DC=contoso,DC=com");
            o.sam_account_name = Some(name.chars().take(20).collect());
            o.user_principal_name = Some(format_compact!("{name}@contoso.com"));
            o.display_name = Some(format_compact!("Service account ({service})"));
            o.mail = None;
            o.proxy_addresses.clear();
            o.mail_nickname = None;
            o.extra.clear();
        } else if roll < 80 {
            o.distinguished_name =
                format_compact!("CN={},OU=Disabled Users,DC=contoso,DC=com", p.cn());
        } else {
            o.distinguished_name = format_compact!("CN={},CN=Users,DC=contoso,DC=com", p.cn());
        }
        o
    }

    /// The cloud object an earlier sync created for `o` (M1): its anchor, synced, licensed.
    fn synced_twin(&self, r: &mut Rng, o: &OnPremObject) -> CloudObject {
        let mut c = cloud_copy(r, o);
        c.on_premises_sync_enabled = Some(true);
        c.on_premises_immutable_id = Some(Text::from(anchor_of(o)));
        c.on_premises_security_identifier = o.object_sid.clone();
        if o.object_class == ObjectKind::User {
            let upn = o.user_principal_name.as_deref().unwrap_or_default();
            let verified = domain_of(upn).is_some_and(|d| DOMAINS.iter().any(|x| x.0 == d && x.2));
            if !verified {
                // M9: the service gave it a UPN on the initial domain.
                let nick = o.mail_nickname_for_cloud().unwrap_or("user");
                c.user_principal_name = Some(format_compact!("{nick}@{INITIAL_DOMAIN}"));
            }
            if c.mail.is_some() {
                c.proxy_addresses
                    .push(format_compact!("smtp:{}@{ROUTING_DOMAIN}", local_part(upn)));
            }
            if r.below(1_000) < 3 {
                // A synced admin: roles do not matter once linked.
                c.directory_roles.push(r.pick(&ROLES).into());
            }
        }
        c
    }

    /// Adds as an alias the primary address of the nearest synced user.
    fn add_alias_of_linked_user(&self, o: &mut OnPremObject, i: usize) {
        if let Some(k) = self.find(i, Case::LinkedUser, Direction::Nearest)
            && let Some(address) = self.slot(k).0.primary_smtp()
        {
            o.proxy_addresses.push(format_compact!("smtp:{address}"));
        }
    }

    /// Cloud-only object `f`: members, guests, Microsoft 365 and security groups, the recycle bin
    /// and break-glass admins.
    fn filler(&self, f: usize) -> CloudObject {
        let mut r = Rng::keyed(self.seed, STREAM_FILLER, f as u64);
        let p = self.person(self.n + f);
        let mut c = CloudObject::new(r.guid(), ObjectKind::User);
        let roll = r.below(100);
        match roll {
            0..=44 | 80..=89 => {
                // Cloud-only members (contractors, shared mailboxes); 10 in 55 in the recycle bin.
                c.display_name = Some(Text::from(p.display()));
                let address = format!("{}@contoso.com", p.local);
                c.user_principal_name = Some(Text::from(address.as_str()));
                if r.percent(70) {
                    c.proxy_addresses = vec![format_compact!("SMTP:{address}")];
                    c.mail = Some(address.into());
                    c.mail_nickname = Some(Text::from(p.local.as_str()));
                    c.assigned_licenses = vec![r.pick(&[SKU_E3, SKU_F3]).into()];
                }
                if roll >= 80 {
                    c.deleted_date_time = Some(Text::from(r.date_time()));
                    if roll >= 87 {
                        // A leaver's synced object: it still holds its values (Q5).
                        c.on_premises_sync_enabled = Some(true);
                        c.on_premises_immutable_id =
                            Some(Anchor::from_guid(r.guid()).immutable_id_text());
                    }
                }
                member_extra(&mut c, Some(r.pick(&DEPARTMENTS)));
            }
            45..=64 => {
                let partner = r.pick(&PARTNERS);
                let mail = format!("{}@{partner}", p.local);
                c.display_name = Some(Text::from(p.display()));
                c.user_principal_name = Some(Text::from(guest_upn(&mail)));
                c.proxy_addresses = vec![format_compact!("SMTP:{mail}")];
                c.mail = Some(mail.into());
                guest_extra(&mut c);
            }
            65..=79 => {
                let topic = r.pick(&TOPICS);
                let alias = format!("{}-{f:06}", topic.to_ascii_lowercase().replace(' ', "-"));
                let mut g = CloudObject::new(c.id, ObjectKind::Group);
                g.display_name = Some(format_compact!("{topic} {}", r.pick(&SITES)));
                g.mail = Some(format_compact!("{alias}@contoso.com"));
                g.proxy_addresses = vec![
                    format_compact!("SMTP:{alias}@contoso.com"),
                    format_compact!("smtp:{alias}@{INITIAL_DOMAIN}"),
                ];
                g.mail_nickname = Some(alias.into());
                g.mail_enabled = Some(true);
                g.security_enabled = Some(false);
                g.group_types = vec!["Unified".into()];
                g.extra.insert(
                    "visibility".into(),
                    json!(if r.percent(80) { "Private" } else { "Public" }),
                );
                c = g;
            }
            90..=97 => {
                let mut g = CloudObject::new(c.id, ObjectKind::Group);
                g.display_name = Some(format_compact!(
                    "CA-{}-{}-{f:06}",
                    r.pick(&["Exclude", "Include", "Pilot", "Break-Glass"]),
                    r.pick(&DEPARTMENTS)
                ));
                g.mail_enabled = Some(false);
                g.security_enabled = Some(true);
                c = g;
            }
            _ => {
                c.display_name = Some(format_compact!("Emergency Admin {f}"));
                c.user_principal_name = Some(format_compact!("admin{f}@{INITIAL_DOMAIN}"));
                c.directory_roles = vec!["Global Administrator".into()];
                member_extra(&mut c, Some("IT"));
            }
        }
        c
    }
}

const SOURCE_ANCHOR: SourceAnchorAttribute = SourceAnchorAttribute::ConsistencyGuid;

fn anchor_of(o: &OnPremObject) -> String {
    o.source_anchor(SOURCE_ANCHOR).immutable_id()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum UserKind {
    /// Synced by an earlier cycle (may carry a ConsistencyGuid).
    Synced,
    /// Synced, with a UPN suffix that is not verified.
    Unverified,
    /// Created since the last cycle.
    New,
    NewUnverified,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupKind {
    Security,
    Distribution,
    MailSecurity,
}

/// A cloud-only copy of an on-prem object's values (not synced, no anchor).
fn cloud_copy(r: &mut Rng, o: &OnPremObject) -> CloudObject {
    let mut c = CloudObject::new(r.guid(), o.object_class);
    c.display_name = o.display_name.clone();
    c.mail = o.mail.clone();
    c.mail_nickname = o.mail_nickname.clone();
    c.proxy_addresses = smtp_proxies(&o.proxy_addresses)
        .filter(|p| discarded_address(p.address).is_none())
        .map(|p| Text::from(p.raw))
        .collect();
    match o.object_class {
        ObjectKind::User => {
            c.user_principal_name = o.user_principal_name.clone();
            if c.mail.is_some() {
                let sku = match r.below(100) {
                    0..=69 => SKU_E3,
                    70..=79 => SKU_E5,
                    _ => SKU_F3,
                };
                c.assigned_licenses.push(sku.into());
            }
            let department = o.extra.get("department");
            member_extra(&mut c, department.as_ref().and_then(Value::as_str));
        }
        ObjectKind::Group => {
            c.mail_enabled = Some(o.is_mail_enabled());
            c.security_enabled = Some(o.group_type.is_some_and(|t| t & 0x8000_0000 != 0));
        }
        ObjectKind::Contact => {}
    }
    c
}

/// Renames a synced user on-prem (marriage): new surname appended, the old address kept as an
/// alias. The cloud still has the old values.
fn rename(r: &mut Rng, mut o: OnPremObject, p: &Person) -> OnPremObject {
    let added = LAST_NAMES[r.below(LAST_NAMES.len())];
    let local = format!("{}-{}", p.local, ascii_name(added));
    let domain = o
        .user_principal_name
        .as_deref()
        .and_then(domain_of)
        .unwrap_or("contoso.com")
        .to_string();
    o.display_name = Some(format_compact!("{} {}-{added}", p.given, p.surname));
    o.user_principal_name = Some(format_compact!("{local}@{domain}"));
    if let Some(old) = o.mail.take() {
        let mail_domain = domain_of(&old).unwrap_or("contoso.com").to_string();
        let new = format!("{local}@{mail_domain}");
        for proxy in &mut o.proxy_addresses {
            if proxy.starts_with("SMTP:") {
                *proxy = format_compact!("smtp:{old}");
            }
        }
        o.proxy_addresses.insert(0, format_compact!("SMTP:{new}"));
        o.mail = Some(new.into());
        o.mail_nickname = Some(local.into());
    }
    o.extra
        .insert("sn".into(), json!(format!("{}-{added}", p.surname)));
    o
}

fn guest_upn(mail: &str) -> String {
    format!("{}#EXT#@{INITIAL_DOMAIN}", mail.replace('@', "_"))
}

fn member_extra(c: &mut CloudObject, department: Option<&str>) {
    c.extra.insert("accountEnabled".into(), json!(true));
    c.extra.insert("userType".into(), json!("Member"));
    if let Some(d) = department {
        c.extra.insert("department".into(), json!(d));
    }
}

fn guest_extra(c: &mut CloudObject) {
    c.extra.insert("accountEnabled".into(), json!(true));
    c.extra.insert("userType".into(), json!("Guest"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::parse_bundle;
    use crate::outcome::{ErrorCode, Flag, SyncResult};
    use crate::plan::plan;

    #[test]
    fn the_same_seed_gives_the_same_tenant_and_another_seed_another() {
        let a = generate(500, 7);
        assert_eq!(a, generate(500, 7));
        let b = generate(500, 8);
        assert_ne!(a.on_premises[0].object_guid, b.on_premises[0].object_guid);
        assert_eq!(a.on_premises.len(), 500);
        assert_eq!(a.cloud.len(), 500);
    }

    #[test]
    fn the_streamed_file_reads_back_as_the_generated_bundle() {
        let mut text = Vec::new();
        write_generated(1_000, 3, &mut text).unwrap();
        let read = parse_bundle("generated.json", &text).unwrap();
        assert_eq!(read, generate(1_000, 3));
        // Same bytes as writing the built bundle.
        let built = serde_json::to_vec(&crate::bundle::bundle_to_json(&read)).unwrap();
        assert_eq!(text, built);
    }

    #[test]
    fn every_object_count_gives_exactly_that_many_objects_on_each_side() {
        for n in [0, 1, 2, 7, 21, 22, 40, 99, 333] {
            let b = generate(n, 11);
            assert_eq!((b.on_premises.len(), b.cloud.len()), (n, n), "n = {n}");
            let mut text = Vec::new();
            write_generated(n, 11, &mut text).unwrap();
            assert_eq!(parse_bundle("g.json", &text).unwrap(), b, "n = {n}");
        }
    }

    #[test]
    fn names_are_distinct_once_written_in_ascii() {
        for list in [&FIRST_NAMES[..], &LAST_NAMES[..]] {
            let mut seen = std::collections::HashMap::new();
            for name in list {
                if let Some(other) = seen.insert(ascii_name(name), name) {
                    panic!("{name} and {other} give the same address");
                }
            }
        }
        assert_eq!(ascii_name("Østergaard"), "ostergaard");
        assert_eq!(ascii_name("O'Brien"), "obrien");
        assert_eq!(ascii_name("van der Berg"), "vanderberg");
    }

    #[test]
    fn names_are_realistic_and_addresses_unique() {
        let b = generate(30_000, 5);
        let mut upns = std::collections::HashSet::new();
        let mut primaries = std::collections::HashSet::new();
        for c in &b.cloud {
            if c.is_deleted() {
                continue;
            }
            if let Some(u) = &c.user_principal_name {
                assert!(upns.insert(u.to_ascii_lowercase()), "duplicate UPN {u}");
            }
            if let Some(p) = c.primary_smtp() {
                assert!(
                    primaries.insert(p.to_ascii_lowercase()),
                    "duplicate SMTP {p}"
                );
            }
        }
        let full_names = b
            .on_premises
            .iter()
            .filter(|o| o.display_name.as_deref().is_some_and(|d| d.contains(' ')))
            .count();
        assert!(full_names > 20_000, "people have given name and surname");
        assert!(
            b.on_premises
                .iter()
                .all(|o| o.distinguished_name.ends_with("DC=contoso,DC=com"))
        );
    }

    #[test]
    fn the_plan_shows_every_result_and_a_realistic_mix() {
        let b = generate(2_000, 1);
        let p = plan(&b);
        let n = p.outcomes.len() as f64;
        let share = |r: SyncResult| p.outcomes.iter().filter(|o| o.result == r).count() as f64 / n;
        for r in SyncResult::ALL {
            assert!(share(r) > 0.0, "no {} in the plan", r.as_str());
        }
        assert!(!p.export_blocked, "the deletion threshold is not crossed");
        let linked = share(SyncResult::Linked);
        assert!((0.80..0.90).contains(&linked), "linked {linked}");
        let provision = share(SyncResult::Provision);
        assert!((0.04..0.09).contains(&provision), "provision {provision}");
        let smtp = share(SyncResult::SoftMatchSmtp);
        assert!((0.02..0.05).contains(&smtp), "soft-match-smtp {smtp}");
        let upn = share(SyncResult::SoftMatchUpn);
        assert!((0.005..0.02).contains(&upn), "soft-match-upn {upn}");
        let error = share(SyncResult::Error);
        assert!((0.001..0.01).contains(&error), "error {error}");
        let scope = share(SyncResult::OutOfScope);
        assert!((0.02..0.04).contains(&scope), "out-of-scope {scope}");

        let has_flag = |f: Flag| p.outcomes.iter().any(|o| o.has_flag(f));
        for f in [
            Flag::ExistingAdminRoleConflict,
            Flag::UnverifiedUpnSuffix,
            Flag::SoftDeleteOnSync,
        ] {
            assert!(has_flag(f), "no {} flag", f.as_str());
        }
        let has_error = |e: ErrorCode| p.outcomes.iter().any(|o| o.error == Some(e));
        for e in [
            ErrorCode::InvalidHardMatch,
            ErrorCode::ObjectTypeMismatch,
            ErrorCode::AttributeValueMustBeUnique,
            ErrorCode::DuplicateSourceAnchor,
        ] {
            assert!(has_error(e), "no {} error", e.as_str());
        }
        let quarantines = p
            .outcomes
            .iter()
            .filter(|o| !o.quarantined.is_empty())
            .count();
        assert!(
            quarantines >= 10,
            "only {quarantines} objects quarantine a value"
        );
        // Previous cycles' quarantines are still there (Q3).
        assert!(
            b.cloud
                .iter()
                .any(|c| !c.on_premises_provisioning_errors.is_empty())
        );
    }

    #[test]
    fn the_mix_holds_at_larger_sizes() {
        let small = plan(&generate(2_000, 1)).counts();
        let large = plan(&generate(40_000, 2)).counts();
        for ((r, a), (_, b)) in small.iter().zip(large.iter()) {
            let (a, b) = (*a as f64 / 2_000.0, *b as f64 / 40_000.0);
            assert!(
                (a - b).abs() < 0.01,
                "{}: {a:.4} of 2,000 but {b:.4} of 40,000",
                r.as_str()
            );
        }
    }
}
