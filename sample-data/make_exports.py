#!/usr/bin/env python3
"""Writes the sample exports of the Contoso tenant from sample-data/contoso.json.

    python3 sample-data/make_exports.py

sample-data/exports/            the folder `syncscope sample-data/exports/` opens: the on-prem side
                                as ldifde writes it, the cloud side as Microsoft Graph returns it
                                (saved with Invoke-MgGraphRequest -OutputFilePath), and connect.json.
sample-data/exports-formats/    the on-prem side again in the other formats syncscope reads:
                                csvde -u, OpenLDAP ldapsearch, Windows PowerShell 5.1 Export-Csv,
                                PowerShell 7 ConvertTo-Json.

Every file is deterministic (operational attributes such as whenCreated are derived from the
objectGUID), so running this again after contoso.json changes gives a reviewable diff. The
commands that produce each file on a real system are in docs/importing.md.
"""

import base64
import hashlib
import json
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE = json.load(open(os.path.join(HERE, "contoso.json"), encoding="utf-8"))
OUT = os.path.join(HERE, "exports")
FORMATS = os.path.join(HERE, "exports-formats")
GRAPH = "https://graph.microsoft.com/v1.0/"
BETA = "https://graph.microsoft.com/beta/"
DOMAIN_DN = "DC=contoso,DC=com"
SCHEMA = "CN=Schema,CN=Configuration," + DOMAIN_DN
TENANT_ID = "4f1c2b8e-7d3a-4e59-9b61-0c2d5e8f3a17"


