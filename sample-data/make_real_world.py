#!/usr/bin/env python3
"""Writes sample-data/exports-formats/real-world/ from the other sample exports: the formats real
tools write that syncscope once misread (issue 11). Run from the repository root.

- ad-users-semicolon.csv: Windows PowerShell 5.1 `Export-Csv -UseCulture` (semicolons, #TYPE, UTF-8 BOM)
- ad-groups-utf16le-semicolon.csv: the same with `-Encoding Unicode` (UTF-16LE with BOM)
- ad-contacts-utf16be-tab.csv: `-Delimiter "`t"` in UTF-16BE without a BOM
- graph-users-default-properties.json: GET /users without $select (Graph's default properties)
- globaladmin-members.json: GET /directoryRoles/{id}/members (a #directoryObjects list)
- deleted-users-no-deletedDateTime.json: deleted users saved with a $select lacking deletedDateTime
- desktop.ini: what Windows Explorer leaves in a folder
- ad-cut.ldf: an ldifde export cut at a line end inside its fourth record
"""
import codecs, json, os, re

D = 'sample-data/exports-formats/real-world/'
SRC = 'sample-data/exports-formats/powershell-5.1-csv/'
os.makedirs(D, exist_ok=True)


def conv(name, out, delim, enc, bom):
    text = open(SRC + name, encoding='utf-8-sig').read().replace('\r\n', '\n')
    lines = []
    for l in text.split('\n'):
        lines.append(l if l.startswith('#TYPE') or not l else l.replace('","', '"' + delim + '"'))
    open(D + out, 'wb').write(bom + '\r\n'.join(lines).encode(enc))


conv('users.csv', 'ad-users-semicolon.csv', ';', 'utf-8', codecs.BOM_UTF8)
conv('groups.csv', 'ad-groups-utf16le-semicolon.csv', ';', 'utf-16-le', codecs.BOM_UTF16_LE)
conv('contacts.csv', 'ad-contacts-utf16be-tab.csv', '\t', 'utf-16-be', b'')

u = json.load(open('sample-data/exports/users-2.json'))
default = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
           'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id']
vals = [{k: (x.get(k) if k in x else ([] if k == 'businessPhones' else None)) for k in default}
        for x in u['value'][:6]]
json.dump({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": vals},
          open(D + 'graph-users-default-properties.json', 'w'), indent=2)

members = [{"@odata.type": "#microsoft.graph.user", "id": x['id'], "displayName": x.get('displayName'),
            "userPrincipalName": x.get('userPrincipalName'), "mail": None} for x in u['value'][:3]]
json.dump({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": members},
          open(D + 'globaladmin-members.json', 'w'), indent=2)

d = json.load(open('sample-data/exports/deletedItems-users.json'))
dv = []
for x in d['value']:
    x = dict(x)
    x.pop('deletedDateTime', None)
    dv.append(x)
sel = re.search(r'#users\((.*)\)', d['@odata.context']).group(1).replace(',deletedDateTime', '')
json.dump({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directory/deletedItems/microsoft.graph.user(" + sel + ")",
           "value": dv}, open(D + 'deleted-users-no-deletedDateTime.json', 'w'), indent=2)

open(D + 'desktop.ini', 'wb').write(
    b'[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n[ViewState]\r\nMode=\r\nVid=\r\nFolderType=Generic\r\n')

ldf = open('sample-data/exports/contoso-ad.ldf', 'rb').read().decode()
recs = ldf.split('\r\n\r\n')
fourth = recs[3].split('\r\n')
cut_at = [i for i, l in enumerate(fourth) if l.startswith('objectGUID')][0]
cut = '\r\n\r\n'.join(recs[:3]) + '\r\n\r\n' + '\r\n'.join(fourth[:cut_at + 1]) + '\r\n'
open(D + 'ad-cut.ldf', 'w', newline='').write(cut)
