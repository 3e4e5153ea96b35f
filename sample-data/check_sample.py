#!/usr/bin/env python3
"""Sanity check for sample-data/contoso.json (data only; not part of the Rust build).

Usage:  python3 sample-data/check_sample.py [path/to/contoso.json]

1. Shape: the keys of interfaces.md section 1, plus capturedDateTime and simulation.
2. Identifiers: every objectGUID / cloud id / onPremisesObjectIdentifier is a valid random (v4) UUID,
   all of them unique; every mS-DS-ConsistencyGuid is a GUID string or base64 of 16 bytes.
3. Anchors (A1/A2): every onPremisesImmutableId decodes to exactly 16 bytes, equals base64 of the
   little-endian bytes of the GUID it stands for, and points at the object EXPECT says it does.
   Synced cloud objects (onPremisesSyncEnabled true) match their on-prem twin (anchor, SID for groups,
   UPN / proxies / displayName except where a case changes them on purpose).
4. A small independent reading of the rule book (defaults of tenant.features and simulation) run over
   the bundle, compared with EXPECT below and with the table in EXPECTED.md, plus a few feature flips.
   It is a cross-check of the data, not a reference implementation of syncscope.
Exit status 0 when everything holds, 1 otherwise.
"""
import base64
import json
import os
import re
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "contoso.json")
FAILS = []


def fail(msg):
    FAILS.append(msg)


def b64_of_guid(g):
    return base64.b64encode(uuid.UUID(g).bytes_le).decode()


def guid_of_b64(s):
    raw = base64.b64decode(s, validate=True)
    if len(raw) != 16:
        raise ValueError(f"{s!r} decodes to {len(raw)} bytes, not 16")
    return str(uuid.UUID(bytes_le=raw))


GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_v4(g):
    if not isinstance(g, str) or not GUID_RE.match(g):
        return False
    u = uuid.UUID(g)
    return u.version == 4 and u.variant == uuid.RFC_4122


# --------------------------------------------------------------------------------------------
# Expected outcome of the next sync cycle at the bundle's defaults, per on-prem object.
# key = sAMAccountName (users, groups) or displayName (contacts).
# cloud refs: a user's userPrincipalName, a group's / contact's displayName, or "new:<key>" for an
# object created earlier in the same cycle.  q = [(propertyName, value, conflictsWith-ref)].
# --------------------------------------------------------------------------------------------
def E(result, cloud=None, error=None, flags=(), q=(), rules=(), note=""):
    return dict(result=result, cloud=cloud, error=error, flags=list(flags), q=list(q), rules=list(rules), note=note)


