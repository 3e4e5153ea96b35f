//! Remediation scripts for the real tenant: Microsoft Graph PowerShell for the cloud side,
//! ActiveDirectory PowerShell for the on-prem side, `Start-ADSyncSyncCycle` where a sync is due,
//! and a verification after each change. Every value from the snapshot is quoted with
//! [`ps_quote`] so no attribute (quotes, `$()`, backticks, newlines) can run as code; ids are
//! GUIDs the reader already validated.

use crate::anchor::Anchor;
use crate::quote::{SCRIPT_BOM, ps_comment, ps_quote};
use std::fmt::Write as _;
use uuid::Uuid;

/// Where a command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Cloud,
    OnPrem,
    ConnectServer,
}

/// One change to make in the real tenant or directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    RemoveRole {
        user: Uuid,
        role: String,
        eligible: bool,
    },
    AddRole {
        user: Uuid,
        role: String,
        eligible: bool,
    },
    /// Remove-MgUser (to the recycle bin) and Remove-MgDirectoryDeletedItem (purge).
    DeleteAndPurge {
        object: Uuid,
    },
    Restore {
        object: Uuid,
    },
    SetImmutableId {
        user: Uuid,
        value: Anchor,
    },
    ClearImmutableId {
        user: Uuid,
    },
    SetCloudUpn {
        user: Uuid,
        upn: String,
    },
    SetOnPremUpn {
        object: Uuid,
        upn: String,
    },
    SetOnPremMail {
        object: Uuid,
        mail: String,
    },
    SetOnPremProxyAddresses {
        object: Uuid,
        values: Vec<String>,
    },
    SetConsistencyGuid {
        object: Uuid,
        value: Anchor,
    },
    MoveOnPrem {
        object: Uuid,
        target_ou: String,
    },
    DeltaSync,
    /// W5: `Set-ADUser -Replace @{'mS-DS-ConsistencyGuid' = [byte[]](…)}` with the 16 bytes of a
    /// cloud object's ImmutableID (A1).
    ReAnchor {
        object: Uuid,
        immutable_id: Anchor,
    },
    /// X4: clear (never set) a cloud user's onPremisesObjectIdentifier.
    ClearOnPremisesObjectIdentifier {
        user: Uuid,
    },
    /// W1 (r2): wait for the running sync cycle to end (Get-ADSyncScheduler).
    WaitForSyncCycle,
    /// W1 (r2): stop unless the cloud user is synced with this ImmutableID (the match happened).
    CheckMatch {
        user: Uuid,
        immutable_id: String,
    },
    /// Set (or, with `None`, clear) one single-valued on-prem attribute; `attribute` is an LDAP
    /// name from syncscope's own code, never from the snapshot.
    SetOnPremAttribute {
        object: Uuid,
        attribute: &'static str,
        value: Option<String>,
    },
    /// Remove-MgDirectoryDeletedItem: purge an object already in the recycle bin (Q5).
    PurgeDeleted {
        object: Uuid,
    },
}

fn id(u: &Uuid) -> String {
    ps_quote(&u.to_string())
}

/// `$role`: the activated directory role with this display name (assigned roles).
fn role_lookup(role: &str) -> String {
    format!(
        "$role = Get-MgDirectoryRole -All | Where-Object DisplayName -ceq {}",
        ps_quote(role)
    )
}

/// `$definition`: the role definition with this display name (PIM eligibility).
fn definition_lookup(role: &str) -> String {
    format!(
        "$definition = Get-MgRoleManagementDirectoryRoleDefinition -All | Where-Object DisplayName -ceq {}",
        ps_quote(role)
    )
}

impl Command {
    pub fn side(&self) -> Side {
        match self {
            Command::SetOnPremUpn { .. }
            | Command::SetOnPremMail { .. }
            | Command::SetOnPremProxyAddresses { .. }
            | Command::SetConsistencyGuid { .. }
            | Command::ReAnchor { .. }
            | Command::MoveOnPrem { .. }
            | Command::SetOnPremAttribute { .. } => Side::OnPrem,
            Command::DeltaSync | Command::WaitForSyncCycle => Side::ConnectServer,
            _ => Side::Cloud,
        }
    }

