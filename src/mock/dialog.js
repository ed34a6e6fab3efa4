// The mock's dialog as a client-rendered application (`dialog: js`): the page holds no form;
// this script asks for the current step as JSON, builds its form, and posts it with fetch,
// replacing the form in place, until the server says where to send the browser (a
// redirect, or a form_post form to submit). The labels and buttons are the form pages'.
(function () {
  "use strict";
  const app = document.getElementById("app");
  const dialog = document.body.dataset.dialog;
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  };
  const titles = { provider: "Choose your bank", consent: "Consent", login: "Bank login" };

  function show(view) {
    document.body.dataset.step = view.step;
    document.title = (titles[view.step] || "Dialog") + " · obflow mock bank";
    const parts = [];
    const form = el("form", { id: view.step, "data-action": view.action });
    if (view.step === "provider") {
      parts.push(el("h1", { text: "Choose your bank" }));
      view.providers.forEach((p, i) => {
        const radio = el("input", { type: "radio", name: "provider_id", value: p.id, id: "provider-" + p.id });
        radio.checked = i === 0;
        form.append(el("label", {}, radio, " " + p.name));
      });
      form.append(el("button", { type: "submit", id: "continue", text: "Continue" }));
    } else if (view.step === "consent") {
      parts.push(el("h1", { text: "Share your data with " + view.client_id }));
      parts.push(el("p", { text: "via " + view.bank + " — using TrueLayer (mock)" }));
      const list = el("ul", { id: "scopes" });
      for (const s of view.scopes) {
        list.append(el("li", { "data-scope": s.scope }, el("code", { text: s.scope }), " — " + s.text));
      }
      form.append(list);
      form.append(el("button", { type: "submit", name: "decision", value: "accept", id: "accept", text: "Allow" }));
      form.append(el("button", { type: "submit", name: "decision", value: "decline", id: "decline", text: "Decline" }));
    } else {
      parts.push(el("h1", { text: "Log in to " + view.bank }));
      form.append(el("label", {}, "Username ",
        el("input", { type: "text", name: "username", id: "username", autocomplete: "username", required: "" })));
      form.append(el("label", {}, "Password ",
        el("input", { type: "password", name: "password", id: "password", autocomplete: "current-password", required: "" })));
      form.append(el("button", { type: "submit", id: "submit", text: "Log in" }));
    }
    if (view.message) {
      parts.push(el("p", { id: "dialog-error", class: "error", role: "alert", text: view.message }));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = new URLSearchParams(new FormData(form));
      const button = event.submitter;
      if (button && button.name) body.set(button.name, button.value);
      body.set("dialog_id", dialog);
      for (const b of form.querySelectorAll("button")) b.disabled = true;
      send(view.action, body);
    });
    app.replaceChildren(...parts, form);
  }

  async function send(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: body ? "POST" : "GET",
        headers: { Accept: "application/json" },
        body,
      });
    } catch (e) {
      app.replaceChildren(el("p", { id: "dialog-error", class: "error", role: "alert", text: "The mock did not answer: " + e }));
      return;
    }
    const type = response.headers.get("content-type") || "";
    if (!type.includes("application/json")) {
      // An error page (an unknown or finished dialog): shown as the server wrote it.
      const html = await response.text();
      document.open();
      document.write(html);
      document.close();
      return;
    }
    const next = await response.json();
    if (next.redirect) {
      location.assign(next.redirect);
    } else if (next.form_post) {
      const post = el("form", { id: "form_post", method: "post", action: next.form_post.action });
      for (const [name, value] of next.form_post.fields) {
        post.append(el("input", { type: "hidden", name, value }));
      }
      document.body.append(post);
      post.submit();
    } else {
      show(next);
    }
  }

  send("/dialog/" + encodeURIComponent(dialog), null);
})();
