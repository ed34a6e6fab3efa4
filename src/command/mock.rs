//! `obflow mock`: the mock on its own, serving until ctrl-c.

use super::CommandError;
use crate::cli::{MockArgs, TokenSigning};
use crate::exit;
use crate::mock::{Retention, Signing, StandaloneOptions};
use crate::source::Diagnostic;

pub fn mock(args: &MockArgs) -> Result<i32, CommandError> {
    let options = StandaloneOptions {
        bind: args.bind,
        port: args.port,
        fixtures: args.fixtures.clone(),
        dialog: args.dialog,
        signing: match args.signing {
            TokenSigning::Rs256 => Signing::Rs256,
            TokenSigning::Hs256 => Signing::Hs256,
        },
        retention: Retention {
            connection_idle: args.connection_idle,
            clock_idle: args.clock_idle,
            max_entries: args.max_entries as usize,
        },
        access_log: args.log,
        journal: !args.no_journal,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Environment(format!("cannot start the async runtime: {e}")))?;
    match runtime.block_on(crate::mock::serve_forever(&options)) {
        Ok(()) => Ok(exit::PASSED),
        // A fixture file the user can fix is invalid input; a port taken is the machine's.
        Err(e) if e.is_invalid_input() => Err(Diagnostic::new(e.to_string())
            .help("see docs/mock.md for the fixture file format")
            .into()),
        Err(e) => Err(CommandError::Environment(e.to_string())),
    }
}