    /// The PowerShell lines that make the change.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Command::RemoveRole {
                user,
                role,
                eligible: false,
            } => vec![
                role_lookup(role),
                format!(
                    "Remove-MgDirectoryRoleMemberByRef -DirectoryRoleId $role.Id -DirectoryObjectId {}",
                    id(user)
                ),
            ],
            Command::RemoveRole {
                user,
                role,
                eligible: true,
            } => vec![
                definition_lookup(role),
                format!(
                    "New-MgRoleManagementDirectoryRoleEligibilityScheduleRequest -BodyParameter @{{ Action = 'adminRemove'; PrincipalId = {}; RoleDefinitionId = $definition.Id; DirectoryScopeId = '/' }}",
                    id(user)
                ),
            ],
            Command::AddRole {
                user,
                role,
                eligible: false,
            } => vec![
                role_lookup(role),
                format!(
                    "New-MgDirectoryRoleMemberByRef -DirectoryRoleId $role.Id -BodyParameter @{{ '@odata.id' = 'https://graph.microsoft.com/v1.0/directoryObjects/' + {} }}",
                    id(user)
                ),
            ],
            Command::AddRole {
                user,
                role,
                eligible: true,
            } => vec![
                definition_lookup(role),
                format!(
                    "New-MgRoleManagementDirectoryRoleEligibilityScheduleRequest -BodyParameter @{{ Action = 'adminAssign'; PrincipalId = {}; RoleDefinitionId = $definition.Id; DirectoryScopeId = '/'; ScheduleInfo = @{{ StartDateTime = (Get-Date); Expiration = @{{ Type = 'noExpiration' }} }} }}",
                    id(user)
                ),
            ],
            Command::DeleteAndPurge { object } => vec![
                format!("Remove-MgUser -UserId {}", id(object)),
                format!(
                    "Remove-MgDirectoryDeletedItem -DirectoryObjectId {}",
                    id(object)
                ),
            ],
            Command::Restore { object } => {
                vec![format!(
                    "Restore-MgDirectoryDeletedItem -DirectoryObjectId {}",
                    id(object)
                )]
            }
            Command::SetImmutableId { user, value } => vec![format!(
                "Update-MgUser -UserId {} -OnPremisesImmutableId {}",
                id(user),
                ps_quote(&value.immutable_id())
            )],
            Command::ClearImmutableId { user } => vec![format!(
                "Invoke-MgGraphRequest -Method PATCH -Uri ('https://graph.microsoft.com/v1.0/users/' + {}) -Body '{{\"onPremisesImmutableId\": null}}' -ContentType 'application/json'",
                id(user)
            )],
            Command::SetCloudUpn { user, upn } => vec![format!(
                "Update-MgUser -UserId {} -UserPrincipalName {}",
                id(user),
                ps_quote(upn)
            )],
            Command::SetOnPremUpn { object, upn } => vec![format!(
                "Set-ADUser -Identity {} -UserPrincipalName {}",
                id(object),
                ps_quote(upn)
            )],
            Command::SetOnPremMail { object, mail } => vec![format!(
                "Set-ADObject -Identity {} -Replace @{{ mail = {} }}",
                id(object),
                ps_quote(mail)
            )],
            Command::SetOnPremProxyAddresses { object, values } => {
                let list: Vec<String> = values.iter().map(|v| ps_quote(v)).collect();
                if list.is_empty() {
                    vec![format!(
                        "Set-ADObject -Identity {} -Clear proxyAddresses",
                        id(object)
                    )]
                } else {
                    vec![format!(
                        "Set-ADObject -Identity {} -Replace @{{ proxyAddresses = [string[]]@({}) }}",
                        id(object),
                        list.join(", ")
                    )]
                }
            }
            Command::SetConsistencyGuid { object, value } => vec![format!(
                "Set-ADObject -Identity {} -Replace @{{ 'mS-DS-ConsistencyGuid' = ([guid]{}).ToByteArray() }}",
                id(object),
                ps_quote(&value.guid().to_string())
            )],
            Command::MoveOnPrem { object, target_ou } => vec![format!(
                "Move-ADObject -Identity {} -TargetPath {}",
                id(object),
                ps_quote(target_ou)
            )],
            Command::DeltaSync => vec![
                "# On the Entra Connect server:".into(),
                "Start-ADSyncSyncCycle -PolicyType Delta".into(),
            ],
            Command::ReAnchor {
                object,
                immutable_id,
            } => {
                let bytes: Vec<String> = immutable_id
                    .bytes()
                    .iter()
                    .map(|b| format!("0x{b:02X}"))
                    .collect();
                vec![
                    format!(
                        "# The 16 bytes of ImmutableID {} (A1: Guid.ToByteArray() order)",
                        ps_quote(&immutable_id.immutable_id())
                    ),
                    format!(
                        "Set-ADUser -Identity {} -Replace @{{ 'mS-DS-ConsistencyGuid' = [byte[]]({}) }}",
                        id(object),
                        bytes.join(",")
                    ),
                ]
            }
            Command::ClearOnPremisesObjectIdentifier { user } => vec![
                "# X4: it can only be cleared (set to null), never set; needs User-OnPremisesSyncBehavior.ReadWrite.All and".into(),
                "# Global Administrator or Hybrid Identity Administrator. (ADSyncTools >= 2.5: Clear-ADSyncToolsOnPremisesAttribute -onPremisesObjectIdentifier.)".into(),
                format!(
                    "Invoke-MgGraphRequest -Method PATCH -Uri ('https://graph.microsoft.com/beta/users/' + {}) -Body '{{\"onPremisesObjectIdentifier\": null}}' -ContentType 'application/json'",
                    id(user)
                ),
            ],
            Command::WaitForSyncCycle => vec![
                "# On the Entra Connect server: wait until the cycle has finished.".into(),
                "Start-Sleep -Seconds 30".into(),
                "while ((Get-ADSyncScheduler).SyncCycleInProgress) { Start-Sleep -Seconds 30 }".into(),
            ],
            Command::CheckMatch { user, immutable_id } => vec![
                format!(
                    "$matched = Get-MgUser -UserId {} -Property OnPremisesSyncEnabled,OnPremisesImmutableId",
                    id(user)
                ),
                format!(
                    "if (-not $matched.OnPremisesSyncEnabled -or $matched.OnPremisesImmutableId -cne {}) {{ throw 'The sync did not match the account: do not re-add any role; look at the export errors first.' }}",
                    ps_quote(immutable_id)
                ),
            ],
            Command::SetOnPremAttribute {
                object,
                attribute,
                value: Some(v),
            } => vec![format!(
                "Set-ADObject -Identity {} -Replace @{{ {} = {} }}",
                id(object),
                ps_quote(attribute),
                ps_quote(v)
            )],
            Command::SetOnPremAttribute {
                object,
                attribute,
                value: None,
            } => vec![format!(
                "Set-ADObject -Identity {} -Clear {}",
                id(object),
                ps_quote(attribute)
            )],
            Command::PurgeDeleted { object } => vec![format!(
                "Remove-MgDirectoryDeletedItem -DirectoryObjectId {}",
                id(object)
            )],
        }
    }

    /// A command that shows whether the change took effect.
    pub fn verification(&self) -> String {
        match self {
            Command::RemoveRole { user, .. } | Command::AddRole { user, .. } => format!(
                "Get-MgUserMemberOf -UserId {} -All | Where-Object {{ $_.AdditionalProperties['@odata.type'] -eq '#microsoft.graph.directoryRole' }} | ForEach-Object {{ $_.AdditionalProperties['displayName'] }}",
                id(user)
            ),
            Command::DeleteAndPurge { object } => format!(
                "Get-MgDirectoryDeletedItem -DirectoryObjectId {} -ErrorAction SilentlyContinue  # expect nothing: purged",
                id(object)
            ),
            Command::Restore { object } => format!(
                "Get-MgUser -UserId {} -Property Id,UserPrincipalName,OnPremisesSyncEnabled | Format-List",
                id(object)
            ),
            Command::SetImmutableId { user, .. }
            | Command::ClearImmutableId { user }
            | Command::SetCloudUpn { user, .. } => format!(
                "Get-MgUser -UserId {} -Property UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled | Format-List UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled",
                id(user)
            ),
            Command::SetOnPremUpn { object, .. }
            | Command::SetOnPremMail { object, .. }
            | Command::SetOnPremProxyAddresses { object, .. }
            | Command::SetConsistencyGuid { object, .. }
            | Command::ReAnchor { object, .. }
            | Command::MoveOnPrem { object, .. }
            | Command::SetOnPremAttribute { object, .. } => format!(
                "Get-ADObject -Identity {} -Properties userPrincipalName,mail,proxyAddresses,mS-DS-ConsistencyGuid | Format-List DistinguishedName,userPrincipalName,mail,proxyAddresses,mS-DS-ConsistencyGuid",
                id(object)
            ),
            Command::DeltaSync => {
                "Get-ADSyncConnectorRunStatus  # empty when the cycle has finished".into()
            }
            Command::PurgeDeleted { object } => format!(
                "Get-MgDirectoryDeletedItem -DirectoryObjectId {} -ErrorAction SilentlyContinue  # expect nothing: purged",
                id(object)
            ),
            Command::ClearOnPremisesObjectIdentifier { user } => format!(
                "(Invoke-MgGraphRequest -Method GET -Uri ('https://graph.microsoft.com/beta/users/' + {} + '?$select=onPremisesObjectIdentifier')).onPremisesObjectIdentifier  # expect nothing",
                id(user)
            ),
            Command::WaitForSyncCycle => {
                "(Get-ADSyncScheduler).SyncCycleInProgress  # expect False".into()
            }
            Command::CheckMatch { user, .. } => format!(
                "Get-MgUser -UserId {} -Property UserPrincipalName,OnPremisesSyncEnabled,OnPremisesImmutableId | Format-List UserPrincipalName,OnPremisesSyncEnabled,OnPremisesImmutableId",
                id(user)
            ),
        }
    }
}

