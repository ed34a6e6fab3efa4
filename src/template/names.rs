//! The filters, tests and functions a template calls, found in its syntax tree so that
//! `obflow check` can refuse a name the environment does not define: minijinja looks them up
//! only when the expression runs, so `{{ token | no_such_filter }}` would otherwise pass
//! `check` and fail mid-run (or never, in a branch that does not run).
//!
//! minijinja has no supported API for this (its maintainer declined compile-time checks,
//! mitsuhiko/minijinja#243); the tree comes from its `unstable_machinery` parser, which is why
//! Cargo.toml pins minijinja to one exact version. Everything that depends on that tree's
//! shape is in this file.
//!
//! A call is to a function only when its callee is a bare name that the template does not
//! bind itself: `{% set %}`, `{% for %}` targets, macros and their arguments, `{% with %}`,
//! imports, and the names minijinja provides inside blocks (`loop`, `caller`, `super`) are
//! local. Scopes are flattened: a name bound anywhere in the template counts as bound
//! everywhere in it, which can let a misuse through but never refuses a valid template.
//! Method calls (`x.items()`) and calls of computed values are not checked: what they reach
//! depends on the values.

use std::collections::HashSet;
use std::ops::Range;

use minijinja::machinery::Span;
use minijinja::machinery::ast::{self, CallArg, Expr, Stmt};
use minijinja::syntax::SyntaxConfig;

/// What a name is looked up as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    Filter,
    Test,
    Function,
}

impl NameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Filter => "filter",
            NameKind::Test => "test",
            NameKind::Function => "function",
        }
    }
}

/// One filter, test or function the template calls by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NameUse {
    pub kind: NameKind,
    /// As minijinja looks it up (whitespace inside a dotted name removed).
    pub name: String,
    /// Byte range within the template source of the name as written.
    pub span: Range<usize>,
}

/// Names minijinja binds inside a template without a statement: the loop object (and
/// `loop(...)` in a recursive loop), a call block's `caller`, a block's `super()`, a macro's
/// `varargs` and `kwargs`.
const IMPLICIT_LOCALS: &[&str] = &["loop", "caller", "super", "varargs", "kwargs"];

/// Every filter, test and function `source` calls by name that it does not bind itself, in
/// source order. `None` when the source does not parse (compiling it reports why).
pub(super) fn called_names(source: &str, syntax: SyntaxConfig) -> Option<Vec<NameUse>> {
    let tree = minijinja::machinery::parse(source, "<template>", syntax).ok()?;
    let mut walk = Walk::default();
    walk.stmt(&tree);
    let Walk { uses, bound } = walk;
    Some(
        uses.into_iter()
            .filter(|u| {
                u.kind != NameKind::Function
                    || !(bound.contains(u.name.as_str()) || IMPLICIT_LOCALS.contains(&&*u.name))
            })
            .collect(),
    )
}

#[derive(Default)]
struct Walk<'s> {
    uses: Vec<NameUse>,
    bound: HashSet<&'s str>,
}

impl<'s> Walk<'s> {
    fn record(&mut self, kind: NameKind, name: &str, span: Span) {
        self.uses.push(NameUse {
            kind,
            name: name.chars().filter(|c| !c.is_ascii_whitespace()).collect(),
            span: span.start_offset as usize..span.start_offset as usize + name.len(),
        });
    }