EXPECT = {
    "alice": E("provision", None, None, ["ExistingAdminRoleConflict"],
               [("UserPrincipalName", "alice@contoso.com", "alice@contoso.com"),
                ("ProxyAddresses", "SMTP:alice@contoso.com", "alice@contoso.com")],
               ["M2", "M5", "M6", "Q1"], "candidate = cloud-only Alice Ng (Global Administrator); duplicate gets placeholder UPN alice####@contoso.onmicrosoft.com"),
    "dchen": E("linked", "dchen@contoso.com", rules=["M1", "A2"], note="ConsistencyGuid given as base64"),
    "mgonzalez": E("linked", "miguel.gonzalez@contoso.com", rules=["M1", "A2"], note="ConsistencyGuid given as GUID string"),
    "smitchell": E("linked", "sarah.mitchell@contoso.com", rules=["M1", "A2"], note="no ConsistencyGuid: anchor = objectGUID"),
    "jcarter": E("linked", "james.carter@contoso.com", rules=["M1", "A2"]),
    "felamrani": E("linked", "fatima.elamrani@contoso.com", rules=["M1", "A2"]),
    "hnorgaard": E("linked", "henrik.norgaard@contoso.com", rules=["M1", "A2"]),
    "cdubois": E("linked", "chloe.dubois@contoso.com", rules=["M1", "A2"]),
    "rkowalski": E("linked", "robert.kowalski@contoso.com", rules=["M1", "A2"], note="ConsistencyGuid (GUID string) differs from objectGUID: migrated from an old forest; anchor = ConsistencyGuid"),
    "praman": E("linked", "praman@contoso.com", None, ["UpnKeptUntilChange"], rules=["M1", "M8"], note="UPN praman@ differs from priya.raman@contoso.com (Managed, licensed): a single plan cannot tell whether the difference predates synchronizeUpnForManagedUsersEnabled, so it stays and flows on the next change of the on-prem UPN (M8 r2)"),
    "leriksson": E("linked", "leriksson@fabrikam.com", rules=["M1", "M8"], note="UPN leriksson@ -> lars.eriksson@fabrikam.com flows (Federated domain)"),
    "tbecker": E("linked", "tom.becker@contoso.com", None, [],
                 [("ProxyAddresses", "smtp:tbecker@contoso.com", "tobias.becker@contoso.com")],
                 ["M1", "P4", "Q1"], "new alias collides with cloud-only Tobias Becker's primary SMTP"),
    "hschmidt": E("hard-match", "hannah.schmidt@contoso.com", rules=["M2", "M3", "M7"],
                  note="takeover preview: displayName 'Hannah Schmidt (Events)' -> 'Hannah Schmidt'; lost smtp:hschmidt@contoso.com, smtp:events.team@contoso.com; gains smtp:h.schmidt@contoso.com; password replaced (PHS)"),
    "ogrant": E("error", "oliver.grant@contoso.com", "InvalidHardMatch", rules=["M3"], note="hardening: target holds directory role User Administrator"),
    "gliu": E("error", "grace.liu@contoso.com", "AttributeUpdateNotAllowed", rules=["M3"], note="target onPremisesObjectIdentifier = her deleted old AD account"),
    "ebrooks": E("restore", "ethan.brooks@contoso.com", rules=["M2", "M3"], note="S59: soft-deleted synced user restored by hard match"),
    "phenderson": E("out-of-scope", "paul.henderson@contoso.com", rules=["Q6"], note="linked and now in OU=Disabled: the sync soft-deletes its cloud object"),
    "srossi": E("soft-match-smtp", "sofia.rossi@contoso.com", rules=["M2", "M4", "M5", "M7"]),
    "jalvarez": E("soft-match-smtp", "jalvarez@contoso.com", rules=["M2", "M4", "M5", "M7", "M8"],
                  note="only SMTP matches (cloud UPN jalvarez@); UPN then flows to jose.alvarez@contoso.com; displayName 'Jose Alvarez' -> 'José Álvarez'"),
    "zbronte": E("soft-match-smtp", "zoe.bronte@contoso.com", rules=["M2", "M4", "M5", "M7"], note="lost cloud alias smtp:zoe@contoso.com; displayName 'Zoe Bronte' -> 'Zoë Brontë'"),
    "tyamada": E("soft-match-smtp", "taro.yamada@contoso.com", rules=["P1", "M2", "M5", "M7"], note="no proxyAddresses on-prem: primary SMTP = mail (P1)"),
    "loconnor": E("soft-match-upn", "liam.oconnor@contoso.com", rules=["M2", "M5", "M7"], note="cloud user has no mail and no proxies"),
    "fwang": E("soft-match-upn", "fang.wang@contoso.com", rules=["M2", "M5", "M7"], note="cloud primary SMTP wang.fang@ differs and is lost in the takeover; displayName 'Fang Wang' -> '王 芳'"),
    "nhaddad": E("soft-match-upn", "nadia.haddad@contoso.com", rules=["P1", "M2", "M5", "M7"], note="on-prem has mail only (P1); cloud SMTP nhaddad@ differs and is lost"),
    "mwebb": E("provision", None, None, ["ExistingAdminRoleConflict"],
               [("UserPrincipalName", "marcus.webb@contoso.com", "marcus.webb@contoso.com"),
                ("ProxyAddresses", "SMTP:marcus.webb@contoso.com", "marcus.webb@contoso.com")],
               ["M2", "M5", "M6", "Q1"], "candidate holds an ELIGIBLE role only (Exchange Administrator)"),
    "reception": E("error", "Reception", "ObjectTypeMismatch", rules=["M5", "M6"], note="primary SMTP reception@ belongs to a cloud-only distribution group"),
    "sokafor": E("error", "sokafor@contoso.com", "AttributeValueMustBeUnique", rules=["M5", "M6"],
                 note="SMTP candidate carries another ImmutableID (synced from the Fabrikam forest): AttributeValueMustBeUnique (ProxyAddresses), nothing created (M6 r2); fix W5. Older reading (softMatchConflictQuarantines): provision + quarantine"),
    "abello": E("linked", "aisha.bello@contoso.com", rules=["M1", "A2"]),
    "mthompson": E("linked", "michael.thompson@contoso.com", rules=["M1", "A2"]),
    "enguyen": E("linked", "emily.nguyen@contoso.com", rules=["M1", "A2"]),
    "kmills": E("out-of-scope", None, rules=["Q6"], note="OU=Disabled, never synced"),
    "omartins": E("linked", "olivia.martins@contoso.com", rules=["M1", "A2"]),
    "blee": E("linked", "benjamin.lee@contoso.com", rules=["M1", "A2", "P1"], note="mail only on-prem; cloud proxy SMTP:benjamin.lee@ was derived from mail"),
    "asvensson": E("linked", "anna.svensson@contoso.com", rules=["M1", "A2"]),
    "cmendes": E("linked", "carlos.mendes@contoso.com", rules=["M1", "A2"]),
    "rstone": E("linked", "rebecca.stone@contoso.com", rules=["M1", "A2"]),
    "ijohansson": E("provision", rules=["M2"]),
    "mfernandez": E("provision", rules=["M2"]),
    "rpatel": E("provision", None, None, ["UnverifiedUpnSuffix"], [], ["M2", "M9"], "UPN suffix litware.com unverified: cloud UPN rpatel@contoso.onmicrosoft.com (mailNickname)"),
    "bmartin": E("provision", rules=["M2", "P2"], note="'smtp: bob@contoso.com' and 'smtp:bob.martin@contoso.onmicrosoft.com' are discarded with warnings"),
    "npetersen": E("provision", rules=["M2"], note="no match with cloud-only Nils Petersen (nils.petersen@fabrikam.com): that is what the hard-match walkthrough would fix"),
    "jsmith": E("provision", rules=["M2", "Q2"], note="first holder of j.smith@contoso.com keeps it"),
    "ewilson": E("provision", None, None, [],
                 [("ProxyAddresses", "smtp:ewilson@contoso.com", "edward.wilson@contoso.com")],
                 ["M2", "P4", "Q1"], "secondary alias collides with cloud-only Edward Wilson's secondary"),
    "jsmith2": E("provision", None, None, [],
                 [("UserPrincipalName", "j.smith@contoso.com", "new:jsmith")],
                 ["M2", "Q1", "Q2"], "second holder of j.smith@ in this cycle: placeholder j.smith####@contoso.onmicrosoft.com"),
    "nclarke": E("error", "IT Support", "AttributeValueMustBeUnique", rules=["Q4"], note="secondary smtp:it-support@ = group IT Support's primary SMTP: export error, retried every cycle"),
    "mfoster": E("error", "megan.foster@contoso.com", "AttributeValueMustBeUnique", rules=["Q5"], note="UPN held by a soft-deleted synced user (recycle bin)"),
    "svc-backup": E("out-of-scope", None, rules=["Q6"], note="OU=Service Accounts"),
    "Woodgrove Bank, Relationship Manager": E("linked", "Woodgrove Bank, Relationship Manager", rules=["M1"], note="DN has an escaped comma"),
    "Adatum Support": E("linked", "Adatum Support", rules=["M1"]),
    "Northwind Traders Orders": E("soft-match-smtp", "Northwind Traders - Orders", rules=["M4", "M5", "M7"], note="displayName 'Northwind Traders - Orders' -> 'Northwind Traders Orders'"),
    "Tailspin Toys Accounts Payable": E("provision", rules=["M2"]),
    "SG-Finance-Users": E("linked", "SG-Finance-Users", rules=["M1"]),
    "AllStaff": E("linked", "All Staff", rules=["M1"]),
    "ITSupport": E("linked", "IT Support", rules=["M1"]),
    "EngineeringLeads": E("linked", "Engineering Leads", rules=["M1"]),
    "SalesTeam": E("linked", "Sales Team", rules=["M1"]),
    "MarketingAnnouncements": E("soft-match-smtp", "Marketing Announcements", rules=["M4", "M5", "M7"]),
    "ProjectPhoenix": E("provision", rules=["M2", "Q2"]),
    "ProjectPhoenixCore": E("error", "new:ProjectPhoenix", "AttributeValueMustBeUnique", rules=["Q2", "Q4"], note="two new groups with one SMTP: the second fails this cycle, is quarantined next cycle"),
    "Design": E("provision", None, None, [],
                [("ProxyAddresses", "SMTP:design@contoso.com", "Design Studio")],
                ["M4", "P4", "Q1"], "Microsoft 365 group Design Studio is never a soft-match target"),
    "FinanceApprovers": E("provision", rules=["M2"]),
    "SG-VPN-Users": E("provision", rules=["M2", "M4"], note="not mail-enabled: never soft matches"),
    "dreyes": E("error", "daniel.reyes@contoso.com", "AttributeValueMustBeUnique", rules=["M5", "M6"],
                note="re-created in AD (new objectGUID and objectSid): the cloud user it was synced to before still carries the old ImmutableID: AttributeValueMustBeUnique (ProxyAddresses), nothing created; fix W5"),
    "kpark": E("error", "maria.gonzalez@fabrikam.com", "AttributeValueMustBeUnique", rules=["P4"],
               note="objectSid equals the onPremisesSecurityIdentifier of the Fabrikam-synced María González (cloned domain SID): AttributeValueMustBeUnique (OnPremiseSecurityIdentifier), never quarantined"),
    "lchen": E("error", "lei.chen@contoso.com", "AttributeValueMustBeUnique", rules=["P4"],
               note="SIP:l.chen@contoso.com is held by cloud-only Lei Chen (compared case-insensitively with its prefix): AttributeValueMustBeUnique (ProxyAddresses), never quarantined"),
    "gholm": E("cloud-managed", "greta.holm@contoso.com", None, ["CloudManagedUnsupported"], rules=["M10"],
               note="source of authority switched to the cloud (isCloudManaged): nothing exported; warning: password hash sync on"),
    "ipetrov": E("hard-match", "ivan.petrov@contoso.onmicrosoft.com", rules=["M3", "M7"],
                 note="pre-staged ImmutableID; the target's only role, Directory Readers, is not privileged: the hardening does not block (M3 r2)"),
    "Guest": E("out-of-scope", None, rules=["Q7"], note="isCriticalSystemObject (built-in)"),
    "krbtgt": E("out-of-scope", None, rules=["Q7"], note="isCriticalSystemObject (built-in)"),
    "Domain Users": E("out-of-scope", None, rules=["Q7"], note="isCriticalSystemObject (built-in group)"),
    "MSOL_4f2a9c1d7e3b": E("out-of-scope", None, rules=["Q7"], note="Connect's own sync service account (MSOL_)"),
    "SM_6f1e2d3c4b5a4": E("out-of-scope", None, rules=["Q7"], note="Exchange arbitration (system) mailbox: mailNickname SystemMailbox{, msExchRecipientTypeDetails 0x800000"),
}