def h(seed, n=8):
    """A deterministic integer from a seed."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:n], 16)


def guid_bytes(text):
    return uuid.UUID(text).bytes_le


def b64(data):
    return base64.b64encode(data).decode()


def consistency_bytes(value):
    if not value:
        return None
    if "-" in value:
        return guid_bytes(value)
    return base64.b64decode(value)


def sid_bytes(sid):
    parts = sid.split("-")
    rev, auth, subs = int(parts[1]), int(parts[2]), [int(p) for p in parts[3:]]
    out = bytes([rev, len(subs)]) + auth.to_bytes(6, "big")
    for s in subs:
        out += s.to_bytes(4, "little")
    return out


def rdn_value(dn):
    first, i, escaped = "", 0, False
    while i < len(dn):
        c = dn[i]
        if escaped:
            first += c
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == ",":
            break
        else:
            first += c
        i += 1
    return first.split("=", 1)[1]


def generalized(seed, first_year, years=5, months=12):
    """An LDAP GeneralizedTime derived from the seed."""
    n = h(seed)
    return "%04d%02d%02d%02d%02d%02d.0Z" % (
        first_year + n % years, 1 + n % months, 1 + n % 28, n % 24, (n >> 5) % 60, (n >> 11) % 60)


def filetime(seed):
    return str(133_700_000_000_000_000 + h(seed, 12) % 30_000_000_000_000)


def uac(o):
    return o.get("userAccountControl", 512)


def ad_attributes(o):
    """The attributes of an on-prem object in the order Active Directory returns them."""
    kind, g = o["objectClass"], o["objectGUID"]
    dn, cn = o["distinguishedName"], rdn_value(o["distinguishedName"])
    a = []
    add = lambda k, v: a.append((k, v)) if v not in (None, "", []) else None
    for c in {"user": ["top", "person", "organizationalPerson", "user"],
              "contact": ["top", "person", "organizationalPerson", "contact"],
              "group": ["top", "group"]}[kind]:
        add("objectClass", c)
    add("cn", cn)
    add("sn", o.get("sn"))
    add("title", o.get("title"))
    add("description", o.get("description"))
    add("givenName", o.get("givenName"))
    add("distinguishedName", dn)
    add("instanceType", "4")
    add("whenCreated", generalized(g, 2019))
    add("whenChanged", generalized(g + "c", 2026, years=1, months=11))
    add("displayName", o.get("displayName"))
    add("uSNCreated", str(12000 + h(g) % 40000))
    add("uSNChanged", str(60000 + h(g + "u") % 90000))
    add("department", o.get("department"))
    add("company", o.get("company"))
    for p in o.get("proxyAddresses") or []:
        add("proxyAddresses", p)
    if kind == "contact":
        add("targetAddress", o.get("targetAddress"))
    add("name", cn)
    add("objectGUID", guid_bytes(g))
    if o.get("isCriticalSystemObject"):
        add("isCriticalSystemObject", "TRUE")
    if kind == "user":
        add("userAccountControl", str(uac(o)))
        for k in ("badPwdCount", "codePage", "countryCode"):
            add(k, "0")
        add("badPasswordTime", "0")
        add("lastLogoff", "0")
        add("lastLogon", filetime(g + "l"))
        add("pwdLastSet", filetime(g + "p"))
        add("primaryGroupID", "513")
    if o.get("objectSid"):
        add("objectSid", sid_bytes(o["objectSid"]))
    if kind == "user":
        add("accountExpires", "9223372036854775807")
        add("logonCount", str(h(g + "n") % 900))
    add("sAMAccountName", o.get("sAMAccountName"))
    if kind == "user":
        add("sAMAccountType", "805306368")
        add("userPrincipalName", o.get("userPrincipalName"))
    if kind == "group":
        security = (o.get("groupType") or 0) < 0
        add("sAMAccountType", "268435456" if security else "268435457")
        add("groupType", str(o.get("groupType")))
    add("objectCategory", ("CN=Group," if kind == "group" else "CN=Person,") + SCHEMA)
    add("dSCorePropagationData", generalized(g + "d", 2025, years=1))
    add("dSCorePropagationData", "16010101000000.0Z")
    if kind == "user":
        add("lastLogonTimestamp", filetime(g + "t"))
        add("mS-DS-ConsistencyGuid", consistency_bytes(o.get("mS-DS-ConsistencyGuid")))
    add("mail", o.get("mail"))
    add("mailNickname", o.get("mailNickname"))
    if o.get("msExchRecipientTypeDetails") is not None:
        add("msExchRecipientTypeDetails", str(o["msExchRecipientTypeDetails"]))
    if kind == "user":
        add("targetAddress", o.get("targetAddress"))
    return a


def safe(value):
    """RFC 2849 SAFE-STRING: otherwise the value is written base64 (`::`)."""
    return value.isascii() and not value.startswith((" ", ":", "<")) and not value.endswith(" ") \
        and not any(c in value for c in "\r\n\0")


def ldif_line(name, value):
    if isinstance(value, bytes):
        return f"{name}:: {b64(value)}"
    if safe(value):
        return f"{name}: {value}"
    return f"{name}:: {b64(value.encode())}"


def fold(line, width):
    out, rest = [line[:width]], line[width:]
    while rest:
        out.append(" " + rest[:width - 1])
        rest = rest[width - 1:]
    return out


def write(path, text, encoding="utf-8", newline="\r\n", bom=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.replace("\n", newline).encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    if bom and encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    with open(path, "wb") as f:
        f.write(data)


# ---- ldifde ---------------------------------------------------------------------------------

def ldifde():
    """ldifde -f contoso-ad.ldf -d "DC=contoso,DC=com" -r "<filter>": a blank line before each
    entry, `changetype: add`, lines folded at 80 columns, binary and non-ASCII values in base64."""
    lines = []
    for o in BUNDLE["onPremises"]:
        lines.append("")
        lines += fold(ldif_line("dn", o["distinguishedName"]), 80)
        lines.append("changetype: add")
        for k, v in ad_attributes(o):
            lines += fold(ldif_line(k, v), 80)
    lines.append("")
    write(os.path.join(OUT, "contoso-ad.ldf"), "\n".join(lines) + "\n")


# ---- ldapsearch -----------------------------------------------------------------------------

LDAP_ATTRS = ["objectClass", "cn", "sn", "givenName", "distinguishedName", "displayName",
              "department", "title", "company", "description", "name", "objectGUID",
              "userAccountControl", "objectSid", "sAMAccountName", "userPrincipalName",
              "groupType", "mail", "mailNickname", "proxyAddresses", "targetAddress",
              "mS-DS-ConsistencyGuid", "isCriticalSystemObject", "msExchRecipientTypeDetails"]
LDAP_FILTER = "(|(objectCategory=person)(objectCategory=group))"


def ufn(dn):
    parts, dcs = [], []
    for rdn in dn.replace("\\,", "\0").split(","):
        k, v = rdn.split("=", 1)
        v = v.replace("\0", ",")
        (dcs if k.upper() == "DC" else parts).append(v)
    return ", ".join(parts + [".".join(dcs)])


def ldapsearch():
    """ldapsearch -LLL-less output (the default): header comments, one comment per entry, the
    requested attributes in the server's order, lines folded at 78 columns, paged results."""
    want = {a.lower() for a in LDAP_ATTRS}
    lines = ["# extended LDIF", "#", "# LDAPv3",
             f"# base <{DOMAIN_DN}> with scope subtree",
             f"# filter: {LDAP_FILTER}",
             "# requesting: " + " ".join(LDAP_ATTRS),
             "# with pagedResults control: size=1000", "#", ""]
    for o in BUNDLE["onPremises"]:
        lines.append("# " + ufn(o["distinguishedName"]))
        lines += fold(ldif_line("dn", o["distinguishedName"]), 78)
        for k, v in ad_attributes(o):
            if k.lower() in want:
                lines += fold(ldif_line(k, v), 78)
        lines.append("")
    lines += ["# search reference",
              "ref: ldap://ForestDnsZones.contoso.com/DC=ForestDnsZones,DC=contoso,DC=com", "",
              "# search reference",
              "ref: ldap://DomainDnsZones.contoso.com/DC=DomainDnsZones,DC=contoso,DC=com", "",
              "# search reference",
              "ref: ldap://contoso.com/CN=Configuration,DC=contoso,DC=com", "",
              "# search result", "search: 2", "result: 0 Success",
              "control: 1.2.840.113556.1.4.319 false MAUCAQAEAA==",
              "pagedresults: cookie=", "",
              f"# numResponses: {len(BUNDLE['onPremises']) + 4}",
              f"# numEntries: {len(BUNDLE['onPremises'])}",
              "# numReferences: 3"]
    write(os.path.join(FORMATS, "ldapsearch", "contoso-ad.ldif"), "\n".join(lines) + "\n",
          newline="\n")


