//! The integration tests, as one test binary: one link of the crate and its dependencies
//! instead of one per file, and one process whose tests cargo runs in parallel.

mod mock_support;
mod support;

mod api_steps;
mod browser;
mod canary;
mod ci_examples;
mod cli_errors;
mod cli_reports;
mod cli_run;
mod doc_guides;
mod faults;
mod guides_browser;
mod guides_run;
mod html_report;
mod mock_connections;
mod mock_data;
mod mock_data_v1;
mod mock_dialog;
mod mock_memory;
mod mock_observe;
mod mock_token;
mod oauth_steps;
mod open_files;
mod project_files;
mod schema;
mod snapshots_cli;
