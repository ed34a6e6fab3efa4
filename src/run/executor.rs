//! One scenario, start to end: its variables, its steps in order (repeated by `for_each`),
//! its captures, cookies and token session. A failed step stops the scenario; the steps
//! after it are reported as skipped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::RunContext;
use super::event::{Outcome, ScenarioReport, SkipReason, StepReport, Transcript};
use super::session::TokenSession;
use super::steps;
use super::{http, transcript};
use crate::check::CheckFailure;
use crate::exchange::{HttpRequest, HttpResponse, RequestBody};
use crate::scenario::{Scenario, Step};
use crate::secret::is_secret_name;
use crate::source::Diagnostic;
use crate::source::YamlPath;

/// Why a step could not complete, with the exchanges it made before it stopped.
pub struct StepError {
    pub diagnostic: Diagnostic,
}

impl From<Diagnostic> for StepError {
    fn from(diagnostic: Diagnostic) -> Self {
        StepError { diagnostic }
    }
}

/// The state of one scenario while it runs; steps read and update it.
pub struct ScenarioState<'a> {
    pub run: &'a RunContext,
    pub scenario: &'a Arc<Scenario>,
    /// The mock's virtual clock this scenario uses, so concurrent scenarios can each move
    /// time without disturbing the others.
    pub clock: String,
    pub vars: Map<String, Value>,
    pub captures: Map<String, Value>,
    /// Results of earlier steps that have an id, as templates see them (`steps.<id>`).
    pub step_results: std::collections::BTreeMap<String, minijinja::Value>,
    pub session: TokenSession,
    cookies: super::cookies::CookieJar,
    /// Scrubs this scenario's secrets (and the run's) from everything it reports.
    pub redactor: crate::secret::Redactor,
    /// Exchanges of the step being run, for `-v` and reports.
    transcripts: Vec<Transcript>,
    /// Requests the step being run sent, for the JSON report.
    requests: Vec<super::RequestRecord>,
    /// Whether the step being run has a snapshot, which describes its last request.
    keep_request: bool,
    /// The last request the step being run sent: its snapshot describes it.
    last_request: Option<HttpRequest>,
    /// Roughly how many bytes `vars`, `captures` and `step_results` hold...
    held: usize,
    /// ... of which each of `step_results` holds this many.
    step_sizes: std::collections::HashMap<String, usize>,
    /// The most the step being run reads of a response body: its `max_body`, or the run's.
    body_cap: http::BodyCap,
    /// Whether a request found no file descriptor left: the scenario is then cut short by
    /// the environment, not failed.
    out_of_files: bool,
    /// What the last response of the step being run asked to wait before another attempt
    /// (`Retry-After`), which `retry` honours.
    retry_after: Option<Duration>,
}

/// What one scenario may hold at once in variables, captures and the results of steps with
/// an `id`: far more than real API answers need, and a bound on what a scenario file can make
/// obflow keep (eight variables each ten times the one before would otherwise take gigabytes).
pub const MAX_HELD_BYTES: usize = 64 << 20;

/// About how much memory a value takes: its text, and a word or three per node.
fn held_size(value: &Value) -> usize {
    const NODE: usize = 24;
    match value {
        Value::String(s) => NODE + s.len(),
        Value::Array(items) => NODE + items.iter().map(held_size).sum::<usize>(),
        Value::Object(map) => {
            NODE + map
                .iter()
                .map(|(k, v)| k.len() + held_size(v))
                .sum::<usize>()
        }
        _ => NODE,
    }
}

impl<'a> ScenarioState<'a> {
    /// `redactor` is the scenario's own (a child of the run's): the caller keeps a handle on
    /// it, so what the scenario learnt still scrubs its report if the run panics.
    pub fn new(
        run: &'a RunContext,
        scenario: &'a Arc<Scenario>,
        index: usize,
        redactor: crate::secret::Redactor,
    ) -> Self {
        ScenarioState {
            run,
            scenario,
            clock: if scenario.moves_time {
                format!("scenario-{index}-{}", uuid::Uuid::new_v4().simple())
            } else {
                String::new()
            },
            keep_request: false,
            vars: Map::new(),
            captures: Map::new(),
            step_results: Default::default(),
            session: TokenSession::default(),
            cookies: Default::default(),
            redactor,
            transcripts: Vec::new(),
            requests: Vec::new(),
            last_request: None,
            held: 0,
            step_sizes: Default::default(),
            body_cap: run_body_cap(run),
            out_of_files: false,
            retry_after: None,
        }
    }