# ---- csvde ----------------------------------------------------------------------------------

def csv_field(v):
    if any(c in v for c in ',"\r\n') or v != v.strip():
        return '"' + v.replace('"', '""') + '"'
    return v


def csvde():
    """csvde -u -f contoso-ad.csv -d "DC=contoso,DC=com" -r "<filter>": UTF-16LE with a BOM,
    a DN column first, the columns every object has in the order first seen, objectClass as
    the object's own class, binary values as X'hex', multi-values joined with ';'."""
    columns, rows = ["DN"], []
    for o in BUNDLE["onPremises"]:
        row = {"DN": o["distinguishedName"]}
        for k, v in ad_attributes(o):
            if k == "objectClass":
                row[k] = v  # the last (most specific) class
                continue
            v = "X'" + v.hex() + "'" if isinstance(v, bytes) else v
            row[k] = row[k] + ";" + v if k in row and k in ("proxyAddresses", "dSCorePropagationData") else v
        for k in row:
            if k not in columns:
                columns.append(k)
        rows.append(row)
    text = ",".join(columns) + "\n"
    for row in rows:
        text += ",".join(csv_field(row.get(c, "")) for c in columns) + "\n"
    write(os.path.join(FORMATS, "csvde", "contoso-ad.csv"), text, encoding="utf-16-le", bom=True)


# ---- PowerShell -----------------------------------------------------------------------------

def ps_quote(v):
    return '"' + str(v).replace('"', '""') + '"'


