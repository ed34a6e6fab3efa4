//! How long the mock takes to sign one RS256 token: the bound on its successful token grants
//! (docs/mock.md). Run by bench/rs256.sh, in the `dist` profile.
//!
//! Usage: rs256_cost [SIGNATURES=200]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 200,
    };
    let elapsed = obflow::mock::time_rs256_signatures(n)?;
    println!(
        "RS256: {:?} per signature ({n} signatures)",
        elapsed / n.max(1)
    );
    Ok(())
}