    /// Accounts for `added` bytes coming into the scenario's values and `released` leaving
    /// them; refuses past [`MAX_HELD_BYTES`].
    fn hold(&mut self, added: usize, released: usize) -> Result<(), String> {
        let held = (self.held + added).saturating_sub(released);
        if held > MAX_HELD_BYTES {
            return Err(format!(
                "this scenario would hold {} MiB in variables, captures and step results, more than the {} MiB a scenario may",
                held >> 20,
                MAX_HELD_BYTES >> 20
            ));
        }
        self.held = held;
        Ok(())
    }

    /// Tells the person running obflow something they must act on (open a link, paste a
    /// URL); the terminal reporter shows it at once.
    pub fn notice(&self, message: String) {
        let message = crate::secret::Redacted::new(message, &self.redactor);
        let _ = self.run.events.send(super::Event::Notice(message));
    }

    /// Runs every step and reports how the scenario went. The report's texts are redacted
    /// once more by the caller, with everything the scenario learnt by its end.
    pub async fn execute(mut self, index: usize) -> ScenarioReport {
        let started = Instant::now();
        let mut reports = Vec::with_capacity(self.scenario.steps.len());
        let mut failed = false;
        // A step can fail without stopping the scenario (a snapshot difference only).
        let mut stopped = false;
        if let Err(diagnostic) = self.bind_vars() {
            failed = true;
            stopped = true;
            if let Some(first) = self.scenario.steps.first() {
                reports.push(step_report(
                    first,
                    None,
                    Outcome::Failed,
                    Duration::ZERO,
                    vec![],
                    Some(diagnostic),
                    vec![],
                ));
            }
        }
        let scenario = self.scenario;
        for step in &scenario.steps[reports.len()..] {
            if stopped {
                reports.push(step_report(
                    step,
                    None,
                    Outcome::Skipped,
                    Duration::ZERO,
                    vec![],
                    None,
                    vec![],
                ));
                continue;
            }
            let mut step_reports = self.run_step(step).await;
            failed |= step_reports.iter().any(|r| r.outcome == Outcome::Failed);
            stopped = step_reports.iter().any(StepReport::stops_scenario);
            reports.append(&mut step_reports);
        }
        let (outcome, skip_reason) = match (self.out_of_files, failed) {
            (true, _) => (Outcome::Skipped, Some(SkipReason::OutOfFiles)),
            (false, true) => (Outcome::Failed, None),
            (false, false) => (Outcome::Passed, None),
        };
        ScenarioReport {
            index,
            name: self.scenario.name.clone(),
            outcome,
            duration: started.elapsed(),
            steps: reports,
            scenario: self.scenario.clone(),
            repetition: None,
            skip_reason,
        }
    }

    /// Renders `vars` in order (each may use the ones before it); `--var` wins over the file.
    fn bind_vars(&mut self) -> Result<(), Diagnostic> {
        for (name, value) in &self.run.cli_vars {
            self.vars.insert(name.clone(), value.clone());
        }
        for (name, value) in &self.scenario.vars {
            if self.run.cli_vars.iter().any(|(n, _)| n == name) {
                continue;
            }
            let path = YamlPath::root().key("vars").key(name.to_string());
            let rendered = self.render(value, &path, &self.scenario.source, &Map::new())?;
            let released = self.vars.get(name).map_or(0, held_size);
            self.hold(held_size(&rendered), released).map_err(|why| {
                self.scenario
                    .source
                    .error_at(&path, why)
                    .help("keep large data in the responses it comes from, not in variables")
            })?;
            self.vars.insert(name.clone(), rendered);
        }
        for (name, value) in &self.vars {
            if is_secret_name(name) || self.scenario.secrets.contains(name) {
                self.redactor.declare_json(value);
            }
        }
        Ok(())
    }