def export_csv():
    """Windows PowerShell 5.1: Get-ADUser/Get-ADGroup/Get-ADObject | Select-Object … (with the
    calculated properties of docs/importing.md) | Export-Csv -Encoding UTF8: a #TYPE line, every
    field quoted, UTF-8 with a BOM, CRLF."""
    def rows(kind):
        for o in BUNDLE["onPremises"]:
            if o["objectClass"] != kind:
                continue
            cg = consistency_bytes(o.get("mS-DS-ConsistencyGuid"))
            yield o, {
                "DistinguishedName": o["distinguishedName"],
                "ObjectClass": kind,
                "ObjectGUID": o["objectGUID"],
                "SamAccountName": o.get("sAMAccountName") or "",
                "UserPrincipalName": o.get("userPrincipalName") or "",
                "GivenName": o.get("givenName") or "",
                "Surname": o.get("sn") or "",
                "DisplayName": o.get("displayName") or "",
                "mail": o.get("mail") or "",
                "mailNickname": o.get("mailNickname") or "",
                "proxyAddresses": ";".join(o.get("proxyAddresses") or []),
                "mS-DS-ConsistencyGuid": str(uuid.UUID(bytes_le=cg)) if cg else "",
                "objectSid": o.get("objectSid") or "",
                "groupType": str(o["groupType"]) if o.get("groupType") is not None else "",
                "department": o.get("department") or "",
                "title": o.get("title") or "",
                "company": o.get("company") or "",
                "description": o.get("description") or "",
                "targetAddress": o.get("targetAddress") or "",
                "userAccountControl": str(o["userAccountControl"]) if "userAccountControl" in o else "",
            }
    plan = {
        "users.csv": ("user", "ADUser", ["DistinguishedName", "ObjectClass", "ObjectGUID", "SamAccountName",
                      "UserPrincipalName", "GivenName", "Surname", "DisplayName", "mail", "mailNickname",
                      "proxyAddresses", "mS-DS-ConsistencyGuid", "objectSid", "department", "title",
                      "company", "description", "userAccountControl"]),
        "groups.csv": ("group", "ADGroup", ["DistinguishedName", "ObjectClass", "ObjectGUID", "SamAccountName",
                       "DisplayName", "mail", "mailNickname", "proxyAddresses", "objectSid", "groupType",
                       "description"]),
        "contacts.csv": ("contact", "ADObject", ["DistinguishedName", "ObjectClass", "ObjectGUID",
                         "DisplayName", "mail", "mailNickname", "proxyAddresses", "company",
                         "description", "targetAddress"]),
    }
    for name, (kind, type_name, cols) in plan.items():
        text = f"#TYPE Selected.Microsoft.ActiveDirectory.Management.{type_name}\n"
        text += ",".join(ps_quote(c) for c in cols) + "\n"
        for _, row in rows(kind):
            text += ",".join(ps_quote(row[c]) for c in cols) + "\n"
        write(os.path.join(FORMATS, "powershell-5.1-csv", name), text, bom=True)


def ps_sid(sid):
    domain = "-".join(sid.split("-")[:-1])
    return {"BinaryLength": len(sid_bytes(sid)),
            "AccountDomainSid": {"BinaryLength": len(sid_bytes(domain)), "AccountDomainSid": domain,
                                 "Value": domain},
            "Value": sid}


def convert_to_json():
    """PowerShell 7: Get-ADUser … -Properties … | ConvertTo-Json -Depth 3: properties in the
    ADObject's (alphabetical) order, ObjectGUID as text, SID as an object, byte arrays as
    integer arrays, the ADObject bookkeeping properties at the end."""
    for kind, name in (("user", "users.json"), ("group", "groups.json"), ("contact", "contacts.json")):
        items = []
        for o in BUNDLE["onPremises"]:
            if o["objectClass"] != kind:
                continue
            cn = rdn_value(o["distinguishedName"])
            p = {"DistinguishedName": o["distinguishedName"], "Name": cn, "ObjectClass": kind,
                 "ObjectGUID": o["objectGUID"], "displayName": o.get("displayName"),
                 "mail": o.get("mail"), "mailNickname": o.get("mailNickname"),
                 "proxyAddresses": o.get("proxyAddresses") or [],
                 "description": o.get("description")}
            added = ["displayName", "mail", "mailNickname", "proxyAddresses", "description"]
            if kind == "user":
                cg = consistency_bytes(o.get("mS-DS-ConsistencyGuid"))
                p.update({"Enabled": uac(o) & 2 == 0, "GivenName": o.get("givenName"),
                          "Surname": o.get("sn"), "SamAccountName": o.get("sAMAccountName"),
                          "SID": ps_sid(o["objectSid"]), "UserPrincipalName": o.get("userPrincipalName"),
                          "mS-DS-ConsistencyGuid": list(cg) if cg else None,
                          "department": o.get("department"), "title": o.get("title"),
                          "company": o.get("company"), "userAccountControl": uac(o)})
                added += ["mS-DS-ConsistencyGuid", "department", "title", "company", "userAccountControl"]
            if kind == "group":
                category = "Security" if (o.get("groupType") or 0) < 0 else "Distribution"
                scope = {2: "Global", 4: "DomainLocal", 8: "Universal"}.get((o.get("groupType") or 0) & 14, "Global")
                p.update({"GroupCategory": category, "GroupScope": scope,
                          "SamAccountName": o.get("sAMAccountName"), "SID": ps_sid(o["objectSid"]),
                          "groupType": o.get("groupType")})
                added += ["groupType"]
            if kind == "contact":
                p.update({"company": o.get("company"), "targetAddress": o.get("targetAddress")})
                added += ["company", "targetAddress"]
            ordered = {k: p[k] for k in sorted(p, key=str.lower)}
            ordered["PropertyNames"] = sorted(p, key=str.lower)
            ordered["AddedProperties"] = []
            ordered["RemovedProperties"] = []
            ordered["ModifiedProperties"] = []
            ordered["PropertyCount"] = len(p)
            items.append(ordered)
        write(os.path.join(FORMATS, "powershell-7-json", name),
              json.dumps(items, indent=2, ensure_ascii=False) + "\n")