# cloud objects nothing in the next cycle changes (by UPN / displayName)
UNTOUCHED = [
    "breakglass01@contoso.onmicrosoft.com", "breakglass02@contoso.onmicrosoft.com",
    "lena.fischer_proseware.com#EXT#@contoso.onmicrosoft.com", "arjun.mehta_wingtiptoys.com#EXT#@contoso.onmicrosoft.com",
    "boardroom@contoso.com", "nils.petersen@fabrikam.com", "jordan.lee@contoso.com", "scanner@contoso.com",
    "Leadership Team", "CA - Exclude Break Glass",
    "dchen4821@contoso.onmicrosoft.com", "maria.gonzalez@fabrikam.com",
    # only referenced as the other side of a conflict:
    "tobias.becker@contoso.com", "edward.wilson@contoso.com", "sokafor@contoso.com", "Reception", "Design Studio",
    "megan.foster@contoso.com", "daniel.reyes@contoso.com", "lei.chen@contoso.com",
    # A4: an ImmutableID that is not derived from a GUID, no on-prem twin here
    "tariq.aziz@contoso.com",
]

# A4 (r2): cloud ImmutableIDs that are opaque strings (third-party provisioning), loaded as they are
OPAQUE = {"tariq.aziz@contoso.com": "EMP004711"}

# M3 (r2): the built-in roles the permissions reference labels PRIVILEGED (by display name)
PRIVILEGED = {
    "Agent ID Administrator", "Application Administrator", "Application Developer",
    "Attribute Provisioning Administrator", "Attribute Provisioning Reader", "Authentication Administrator",
    "Authentication Extensibility Administrator", "B2C IEF Keyset Administrator", "Cloud Application Administrator",
    "Cloud Device Administrator", "Conditional Access Administrator", "Directory Writers", "Domain Name Administrator",
    "External Identity Provider Administrator", "Global Administrator", "Global Reader", "Helpdesk Administrator",
    "Hybrid Identity Administrator", "Intune Administrator", "Lifecycle Workflows Administrator", "Partner Tier1 Support",
    "Partner Tier2 Support", "Password Administrator", "Privileged Authentication Administrator",
    "Privileged Role Administrator", "Security Administrator", "Security Operator", "Security Reader", "User Administrator",
}
NOT_PRIVILEGED = {"Directory Readers", "Exchange Administrator", "Message Center Reader"}

# synced cloud objects with no on-prem twin in this snapshot (Fabrikam forest, Entra Cloud Sync)
ORPHANS = ["sokafor@contoso.com", "megan.foster@contoso.com", "dchen4821@contoso.onmicrosoft.com", "maria.gonzalez@fabrikam.com",
           "daniel.reyes@contoso.com"]

