// Finds one element the way a person sees it, and acts on it. Called by drive.rs as
// (this function)(locator, verb, waitMs); answers { found, ... } at once when the element is
// there, else when a change to the page brings it (a MutationObserver, not polling), else
// after waitMs. Kept free of the values a plan types: `fill` only focuses the field, and
// the browser types the text (Input.insertText).
(function (loc, verb, waitMs) {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim().toLowerCase();
  const buttonTypes = ["submit", "button", "reset", "image"];
  const shown = (el) => {
    if (!el.isConnected || el.type === "hidden") return false;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    return el.getClientRects().length > 0;
  };
  const labels = (el) => {
    const out = [];
    const aria = el.getAttribute("aria-label");
    if (aria) out.push(aria);
    const by = el.getAttribute("aria-labelledby");
    if (by) for (const id of by.split(/\s+/)) {
      const l = document.getElementById(id);
      if (l) out.push(l.textContent);
    }
    if (el.labels) for (const l of el.labels) out.push(l.textContent);
    const placeholder = el.getAttribute("placeholder");
    if (placeholder) out.push(placeholder);
    return out.map(norm);
  };
  const roleOf = (el) => {
    const explicit = el.getAttribute("role");
    if (explicit) return explicit.trim().split(/\s+/)[0];
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute("type") || "text").toLowerCase();
    if (tag === "button") return "button";
    if (tag === "a" && el.hasAttribute("href")) return "link";
    if (tag === "input") {
      if (buttonTypes.includes(type)) return "button";
      if (type === "radio" || type === "checkbox") return type;
      // ARIA gives a password field no role; people call it a text box.
      return "textbox";
    }
    if (tag === "textarea") return "textbox";
    if (tag === "select") return "combobox";
    if (tag === "option") return "option";
    if (/^h[1-6]$/.test(tag)) return "heading";
    return null;
  };
  const nameOf = (el) => {
    const l = labels(el);
    if (l.length) return l[0];
    if (el.tagName === "INPUT" && buttonTypes.includes(el.type)) return norm(el.value);
    return norm(el.innerText || el.textContent);
  };
  const everything = () => Array.from(document.querySelectorAll("body *"));
  const field = (el) =>
    ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.isContentEditable;
  const search = () => {
    let candidates;
    if (loc.css !== undefined) {
      try {
        candidates = Array.from(document.querySelectorAll(loc.css));
      } catch (e) {
        return { error: "not a CSS selector: " + e.message };
      }
    } else if (loc.label !== undefined) {
      const want = norm(loc.label);
      candidates = everything().filter((el) => field(el) && labels(el).includes(want));
    } else if (loc.role !== undefined) {
      const want = loc.name === undefined ? null : norm(loc.name);
      candidates = everything().filter(
        (el) => roleOf(el) === loc.role && (want === null || nameOf(el) === want)
      );
    } else {
      // Visible text: the innermost elements that show exactly it (buttons by their value).
      const want = norm(loc.text);
      candidates = everything().filter((el) => {
        const text = el.tagName === "INPUT"
          ? (buttonTypes.includes(el.type) ? el.value : "")
          : el.innerText;
        return norm(text) === want;
      });
      candidates = candidates.filter((el) => !candidates.some((o) => o !== el && el.contains(o)));
    }
    // A radio button drawn by its label (the input itself hidden) counts as shown.
    const visible = (el) =>
      shown(el) || (el.labels !== undefined && el.labels !== null && Array.from(el.labels).some(shown));
    return { el: candidates.find(visible), matches: candidates.length };
  };
  // null: not (yet) there; else the answer.
  let last = { found: false, matches: 0 };
  const attempt = () => {
    const { el, matches, error } = search();
    if (error) return { found: false, error };
    last = { found: false, matches };
    if (!el) return null;
    if (verb === "wait_for") return { found: true };
    const target = el.tagName === "LABEL" && el.control ? el.control : el;
    if (target.disabled) {
      last = { found: false, disabled: true, matches };
      return null;
    }
    return act(el, target);
  };
  const now = attempt();
  if (now || !(waitMs > 0)) return now || last;
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer) => {
      if (done) return;
      done = true;
      observer.disconnect();
      clearTimeout(timer);
      resolve(answer);
    };
    const observer = new MutationObserver(() => {
      const answer = attempt();
      if (answer) finish(answer);
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const timer = setTimeout(() => finish(attempt() || last), waitMs);
  });

  function act(el, target) {
    target.scrollIntoView({ block: "center" });
    if (verb === "click") {
      el.click();
    } else if (verb === "choose") {
      if (target.tagName === "OPTION") {
        const select = target.closest("select");
        select.value = target.value;
        select.dispatchEvent(new Event("input", { bubbles: true }));
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (!target.checked) {
        target.click();
      }
    } else if (verb === "fill") {
      target.focus();
      if ("value" in target) {
        target.value = "";
        target.dispatchEvent(new Event("input", { bubbles: true }));
      }
      return { found: true, focused: document.activeElement === target };
  }
  return { found: true };
  }
})
