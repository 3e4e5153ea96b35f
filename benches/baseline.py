#!/usr/bin/env python3
"""The straightforward baseline for the scale benchmark (issue 7), standard library only.

Loads a bundle with json.load, indexes the cloud objects in dicts by ImmutableID, SID, UPN, SMTP
address, other proxy address and onPremisesObjectIdentifier, and for each on-prem object in input
order does what the planner does under rule book r2: scope (Q6) and the out-of-box filters (Q7),
cloud-managed twins (M10), duplicate anchors (A5), linked (M1), changed anchors (A6), hard match
with the hardening (M3), soft match on primary SMTP, then on UPN (M4-M6, with r2's
AttributeValueMustBeUnique for an SMTP candidate synced from another object), else provision, with
the uniqueness checks (P4 (c) and (d): objectSid and non-SMTP proxies, never quarantined; claims
earlier in the cycle, active holders, the recycle bin) that decide between a quarantine and an
error. No explanation trace and no placeholder UPNs: only the result of each object, counted.

Simplifications (the planner's results differ only where the input uses them; `syncscope bench`
names any count that differs): every directory role counts as privileged for the hardening (as
`hardeningAllRoles`); no role-definition table; M8's export history (`lastExport`) is not read.

Prints one JSON line: {"load": s, "join": s, "peak_bytes": n, "counts": {result: n}}.
Usage: python3 benches/baseline.py BUNDLE.json
"""

import base64
import json
import resource
import sys
import time
import uuid

RESULTS = ["linked", "hard-match", "restore", "soft-match-smtp", "soft-match-upn",
           "provision", "error", "out-of-scope", "cloud-managed"]
FEATURES = {
    "blockSoftMatchEnabled": False,
    "softMatchOnUpnEnabled": True,
    "blockCloudObjectTakeoverThroughHardMatchEnabled": False,
    "synchronizeUpnForManagedUsersEnabled": True,
    "quarantineUponUpnConflictEnabled": True,
    "quarantineUponProxyAddressesConflictEnabled": True,
    "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled": False,
    "passwordSyncEnabled": True,
    "groupHardMatch": False,
    "hardMatchHardening": True,
    "smtpMatchAnyProxy": False,
    "serviceQuirks": True,
    "recycleBinHoldsValues": True,
    "softMatchConflictQuarantines": False,
}


def smtp_proxies(proxies):
    """(address, is_primary) of the SMTP proxies (P1)."""
    return [(p[5:], p[:5] == "SMTP:") for p in proxies or [] if p[:5].lower() == "smtp:"]


def primary_smtp(obj):
    proxies = obj.get("proxyAddresses") or []
    if not proxies:
        return obj.get("mail") or None
    smtp = smtp_proxies(proxies)
    for address, primary in smtp:
        if primary:
            return address
    return None if smtp else (obj.get("mail") or None)


def smtp_addresses(obj):
    proxies = obj.get("proxyAddresses") or []
    if not proxies:
        mail = obj.get("mail")
        return [(mail, True)] if mail else []
    return smtp_proxies(proxies)


def discarded(address):
    """P2: values the service drops take no part."""
    if address.startswith(" ") or any(c.isspace() for c in address):
        return True
    local, _, domain = address.rpartition("@")
    return not local or not domain or domain.lower().endswith(".onmicrosoft.com")


def anchor_of(obj, source_anchor):
    """A1, A2: base64 of Guid.ToByteArray() of the ConsistencyGuid (users) or objectGUID."""
    cg = obj.get("mS-DS-ConsistencyGuid")
    if source_anchor.lower() != "objectguid" and obj["objectClass"] == "user" and cg:
        cg = cg.strip()
        if "-" in cg:
            return base64.b64encode(uuid.UUID(cg.strip("{}")).bytes_le).decode()
        return base64.b64encode(base64.b64decode(cg)).decode()
    return base64.b64encode(uuid.UUID(obj["objectGUID"].strip("{}")).bytes_le).decode()


def other_proxies(proxies):
    """P4 (d): the non-SMTP proxies (`SIP:`, `X500:` ...), compared with their prefix."""
    out = []
    for p in proxies or []:
        prefix, colon, rest = p.partition(":")
        if colon and prefix and rest.strip() and prefix.lower() != "smtp":
            out.append(p)
    return out