# ---- Microsoft Graph ------------------------------------------------------------------------

USER_SELECT = ["id", "displayName", "userPrincipalName", "mail", "mailNickname", "proxyAddresses",
               "userType", "accountEnabled", "department", "assignedLicenses", "onPremisesImmutableId",
               "onPremisesSyncEnabled", "onPremisesLastSyncDateTime", "onPremisesSamAccountName",
               "onPremisesDistinguishedName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
               "onPremisesObjectIdentifier", "onPremisesProvisioningErrors", "deletedDateTime",
               "onPremisesSyncBehavior"]
GROUP_SELECT = ["id", "displayName", "description", "mail", "mailNickname", "mailEnabled",
                "securityEnabled", "groupTypes", "proxyAddresses", "onPremisesSyncEnabled",
                "onPremisesLastSyncDateTime", "onPremisesSamAccountName", "onPremisesSecurityIdentifier",
                "onPremisesProvisioningErrors", "deletedDateTime"]
CONTACT_SELECT = ["id", "displayName", "mail", "mailNickname", "proxyAddresses", "onPremisesSyncEnabled",
                  "onPremisesLastSyncDateTime", "onPremisesProvisioningErrors", "deletedDateTime"]


def graph_object(c, select):
    out = {}
    for k in select:
        v = c.get(k)
        if k == "assignedLicenses":
            v = [{"disabledPlans": [], "skuId": l["skuId"]} for l in c.get("assignedLicenses") or []]
        elif k == "onPremisesProvisioningErrors":
            v = [{"category": e.get("category", "PropertyConflict"), "occurredDateTime": e.get("occurredDateTime"),
                  "propertyCausingError": e["propertyCausingError"], "value": e["value"]}
                 for e in c.get(k) or []]
        elif k in ("proxyAddresses", "groupTypes"):
            v = v or []
        out[k] = v
    return out


def context(entity_set, select, base=GRAPH):
    return base + "$metadata#" + entity_set + "(" + ",".join(select) + ")"


def compact(doc):
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def skiptoken(seed):
    return "RFNwdAIAAQAAACM6" + b64(hashlib.sha256(seed.encode()).digest())[:40].replace("+", "-").replace("/", "_")


