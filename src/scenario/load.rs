//! Loading: paths on disk to validated [`Scenario`]s.
//!
//! Every file is read and checked before anything runs, and every problem of every file is
//! collected, so one `obflow check` shows all there is to fix. Each problem is a located
//! [`Diagnostic`] (file:line:col, the source line, a caret, and what to do).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;

use super::de::{check_templates, deserialize, parse_document};
use super::model::{Scenario, ScenarioHeader, ScopedVar, Step};
use super::step::load_step;
use crate::source::{Diagnostic, closest};
use crate::source::{SourceFile, Spot, YamlPath};
use crate::template::Templates;

/// Root names every template may use besides variables and captures.
pub const BUILTIN_ROOTS: &[&str] = &["env", "steps", "vars", "scenario", "session", "target"];

/// What templates find under `session` (the scenario's token session): checked at load, so
/// `{{ session.acess_token }}` is refused with a suggestion rather than failing mid-run.
/// `run::session` builds exactly these (a test holds the two together).
pub const SESSION_FIELDS: &[&str] = &[
    "link",
    "state",
    "nonce",
    "redirect_uri",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "expires_in",
    "scope",
];

/// What loading needs to know beyond the files.
#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// Names set with `--var`: templates may use them even if no file defines them.
    pub cli_var_names: BTreeSet<String>,
    /// The folder every file a scenario names (`include`) must lie in: the project's
    /// (where `obflow.yaml` is), else the one the scenarios were found in
    /// ([`project_root`]). `None`: the including file's own folder.
    pub project_root: Option<PathBuf>,
    /// The flow files read so far, shared by every load with these options.
    pub flows: FlowFiles,
}

/// Flow files as read and parsed, by resolved path. A suite's scenarios mostly include the
/// same few flows (`_flows/connect.yaml`), so each is read once per command, not once per
/// include; a scenario made again during a run finds the flow it was validated with. The
/// flows kept are at most [`MAX_KEPT_FLOW_BYTES`] of text together; past that, a flow is
/// read at each include, as if nothing were kept.
#[derive(Debug, Default, Clone)]
pub struct FlowFiles(Arc<Mutex<KeptFlows>>);

/// Far more than the shared flows of any suite.
pub const MAX_KEPT_FLOW_BYTES: usize = 16 << 20;

type ParsedFlow = (Arc<SourceFile>, Arc<Value>);

#[derive(Debug, Default)]
struct KeptFlows {
    by_path: HashMap<PathBuf, ParsedFlow>,
    text_bytes: usize,
}

impl FlowFiles {
    fn get(&self, file: &Path) -> Option<ParsedFlow> {
        self.lock().by_path.get(file).cloned()
    }