# feature / switch flips: key -> expected (result, error, flags) under that setting (only the listed objects change)
FLIPS = {
    ("features", "synchronizeUpnForManagedUsersEnabled", False): {
        "praman": ("linked", None, ["UpnUpdateBlocked"]),
        "jalvarez": ("soft-match-smtp", None, ["UpnUpdateBlocked"]),
    },
    ("features", "softMatchOnUpnEnabled", False): {
        "loconnor": ("provision", None, []), "fwang": ("provision", None, []), "nhaddad": ("provision", None, []),
    },
    ("features", "blockCloudObjectTakeoverThroughHardMatchEnabled", True): {
        "hschmidt": ("error", "InvalidHardMatch", []), "gliu": ("error", "InvalidHardMatch", []),
        "ipetrov": ("error", "InvalidHardMatch", []),
    },
    ("features", "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled", True): {
        "gliu": ("hard-match", None, []),
    },
    ("simulation", "hardMatchHardening", False): {
        "ogrant": ("hard-match", None, []), "gliu": ("hard-match", None, []),
    },
    ("features", "quarantineUponProxyAddressesConflictEnabled", False): {
        "alice": ("error", "AttributeValueMustBeUnique", ["ExistingAdminRoleConflict"]),
        "tbecker": ("error", "AttributeValueMustBeUnique", []),
        "mwebb": ("error", "AttributeValueMustBeUnique", ["ExistingAdminRoleConflict"]),
        "ewilson": ("error", "AttributeValueMustBeUnique", []),
        "Design": ("error", "AttributeValueMustBeUnique", []),
    },
    ("features", "quarantineUponUpnConflictEnabled", False): {
        "alice": ("error", "AttributeValueMustBeUnique", ["ExistingAdminRoleConflict"]),
        "mwebb": ("error", "AttributeValueMustBeUnique", ["ExistingAdminRoleConflict"]),
        "jsmith2": ("error", "AttributeValueMustBeUnique", []),
    },
    ("simulation", "serviceQuirks", False): {
        "nclarke": ("provision", None, []), "ProjectPhoenixCore": ("provision", None, []),
    },
    ("simulation", "recycleBinHoldsValues", False): {
        "mfoster": ("provision", None, []),
    },
    ("features", "blockSoftMatchEnabled", True): {   # no candidate is looked for: no ExistingAdminRoleConflict either
        k: ("provision", None, []) for k in ["srossi", "jalvarez", "zbronte", "tyamada", "loconnor", "fwang", "nhaddad",
                                             "reception", "Northwind Traders Orders", "MarketingAnnouncements"]
    } | {"alice": ("provision", None, []), "mwebb": ("provision", None, []),
         "sokafor": ("provision", None, []), "dreyes": ("provision", None, [])},
    ("simulation", "smtpMatchAnyProxy", True): {},
    ("simulation", "groupHardMatch", True): {},
    ("simulation", "softMatchConflictQuarantines", True): {
        "sokafor": ("provision", None, []), "dreyes": ("provision", None, []),
    },
    ("simulation", "eligibleRolesBlockSoftMatch", False): {
        "mwebb": ("soft-match-smtp", None, []),
    },
    ("simulation", "hardeningAllRoles", True): {
        "ipetrov": ("error", "InvalidHardMatch", []),
    },
    ("features", "passwordSyncEnabled", False): {
        "gholm": ("cloud-managed", None, []),
    },
}

FEATURE_DEFAULTS = {
    "blockSoftMatchEnabled": False, "softMatchOnUpnEnabled": True,
    "blockCloudObjectTakeoverThroughHardMatchEnabled": False, "synchronizeUpnForManagedUsersEnabled": True,
    "quarantineUponUpnConflictEnabled": True, "quarantineUponProxyAddressesConflictEnabled": True,
    "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled": False, "passwordSyncEnabled": True,
}
SIM_DEFAULTS = {"groupHardMatch": False, "hardMatchHardening": True, "smtpMatchAnyProxy": False,
                "serviceQuirks": True, "recycleBinHoldsValues": True,
                "softMatchConflictQuarantines": False, "eligibleRolesBlockSoftMatch": True, "hardeningAllRoles": False}


# --------------------------------------------------------------------------------------------
def key_of(o):
    return o.get("sAMAccountName") or o["displayName"]


def cref(c):
    return c["userPrincipalName"] if c["objectType"] == "user" else c["displayName"]


def anchor(o):
    cg = o.get("mS-DS-ConsistencyGuid")
    if o["objectClass"] == "user" and cg:
        return b64_of_guid(cg) if GUID_RE.match(cg) else cg
    return b64_of_guid(o["objectGUID"])


def in_scope(dn, ous):
    d = [p.strip().lower() for p in re.split(r"(?<!\\),", dn)]
    for ou in ous:
        s = [p.strip().lower() for p in ou.split(",")]
        if d[-len(s):] == s:
            return True
    return False


def discarded(proxy):
    """P2: values the service would drop."""
    if ":" not in proxy:
        return True
    addr = proxy.split(":", 1)[1]
    return addr != addr.strip() or " " in addr or addr.lower().endswith(".onmicrosoft.com")


def onprem_proxies(o):
    px = o.get("proxyAddresses") or []
    if not px and o.get("mail"):
        px = ["SMTP:" + o["mail"]]   # P1 / KB 3190357: mail becomes the primary SMTP
    return [p for p in px if not discarded(p)]


def smtp_of(proxies):
    return [(p, p.split(":", 1)[1].lower()) for p in proxies if p.split(":", 1)[0].lower() == "smtp"]


def primary(proxies):
    for p in proxies:
        if p.startswith("SMTP:"):
            return p[5:].lower()
    return None


def cloud_primary(c):
    p = primary(c.get("proxyAddresses") or [])
    return p or ((c.get("mail") or "").lower() or None)


def has_role(c):
    return bool(c.get("directoryRoles")) or bool(c.get("eligibleDirectoryRoles"))


def privileged_role(c, all_roles):
    """M3 r2: assigned or eligible privileged role (unknown roles count as privileged)."""
    roles = (c.get("directoryRoles") or []) + (c.get("eligibleDirectoryRoles") or [])
    return any(all_roles or r in PRIVILEGED or r not in NOT_PRIVILEGED for r in roles)


def soft_match_role_block(c, sim):
    """M6: assigned roles always block; eligible-only roles with eligibleRolesBlockSoftMatch."""
    return bool(c.get("directoryRoles")) or (sim["eligibleRolesBlockSoftMatch"] and bool(c.get("eligibleDirectoryRoles")))


