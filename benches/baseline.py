#!/usr/bin/env python3
"""The straightforward baseline for the scale benchmark (issue 7), standard library only.

Loads a bundle with json.load, indexes the cloud objects in dicts by ImmutableID, SID, UPN and
SMTP address, and for each on-prem object in input order does what the planner does: scope,
linked, hard match, soft match on primary SMTP, soft match on UPN, else provision, with the
uniqueness checks (claims earlier in the cycle, active holders, the recycle bin) that decide
between a quarantine and an error. No explanation trace and no placeholder UPNs: only the result
of each object, counted.

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
           "provision", "error", "out-of-scope"]
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
    for i, c in enumerate(cloud):
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

    def verified(domain):
        d = domains.get(domain)
        return domain == initial or bool(d and d.get("isVerified"))

    counts = dict.fromkeys(RESULTS, 0)
    claims = {}     # (namespace, folded value) -> holder
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
        return None

    for n, o in enumerate(bundle.get("onPremises") or []):
        anchor = anchor_of(o, source_anchor)
        cls = o["objectClass"]
        linked = next((i for i in by_iid.get(anchor, []) if active_synced(i)), None)
        if linked is None and cls == "group" and o.get("objectSid"):
            linked = next((i for i in by_sid.get(o["objectSid"].lower(), [])
                           if kind(cloud[i]) == "group" and active_synced(i)), None)
        dn = norm_dn(o["distinguishedName"])
        if included is not None and not any(dn == ou or dn.endswith("," + ou) for ou in included):
            counts["out-of-scope"] += 1
            continue
        if linked is not None:
            if linked in taken:
                counts["error"] += 1
                continue
            taken[linked] = n
            counts[write_values(n, o, linked, False, linked_update=True) or "linked"] += 1
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
            counts[write_values(n, o, hard, False) or ("restore" if restore else "hard-match")] += 1
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
            # M6: synced from another object, or a role holder: provision instead.
            if not (iid and iid != anchor) and not (kind(c) == "user" and has_role(c)):
                taken[candidate] = n
                counts[write_values(n, o, candidate, False) or via] += 1
                continue
        counts[write_values(n, o, None, True) or "provision"] += 1
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