    fn keep(&self, file: PathBuf, flow: ParsedFlow) {
        let mut kept = self.lock();
        let bytes = kept.text_bytes.saturating_add(flow.0.text.len());
        if bytes <= MAX_KEPT_FLOW_BYTES && !kept.by_path.contains_key(&file) {
            kept.text_bytes = bytes;
            kept.by_path.insert(file, flow);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptFlows> {
        // A panic elsewhere leaves the map as it was: every entry is whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Most steps (and includes) a scenario may have once its includes are expanded: far more
/// than any flow, few enough that an include tree cannot multiply into millions.
pub const MAX_STEPS: usize = 1000;

/// The project root for scenarios found under `paths`: the working directory when it holds
/// `obflow.yaml`, else the deepest folder holding every path given (a file's own folder).
pub fn project_root(paths: &[PathBuf]) -> Option<PathBuf> {
    if Path::new(crate::target::PROJECT_FILE).is_file() {
        return std::env::current_dir().ok()?.canonicalize().ok();
    }
    let mut folders = paths.iter().filter_map(|p| {
        let p = p.canonicalize().ok()?;
        if p.is_dir() {
            Some(p)
        } else {
            p.parent().map(Path::to_path_buf)
        }
    });
    let mut common = folders.next()?;
    for folder in folders {
        while !folder.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}

/// The scenario files found under `paths`: files as given, directories searched recursively
/// for `*.yaml` / `*.yml`, skipping entries whose name starts with `.` or `_` (shared flows
/// meant for `include`, editor files). Sorted, without duplicates.
///
/// Files found in a directory that are not regular files (a FIFO, a device), or that are
/// links leading out of it, are skipped with a warning: reading them could block, or read
/// what the person who wrote the folder had no business reading.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, Vec<Diagnostic>> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let root = path.canonicalize().unwrap_or_else(|_| path.clone());
                walk(path, &root, &mut found, &mut skipped, &mut errors)
            }
            Ok(_) => found.push(path.clone()),
            Err(err) => errors.push(
                Diagnostic::new(format!("cannot read `{}`: {err}", path.display()))
                    .help("pass scenario files or directories that exist"),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // One directory's walk is already in path order (see `walk`); only several roots need
    // sorting, and may overlap.
    if paths.len() > 1 {
        found.sort();
        found.dedup();
    }
    Ok(Discovery {
        files: found,
        skipped,
    })
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// What [`discover`] found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<PathBuf>,
    /// Warnings for the entries passed over.
    pub skipped: Vec<Diagnostic>,
}

fn walk(
    dir: &Path,
    root: &Path,
    found: &mut Vec<PathBuf>,
    skipped: &mut Vec<Diagnostic>,
    errors: &mut Vec<Diagnostic>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            errors.push(Diagnostic::new(format!(
                "cannot read directory `{}`: {err}",
                dir.display()
            )));
            return;
        }
    };
    // Visiting each directory's entries in name order lists the files in path order, which
    // compares a component at a time: far cheaper than sorting thousands of paths after.
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_cached_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `obflow.yaml` configures the project; it is not a scenario.
        if name.starts_with('.') || name.starts_with('_') || name == crate::target::PROJECT_FILE {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, root, found, skipped, errors),
            // An ordinary file found by walking the folder lies inside it; only a link needs
            // resolving to know where it leads.
            Ok(t) if t.is_file() && is_yaml(&name) => found.push(path),
            Ok(t) if t.is_symlink() && is_yaml(&name) => {
                match (std::fs::metadata(&path), crate::source::inside(root, &path)) {
                    (Ok(meta), Some(_)) if meta.is_file() => found.push(path),
                    _ => skipped.push(
                        Diagnostic::new(format!(
                            "skipped `{}`: a link that leads out of `{}`, or to no file",
                            path.display(),
                            root.display()
                        ))
                        .help("keep scenario files inside the folder they are run from"),
                    ),
                }
            }
            Ok(_) if is_yaml(&name) => skipped.push(
                Diagnostic::new(format!(
                    "skipped `{}`: not a regular file (a FIFO, device or socket)",
                    path.display()
                ))
                .help("scenario files must be ordinary files"),
            ),
            _ => {}
        }
    }
}