def q7_filtered(o):
    """Q7: Connect's out-of-box rules never export these."""
    if o.get("isCriticalSystemObject") in (True, "TRUE", "True"):
        return True
    sam = o.get("sAMAccountName") or ""
    nick = o.get("mailNickname") or ""
    if o["objectClass"] == "user":
        if ("sAMAccountName" in o and not sam) or sam.upper().startswith(("AAD_", "MSOL_")) or sam.lower() == "support_388945a0":
            return True
        if nick.lower().startswith("systemmailbox{"):
            return True
        if int(o.get("msExchRecipientTypeDetails") or 0) & 0x21C07000:
            return True
    return False


def other_proxies(proxies):
    """P4 (d): non-SMTP proxies, compared with their prefix, case-insensitively."""
    return [p.lower() for p in proxies or [] if ":" in p and p.split(":", 1)[0].lower() != "smtp"]


def mailnick(o):
    if o.get("mailNickname"):
        return o["mailNickname"]
    p = primary(onprem_proxies(o))
    if p:
        return p.split("@")[0]
    if o.get("mail"):
        return o["mail"].split("@")[0]
    return o["userPrincipalName"].split("@")[0]


def predict(bundle, feat, sim):
    tenant = bundle["tenant"]
    doms = {d["id"].lower(): d for d in tenant["domains"]}
    initial = tenant["initialDomain"]
    ous = bundle["connect"].get("includedOUs") or []
    cloud = bundle["cloud"]
    byid = {c["id"]: c for c in cloud}
    active = [c for c in cloud if not c.get("deletedDateTime")]
    upn_h, smtp_h, del_h = {}, {}, {}
    for c in active:
        if c["objectType"] == "user":
            upn_h[c["userPrincipalName"].lower()] = c["id"]
        for _, a in smtp_of(c.get("proxyAddresses") or []):
            smtp_h[a] = c["id"]
    if sim["recycleBinHoldsValues"]:
        for c in cloud:
            if c.get("deletedDateTime") and c.get("onPremisesSyncEnabled"):
                if c["objectType"] == "user":
                    del_h[("upn", c["userPrincipalName"].lower())] = c["id"]
                for _, a in smtp_of(c.get("proxyAddresses") or []):
                    del_h[("smtp", a)] = c["id"]
    sid_h, other_h = {}, {}
    for c in active:
        if c["objectType"] != "contact" and c.get("onPremisesSecurityIdentifier"):
            sid_h[c["onPremisesSecurityIdentifier"].lower()] = c["id"]
        for p in other_proxies(c.get("proxyAddresses")):
            other_h[p] = c["id"]
    group_primary = {}  # smtp -> id for groups (active cloud + created this cycle)
    for c in active:
        if c["objectType"] == "group" and cloud_primary(c):
            group_primary[cloud_primary(c)] = c["id"]
    new_groups = set()
    out = {}

    def upn_target(o):
        upn = o["userPrincipalName"]
        d = doms.get(upn.split("@")[1].lower())
        if not d or not d.get("isVerified"):
            return mailnick(o) + "@" + initial, ["UnverifiedUpnSuffix"]
        return upn, []

    def release(cid):
        for k in [k for k, v in upn_h.items() if v == cid]:
            del upn_h[k]
        for k in [k for k, v in smtp_h.items() if v == cid]:
            del smtp_h[k]

    def place(o, self_id, is_new):
        """values of o land on object self_id: collisions -> quarantine or error"""
        q, err, conflict = [], None, None
        flags = []
        # P4 (c), (d): objectSid and non-SMTP proxies: never quarantined
        if o["objectClass"] != "contact" and o.get("objectSid"):
            holder = sid_h.get(o["objectSid"].lower())
            if holder and holder != self_id:
                return None, "AttributeValueMustBeUnique", holder, flags
        for p in other_proxies(o.get("proxyAddresses")):
            holder = other_h.get(p)
            if holder and holder != self_id:
                return None, "AttributeValueMustBeUnique", holder, flags
        if o["objectClass"] != "contact" and o.get("objectSid"):
            sid_h.setdefault(o["objectSid"].lower(), self_id)
        for p in other_proxies(o.get("proxyAddresses")):
            other_h.setdefault(p, self_id)
        if o["objectClass"] == "user":
            upn, flags = upn_target(o)
            key = upn.lower()
            if is_new and ("upn", key) in del_h:
                return None, "AttributeValueMustBeUnique", del_h[("upn", key)], flags
            holder = upn_h.get(key)
            if holder and holder != self_id:
                if not feat["quarantineUponUpnConflictEnabled"]:
                    return None, "AttributeValueMustBeUnique", holder, flags
                q.append(("UserPrincipalName", upn, holder))
            else:
                upn_h[key] = self_id
        for p, a in smtp_of(onprem_proxies(o)):
            if is_new and ("smtp", a) in del_h:
                return None, "AttributeValueMustBeUnique", del_h[("smtp", a)], flags
            holder = smtp_h.get(a)
            if holder and holder != self_id:
                if is_new and sim["serviceQuirks"]:
                    if o["objectClass"] == "user" and p.startswith("smtp:") and group_primary.get(a) == holder:
                        return None, "AttributeValueMustBeUnique", holder, flags
                    if o["objectClass"] == "group" and holder in new_groups:
                        return None, "AttributeValueMustBeUnique", holder, flags
                if not feat["quarantineUponProxyAddressesConflictEnabled"]:
                    return None, "AttributeValueMustBeUnique", holder, flags
                q.append(("ProxyAddresses", p, holder))
        for p, a in smtp_of(onprem_proxies(o)):
            if not any(x[1] == p for x in q):
                smtp_h.setdefault(a, self_id)
        if o["objectClass"] == "group" and is_new:
            new_groups.add(self_id)
            pp = primary(onprem_proxies(o))
            if pp and not any(x[1] == "SMTP:" + pp for x in q):
                group_primary.setdefault(pp, self_id)
        return q, None, None, flags

    def upn_kept(o, c):
        """M8 r2, single plan (no history): a linked licensed Managed user's differing UPN stays."""
        if o["objectClass"] != "user" or not feat["synchronizeUpnForManagedUsersEnabled"]:
            return False
        new, _ = upn_target(o)
        cur = c["userPrincipalName"]
        if new.lower() == cur.lower() or cur.lower().endswith("@" + initial.lower()):
            return False
        d = doms.get(cur.split("@")[1].lower(), {})
        return d.get("authenticationType") == "Managed" and bool(c.get("assignedLicenses"))

    def upn_blocked(o, c):
        if o["objectClass"] != "user" or c["objectType"] != "user":
            return False
        new, _ = upn_target(o)
        if new.lower() == c["userPrincipalName"].lower():
            return False
        d = doms.get(c["userPrincipalName"].split("@")[1].lower(), {})
        return (d.get("authenticationType") == "Managed" and bool(c.get("assignedLicenses"))
                and not feat["synchronizeUpnForManagedUsersEnabled"])

    for o in bundle["onPremises"]:
        k = key_of(o)
        a = anchor(o)
        cls = o["objectClass"]
        linked = None
        for c in active:
            if (c.get("onPremisesSyncEnabled") is True and c.get("onPremisesImmutableId") == a
                    and c["objectType"] == cls
                    and c.get("onPremisesObjectIdentifier") in (None, o["objectGUID"])
                    and (cls != "group" or c.get("onPremisesSecurityIdentifier") == o.get("objectSid"))):
                linked = c
        managed = [c for c in active if c.get("onPremisesImmutableId") == a and c["objectType"] == cls
                   and (c.get("onPremisesSyncBehavior") or {}).get("isCloudManaged") is True]
        if not in_scope(o["distinguishedName"], ous) or q7_filtered(o):
            out[k] = dict(result="out-of-scope", cloud=linked["id"] if linked else None, error=None, flags=[], q=[])
            continue
        if managed:
            c = managed[0]
            fed = doms.get(c["userPrincipalName"].split("@")[1].lower(), {}).get("authenticationType") == "Federated"
            warn = cls == "user" and (fed or feat["passwordSyncEnabled"])
            out[k] = dict(result="cloud-managed", cloud=c["id"], error=None,
                          flags=["CloudManagedUnsupported"] if warn else [], q=[])
            continue
        if linked:
            flags = ["UpnUpdateBlocked"] if upn_blocked(o, linked) else (["UpnKeptUntilChange"] if upn_kept(o, linked) else [])
            q, err, conf, f2 = place(o, linked["id"], False)
            if err:
                out[k] = dict(result="error", cloud=conf, error=err, flags=flags, q=[])
            else:
                out[k] = dict(result="linked", cloud=linked["id"], error=None, flags=flags + f2, q=q)
            continue
        new_id = "new:" + k
        res = None
        if cls == "user" or (cls == "group" and sim["groupHardMatch"]):
            hm = [c for c in cloud if c.get("onPremisesImmutableId") == a and c["objectType"] == cls]
            if hm:
                c = hm[0]
                oid = c.get("onPremisesObjectIdentifier")
                if feat["blockCloudObjectTakeoverThroughHardMatchEnabled"] and not c.get("onPremisesSyncEnabled"):
                    res = dict(result="error", cloud=c["id"], error="InvalidHardMatch", flags=[], q=[])
                elif sim["hardMatchHardening"] and privileged_role(c, sim["hardeningAllRoles"]):
                    res = dict(result="error", cloud=c["id"], error="InvalidHardMatch", flags=[], q=[])
                elif (sim["hardMatchHardening"] and oid and oid.lower() != o["objectGUID"].lower()
                      and not feat["allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled"]):
                    res = dict(result="error", cloud=c["id"], error="AttributeUpdateNotAllowed", flags=[], q=[])
                else:
                    kind = "restore" if c.get("deletedDateTime") else "hard-match"
                    flags = ["UpnUpdateBlocked"] if upn_blocked(o, c) else []
                    release(c["id"])
                    q, err, conf, f2 = place(o, c["id"], False)
                    res = dict(result=kind, cloud=c["id"], error=None, flags=flags + f2, q=q)
        eligible = cls in ("user", "contact") or (cls == "group" and primary(onprem_proxies(o)))
        extra_flags = []
        if res is None and not feat["blockSoftMatchEnabled"] and eligible:
            p = primary(onprem_proxies(o))
            cands, how = [], None
            if p:
                for c in active:
                    if c["objectType"] == "group" and "Unified" in (c.get("groupTypes") or []):
                        continue
                    if sim["smtpMatchAnyProxy"]:
                        hit = p in [x for _, x in smtp_of(c.get("proxyAddresses") or [])]
                    else:
                        hit = cloud_primary(c) == p
                    if hit:
                        cands.append(c)
                how = "smtp"
            if not cands and cls == "user" and feat["softMatchOnUpnEnabled"]:
                cands = [c for c in active if c["objectType"] == "user"
                         and c["userPrincipalName"].lower() == o["userPrincipalName"].lower()]
                how = "upn"
            if cands:
                c = cands[0]
                if c["objectType"] != cls:
                    res = dict(result="error", cloud=c["id"], error="ObjectTypeMismatch", flags=[], q=[])
                elif c.get("onPremisesImmutableId") and c["onPremisesImmutableId"] != a:
                    if how == "smtp" and cls == "user" and not sim["softMatchConflictQuarantines"]:
                        # M6 r2 (2026 policy): the provisioning attempt fails, nothing is created
                        res = dict(result="error", cloud=c["id"], error="AttributeValueMustBeUnique", flags=[], q=[])
                    else:
                        on = feat["quarantineUponProxyAddressesConflictEnabled"] if how == "smtp" else feat["quarantineUponUpnConflictEnabled"]
                        if not on:
                            res = dict(result="error", cloud=c["id"], error="InvalidSoftMatch", flags=[], q=[])
                elif cls == "user" and soft_match_role_block(c, sim):
                    extra_flags = ["ExistingAdminRoleConflict"]
                else:
                    flags = ["UpnUpdateBlocked"] if upn_blocked(o, c) else []
                    release(c["id"])
                    q, err, conf, f2 = place(o, c["id"], False)
                    res = dict(result="soft-match-" + how, cloud=c["id"], error=None, flags=flags + f2, q=q)
        if res is None:
            q, err, conf, f2 = place(o, new_id, True)
            if err:
                res = dict(result="error", cloud=conf, error=err, flags=extra_flags + f2, q=[])
            else:
                res = dict(result="provision", cloud=None, error=None, flags=extra_flags + f2, q=q)
        out[k] = res
    return out


