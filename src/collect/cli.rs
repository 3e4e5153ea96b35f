//! The command line of `syncscope collect` (interfaces §8), turned into [`CollectOptions`].

use super::*;

/// Read the directories live: a domain controller over LDAP and/or the tenant over Microsoft
/// Graph, written as a folder of exports (`syncscope FOLDER` opens it).
#[derive(clap::Args, Clone, Debug)]
pub struct CollectArgs {
    /// The folder to write (atomically; an existing one only with --force).
    #[arg(long, value_name = "FOLDER")]
    pub out: PathBuf,
    /// Replace FOLDER if it exists.
    #[arg(long)]
    pub force: bool,

    /// The domain controller: ldaps://HOST[:PORT], or ldap://HOST[:PORT] (StartTLS).
    #[arg(long, value_name = "URL", help_heading = "On-premises AD (LDAP)")]
    pub ldap: Option<String>,
    /// A naming context to read (repeat for several); default: the server's defaultNamingContext.
    #[arg(
        long = "base",
        value_name = "DN",
        requires = "ldap",
        help_heading = "On-premises AD (LDAP)"
    )]
    pub bases: Vec<String>,
    /// Simple bind as this DN (or user@domain), with the password from --password-env.
    #[arg(
        long,
        value_name = "DN",
        requires = "password_env",
        conflicts_with = "kerberos",
        help_heading = "On-premises AD (LDAP)"
    )]
    pub bind_dn: Option<String>,
    /// Bind with Kerberos (SASL GSSAPI) as the ticket cache's principal (`kinit` first; KRB5CCNAME).
    #[arg(long, requires = "ldap", help_heading = "On-premises AD (LDAP)")]
    pub kerberos: bool,
    /// The environment variable that holds the bind password (never the password itself).
    #[arg(
        long,
        value_name = "VAR",
        requires = "bind_dn",
        help_heading = "On-premises AD (LDAP)"
    )]
    pub password_env: Option<String>,
    /// PEM file with the CA certificate(s) of the DC's TLS certificate (default: the system's).
    #[arg(
        long,
        value_name = "PEM",
        requires = "ldap",
        help_heading = "On-premises AD (LDAP)"
    )]
    pub ca_file: Option<PathBuf>,
    /// Objects per LDAP page (AD's MaxPageSize is 1000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PAGE_SIZE, help_heading = "On-premises AD (LDAP)")]
    pub page_size: u32,
    /// Allow ldap:// without StartTLS (the password and data cross the network in clear text).
    #[arg(long, requires = "ldap", help_heading = "On-premises AD (LDAP)")]
    pub insecure: bool,

    /// Read the tenant over Microsoft Graph.
    #[arg(long, help_heading = "Microsoft Entra ID (Graph)")]
    pub graph: bool,
    /// Tenant id or domain (needed for client credentials; device code: organizations).
    #[arg(
        long,
        value_name = "TENANT",
        requires = "graph",
        help_heading = "Microsoft Entra ID (Graph)"
    )]
    pub tenant: Option<String>,
    /// The application (client) id; default: Microsoft Graph Command Line Tools (Connect-MgGraph's).
    #[arg(
        long,
        value_name = "ID",
        requires = "graph",
        help_heading = "Microsoft Entra ID (Graph)"
    )]
    pub client_id: Option<String>,
    /// Sign in with a code shown on stderr (the default).
    #[arg(long, requires = "graph", conflicts_with_all = ["client_secret_env", "certificate"], help_heading = "Microsoft Entra ID (Graph)")]
    pub device_code: bool,
    /// Client credentials: the environment variable that holds the client secret.
    #[arg(
        long,
        value_name = "VAR",
        requires = "graph",
        conflicts_with = "certificate",
        help_heading = "Microsoft Entra ID (Graph)"
    )]
    pub client_secret_env: Option<String>,
    /// Client credentials: a PEM file with the certificate and its RSA private key.
    #[arg(
        long,
        value_name = "PEM",
        requires = "graph",
        help_heading = "Microsoft Entra ID (Graph)"
    )]
    pub certificate: Option<PathBuf>,
    /// Graph's base URL (tests; http only for a loopback address).
    #[arg(long, value_name = "URL", default_value = DEFAULT_GRAPH_URL, requires = "graph", help_heading = "Microsoft Entra ID (Graph)")]
    pub graph_url: String,
    /// The sign-in endpoint's base URL (tests; http only for a loopback address).
    #[arg(long, value_name = "URL", default_value = DEFAULT_LOGIN_URL, requires = "graph", help_heading = "Microsoft Entra ID (Graph)")]
    pub login_url: String,
}

impl CollectArgs {
    /// The options, with connect.json's sourceAnchor and OUs from the global flags.
    pub fn options(&self, source_anchor: Option<&str>, included_ous: &[String]) -> CollectOptions {
        let ldap = self.ldap.as_ref().map(|url| LdapSource {
            url: url.clone(),
            bases: self.bases.clone(),
            bind_dn: self.bind_dn.clone(),
            password_env: self.password_env.clone(),
            kerberos: self.kerberos,
            ca_file: self.ca_file.as_ref().map(|p| absolute(p)),
            page_size: self.page_size,
            insecure: self.insecure,
        });
        let graph = self.graph.then(|| GraphSource {
            tenant: self.tenant.clone(),
            client_id: self
                .client_id
                .clone()
                .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string()),
            auth: match (&self.client_secret_env, &self.certificate) {
                (Some(env), _) => GraphAuth::ClientSecret { env: env.clone() },
                (None, Some(path)) => GraphAuth::Certificate {
                    path: absolute(path),
                },
                (None, None) => GraphAuth::DeviceCode,
            },
            graph_url: self.graph_url.clone(),
            login_url: self.login_url.clone(),
        });
        CollectOptions {
            out: self.out.clone(),
            force: self.force,
            ldap,
            graph,
            source_anchor: source_anchor.map(str::to_string),
            included_ous: included_ous.to_vec(),
        }
    }
}

/// Recorded paths work from any directory when the folder is collected again.
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Runs `syncscope collect`: warnings and the summary go to stderr (sanitized); the error is
/// the caller's to print (`usage` exits 2, the rest 1).
pub fn run(args: &CollectArgs, import: &crate::import::ImportOptions) -> Result<(), CollectError> {
    let anchor = import.source_anchor.map(|a| a.as_str().to_string());
    let ous = import.included_ous.clone().unwrap_or_default();
    let opts = args.options(anchor.as_deref(), &ous);
    let report = collect(&opts, &process_env)?;
    for w in &report.warnings {
        eprintln!("syncscope: warning: {}", crate::sanitize::display_safe(w));
    }
    eprintln!(
        "syncscope: {}",
        crate::sanitize::display_safe(&report.summary())
    );
    Ok(())
}