/// Loads and validates every file; all problems of all files, or all scenarios.
pub fn load_files(
    files: &[PathBuf],
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Vec<Scenario>, Vec<Diagnostic>> {
    load_files_with(files, options, templates, |s| s)
}

/// Loads and validates every file like [`load_files`], but keeps only what `keep` makes of
/// each scenario: a suite of thousands need not hold every scenario in memory to run them
/// (it can keep a [`Validated`] file instead, see [`Reloader`]).
pub fn load_files_with<T: Send>(
    files: &[PathBuf],
    options: &LoadOptions,
    templates: &Templates,
    keep: impl Fn(Scenario) -> T + Sync,
) -> Result<Vec<T>, Vec<Diagnostic>> {
    // Files are independent: load them on every core (a CI suite has thousands), then put
    // the results back in file order so output does not depend on scheduling.
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len().div_ceil(64))
        .max(1);
    let chunk = files.len().div_ceil(workers).max(1);
    let keep = &keep;
    let results: Vec<Vec<Result<T, Vec<Diagnostic>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|f| load_file(f, options, templates).map(keep))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut scenarios = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for result in results.into_iter().flatten() {
        match result {
            Ok(s) => scenarios.push(s),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// A scenario file that passed validation, kept compactly for a large suite: its path and
/// text, read again by [`Reloader::load`] when its turn comes.
#[derive(Debug, Clone)]
pub struct Validated {
    path: std::path::PathBuf,
    text: String,
}

impl Validated {
    pub fn new(scenario: &Scenario) -> Self {
        Validated {
            path: scenario.source.path.to_path_buf(),
            text: scenario.source.text.clone(),
        }
    }
}

/// Makes validated scenarios again during a run, with the options they were validated with.
#[derive(Clone)]
pub struct Reloader {
    pub options: LoadOptions,
    pub templates: Arc<Templates>,
}

impl Reloader {
    pub fn load(&self, validated: &Validated) -> Result<Scenario, Vec<Diagnostic>> {
        load_source(
            validated.path.clone(),
            validated.text.clone(),
            &self.options,
            &self.templates,
        )
    }
}

pub fn load_file(
    file: &Path,
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Scenario, Vec<Diagnostic>> {
    match crate::source::read_text(file) {
        Ok(text) => load_source(file.to_path_buf(), text, options, templates),
        Err(err) => Err(vec![err.into_diagnostic()]),
    }
}

/// Loads one scenario from its source text.
pub fn load_source(
    path: std::path::PathBuf,
    text: String,
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Scenario, Vec<Diagnostic>> {
    let (source, value) = parse_document(path, text).map_err(|d| vec![d])?;
    load_document(source, &value, options, templates)
}

/// Loads one scenario from its parsed document (`source` is the text it was parsed from).
fn load_document(
    source: Arc<SourceFile>,
    value: &Value,
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Scenario, Vec<Diagnostic>> {
    if options.cli_var_names.is_empty() {
        return load_scenario(source, value, options, templates);
    }
    let (loaded, read) =
        super::de::used::gather(|| load_scenario(source, value, options, templates));
    let mut scenario = loaded?;
    // `vars.NAME` reads any variable: a scenario reading `vars` may read every `--var`.
    let reads_all = read.contains("vars");
    scenario.cli_vars_used = options
        .cli_var_names
        .iter()
        .filter(|name| {
            reads_all
                || read.contains(name.as_str())
                || scenario.vars.iter().any(|(v, _)| v == *name)
                || scenario.secrets.contains(name)
        })
        .cloned()
        .collect();
    Ok(scenario)
}

fn load_scenario(
    source: Arc<SourceFile>,
    value: &Value,
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Scenario, Vec<Diagnostic>> {
    let root = YamlPath::root();
    let header: ScenarioHeader = deserialize(value, &source, &root)?;
    // The header read `steps` as a list without copying it: the steps are read from here.
    let raw_steps = value
        .get("steps")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut errors = Vec::new();
    if raw_steps.is_empty() {
        errors.push(
            source
                .error_at(&root.key("steps"), "`steps` is empty")
                .help("add at least one step, e.g. `- request: { url: ... }`"),
        );
    }

    // Names templates may use, growing as steps capture values.
    let mut known: BTreeSet<String> = BUILTIN_ROOTS.iter().map(|s| s.to_string()).collect();
    known.extend(options.cli_var_names.iter().cloned());
    let mut vars = Vec::new();
    for (name, value) in &header.vars {
        let path = root.key("vars").key(name.clone());
        check_templates(value, &path, &source, templates, &known, &mut errors);
        known.insert(name.clone());
        vars.push((name.clone(), value.clone()));
    }
    for secret in &header.secrets {
        if !header.vars.contains_key(secret) && !options.cli_var_names.contains(secret) {
            let mut d = source.error_at(
                &root.key("secrets"),
                format!("`{secret}` is listed in `secrets` but is not a variable"),
            );
            if let Some(s) = closest(secret, header.vars.keys().map(String::as_str)) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            errors.push(d);
        }
    }

    let mut steps = StepList {
        templates,
        known,
        ids: HashMap::new(),
        steps: Vec::new(),
        errors,
        include_stack: Vec::new(),
        root: options.project_root.clone(),
        flows: &options.flows,
        expanded: 0,
        too_many_steps: false,
    };
    steps.load(raw_steps, &root.key("steps"), &source, &[]);
    if !steps.errors.is_empty() {
        return Err(steps.errors);
    }
    // Suites keep thousands of scenarios in memory: no spare capacity.
    steps.steps.shrink_to_fit();
    let moves_time = steps
        .steps
        .iter()
        .any(|s| s.action.kind == super::ActionKind::Wait);
    Ok(Scenario {
        moves_time,
        name: header.name,
        description: header.description,
        tags: header.tags,
        vars,
        secrets: header.secrets,
        steps: steps.steps,
        source,
        cli_vars_used: Vec::new(),
    })
}

/// The steps of a scenario as they are loaded, includes expanded in place.
struct StepList<'a> {
    templates: &'a Templates,
    /// Names templates may use at this point.
    known: BTreeSet<String>,
    /// Step ids seen so far, with where each was first written.
    ids: HashMap<String, Spot>,
    steps: Vec<Step>,
    errors: Vec<Diagnostic>,
    /// Files being included (resolved), the scenario's own first, to refuse include cycles;
    /// filled at the first include, so a scenario without one resolves no path.
    include_stack: Vec<PathBuf>,
    /// Where included files must lie ([`LoadOptions::project_root`]).
    root: Option<PathBuf>,
    flows: &'a FlowFiles,
    /// Steps and includes read so far, against [`MAX_STEPS`].
    expanded: usize,
    /// Whether [`MAX_STEPS`] was passed (said once).
    too_many_steps: bool,
}

/// Problems one scenario reports at most: the first ones say what to fix, and a flow
/// included many times would otherwise repeat its own.
const MAX_PROBLEMS: usize = 100;

/// How deep includes may nest: deep enough for any real flow, shallow enough to stop a
/// runaway chain quickly.
const MAX_INCLUDE_DEPTH: usize = 8;

impl StepList<'_> {
    fn load(
        &mut self,
        raw_steps: &[Value],
        steps_path: &YamlPath,
        source: &Arc<SourceFile>,
        scope: &[ScopedVar],
    ) {
        for (i, raw) in raw_steps.iter().enumerate() {
            if self.too_many_steps || self.errors.len() >= MAX_PROBLEMS {
                return;
            }
            let path = steps_path.index(i);
            // Steps and includes both count: an include tree that yields no step (every
            // leaf refused, say) must not expand without bound either.
            self.expanded += 1;
            if self.expanded > MAX_STEPS {
                self.too_many_steps = true;
                self.errors.push(
                    source
                        .error_at(&path, format!("the scenario has more than {MAX_STEPS} steps once its includes are expanded"))
                        .help("split it into several scenarios, or include fewer flows"),
                );
                return;
            }
            if let Some(include) = raw.get("include") {
                self.include(raw, include, &path, source, scope);
                continue;
            }
            let index = self.steps.len();
            match load_step(index, raw, &path, source, self.templates, &self.known) {
                Ok(mut step) => {
                    step.scope = scope.to_vec();
                    if let Some(id) = &step.id {
                        if let Some(first) = self.ids.get(id) {
                            self.errors.push(
                                source
                                    .error_at(&path.key("id"), format!("duplicate step id `{id}`"))
                                    .note(format!("first used at {}", first.location()))
                                    .help("give every step a unique id"),
                            );
                        } else {
                            let here = Spot::value(source, &path.key("id"));
                            self.ids.insert(id.clone(), here);
                        }
                    }
                    self.known.extend(step.capture.names().map(str::to_owned));
                    self.steps.push(step);
                }
                Err(mut e) => self.errors.append(&mut e),
            }
        }
    }

    /// The flow file at `file` (resolved, inside the project), read and parsed once.
    /// `refuse` locates a file that cannot be read at the include naming it.
    fn read_flow(
        &self,
        file: &Path,
        refuse: impl Fn(String, &str) -> Diagnostic,
    ) -> Result<ParsedFlow, Diagnostic> {
        if let Some(flow) = self.flows.get(file) {
            return Ok(flow);
        }
        // Said without a word of the file: it was refused, not read.
        let text = crate::source::read_text(file)
            .map_err(|e| refuse(e.to_string(), "include ordinary, UTF-8 flow files"))?;
        let (source, value) = parse_document(file.to_path_buf(), text)?;
        let flow = (source, Arc::new(value));
        self.flows.keep(file.to_path_buf(), flow.clone());
        Ok(flow)
    }

    /// `- include: flows/login.yaml` or `- include: { file: ..., vars: {...} }`: the flow's
    /// steps run here, with the flow's `vars` (overridden by the include's) in scope.
    fn include(
        &mut self,
        step: &Value,
        include: &Value,
        path: &YamlPath,
        source: &Arc<SourceFile>,
        scope: &[ScopedVar],
    ) {
        if let Some(other) = step
            .as_object()
            .and_then(|m| m.keys().find(|k| k.as_str() != "include"))
        {
            self.errors.push(
                source
                    .error_at_key(
                        &path.key(other.clone()),
                        format!("`{other}` cannot go with `include`"),
                    )
                    .help("an include step only names the flow file and its vars"),
            );
            return;
        }
        let include_path = path.key("include");
        let spec: IncludeSpec = match include {
            Value::String(file) => IncludeSpec {
                file: file.clone(),
                vars: Default::default(),
            },
            other => match deserialize(other, source, &include_path) {
                Ok(spec) => spec,
                Err(mut e) => {
                    self.errors.append(&mut e);
                    return;
                }
            },
        };
        let refuse = |message: String, help: &str| {
            source
                .error_at(&include_path, message)
                .help(help.to_owned())
        };
        if !is_yaml(&spec.file) {
            self.errors.push(refuse(
                format!("`{}` is not a YAML flow file", spec.file),
                "include `.yaml` or `.yml` files",
            ));
            return;
        }
        let base = source.path.parent().unwrap_or(Path::new("."));
        let root = match &self.root {
            Some(root) => root.clone(),
            None => base.to_path_buf(),
        };
        // Resolved, links and `..` followed, and only inside the project: a scenario from a
        // pull request must not make obflow read (and show) the machine's files.
        let Some(file) = crate::source::inside(&root, &base.join(&spec.file)) else {
            self.errors.push(refuse(
                format!(
                    "`{}` does not exist inside the project folder `{}`",
                    spec.file,
                    root.display()
                ),
                "include flow files from inside the project, by a path relative to the including file",
            ));
            return;
        };
        if self.include_stack.is_empty() {
            let scenario = source.path.canonicalize();
            self.include_stack
                .push(scenario.unwrap_or_else(|_| source.path.to_path_buf()));
        }
        if self.include_stack.contains(&file) {
            self.errors.push(refuse(
                format!("`{}` includes itself", spec.file),
                "break the cycle of includes",
            ));
            return;
        }
        if self.include_stack.len() > MAX_INCLUDE_DEPTH {
            self.errors.push(refuse(
                format!("includes nest more than {MAX_INCLUDE_DEPTH} deep"),
                "include the steps from fewer levels of flow files",
            ));
            return;
        }
        let (flow_source, flow_value) = match self.read_flow(&file, refuse) {
            Ok(flow) => flow,
            Err(d) => {
                self.errors.push(d);
                return;
            }
        };
        let root = YamlPath::root();
        let flow: FlowFile = match deserialize(&flow_value, &flow_source, &root) {
            Ok(flow) => flow,
            Err(mut e) => {
                self.errors.append(&mut e);
                return;
            }
        };
        // The include's own vars are rendered where they are written, with what is known
        // there; the flow's defaults see the flow's earlier defaults too.
        let mut inner_scope = scope.to_vec();
        let outer_known = self.known.clone();
        for (name, value) in &spec.vars {
            let var_path = include_path.key("vars").key(name.clone());
            check_templates(
                value,
                &var_path,
                source,
                self.templates,
                &outer_known,
                &mut self.errors,
            );
            inner_scope.push(ScopedVar {
                name: name.clone(),
                value: value.clone(),
                path: var_path,
                source: source.clone(),
            });
        }
        let mut flow_known = outer_known.clone();
        flow_known.extend(spec.vars.keys().cloned());
        for (name, value) in &flow.vars {
            if spec.vars.contains_key(name) {
                continue;
            }
            let var_path = root.key("vars").key(name.clone());
            check_templates(
                value,
                &var_path,
                &flow_source,
                self.templates,
                &flow_known,
                &mut self.errors,
            );
            flow_known.insert(name.clone());
            inner_scope.push(ScopedVar {
                name: name.clone(),
                value: value.clone(),
                path: var_path,
                source: flow_source.clone(),
            });
        }
        if flow.steps.is_empty() {
            self.errors
                .push(flow_source.error_at(&root.key("steps"), "`steps` is empty"));
            return;
        }
        self.include_stack.push(file);
        let saved = std::mem::replace(&mut self.known, flow_known);
        let first_new = self.steps.len();
        self.load(&flow.steps, &root.key("steps"), &flow_source, &inner_scope);
        // Back outside, the flow's vars go out of scope but its captures stay.
        self.known = saved;
        let captured: Vec<String> = self.steps[first_new..]
            .iter()
            .flat_map(|s| s.capture.names().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        self.known.extend(captured);
        self.include_stack.pop();
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludeSpec {
    file: String,
    #[serde(default)]
    vars: indexmap::IndexMap<String, Value>,
}

/// A shared flow file: steps meant to be included, with default vars.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowFile {
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    vars: indexmap::IndexMap<String, Value>,
    steps: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_included_by_many_scenarios_is_read_once_and_shared() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("_flows")).unwrap();
        std::fs::write(
            root.join("_flows/wait.yaml"),
            "name: a flow\nsteps:\n  - wait: 1ms\n",
        )
        .unwrap();
        let files: Vec<PathBuf> = (0..3)
            .map(|i| {
                let file = root.join(format!("s{i}.yaml"));
                let text = format!("name: s{i}\nsteps:\n  - include: _flows/wait.yaml\n");
                std::fs::write(&file, text).unwrap();
                file
            })
            .collect();
        let options = LoadOptions {
            project_root: Some(root.clone()),
            ..LoadOptions::default()
        };
        let scenarios = load_files(&files, &options, &Templates::new()).unwrap();
        let first = &scenarios[0].steps[0].source;
        assert_eq!(*first.path, root.join("_flows/wait.yaml"));
        for s in &scenarios[1..] {
            assert!(
                Arc::ptr_eq(first, &s.steps[0].source),
                "read again for {}",
                s.name
            );
        }
        // Made again later (as a run does for a large suite), a scenario finds the flow it
        // was validated with, even if the file has changed since.
        std::fs::write(root.join("_flows/wait.yaml"), "name: changed\nsteps: []\n").unwrap();
        let again = load_file(&files[0], &options, &Templates::new()).unwrap();
        assert!(Arc::ptr_eq(first, &again.steps[0].source));
    }

    #[test]
    fn one_directory_is_found_in_path_order_as_a_sort_would_give() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            "a/z.yaml",
            "a/b/c.yaml",
            "a.yaml",
            "a-b.yaml",
            "a.b/x.yml",
            "B.yaml",
            "b/a.yaml",
            "b.yaml",
            "flow_10.yaml",
            "flow_2.yaml",
            "_skipped.yaml",
            ".hidden/x.yaml",
            "notes.txt",
        ];
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found = discover(&[dir.path().to_path_buf()]).unwrap().files;
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(found, sorted);
        let names: Vec<_> = found
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "B.yaml",
                "a/b/c.yaml",
                "a/z.yaml",
                "a-b.yaml",
                "a.b/x.yml",
                "a.yaml",
                "b/a.yaml",
                "b.yaml",
                "flow_10.yaml",
                "flow_2.yaml"
            ]
        );
        // Several roots, overlapping: sorted and each file once.
        let twice = discover(&[dir.path().join("b"), dir.path().to_path_buf()])
            .unwrap()
            .files;
        assert_eq!(twice, found);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_links_out_of_the_folder_are_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let suite = dir.path().join("suite");
        std::fs::create_dir_all(&suite).unwrap();
        std::fs::write(suite.join("ok.yaml"), "").unwrap();
        std::fs::write(dir.path().join("secret.yaml"), "").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.yaml"), suite.join("out.yaml")).unwrap();
        std::os::unix::fs::symlink(suite.join("ok.yaml"), suite.join("in.yaml")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(suite.join("x.yaml"))
            .status()
            .expect("mkfifo runs");
        assert!(fifo.success());
        let found = discover(std::slice::from_ref(&suite)).unwrap();
        let names: Vec<_> = found
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["in.yaml", "ok.yaml"]);
        let warnings: Vec<_> = found.skipped.iter().map(|d| d.message.clone()).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("out.yaml") && w.contains("leads out"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("x.yaml") && w.contains("not a regular file"))
        );
    }
}