    /// Renders the variables an `include` put in scope for this step.
    fn scope_vars(&self, step: &Step) -> Result<Map<String, Value>, Diagnostic> {
        let mut scope = Map::new();
        for var in &step.scope {
            let value = self.render(&var.value, &var.path, &var.source, &scope)?;
            scope.insert(var.name.clone(), value);
        }
        Ok(scope)
    }

    /// Runs a step, once or once per `for_each` item; one report per run.
    async fn run_step(&mut self, step: &Step) -> Vec<StepReport> {
        let started = Instant::now();
        let scope = match self.scope_vars(step) {
            Ok(scope) => scope,
            Err(d) => {
                return vec![failed_step(step, started, d)];
            }
        };
        let Some(for_each) = &step.for_each else {
            return vec![self.run_with_retry(step, &scope, None).await];
        };
        let items = match self.render(&for_each.items, &for_each.path, &step.source, &scope) {
            Ok(Value::Array(items)) => items,
            // A dry run knows no response, so no list made of one: the step runs once, for an
            // item marked unknown.
            _ if self.run.dry_run => {
                let mut item_scope = scope.clone();
                let var = &for_each.var;
                item_scope.insert(var.clone(), super::context::placeholder_text(var));
                let label = format!("[?] <{var}: the list is known only at run time>");
                return vec![
                    self.run_with_retry(step, &item_scope, Some((0, label)))
                        .await,
                ];
            }
            Ok(other) => {
                let d = step
                    .source
                    .error_at(
                        &for_each.path,
                        format!("`for_each` needs a list, got {}", type_name(&other)),
                    )
                    .help("give it a list, e.g. a capture with `all: true`");
                return vec![failed_step(step, started, d)];
            }
            Err(d) => {
                return vec![failed_step(step, started, d)];
            }
        };
        if items.len() > MAX_FOR_EACH_ITEMS {
            let d = step
                .source
                .error_at(
                    &for_each.path,
                    format!(
                        "`for_each` got {} items; a step runs for at most {MAX_FOR_EACH_ITEMS}",
                        items.len()
                    ),
                )
                .help("narrow the list, e.g. with a JSONPath filter in the capture");
            return vec![failed_step(step, started, d)];
        }
        let mut reports = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let mut item_scope = scope.clone();
            let shown = crate::scenario::model::value_to_text(&item);
            let label = format!("[{i}] {}", self.redactor.redact(&shown));
            item_scope.insert(for_each.var.clone(), item);
            let report = self
                .run_with_retry(step, &item_scope, Some((i, label)))
                .await;
            let stop = report.stops_scenario();
            reports.push(report);
            if stop {
                break;
            }
        }
        reports
    }

    /// Runs a step once, or, with `retry`, again after each failed attempt until it passes or
    /// the retries are used up, waiting `interval` or what the server's `Retry-After` asks,
    /// whichever is longer. The report counts the attempts and times them all; it keeps the
    /// exchanges of the last attempt.
    async fn run_with_retry(
        &mut self,
        step: &Step,
        scope: &Map<String, Value>,
        item: Option<(usize, String)>,
    ) -> StepReport {
        let Some(retry) = &step.retry else {
            return self.run_once(step, scope, item).await;
        };
        let started = Instant::now();
        // Retries wait in real time on every target: all of a step's waiting is bounded by
        // --max-wait, like a real `wait`, and refused before the first attempt.
        let waits = retry.interval.saturating_mul(retry.count);
        if waits > self.run.max_wait && !self.run.dry_run {
            let d = step
                .source
                .error_at_key(
                    &step.path.key("retry"),
                    format!(
                        "`retry` could wait {} in all ({} × {}), more than --max-wait {}",
                        crate::duration::format_duration(waits),
                        retry.count,
                        crate::duration::format_duration(retry.interval),
                        crate::duration::format_duration(self.run.max_wait)
                    ),
                )
                .help("raise --max-wait for long polls, or retry fewer times");
            return failed_step(step, started, d);
        }
        let mut attempts = 1;
        let mut waited = Duration::ZERO;
        loop {
            let mut report = self.run_once(step, scope, item.clone()).await;
            report.attempts = attempts;
            if report.outcome != Outcome::Failed || attempts > retry.count || self.run.dry_run {
                report.duration = started.elapsed();
                return report;
            }
            // A server that says how long to wait (429 or 503 with `Retry-After`) is
            // waited for, never less than `interval`; all of it within --max-wait.
            let asked = self.retry_after.take();
            let wait = asked.map_or(retry.interval, |asked| asked.max(retry.interval));
            if waited.saturating_add(wait) > self.run.max_wait {
                report.duration = started.elapsed();
                return retry_cut_short(report, step, wait, self.run.max_wait);
            }
            waited += wait;
            attempts += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// Runs a step once; its report lists the requests it sent.
    async fn run_once(
        &mut self,
        step: &Step,
        scope: &Map<String, Value>,
        item: Option<(usize, String)>,
    ) -> StepReport {
        self.requests.clear();
        let mut report = self.run_once_recorded(step, scope, item).await;
        report.requests = std::mem::take(&mut self.requests);
        report
    }

    async fn run_once_recorded(
        &mut self,
        step: &Step,
        scope: &Map<String, Value>,
        item: Option<(usize, String)>,
    ) -> StepReport {
        let started = Instant::now();
        self.transcripts.clear();
        self.last_request = None;
        self.retry_after = None;
        self.keep_request = step.snapshot.is_some();
        self.body_cap = match step.max_body {
            Some(bytes) => http::BodyCap {
                bytes,
                set_by: http::CapSetBy::Step,
            },
            None => run_body_cap(self.run),
        };
        let (item_index, item) = match item {
            Some((i, label)) => (Some(i), Some(label)),
            None => (None, None),
        };
        // Without templates, rendering would only copy the parameters.
        let action = &step.action;
        let rendered = match step.templated {
            true => self
                .render(&action.raw, &action.path, &step.source, scope)
                .map(std::borrow::Cow::Owned),
            false => Ok(std::borrow::Cow::Borrowed(&action.raw)),
        };
        let effect = match rendered {
            Ok(params) => steps::perform(self, step, &params).await,
            // What a dry run cannot render depends on a value only a run would know (a
            // placeholder used as a number, say): the step is shown, not failed.
            // (Its text is scrubbed with the rest of the report when the scenario ends.)
            Err(d) if self.run.dry_run => {
                self.transcripts.push(Transcript {
                    request: format!(
                        "(not rendered: {}; a dry run has placeholders for what responses would give)\n",
                        d.message
                    ),
                    response: "(dry run: not sent)\n".to_owned(),
                });
                Ok(HttpResponse::from_json(Value::Null))
            }
            Err(d) => Err(d.into()),
        };
        let transcripts = std::mem::take(&mut self.transcripts);
        let response = match effect {
            Ok(response) => response,
            Err(err) => {
                let d = err.diagnostic;
                return step_report(
                    step,
                    item,
                    Outcome::Failed,
                    started.elapsed(),
                    vec![],
                    Some(d),
                    transcripts,
                );
            }
        };
        // (`send` has already learnt the secrets of every response that came over HTTP.)
        if self.run.dry_run {
            // Nothing came back: later steps see placeholders where captures would be.
            for name in step.capture.names() {
                self.captures
                    .insert(name.to_owned(), super::context::placeholder_text(name));
            }
            return step_report(
                step,
                item,
                Outcome::Passed,
                started.elapsed(),
                vec![],
                None,
                transcripts,
            );
        }
        // The context may have changed (the session learnt tokens): checks render anew, plain
        // variables from the values, anything else from a context built on first need.
        let ctx = std::cell::OnceCell::new();
        let templates = &self.run.templates;
        let mut render =
            |v: &Value| match super::render::render_plain(v, &|name| self.plain_value(name, scope))
            {
                Some(plain) => Ok(plain),
                None => templates
                    .render_value(v, ctx.get_or_init(|| self.context(scope)))
                    .map_err(|e| e.to_string()),
            };
        let mut failures: Vec<CheckFailure> = if step.has_expectations() {
            step.expect.evaluate(&response.view(), &mut render)
        } else {
            steps::default_check(step, &response).into_iter().collect()
        };
        if let Some(until) = step.retry.as_ref().and_then(|r| r.until.as_ref()) {
            failures.extend(
                until
                    .evaluate(&response.view(), &mut render)
                    .into_iter()
                    .map(|mut f| {
                        f.check = format!("retry until {}", f.check);
                        f
                    }),
            );
        }
        if !failures.is_empty() {
            return step_report(
                step,
                item,
                Outcome::Failed,
                started.elapsed(),
                failures,
                None,
                transcripts,
            );
        }
        // The checks held: compare the response with its stored snapshot.
        let snapshot = step.snapshot.as_ref().map(|spec| {
            let taken = crate::snapshot::Taken {
                step: step.snapshot_identity(self.scenario.file()),
                label: step.label(),
                spec,
                item: item_index.zip(item.as_deref()),
                response: &response,
                request: self.last_request.as_ref(),
            };
            crate::snapshot::take(&self.run.snapshots, &taken, &self.redactor)
        });
        // A snapshot file that could not be read or written for want of a descriptor is the
        // environment's doing, like a connection that could not be opened.
        if snapshot
            .as_ref()
            .is_some_and(|s| s.status == crate::snapshot::SnapshotStatus::Error)
            && crate::descriptors::ran_out()
        {
            self.out_of_files = true;
        }
        let snapshot_failure = snapshot.as_ref().and_then(|s| {
            let spec = step.snapshot.as_ref()?;
            s.failure(&spec.spot.location())
        });
        // A view of a local response writes its body out: only make one to read it.
        let captured = match step.capture.is_empty() {
            true => Ok(Vec::new()),
            false => step.capture.evaluate(&response.view()),
        };
        match captured {
            Ok(captured) => {
                for c in captured {
                    if c.secret {
                        self.redactor.declare_json(&c.value);
                    }
                    let released = self.captures.get(&c.name).map_or(0, held_size);
                    if let Err(why) = self.hold(held_size(&c.value), released) {
                        let d = step.source.error_at(&step.action.path, why).help(
                            "capture the parts you need (a JSONPath to them), not whole lists",
                        );
                        return step_report(
                            step,
                            item,
                            Outcome::Failed,
                            started.elapsed(),
                            vec![],
                            Some(d),
                            transcripts,
                        );
                    }
                    self.captures.insert(c.name, c.value);
                }
            }
            Err(failure) => {
                return step_report(
                    step,
                    item,
                    Outcome::Failed,
                    started.elapsed(),
                    vec![failure],
                    None,
                    transcripts,
                );
            }
        }
        if let Some(id) = &step.id {
            // A step's result is its response: the body is most of it.
            let size = response.body().len() + 1024;
            let released = self.step_sizes.get(id).copied().unwrap_or(0);
            if let Err(why) = self.hold(size, released) {
                let d = step
                    .source
                    .error_at(&step.action.path, why)
                    .help("drop the step's `id` unless later steps read its response");
                return step_report(
                    step,
                    item,
                    Outcome::Failed,
                    started.elapsed(),
                    vec![],
                    Some(d),
                    transcripts,
                );
            }
            self.step_sizes.insert(id.clone(), size);
            self.step_results.insert(
                id.clone(),
                crate::template::to_template_value(&response.to_template_value()),
            );
        }
        let outcome = if snapshot_failure.is_some() {
            Outcome::Failed
        } else {
            Outcome::Passed
        };
        let mut report = step_report(
            step,
            item,
            outcome,
            started.elapsed(),
            snapshot_failure.into_iter().collect(),
            None,
            transcripts,
        );
        report.snapshot = snapshot;
        report
    }

    /// Records `err` when it is running out of file descriptors, for the run and for this
    /// scenario (which is then cut short, not failed); returns whether it was.
    pub fn note_out_of_files(&mut self, err: &std::io::Error) -> bool {
        let ran_out = crate::descriptors::record(err);
        self.out_of_files |= ran_out;
        ran_out
    }

    /// Whether `request` holds a secret the scenario knows, in its URL, a header or its body:
    /// a declared one, or a learnt one of 16 characters or more (tokens and codes; a short
    /// learnt value, a mock user's password such as `doe`, is an ordinary word elsewhere).
    fn carries_secret(&self, request: &HttpRequest) -> bool {
        const MIN_LEARNT: usize = 16;
        let finds = |text: &str| self.redactor.finds_secret(text, MIN_LEARNT);
        finds(request.url.as_str())
            || request
                .headers
                .iter()
                .any(|(name, value)| finds(name) || finds(value))
            || match &request.body {
                None => false,
                Some(RequestBody::Form(pairs)) => pairs.iter().any(|(k, v)| finds(k) || finds(v)),
                Some(RequestBody::Json(json)) => finds(&json.to_string()),
                Some(RequestBody::Raw(text)) => finds(text),
            }
    }

    /// Sends one request for the current step: refuses another environment's host, and a
    /// secret bound for a host that may not have it; tags requests to a mock with the
    /// scenario's clock, learns secrets, records the exchange.
    pub async fn send(
        &mut self,
        mut request: HttpRequest,
        at: &YamlPath,
        source: &crate::source::SourceFile,
    ) -> Result<HttpResponse, StepError> {
        if let Err(why) = self.run.target.guard(&request.url) {
            return Err(source
                .error_at(at, format!("request refused: {why}"))
                .help("every request of a run goes to its target; use `{{ target.api_url }}` / `{{ target.auth_url }}` in URLs")
                .into());
        }
        if !self
            .run
            .target
            .may_receive_secrets(&request.url, &self.run.allowed_hosts)
            && self.carries_secret(&request)
        {
            let host = request.url.host_str().unwrap_or_default().to_owned();
            return Err(source
                .error_at(
                    at,
                    format!(
                        "request refused: it carries a secret, and `{host}` is neither this run's target (`{}`) nor this machine",
                        self.run.target.name
                    ),
                )
                .help(format!(
                    "secrets go only to the target and to loopback; if `{host}` is yours, pass --allow-host {host}"
                ))
                .into());
        }
        // Only a scenario that moves time needs a clock of its own; the others share the
        // mock's default clock, so a long-lived mock does not collect one clock per scenario.
        if self.scenario.moves_time && self.run.target.is_mock() && self.is_target_url(&request.url)
        {
            request
                .headers
                .push((crate::protocol::CLOCK_HEADER.to_owned(), self.clock.clone()));
        }
        crate::secret::learn_request_secrets(&request, &self.redactor);
        // Kept for the step's snapshot (`info`), when it has one.
        if self.keep_request {
            self.last_request = Some(request.clone());
        }
        let mut sent_request = super::RequestRecord {
            method: request.method.to_string(),
            url: self.redactor.redact(request.url.as_str()).into_owned(),
            status: None,
            duration: Duration::ZERO,
        };
        if self.run.dry_run {
            self.requests.push(sent_request);
            self.transcripts.push(Transcript {
                request: transcript::request(&request, &self.redactor),
                response: "(dry run: not sent)\n".to_owned(),
            });
            return Ok(HttpResponse::from_json(Value::Null));
        }
        let sent = Instant::now();
        let result = http::send(&self.run.client, &mut self.cookies, &request, self.body_cap).await;
        sent_request.duration = sent.elapsed();
        sent_request.status = result.as_ref().ok().map(|r| r.status);
        self.requests.push(sent_request);
        let record = self.run.record_transcripts;
        match result {
            Ok(response) => {
                crate::secret::learn_response_secrets(&response, &self.redactor);
                self.retry_after = response.retry_after(std::time::SystemTime::now());
                if record {
                    self.transcripts.push(Transcript {
                        request: transcript::request(&request, &self.redactor),
                        response: transcript::response(&response, &self.redactor),
                    });
                }
                Ok(response)
            }
            Err(err) => {
                self.out_of_files |= matches!(err, http::HttpError::OutOfFiles(_));
                if record {
                    self.transcripts.push(Transcript {
                        request: transcript::request(&request, &self.redactor),
                        response: format!("(no response: {err})\n"),
                    });
                }
                let target = self.redactor.redact(request.url.as_str()).into_owned();
                Err(source
                    .error_at(
                        at,
                        format!("request failed: {} {target}: {err}", request.method),
                    )
                    .help(match err {
                        http::HttpError::Timeout(_) => {
                            "the server did not answer in time: raise `timeout` or check the server"
                        }
                        http::HttpError::Connect(_) => {
                            "is the server running, and is the URL right?"
                        }
                        http::HttpError::OutOfFiles(_) => {
                            "obflow has no file descriptor left: raise `ulimit -n`, or lower `--jobs`"
                        }
                        http::HttpError::BodyTooLarge(http::BodyCap {
                            set_by: http::CapSetBy::Flag,
                            ..
                        }) => {
                            "raise `--max-body`, or set `max_body` on this step, if the API really answers this much"
                        }
                        http::HttpError::BodyTooLarge(http::BodyCap {
                            set_by: http::CapSetBy::Step,
                            ..
                        }) => "raise the step's `max_body` if the API really answers this much",
                        http::HttpError::Other(_) => "check the request's URL, headers and body",
                    })
                    .into())
            }
        }
    }

    /// Records something a step did without HTTP (the auth link it built), for `-v`.
    pub fn record_local(&mut self, what: impl std::fmt::Display, result: &str) {
        if self.run.record_transcripts {
            self.transcripts.push(Transcript {
                request: self.redactor.redact(&format!("{what}\n")).into_owned(),
                response: self.redactor.redact(result).into_owned(),
            });
        }
    }

    fn is_target_url(&self, url: &url::Url) -> bool {
        let target = &self.run.target;
        [&target.auth_url, &target.api_url]
            .iter()
            .filter_map(|u| url::Url::parse(u).ok())
            .any(|u| u.origin() == url.origin())
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The most items a `for_each` step runs for: far more than any account list, few enough
/// that a list from a file or a server cannot run a step a million times.
pub const MAX_FOR_EACH_ITEMS: usize = 1000;

/// A step whose server asked, with `Retry-After`, for a longer wait before the next attempt
/// than --max-wait leaves: the last attempt's report, saying why no more were made.
fn retry_cut_short(
    mut report: StepReport,
    step: &Step,
    wait: Duration,
    max_wait: Duration,
) -> StepReport {
    let why = format!(
        "no more attempts: the server asked to wait {} (`Retry-After`), past --max-wait {} for all of this step's waiting",
        crate::duration::format_duration(wait),
        crate::duration::format_duration(max_wait)
    );
    report.error = Some(match report.error.take() {
        Some(error) => error.note(why),
        None => step
            .source
            .error_at_key(&step.path.key("retry"), why)
            .help("raise --max-wait to wait as long as the server asks"),
    });
    report
}

/// A step that could not run at all (its scope or `for_each` list would not render).
fn failed_step(step: &Step, started: Instant, error: Diagnostic) -> StepReport {
    step_report(
        step,
        None,
        Outcome::Failed,
        started.elapsed(),
        vec![],
        Some(error),
        vec![],
    )
}

fn step_report(
    step: &Step,
    item: Option<String>,
    outcome: Outcome,
    duration: Duration,
    failures: Vec<CheckFailure>,
    error: Option<Diagnostic>,
    exchanges: Vec<Transcript>,
) -> StepReport {
    let label = match item {
        Some(item) => format!("{}{item}", step.label()),
        None => step.label(),
    };
    StepReport {
        index: step.index,
        label,
        keyword: step.action.keyword(),
        outcome,
        duration,
        failures,
        error,
        exchanges,
        snapshot: None,
        attempts: u32::from(outcome != Outcome::Skipped),
        requests: Vec::new(),
    }
}

/// The body cap of a step without `max_body`: the run's `--max-body`.
fn run_body_cap(run: &RunContext) -> http::BodyCap {
    http::BodyCap {
        bytes: run.max_body,
        set_by: http::CapSetBy::Flag,
    }
}