/// One step of a script: a heading, the commands, and what the admin should see afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptStep {
    pub title: String,
    pub commands: Vec<Command>,
    pub expect: Option<String>,
}

/// Renders a reviewable script. `title`, `source` and the step texts go into comments as
/// printable ASCII only ([`ps_comment`]), so no code page can end the comment; values are in
/// [`ps_quote`] literals. The text has no BOM; [`write_script`] adds it.
pub fn render_script(title: &str, source: &str, steps: &[ScriptStep]) -> String {
    let comment = ps_comment;
    let sides: Vec<Side> = steps
        .iter()
        .flat_map(|s| s.commands.iter().map(Command::side))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# {}", comment(title));
    let _ = writeln!(out, "# Generated by syncscope from {}.", comment(source));
    let _ = writeln!(
        out,
        "# Review every line before running it. Run the steps in order; each is followed by a check."
    );
    if sides.contains(&Side::Cloud) {
        out.push_str(
            "#\n# Cloud side: Microsoft Graph PowerShell (Install-Module Microsoft.Graph).\n",
        );
        let sync_behavior = steps
            .iter()
            .flat_map(|s| &s.commands)
            .any(|c| matches!(c, Command::ClearOnPremisesObjectIdentifier { .. }));
        out.push_str("Connect-MgGraph -Scopes 'User.ReadWrite.All','Directory.ReadWrite.All','RoleManagement.ReadWrite.Directory'");
        if sync_behavior {
            out.push_str(",'User-OnPremisesSyncBehavior.ReadWrite.All'");
        }
        out.push('\n');
    }
    if sides.contains(&Side::OnPrem) {
        out.push_str("#\n# On-premises side: the ActiveDirectory module (RSAT) on a domain-joined machine.\n");
        out.push_str("Import-Module ActiveDirectory\n");
    }
    out.push_str("$ErrorActionPreference = 'Stop'\n");
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(out, "\n# --- Step {}: {}", i + 1, comment(&step.title));
        if step.commands.is_empty() {
            out.push_str("# (nothing to run for this step)\n");
        }
        for c in &step.commands {
            for line in c.lines() {
                out.push_str(&line);
                out.push('\n');
            }
            let _ = writeln!(out, "# Check:");
            let _ = writeln!(out, "{}", c.verification());
        }
        if let Some(e) = &step.expect {
            let _ = writeln!(out, "# Expected: {}", comment(e));
        }
    }
    out
}

