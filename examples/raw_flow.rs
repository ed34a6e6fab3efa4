//! The benchmark's floor: the Signup+ multiple-accounts flow as bare tokio + reqwest calls,
//! no scenario, no templates, no checks beyond what the flow needs to go on. obflow's engine
//! is measured against this (bench/run.sh).
//!
//! Usage: raw_flow BASE_URL FLOWS JOBS
//!
//! BASE_URL `embedded` starts obflow's mock in this process instead, on the runtime `obflow
//! run` gives its embedded mock, with the same options (RS256 tokens, no journal): the floor
//! of the main job (bench/main-job.sh), where engine and mock share one process.

use std::sync::Arc;
use std::time::Instant;

const CLIENT_ID: &str = obflow::protocol::DEMO_CLIENT_ID;
const CLIENT_SECRET: &str = obflow::protocol::DEMO_CLIENT_SECRET;
const REDIRECT_URI: &str = "http://localhost:3000/callback";

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn flow(client: &reqwest::Client, base: &str, n: usize) -> Result<(), Error> {
    let link = format!(
        "{base}/?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&scope=info%20accounts%20signupplus&providers=uk-cs-mock&state=s{n}&nonce=n{n}",
        "http%3A%2F%2Flocalhost%3A3000%2Fcallback"
    );
    let page = client.get(&link).send().await?;
    let next = header(&page, "x-obflow-next")?;
    page.bytes().await?;
    let page = client
        .post(format!("{base}{next}"))
        .form(&[("decision", "accept")])
        .send()
        .await?;
    let next = header(&page, "x-obflow-next")?;
    page.bytes().await?;
    let redirect = client
        .post(format!("{base}{next}"))
        .form(&[("username", "multi"), ("password", "accounts")])
        .send()
        .await?;
    let location = header(&redirect, "location")?;
    let code = url::Url::parse(&location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code")?;
    let tokens: serde_json::Value = client
        .post(format!("{base}/connect/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", REDIRECT_URI),
            ("code", &code),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = tokens["access_token"]
        .as_str()
        .ok_or("no token")?
        .to_owned();
    let accounts: serde_json::Value = client
        .get(format!("{base}/signup-plus/accounts"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let account = accounts["accounts"][1]["account_id"]
        .as_str()
        .ok_or("no account")?;
    let identity = client
        .get(format!("{base}/signup-plus/accounts"))
        .query(&[("account_id", account)])
        .bearer_auth(&token)
        .send()
        .await?;
    if identity.status() != 200 {
        return Err(format!("identity: {}", identity.status()).into());
    }
    identity.bytes().await?;
    Ok(())
}

fn header(response: &reqwest::Response, name: &str) -> Result<String, Error> {
    Ok(response
        .headers()
        .get(name)
        .ok_or_else(|| format!("no {name} header"))?
        .to_str()?
        .to_owned())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, count, jobs] = args.as_slice() else {
        return Err("usage: raw_flow BASE_URL|embedded FLOWS JOBS".into());
    };
    // obflow's runtime for the same target, so the comparison measures the engines, not
    // their runtimes.
    let embedded = base == "embedded";
    obflow::run::engine_runtime(embedded)?.block_on(async {
        let mock = match embedded {
            true => Some(
                obflow::mock::start(obflow::mock::MockOptions {
                    journal: false,
                    ..obflow::mock::MockOptions::loopback()
                })
                .await?,
            ),
            false => None,
        };
        let base = mock.as_ref().map_or(base.as_str(), |m| m.base_url());
        flows(base, count, jobs).await
    })
}

async fn flows(base: &str, flows: &str, jobs: &str) -> Result<(), Error> {
    let flows: usize = flows.parse()?;
    let jobs: usize = jobs.parse()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base: Arc<str> = Arc::from(base);
    let started = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..flows {
        let permit = permits.clone().acquire_owned().await?;
        let (client, base) = (client.clone(), base.clone());
        tasks.spawn(async move {
            let result = flow(&client, &base, n).await;
            drop(permit);
            result
        });
    }
    let mut failed = 0;
    while let Some(done) = tasks.join_next().await {
        if !matches!(done, Ok(Ok(()))) {
            failed += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("raw: {flows} flows in {secs:.2}s, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} flows failed").into());
    }
    Ok(())
}
