//! `kintone-odbc`: registers the driver and DSNs with unixODBC and iODBC, manages the
//! licence, and runs SQL through the driver's engine without a driver manager.

mod driver_cmd;
mod ini;
mod license_cmd;
mod locations;
mod oauth_cmd;
mod query;
mod register;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use locations::{DmChoice, TargetOs};

#[derive(Parser)]
#[command(
    name = "kintone-odbc",
    version,
    about = "Install, configure and try the Kintone ODBC driver"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Register or unregister the driver library with the driver managers.
    #[command(subcommand)]
    Driver(DriverCmd),
    /// Add, remove, list and test data source names.
    #[command(subcommand)]
    Dsn(DsnCmd),
    /// Install a licence key or start the trial; make keys.
    #[command(subcommand)]
    License(LicenseCmd),
    /// Run SQL through the driver's engine (no driver manager) and print a table.
    Query(QueryArgs),
    /// Sign in with OAuth for a DSN, show what is stored, or delete it.
    #[command(subcommand)]
    Oauth(OAuthCmd),
}

/// Which connection an `oauth` command is for.
#[derive(Args)]
pub struct OAuthArgs {
    /// The DSN whose settings to use.
    #[arg(long, required_unless_present = "connect")]
    dsn: Option<String>,
    /// A connection string (`Url=...;OAuthClientId=...`), applied after the DSN's keys.
    #[arg(long)]
    connect: Option<String>,
    #[command(flatten)]
    target: Target,
}

#[derive(Subcommand)]
pub enum OAuthCmd {
    /// Sign in: opens the browser and waits for Kintone's answer on the CallbackURL; on
    /// a machine without a browser (or with --no-browser) prints the address to open
    /// elsewhere and takes the pasted redirect address or code.
    Login {
        #[command(flatten)]
        args: OAuthArgs,
        #[arg(long)]
        no_browser: bool,
    },
    /// Show where the tokens are kept, their domain, scopes and expiry (never the tokens).
    Status {
        #[command(flatten)]
        args: OAuthArgs,
    },
    /// Delete the stored tokens.
    Logout {
        #[command(flatten)]
        args: OAuthArgs,
    },
}

/// Which ini files: driver managers, scope and layout.
#[derive(Args, Clone)]
pub struct Target {
    /// Driver manager(s) to register with.
    #[arg(long, value_enum, default_value = "auto")]
    dm: DmChoice,
    /// The current user's files (default when not root).
    #[arg(long, conflicts_with = "system")]
    user: bool,
    /// The system files (default for root).
    #[arg(long)]
    system: bool,
    /// Write the layout of this OS (with --root: check another OS's files on this one).
    #[arg(long, value_enum)]
    target_os: Option<TargetOs>,
    /// Treat DIR as the file-system root for system files; ODBC* variables and
    /// `odbcinst -j` are then ignored.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

#[derive(Subcommand)]
enum DriverCmd {
    /// Add the driver section (or count one more installation of it).
    Install {
        /// The driver library (libkintoneodbc.so / .dylib).
        #[arg(long, value_name = "PATH")]
        library: PathBuf,
        #[arg(long, default_value = register::DEFAULT_DRIVER_NAME)]
        name: String,
        #[command(flatten)]
        target: Target,
    },
    /// Count one installation less; remove the section when none is left.
    Uninstall {
        #[arg(long, default_value = register::DEFAULT_DRIVER_NAME)]
        name: String,
        /// Remove the section whatever its UsageCount.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Print the odbcinst.ini and odbc.ini paths the target stands for.
    Paths {
        #[command(flatten)]
        target: Target,
    },
    /// List the drivers registered in the target's odbcinst.ini files.
    List {
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum DsnCmd {
    /// Add a DSN: `dsn add NAME Url=https://x.cybozu.com User=me Password=...`.
    #[command(after_help = kintone_sql::property_list::help_text())]
    Add {
        name: String,
        /// Connection properties as KEY=VALUE (listed below).
        #[arg(value_name = "KEY=VALUE")]
        properties: Vec<String>,
        #[arg(long, default_value = register::DEFAULT_DRIVER_NAME)]
        driver: String,
        #[arg(long)]
        description: Option<String>,
        /// Overwrite an existing DSN of that name.
        #[arg(long)]
        replace: bool,
        /// Do not check the keys against the driver's properties (another driver's DSN).
        #[arg(long)]
        no_check: bool,
        /// Store every secret property (Password, APIToken, ...) in the OS keyring (macOS
        /// Keychain, Secret Service) under account NAME/PROPERTY; odbc.ini gets only
        /// `PROPERTY=keyring:NAME/PROPERTY`.
        #[arg(long)]
        keyring: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Remove a DSN (and the OS keyring items `dsn add --keyring` stored for it).
    Remove {
        name: String,
        #[command(flatten)]
        target: Target,
    },
    /// List DSNs (user files first, as the driver managers search them).
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Connect with a DSN's settings and list the apps it sees.
    Test {
        name: String,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum LicenseCmd {
    /// Install KEY, or start the 30-day trial when KEY is omitted (once per machine).
    Install {
        key: Option<String>,
        /// Who installs it (recorded in the licence or trial file); default
        /// $KINTONE_ODBC_LICENSEE_NAME, else $USER.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, conflicts_with = "system")]
        user: bool,
        #[arg(long)]
        system: bool,
    },
    /// Show the licence or trial state and where it was found.
    Show,
    /// Make a licence key (publisher only).
    Issue {
        #[arg(long, value_name = "FILE")]
        signing_key: PathBuf,
        #[arg(long)]
        licensee: String,
        #[arg(long, default_value = "Standard")]
        edition: String,
        /// Last valid day, YYYY-MM-DD, or `never`.
        #[arg(long, default_value = "never")]
        expires: String,
    },
    /// Make a signing/public key pair (for tests and for the publisher).
    Keygen {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Args)]
struct QueryArgs {
    /// The DSN whose settings to use.
    #[arg(long, required_unless_present = "connect")]
    dsn: Option<String>,
    /// A connection string (`Url=...;User=...`), applied after the DSN's keys.
    #[arg(long)]
    connect: Option<String>,
    /// Show the plan, with the Kintone requests, instead of running the query.
    #[arg(long)]
    explain: bool,
    sql: String,
    #[command(flatten)]
    target: Target,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Driver(c) => driver_cmd::driver(c),
        Command::Dsn(c) => driver_cmd::dsn(c),
        Command::License(c) => license_cmd::run(c),
        Command::Query(q) => query::run(q),
        Command::Oauth(c) => oauth_cmd::run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kintone-odbc: {e}");
            ExitCode::FAILURE
        }
    }
}