/// The bytes of a script file: UTF-8 with a BOM (Windows PowerShell 5.1 reads a BOM-less file
/// in the ANSI code page).
pub fn script_bytes(text: &str) -> Vec<u8> {
    let body = text.strip_prefix(SCRIPT_BOM).unwrap_or(text);
    let mut bytes = Vec::with_capacity(body.len() + 3);
    bytes.extend_from_slice(SCRIPT_BOM.as_bytes());
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// Writes a file the explorer or a command produced, atomically, refusing to replace an
/// existing file unless `overwrite`. A PowerShell script (anything but a JSON document, such as
/// a saved scenario or bundle, which is written as it is) is written as UTF-8 with a BOM.
pub fn write_script(path: &std::path::Path, text: &str, overwrite: bool) -> std::io::Result<()> {
    let replace = if overwrite {
        crate::atomic::Replace::Allowed
    } else {
        crate::atomic::Replace::Never
    };
    let is_ps1 = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ps1") || e.eq_ignore_ascii_case("psm1"));
    let json = text.trim_start().starts_with(['{', '[']);
    let bytes = if is_ps1 || !json {
        script_bytes(text)
    } else {
        text.as_bytes().to_vec()
    };
    crate::atomic::write_file(path, &bytes, replace, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: [&str; 6] = [
        "O'Brien",
        "$(Remove-Item C:\\ -Recurse)",
        "`whoami`",
        "a\nRemove-MgUser -UserId x",
        "x\u{2019}; Stop-Computer; \u{2018}",
        "\"; Stop-Computer; \"",
    ];

    /// A PowerShell tokenizer just good enough to prove a quoted literal is one token: walks a
    /// single-quoted string with doubled quotes (and the typographic ones PowerShell accepts).
    fn single_quoted_len(s: &str) -> Option<usize> {
        let q = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}');
        let chars: Vec<char> = s.chars().collect();
        if chars.first().copied().map(q) != Some(true) {
            return None;
        }
        let mut i = 1;
        while i < chars.len() {
            if q(chars[i]) {
                if i + 1 < chars.len() && q(chars[i + 1]) {
                    i += 2;
                    continue;
                }
                return Some(chars[..=i].iter().map(|c| c.len_utf8()).sum());
            }
            i += 1;
        }
        None
    }

    #[test]
    fn hostile_values_stay_inside_one_literal() {
        let user = Uuid::nil();
        for v in HOSTILE {
            for c in [
                Command::SetCloudUpn {
                    user,
                    upn: v.into(),
                },
                Command::SetOnPremMail {
                    object: user,
                    mail: v.into(),
                },
                Command::RemoveRole {
                    user,
                    role: v.into(),
                    eligible: false,
                },
                Command::MoveOnPrem {
                    object: user,
                    target_ou: v.into(),
                },
                Command::SetOnPremProxyAddresses {
                    object: user,
                    values: vec![v.into(), v.into()],
                },
            ] {
                let quoted = ps_quote(v);
                let carrying: Vec<String> = c
                    .lines()
                    .into_iter()
                    .filter(|l| l.contains(&quoted))
                    .collect();
                assert!(!carrying.is_empty(), "{c:?} lost the value");
                for line in carrying {
                    // Drop every single-quoted literal; what remains is code, and must hold
                    // nothing of the value.
                    let mut code = String::new();
                    let mut rest = line.as_str();
                    while let Some(c) = rest.chars().next() {
                        match single_quoted_len(rest) {
                            Some(len) => rest = &rest[len..],
                            None if matches!(c, '\'' | '\u{2018}' | '\u{2019}') => {
                                panic!("unterminated literal in {line}")
                            }
                            None => {
                                code.push(c);
                                rest = &rest[c.len_utf8()..];
                            }
                        }
                    }
                    for token in ["Stop-Computer", "Remove-Item", "whoami", "O'Brien"] {
                        assert!(!code.contains(token), "{v:?} reached code in {line}");
                    }
                }
            }
        }
    }

    #[test]
    fn script_has_headers_steps_and_checks() {
        let user = Uuid::parse_str("6e7b768e-07e2-4810-8459-485f84f8f204").unwrap();
        let text = render_script(
            "W1 admin-role workaround for Alice\n$(x)",
            "contoso.json",
            &[
                ScriptStep {
                    title: "remove roles".into(),
                    commands: vec![Command::RemoveRole {
                        user,
                        role: "Global Administrator".into(),
                        eligible: false,
                    }],
                    expect: None,
                },
                ScriptStep {
                    title: "sync".into(),
                    commands: vec![Command::DeltaSync],
                    expect: Some("soft match".into()),
                },
            ],
        );
        assert!(
            text.starts_with("# W1 admin-role workaround for Alice $(x)\n"),
            "{text}"
        );
        assert!(text.contains("Connect-MgGraph"));
        assert!(!text.contains("Import-Module ActiveDirectory"));
        assert!(text.contains("Remove-MgDirectoryRoleMemberByRef -DirectoryRoleId $role.Id -DirectoryObjectId '6e7b768e-07e2-4810-8459-485f84f8f204'"));
        assert!(text.contains("Start-ADSyncSyncCycle -PolicyType Delta"));
        assert_eq!(text.matches("# Check:").count(), 2);
    }

    #[test]
    fn scripts_are_not_overwritten_without_asking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fix.ps1");
        write_script(&p, "one", false).unwrap();
        let e = write_script(&p, "two", false).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "\u{feff}one");
        write_script(&p, "two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"\xef\xbb\xbftwo");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        // A saved scenario or bundle is JSON, written without a BOM.
        let json = dir.path().join("scenario.json");
        write_script(&json, "{\"steps\": []}", false).unwrap();
        assert_eq!(std::fs::read(&json).unwrap(), b"{\"steps\": []}");
    }
}
