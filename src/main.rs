//! Thin: parse arguments, run the library, map the result to an exit code.

use clap::Parser;
use std::process::ExitCode;
use stevedore::app;
use stevedore::cli::Cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match app::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("stevedore: error: {}", e.one_line());
            ExitCode::from(app::EXIT_ERROR)
        }
    }
}