def graph():
    cloud = BUNDLE["cloud"]
    active = lambda t: [c for c in cloud if c["objectType"] == t and not c.get("deletedDateTime")]

    # Users, saved page by page (a page size of 25 shows the paging), from the beta endpoint:
    # onPremisesSyncBehavior (M10) is a beta property.
    users = [graph_object(c, USER_SELECT) for c in active("user")]
    pages = [users[i:i + 25] for i in range(0, len(users), 25)]
    query = "users?$select=" + ",".join(USER_SELECT) + "&$top=25"
    for n, page in enumerate(pages, 1):
        doc = {"@odata.context": context("users", USER_SELECT, BETA)}
        if n < len(pages):
            doc["@odata.nextLink"] = BETA + query + "&$skiptoken=" + skiptoken(str(n))
        doc["value"] = page
        write(os.path.join(OUT, f"users-{n}.json"), compact(doc), newline="\n")

    for name, t, select, entity in (("groups.json", "group", GROUP_SELECT, "groups"),
                                    ("contacts.json", "contact", CONTACT_SELECT, "contacts")):
        doc = {"@odata.context": context(entity, select),
               "value": [graph_object(c, select) for c in active(t)]}
        write(os.path.join(OUT, name), compact(doc), newline="\n")

    deleted = [c for c in cloud if c.get("deletedDateTime")]
    for t, select in (("user", USER_SELECT), ("group", GROUP_SELECT)):
        items = [graph_object(c, select) for c in deleted if c["objectType"] == t]
        if items:
            doc = {"@odata.context": context(t + "s", select, BETA if t == "user" else GRAPH), "value": items}
            write(os.path.join(OUT, f"deletedItems-{t}s.json"), compact(doc), newline="\n")

    # Directory roles with their members, and PIM eligibility.
    templates = {"Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
                 "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
                 "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
                 "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
                 "Directory Synchronization Accounts": "d29b2b05-8046-44ba-8758-1e26182fcf32"}
    descriptions = {"Global Administrator": "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
                    "User Administrator": "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
                    "Exchange Administrator": "Can manage all aspects of the Exchange product.",
                    "Directory Synchronization Accounts": "Only used by Microsoft Entra Connect service."}
    assigned = {}
    eligible = []
    for c in cloud:
        for r in c.get("directoryRoles") or []:
            assigned.setdefault(r, []).append(c)
        for r in c.get("eligibleDirectoryRoles") or []:
            eligible.append((r, c))
    assigned.setdefault("Directory Synchronization Accounts", [])
    roles = []
    for r in sorted(assigned, key=lambda r: templates.get(r, r)):
        members = [{"@odata.type": "#microsoft.graph." + ("user" if m["objectType"] == "user" else m["objectType"]),
                    "id": m["id"], "displayName": m["displayName"],
                    "userPrincipalName": m.get("userPrincipalName")} for m in assigned[r]]
        if r == "Directory Synchronization Accounts":
            # The Connect sync account: an application, not a synced object.
            members.append({"@odata.type": "#microsoft.graph.servicePrincipal",
                            "id": "8d2b0f5e-3c7a-4f1e-9a6b-2e4c8d0f1a3b",
                            "displayName": "ConnectSyncProvisioning_CONNECT01_3f9a1c2b7d4e"})
        roles.append({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, TENANT_ID + r)), "deletedDateTime": None,
                      "description": descriptions.get(r, r + "."), "displayName": r,
                      "roleTemplateId": templates.get(r, str(uuid.uuid5(uuid.NAMESPACE_URL, r))),
                      "members": members})
    doc = {"@odata.context": GRAPH + "$metadata#directoryRoles(members(id,displayName,userPrincipalName))",
           "value": roles}
    write(os.path.join(OUT, "directoryRoles.json"), compact(doc), newline="\n")

    schedules = []
    for r, c in eligible:
        sid = str(uuid.uuid5(uuid.NAMESPACE_URL, c["id"] + r))
        schedules.append({
            "id": sid, "principalId": c["id"], "roleDefinitionId": templates[r], "directoryScopeId": "/",
            "appScopeId": None, "createdUsing": sid, "createdDateTime": "2026-09-02T13:12:44.52Z",
            "modifiedDateTime": None, "status": "Provisioned", "memberType": "Direct",
            "scheduleInfo": {"startDateTime": "2026-09-02T13:12:44.52Z", "recurrence": None,
                             "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None}},
            "roleDefinition": {"id": templates[r], "displayName": r}})
    doc = {"@odata.context": GRAPH + "$metadata#roleManagement/directory/roleEligibilitySchedules(roleDefinition(id,displayName))",
           "value": schedules}
    write(os.path.join(OUT, "roleEligibilitySchedules.json"), compact(doc), newline="\n")

    # Role definitions with isPrivileged (beta), for the privileged-role check (M3).
    privileged = {"Global Administrator": True, "User Administrator": True, "Exchange Administrator": False,
                  "Helpdesk Administrator": True, "Directory Readers": False,
                  "Directory Synchronization Accounts": False}
    templates["Directory Readers"] = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
    definitions = [{"id": templates[r], "displayName": r, "isBuiltIn": True, "isPrivileged": p,
                    "templateId": templates[r]} for r, p in sorted(privileged.items())]
    doc = {"@odata.context": BETA + "$metadata#roleManagement/directory/roleDefinitions(id,displayName,isBuiltIn,isPrivileged,templateId)",
           "value": definitions}
    write(os.path.join(OUT, "roleDefinitions.json"), compact(doc), newline="\n")

    # Domains.
    tenant = BUNDLE["tenant"]
    domains = []
    for d in tenant["domains"]:
        initial = d["id"] == tenant["initialDomain"]
        verified = d.get("isVerified", False)
        domains.append({
            "authenticationType": d.get("authenticationType", "Managed"), "availabilityStatus": None,
            "id": d["id"], "isAdminManaged": not initial, "isDefault": d["id"] == "contoso.com",
            "isInitial": initial, "isRoot": True,
            "isVerified": verified,
            "supportedServices": (["Email", "OfficeCommunicationsOnline"] if verified else []),
            "passwordValidityPeriodInDays": 2147483647, "passwordNotificationWindowInDays": 14,
            "state": None})
    write(os.path.join(OUT, "domains.json"),
          compact({"@odata.context": GRAPH + "$metadata#domains", "value": domains}), newline="\n")

    # onPremisesSynchronization: every feature Graph lists, in its order.
    f = tenant.get("features", {})
    features = {
        "passwordSyncEnabled": f.get("passwordSyncEnabled", True),
        "passwordWritebackEnabled": False,
        "directoryExtensionsEnabled": False,
        "quarantineUponUpnConflictEnabled": f.get("quarantineUponUpnConflictEnabled", True),
        "quarantineUponProxyAddressesConflictEnabled": f.get("quarantineUponProxyAddressesConflictEnabled", True),
        "softMatchOnUpnEnabled": f.get("softMatchOnUpnEnabled", True),
        "cloudPasswordPolicyForPasswordSyncedUsersEnabled": False,
        "fopeConflictResolutionEnabled": False,
        "unifiedGroupWritebackEnabled": False,
        "userWritebackEnabled": False,
        "deviceWritebackEnabled": False,
        "synchronizeUpnForManagedUsersEnabled": f.get("synchronizeUpnForManagedUsersEnabled", True),
        "userForcePasswordChangeOnLogonEnabled": False,
        "concurrentOrgIdProvisioningEnabled": True,
        "concurrentCredentialUpdateEnabled": False,
        "groupWriteBackEnabled": False,
        "blockSoftMatchEnabled": f.get("blockSoftMatchEnabled", False),
        "blockCloudObjectTakeoverThroughHardMatchEnabled": f.get("blockCloudObjectTakeoverThroughHardMatchEnabled", False),
        "bypassDirSyncOverridesEnabled": False,
        "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled": f.get("allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled", False),
    }
    threshold = BUNDLE.get("connect", {}).get("deletionThreshold", 500)
    doc = {"@odata.context": GRAPH + "$metadata#directory/onPremisesSynchronization",
           "value": [{"id": TENANT_ID,
                      "configuration": {"accidentalDeletionPrevention": {
                          "synchronizationPreventionType": "enabledForCount", "alertThreshold": threshold}},
                      "features": features}]}
    write(os.path.join(OUT, "onPremisesSynchronization.json"), compact(doc), newline="\n")


def connect():
    c = BUNDLE.get("connect", {})
    doc = {"sourceAnchor": c.get("sourceAnchor", "mS-DS-ConsistencyGuid"),
           "includedOUs": c.get("includedOUs")}
    if BUNDLE.get("capturedDateTime"):
        doc["capturedDateTime"] = BUNDLE["capturedDateTime"]
    write(os.path.join(OUT, "connect.json"), json.dumps(doc, indent=2) + "\n", newline="\n")


if __name__ == "__main__":
    ldifde()
    graph()
    connect()
    ldapsearch()
    csvde()
    export_csv()
    convert_to_json()
    print("wrote", OUT, "and", FORMATS)