    fn stmts(&mut self, stmts: &[Stmt<'s>]) {
        for stmt in stmts {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt<'s>) {
        match stmt {
            Stmt::Template(t) => self.stmts(&t.children),
            Stmt::EmitExpr(e) => self.expr(&e.expr),
            Stmt::EmitRaw(_) | Stmt::Continue(_) | Stmt::Break(_) => {}
            Stmt::ForLoop(f) => {
                self.bind(&f.target);
                self.expr(&f.iter);
                self.opt(&f.filter_expr);
                self.stmts(&f.body);
                self.stmts(&f.else_body);
            }
            Stmt::IfCond(i) => {
                self.expr(&i.expr);
                self.stmts(&i.true_body);
                self.stmts(&i.false_body);
            }
            Stmt::WithBlock(w) => {
                for (target, value) in &w.assignments {
                    self.bind(target);
                    self.expr(value);
                }
                self.stmts(&w.body);
            }
            Stmt::Set(s) => {
                self.bind(&s.target);
                self.expr(&s.expr);
            }
            Stmt::SetBlock(s) => {
                self.bind(&s.target);
                self.opt(&s.filter);
                self.stmts(&s.body);
            }
            Stmt::AutoEscape(a) => {
                self.expr(&a.enabled);
                self.stmts(&a.body);
            }
            Stmt::FilterBlock(f) => {
                self.expr(&f.filter);
                self.stmts(&f.body);
            }
            Stmt::Block(b) => self.stmts(&b.body),
            Stmt::Import(i) => {
                self.expr(&i.expr);
                self.bind(&i.name);
            }
            Stmt::FromImport(i) => {
                self.expr(&i.expr);
                for (name, alias) in &i.names {
                    self.bind(alias.as_ref().unwrap_or(name));
                }
            }
            Stmt::Extends(e) => self.expr(&e.name),
            Stmt::Include(i) => self.expr(&i.name),
            Stmt::Macro(m) => {
                self.bound.insert(m.name);
                self.macro_decl(m);
            }
            Stmt::CallBlock(c) => {
                self.call(&c.call);
                self.macro_decl(&c.macro_decl);
            }
            Stmt::Do(d) => self.call(&d.call),
        }
    }

    fn macro_decl(&mut self, m: &ast::Macro<'s>) {
        for arg in &m.args {
            self.bind(arg);
        }
        for default in &m.defaults {
            self.expr(default);
        }
        self.stmts(&m.body);
    }

    /// An assignment target: a name, or a tuple or list of targets (`for k, v in ...`).
    /// `ns.attr` targets bind nothing new.
    fn bind(&mut self, target: &Expr<'s>) {
        match target {
            Expr::Var(v) => {
                self.bound.insert(v.id);
            }
            Expr::Tuple(t) => t.items.iter().for_each(|item| self.bind(item)),
            Expr::List(l) => l.items.iter().for_each(|item| self.bind(item)),
            other => self.expr(other),
        }
    }

    fn opt(&mut self, expr: &Option<Expr<'s>>) {
        if let Some(expr) = expr {
            self.expr(expr);
        }
    }

    fn expr(&mut self, expr: &Expr<'s>) {
        match expr {
            Expr::Var(_) | Expr::Const(_) => {}
            Expr::Slice(s) => {
                self.expr(&s.expr);
                self.opt(&s.start);
                self.opt(&s.stop);
                self.opt(&s.step);
            }
            Expr::UnaryOp(u) => self.expr(&u.expr),
            Expr::BinOp(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Compare(c) => {
                self.expr(&c.expr);
                c.ops.iter().for_each(|op| self.expr(&op.expr));
            }
            Expr::IfExpr(i) => {
                self.expr(&i.test_expr);
                self.expr(&i.true_expr);
                self.opt(&i.false_expr);
            }
            Expr::Filter(f) => {
                self.opt(&f.expr);
                self.record(NameKind::Filter, f.name, f.span());
                self.named_by_argument(f.name, &f.args);
                self.args(&f.args);
            }
            Expr::Test(t) => {
                self.expr(&t.expr);
                self.record(NameKind::Test, t.name, t.span());
                self.args(&t.args);
            }
            Expr::GetAttr(g) => self.expr(&g.expr),
            Expr::GetItem(g) => {
                self.expr(&g.expr);
                self.expr(&g.subscript_expr);
            }
            Expr::Call(c) => self.call(c),
            Expr::List(l) => l.items.iter().for_each(|item| self.expr(item)),
            Expr::Tuple(t) => t.items.iter().for_each(|item| self.expr(item)),
            Expr::Map(m) => {
                m.keys.iter().for_each(|key| self.expr(key));
                m.values.iter().for_each(|value| self.expr(value));
            }
        }
    }

    fn call(&mut self, call: &ast::Spanned<ast::Call<'s>>) {
        match &call.expr {
            Expr::Var(v) => self.record(NameKind::Function, v.id, v.span()),
            other => self.expr(other),
        }
        self.args(&call.args);
    }

    fn args(&mut self, args: &[CallArg<'s>]) {
        for arg in args {
            match arg {
                CallArg::Pos(e)
                | CallArg::Kwarg(_, e)
                | CallArg::PosSplat(e)
                | CallArg::KwargSplat(e) => self.expr(e),
            }
        }
    }

    /// Builtin filters that take another filter's or a test's name as a string:
    /// `map("upper")`, `select("odd")`, `reject("none")`, `selectattr("id", "even")`,
    /// `rejectattr(...)`. A literal name is checked like a written one.
    fn named_by_argument(&mut self, filter: &str, args: &[CallArg<'s>]) {
        let (kind, index) = match filter {
            "map" => (NameKind::Filter, 0),
            "select" | "reject" => (NameKind::Test, 0),
            "selectattr" | "rejectattr" => (NameKind::Test, 1),
            _ => return,
        };
        let positional = args.iter().filter_map(|arg| match arg {
            CallArg::Pos(e) => Some(e),
            _ => None,
        });
        if let Some(Expr::Const(c)) = positional.clone().nth(index)
            && let Some(name) = c.value.as_str()
        {
            // The span covers the quotes; point inside them.
            let span = c.span();
            let start = span.start_offset as usize + 1;
            self.uses.push(NameUse {
                kind,
                name: name.to_owned(),
                span: start..start + name.len(),
            });
        }
    }
}