def resolve(ref, cloud):
    if ref is None or ref.startswith("new:"):
        return ref
    hits = [c["id"] for c in cloud if cref(c) == ref]
    if len(hits) != 1:
        fail(f"cloud ref {ref!r} matches {len(hits)} objects")
        return None
    return hits[0]


def main():
    with open(PATH, encoding="utf-8") as f:
        bundle = json.load(f)
    onprem, cloud = bundle["onPremises"], bundle["cloud"]

    # ---- 1. shape
    for k in ["capturedDateTime", "simulation", "tenant", "connect", "onPremises", "cloud"]:
        if k not in bundle:
            fail(f"missing top-level key {k}")
    if bundle["simulation"] != SIM_DEFAULTS:
        fail("simulation switches are not at their defaults")
    if bundle["tenant"]["features"] != FEATURE_DEFAULTS:
        fail("tenant.features are not the interfaces.md defaults")
    for i, o in enumerate(onprem):
        for k in ["objectClass", "objectGUID", "distinguishedName", "displayName"]:
            if k not in o:
                fail(f"onPremises[{i}] lacks {k}")
        if o["objectClass"] not in ("user", "group", "contact"):
            fail(f"onPremises[{i}].objectClass {o['objectClass']!r}")
        if o["objectClass"] == "user" and "userPrincipalName" not in o and not q7_filtered(o):
            fail(f"onPremises[{i}] user without userPrincipalName")
        if o["objectClass"] == "group" and o.get("groupType") not in (-2147483646, 2, 8, -2147483640, 4, -2147483644):
            fail(f"onPremises[{i}].groupType {o.get('groupType')}")
        if "objectSid" in o and not re.match(r"^S-1-5-21-\d+-\d+-\d+-\d+$", o["objectSid"]):
            fail(f"onPremises[{i}].objectSid {o['objectSid']!r}")
    for i, c in enumerate(cloud):
        if c["objectType"] not in ("user", "group", "contact"):
            fail(f"cloud[{i}].objectType")
        for e in c.get("onPremisesProvisioningErrors") or []:
            if set(e) != {"category", "propertyCausingError", "value", "occurredDateTime"} or e["category"] != "PropertyConflict":
                fail(f"cloud[{i}] provisioning error shape {e}")

    # ---- 2. identifiers
    ids = []
    for i, o in enumerate(onprem):
        if not is_v4(o["objectGUID"]):
            fail(f"onPremises[{i}].objectGUID not a random v4 UUID")
        ids.append(o["objectGUID"])
        cg = o.get("mS-DS-ConsistencyGuid")
        if cg is not None:
            if GUID_RE.match(cg):
                if not is_v4(cg):
                    fail(f"onPremises[{i}] ConsistencyGuid not v4")
            else:
                try:
                    guid_of_b64(cg)
                except Exception as ex:
                    fail(f"onPremises[{i}] ConsistencyGuid: {ex}")
    for i, c in enumerate(cloud):
        if not is_v4(c["id"]):
            fail(f"cloud[{i}].id not a random v4 UUID")
        ids.append(c["id"])
        oid = c.get("onPremisesObjectIdentifier")
        if oid is not None and not is_v4(oid):
            fail(f"cloud[{i}].onPremisesObjectIdentifier not v4")
        for l in c.get("assignedLicenses") or []:
            if not GUID_RE.match(l["skuId"]):
                fail(f"cloud[{i}] skuId {l['skuId']!r}")
    if len(ids) != len(set(ids)):
        fail("duplicate objectGUID / cloud id")
    sids = [o["objectSid"] for o in onprem if o.get("objectSid")]
    if len(sids) != len(set(sids)):
        fail("duplicate objectSid")
    keys = [key_of(o) for o in onprem]
    if len(keys) != len(set(keys)):
        fail("duplicate sAMAccountName / contact displayName (check keys)")
    dns = [o["distinguishedName"].lower() for o in onprem]
    if len(dns) != len(set(dns)):
        fail("duplicate distinguishedName")

    # ---- 3. anchors
    anchors = {}
    for o in onprem:
        anchors.setdefault(anchor(o), []).append(o)
    for a, lst in anchors.items():
        if len(lst) > 1:
            fail(f"anchor {a} shared by {[x['displayName'] for x in lst]}")
    for i, c in enumerate(cloud):
        imm = c.get("onPremisesImmutableId")
        if imm is None:
            if c.get("onPremisesSyncEnabled"):
                fail(f"cloud[{i}] synced without ImmutableID")
            continue
        if OPAQUE.get(cref(c)) == imm:
            continue  # A4 r2: loaded as it is, compared as exact text
        try:
            g = guid_of_b64(imm)
        except Exception as ex:
            fail(f"cloud[{i}] ImmutableID {imm!r}: {ex}")
            continue
        if b64_of_guid(g) != imm:
            fail(f"cloud[{i}] ImmutableID does not round-trip")
        twin = anchors.get(imm)
        if twin:
            o = twin[0]
            intended = o.get("mS-DS-ConsistencyGuid") if o["objectClass"] == "user" and o.get("mS-DS-ConsistencyGuid") else o["objectGUID"]
            if not GUID_RE.match(intended):
                intended = guid_of_b64(intended)
            if g != intended:
                fail(f"cloud[{i}] ImmutableID GUID {g} != intended {intended}")
            if c.get("onPremisesSyncEnabled") is True:
                if c["objectType"] != o["objectClass"]:
                    fail(f"cloud[{i}] synced twin of another class")
                if c["objectType"] == "group" and c.get("onPremisesSecurityIdentifier") != o.get("objectSid"):
                    fail(f"cloud[{i}] group SID mismatch")
                if c.get("onPremisesObjectIdentifier") not in (None, o["objectGUID"]):
                    fail(f"cloud[{i}] synced: onPremisesObjectIdentifier != twin objectGUID")
                if c["displayName"] != o["displayName"]:
                    fail(f"cloud[{i}] synced twin displayName differs")
                exp_upn_diff = {"praman", "leriksson"}
                exp_px_diff = {"tbecker"}
                if c["objectType"] == "user":
                    if (c["userPrincipalName"] != o["userPrincipalName"]) != (key_of(o) in exp_upn_diff):
                        fail(f"cloud[{i}] twin UPN {c['userPrincipalName']} vs {o['userPrincipalName']}")
                if (sorted(c.get("proxyAddresses") or []) != sorted(onprem_proxies(o))) != (key_of(o) in exp_px_diff):
                    fail(f"cloud[{i}] twin proxies differ from on-prem")
        else:
            # not an anchor of any on-prem object here: must be an orphan synced from elsewhere
            if cref(c) not in ORPHANS:
                fail(f"cloud[{i}] {cref(c)} ImmutableID points at no on-prem object and is not a listed orphan")
            if c.get("onPremisesObjectIdentifier") != g:
                fail(f"cloud[{i}] orphan: onPremisesObjectIdentifier != ImmutableID GUID")
            if g in ids:
                fail(f"cloud[{i}] orphan ImmutableID GUID is an object in the snapshot")

    # ---- 4. predicted outcomes
    feat = dict(FEATURE_DEFAULTS, **bundle["tenant"]["features"])
    sim = dict(SIM_DEFAULTS, **bundle["simulation"])
    base = predict(bundle, feat, sim)
    if set(base) != set(EXPECT):
        fail(f"EXPECT keys differ: missing {set(base) - set(EXPECT)}, extra {set(EXPECT) - set(base)}")
    ids_new = {("new:" + key_of(o)) for o in onprem}
    for k, e in EXPECT.items():
        got = base.get(k)
        if not got:
            continue
        want_cloud = resolve(e["cloud"], cloud)
        if got["result"] != e["result"] or got["error"] != e["error"] or sorted(got["flags"]) != sorted(e["flags"]) \
                or got["cloud"] != want_cloud:
            fail(f"{k}: predicted {got['result']}/{got['error']}/{got['flags']}/{got['cloud']} expected "
                 f"{e['result']}/{e['error']}/{e['flags']}/{want_cloud}")
        gq = sorted((p, v, h) for p, v, h in got["q"])
        wq = sorted((p, v, resolve(h, cloud)) for p, v, h in e["q"])
        if gq != wq:
            fail(f"{k}: quarantine predicted {gq} expected {wq}")
    for ref in UNTOUCHED:
        cid = resolve(ref, cloud)
        if any(r["cloud"] == cid and r["result"] not in ("error",) for r in base.values()):
            fail(f"untouched object {ref} is matched/linked by something")
    touched = {r["cloud"] for r in base.values() if r["cloud"]}
    quar_holders = {h for r in base.values() for _, _, h in r["q"]}
    for c in cloud:
        if c["id"] not in touched and c["id"] not in quar_holders and cref(c) not in UNTOUCHED:
            fail(f"cloud object {cref(c)} is neither touched nor listed as untouched")

    for (sect, name, val), changes in FLIPS.items():
        f2, s2 = dict(feat), dict(sim)
        (f2 if sect == "features" else s2)[name] = val
        alt = predict(bundle, f2, s2)
        changed = {k for k in base if (alt[k]["result"], alt[k]["error"], sorted(alt[k]["flags"]))
                   != (base[k]["result"], base[k]["error"], sorted(base[k]["flags"]))}
        if changed != set(changes):
            fail(f"flip {name}={val}: changed {sorted(changed)} expected {sorted(changes)}")
        for k, (r, err, fl) in changes.items():
            if (alt[k]["result"], alt[k]["error"], sorted(alt[k]["flags"])) != (r, err, sorted(fl)):
                fail(f"flip {name}={val}: {k} -> {alt[k]['result']}/{alt[k]['error']}/{alt[k]['flags']}, expected {r}/{err}/{fl}")

    # ---- 5. EXPECTED.md agrees (one table row per on-prem object: | name | `objectGUID` | result | ...)
    md = os.path.join(os.path.dirname(PATH), "EXPECTED.md")
    if os.path.exists(md):
        rows = {}
        for line in open(md, encoding="utf-8"):
            m = re.match(r"^\|[^|]*\|[^|]*`([0-9a-f-]{36})`[^|]*\|\s*\**([a-z-]+)\**\s*\|", line)
            if m:
                rows[m.group(1)] = m.group(2)
        for o in onprem:
            r = rows.get(o["objectGUID"])
            if r is None:
                fail(f"EXPECTED.md has no row for {o['displayName']} {o['objectGUID']}")
            elif r != EXPECT[key_of(o)]["result"]:
                fail(f"EXPECTED.md says {r} for {o['displayName']}, EXPECT says {EXPECT[key_of(o)]['result']}")
    else:
        fail("EXPECTED.md not found next to the bundle")

    # ---- scenario files point at real objects
    sdir = os.path.join(os.path.dirname(PATH), "scenarios")
    if os.path.isdir(sdir):
        cids = {c["id"] for c in cloud}
        oguids = {o["objectGUID"] for o in onprem}
        for fn in sorted(os.listdir(sdir)):
            if not fn.endswith(".json"):
                continue
            sc = json.load(open(os.path.join(sdir, fn), encoding="utf-8"))
            if sc.get("snapshot") != "../contoso.json":
                fail(f"{fn}: snapshot is not ../contoso.json")
            for j, st in enumerate(sc["steps"]):
                if "cloudId" in st and st["cloudId"] not in cids:
                    fail(f"{fn} steps[{j}].cloudId not in bundle")
                for kk in ("linkedTo", "objectGUID"):
                    if kk in st and st[kk] not in oguids:
                        fail(f"{fn} steps[{j}].{kk} not in bundle")
                if st["action"] == "setImmutableId":
                    guid_of_b64(st["value"])

    print(f"{PATH}: {len(onprem)} on-prem, {len(cloud)} cloud objects")
    counts = {}
    for r in base.values():
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    print("predicted:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if FAILS:
        for m in FAILS:
            print("FAIL:", m)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