def truthy(v):
    return v is True or (isinstance(v, str) and v.strip().lower() == "true") or \
        (isinstance(v, (int, float)) and not isinstance(v, bool) and v != 0)


def integer(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            return None
    return None


SYSTEM_MAILBOX_BITS = 0x21C07000
ROLE_GROUP_BIT = 0x40000000


def rdn_value(dn):
    first = dn.split(",", 1)[0]
    return first.partition("=")[2].strip()


def mail_enabled(o):
    return bool(o.get("mail")) or bool(smtp_proxies(o.get("proxyAddresses")))


def out_of_box_filter(o):
    """Q7: Connect's out-of-box rules never export these (the reason, or None)."""
    rdn = rdn_value(o["distinguishedName"])
    if "\\0ACNF:" in rdn or "\nCNF:" in rdn:
        return "cnf"
    critical, details, hidden, members = False, None, False, None
    for k, v in o.items():
        k = k.lower()
        if k == "iscriticalsystemobject":
            critical = truthy(v)
        elif k == "msexchrecipienttypedetails":
            details = integer(v)
        elif k == "msexchhidefromaddresslists":
            hidden = truthy(v)
        elif k == "membercount":
            members = integer(v)
    if critical:
        return "critical"
    nick = o.get("mailNickname")

    def cas(v):
        return bool(v) and v[:4].lower() == "cas_" and "}" in v
    cls = o["objectClass"]
    if cls == "user":
        sam = o.get("sAMAccountName", "?")
        sam = "?" if sam is None else sam
        if not sam.strip():
            return "no sAMAccountName"
        if sam[:4].lower() == "aad_" or sam[:5].lower() == "msol_":
            return "service account"
        if sam.lower() == "support_388945a0":
            return "support"
        if nick and nick[:14].lower() == "systemmailbox{":
            return "system mailbox"
        if cas(nick) or cas(sam):
            return "cas"
        if details is not None and details & SYSTEM_MAILBOX_BITS:
            return "system mailbox"
    elif cls == "contact":
        if not (any(p and "@" in a for a, p in smtp_proxies(o.get("proxyAddresses")))
                or "@" in (o.get("mail") or "")):
            return "not mail-enabled"
        if "(MSOL)" in (o.get("displayName") or "") and hidden:
            return "msol contact"
        if cas(nick):
            return "cas"
    elif cls == "group":
        if (o.get("sAMAccountName") or "").lower() == "msol_ad_sync_richcoexistence" \
                or rdn.lower() == "msol_ad_sync_richcoexistence":
            return "richcoexistence"
        if details is not None and details & ROLE_GROUP_BIT:
            return "role group"
        gt = o.get("groupType")
        if isinstance(gt, int) and not gt & 0x80000000 and not mail_enabled(o):
            return "distribution not mail-enabled"
        if members is not None and members >= 50000:
            return "too many members"
    return None


def names_object(oid, o):
    try:
        return uuid.UUID(oid.strip()) == uuid.UUID(o["objectGUID"].strip("{}"))
    except ValueError:
        return False


def strip_smtp(value):
    return value[5:] if value[:5].lower() == "smtp:" else value


def norm_dn(dn):
    return ",".join(part.strip().lower() for part in dn.split(","))


def add(index, key, i):
    index.setdefault(key, []).append(i)


def join(bundle):
    tenant = bundle.get("tenant") or {}
    features = dict(FEATURES)
    features.update({k: v for k, v in (tenant.get("features") or {}).items() if v is not None})
    features.update({k: v for k, v in (bundle.get("simulation") or {}).items() if v is not None})
    connect = bundle.get("connect") or {}
    source_anchor = connect.get("sourceAnchor") or "mS-DS-ConsistencyGuid"
    included = connect.get("includedOUs")
    included = [norm_dn(ou) for ou in included] if included is not None else None
    initial = tenant.get("initialDomain", "").lower()
    domains = {d["id"].lower(): d for d in tenant.get("domains") or []}
    cloud = bundle.get("cloud") or []

    by_iid, by_sid, by_upn, by_primary, by_smtp, del_upn, del_smtp = {}, {}, {}, {}, {}, {}, {}
    by_other, by_oid = {}, {}
    for i, c in enumerate(cloud):
        if c.get("onPremisesObjectIdentifier"):
            add(by_oid, c["onPremisesObjectIdentifier"].strip().lower(), i)
        for p in other_proxies(c.get("proxyAddresses")):
            add(by_other, p.lower(), i)
        if c.get("onPremisesImmutableId"):
            add(by_iid, c["onPremisesImmutableId"], i)
        if c.get("onPremisesSecurityIdentifier"):
            add(by_sid, c["onPremisesSecurityIdentifier"].lower(), i)
        deleted = c.get("deletedDateTime") is not None
        synced = c.get("onPremisesSyncEnabled") is True
        upn = c.get("userPrincipalName")
        if deleted:
            if synced:
                if upn:
                    add(del_upn, upn.lower(), i)
                for address, _ in smtp_addresses(c):
                    add(del_smtp, address.lower(), i)
            continue
        if upn:
            add(by_upn, upn.lower(), i)
        p = primary_smtp(c)
        if p:
            add(by_primary, p.lower(), i)
        for address, _ in smtp_addresses(c):
            add(by_smtp, address.lower(), i)

    def kind(c):
        return c.get("objectType") or c.get("@odata.type", "").split(".")[-1].replace("orgContact", "contact")

    def has_role(c):
        return bool(c.get("directoryRoles") or c.get("eligibleDirectoryRoles"))

    def active_synced(i):
        c = cloud[i]
        return c.get("onPremisesSyncEnabled") is True and c.get("deletedDateTime") is None

    def cloud_managed(c):
        behaviour = c.get("onPremisesSyncBehavior")
        return isinstance(behaviour, dict) and truthy(behaviour.get("isCloudManaged"))

    def verified(domain):
        d = domains.get(domain)
        return domain == initial or bool(d and d.get("isVerified"))

    counts = dict.fromkeys(RESULTS, 0)
    claims = {}     # (namespace, folded value) -> holder
    unique = {}     # P4 (c), (d): (namespace, folded value) -> holder
    anchors = {}    # A5: anchor -> the first object joining or creating it
    taken = {}      # cloud index -> on-prem index

    def wanted_upn(o):
        """M9: the UPN, or <mailNickname>@<initial domain> when its suffix is not verified."""
        upn = o.get("userPrincipalName") or ""
        if upn and "@" in upn and verified(upn.rpartition("@")[2].lower()):
            return upn
        nick = o.get("mailNickname") or (primary_smtp(o) or "").partition("@")[0] \
            or (o.get("mail") or "").partition("@")[0] or upn.partition("@")[0] \
            or o.get("sAMAccountName")
        return nick + "@" + tenant.get("initialDomain", "") if nick else None

    def upn_change_blocked(c):
        """M8: Managed domain, licensed, and UPN sync for managed users off."""
        domain = (c.get("userPrincipalName") or "").rpartition("@")[2].lower()
        federated = (domains.get(domain) or {}).get("authenticationType", "").lower() == "federated"
        return "@" in (c.get("userPrincipalName") or "") and not federated and \
            bool(c.get("assignedLicenses")) and not features["synchronizeUpnForManagedUsersEnabled"]

    def write_values(n, o, target, provision, linked_update=False):
        """Q1, Q2, Q5: the values written, quarantined or refused; returns the result override."""
        me = ("cloud", target) if target is not None else ("onprem", n)
        t = cloud[target] if target is not None else None
        errors = t.get("onPremisesProvisioningErrors") or [] if t else []

        def quarantined(prop, value):
            return any(e.get("propertyCausingError") == prop and
                       strip_smtp(e.get("value", "")).lower() == value.lower() for e in errors)

        values = []
        upn = wanted_upn(o) if o["objectClass"] == "user" else None
        if upn:
            current = t.get("userPrincipalName") if t else None
            unchanged = current and current.lower() == upn.lower()
            blocked = current and upn_change_blocked(t)
            if not unchanged and not (current and quarantined("UserPrincipalName", upn)) and not blocked:
                values.append(("upn", upn.lower(), True))
        target_smtp = {a.lower() for a, _ in smtp_addresses(t)} if t else set()
        for address, primary in smtp_addresses(o):
            if discarded(address):
                continue
            if t is not None and linked_update and address.lower() in target_smtp:
                continue
            if quarantined("ProxyAddresses", address):
                continue
            values.append(("smtp", address.lower(), primary))
        # P4 (c), (d): objectSid and non-SMTP proxies are unique and never quarantined.
        wanted = []
        sid = (o.get("objectSid") or "").strip()
        if o["objectClass"] != "contact" and sid:
            same = t is not None and (t.get("onPremisesSecurityIdentifier") or "").strip().lower() \
                == sid.lower()
            if not same or not linked_update:
                wanted.append(("sid", sid.lower()))
        held = {p.lower() for p in other_proxies(t.get("proxyAddresses"))} if t else set()
        for p in other_proxies(o.get("proxyAddresses")):
            if not (linked_update and p.lower() in held):
                wanted.append(("other", p.lower()))
        for ns, key in wanted:
            holder = unique.get((ns, key))
            if holder is not None:
                if holder != me:
                    return "error"
                continue
            for h in (by_sid if ns == "sid" else by_other).get(key, []):
                hc = cloud[h]
                if h != target and hc.get("deletedDateTime") is None and \
                        (ns != "sid" or kind(hc) != "contact"):
                    return "error"
        new_claims = []
        for ns, key, primary in values:
            holder = claims.get((ns, key))
            if holder is not None:
                holder = None if holder == me else holder
            else:
                holders = (by_upn if ns == "upn" else by_smtp).get(key, [])
                other = [h for h in holders if h != target]
                holder = ("cloud", other[0]) if other else None
                if holder is None and provision and features["recycleBinHoldsValues"]:
                    if (del_upn if ns == "upn" else del_smtp).get(key):
                        return "error"
            if holder is None:
                new_claims.append((ns, key))
                continue
            if provision and features["serviceQuirks"] and ns == "smtp":
                h = cloud[holder[1]] if holder[0] == "cloud" else bundle["onPremises"][holder[1]]
                h_kind = kind(h) if holder[0] == "cloud" else h["objectClass"]
                if o["objectClass"] == "user" and not primary and h_kind == "group" \
                        and (primary_smtp(h) or "").lower() == key:
                    return "error"
                if o["objectClass"] == "group" and holder[0] == "onprem" and h_kind == "group":
                    return "error"
            resilient = features["quarantineUponUpnConflictEnabled" if ns == "upn"
                                 else "quarantineUponProxyAddressesConflictEnabled"]
            if not resilient:
                return "error"
        for c in new_claims:
            claims[c] = me
        for c in wanted:
            unique.setdefault(c, me)
        return None

    def count(n, o, anchor, result):
        counts[result] += 1
        # A5: remember which object joins (or creates) the cloud object of this anchor.
        if result in ("linked", "provision", "hard-match", "restore", "soft-match-smtp",
                      "soft-match-upn"):
            anchors.setdefault(anchor, n)

    for n, o in enumerate(bundle.get("onPremises") or []):
        anchor = anchor_of(o, source_anchor)
        cls = o["objectClass"]
        guid = o["objectGUID"].strip("{}").lower()

        def names_me(i):
            oid = cloud[i].get("onPremisesObjectIdentifier")
            return not oid or names_object(oid, o)
        linked = next((i for i in by_iid.get(anchor, []) if active_synced(i) and names_me(i)), None)
        if linked is None and cls == "group" and o.get("objectSid"):
            linked = next((i for i in by_sid.get(o["objectSid"].lower(), [])
                           if kind(cloud[i]) == "group" and active_synced(i) and names_me(i)),
                          None)
        # M10: a cloud twin whose source of authority is the cloud.
        managed = None if cls == "contact" else next(
            (i for i in by_iid.get(anchor, []) if cloud[i].get("deletedDateTime") is None
             and kind(cloud[i]) == cls and cloud_managed(cloud[i])), None)
        dn = norm_dn(o["distinguishedName"])
        if included is not None and not any(dn == ou or dn.endswith("," + ou) for ou in included):
            counts["out-of-scope"] += 1
            continue
        if out_of_box_filter(o):
            counts["out-of-scope"] += 1
            continue
        if managed is not None:
            counts["cloud-managed"] += 1
            continue
        if anchor in anchors:
            counts["error"] += 1
            continue
        if linked is not None:
            if linked in taken:
                counts["error"] += 1
                continue
            taken[linked] = n
            count(n, o, anchor, write_values(n, o, linked, False, linked_update=True) or "linked")
            continue
        # A6: the cloud object this object was exported to carries another ImmutableID.
        if any(active_synced(i) and kind(cloud[i]) == cls and cloud[i].get("onPremisesImmutableId")
               and cloud[i]["onPremisesImmutableId"] != anchor for i in by_oid.get(guid, [])):
            counts["error"] += 1
            continue

        # M3 hard match.
        candidates = by_iid.get(anchor, [])
        hard = next((i for i in candidates if cloud[i].get("deletedDateTime") is None),
                    candidates[0] if candidates else None)
        if hard is not None and (cls == "user" or (cls == "group" and features["groupHardMatch"])):
            c = cloud[hard]
            if kind(c) != cls:
                counts["error"] += 1
                continue
            if c.get("onPremisesSyncEnabled") is not True and \
                    features["blockCloudObjectTakeoverThroughHardMatchEnabled"]:
                counts["error"] += 1
                continue
            if features["hardMatchHardening"]:
                oid = c.get("onPremisesObjectIdentifier")
                remapped = oid and oid.strip().lower() != o["objectGUID"].lower()
                if has_role(c) or (remapped and not
                                   features["allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled"]):
                    counts["error"] += 1
                    continue
            if hard in taken:
                counts["error"] += 1
                continue
            taken[hard] = n
            restore = c.get("deletedDateTime") is not None
            count(n, o, anchor,
                  write_values(n, o, hard, False) or ("restore" if restore else "hard-match"))
            continue

        # M4, M5 soft match.
        candidate, via = None, None
        mail_enabled = bool(o.get("mail")) or bool(smtp_proxies(o.get("proxyAddresses")))
        if not features["blockSoftMatchEnabled"] and (cls == "user" or mail_enabled):
            def eligible(found):
                for i in found:
                    c = cloud[i]
                    unified = kind(c) == "group" and any(t.lower() == "unified" for t in c.get("groupTypes") or [])
                    if not unified and i not in taken:
                        return i
                return None
            p = primary_smtp(o)
            if p and not discarded(p):
                index = by_smtp if features["smtpMatchAnyProxy"] else by_primary
                candidate, via = eligible(index.get(p.lower(), [])), "soft-match-smtp"
            if candidate is None and cls == "user" and features["softMatchOnUpnEnabled"] \
                    and o.get("userPrincipalName"):
                candidate, via = eligible(by_upn.get(o["userPrincipalName"].lower(), [])), "soft-match-upn"
        if candidate is not None:
            c = cloud[candidate]
            if kind(c) != cls:
                counts["error"] += 1
                continue
            iid = c.get("onPremisesImmutableId")
            other_anchor = bool(iid) and iid != anchor
            # M6 (r2): an SMTP candidate synced from another object fails to provision
            # (AttributeValueMustBeUnique), unless the older reading is chosen.
            if other_anchor and not features["softMatchConflictQuarantines"] \
                    and via == "soft-match-smtp" and cls == "user":
                counts["error"] += 1
                continue
            # M6: synced from another object, or a role holder: provision instead.
            if not other_anchor and not (kind(c) == "user" and has_role(c)):
                taken[candidate] = n
                count(n, o, anchor, write_values(n, o, candidate, False) or via)
                continue
        count(n, o, anchor, write_values(n, o, None, True) or "provision")
    return counts


def main():
    if len(sys.argv) != 2:
        print("usage: baseline.py BUNDLE.json", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with open(sys.argv[1], "rb") as f:
        bundle = json.load(f)
    loaded = time.perf_counter()
    counts = join(bundle)
    joined = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"load": loaded - started, "join": joined - loaded,
                      "peak_bytes": peak, "counts": counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
