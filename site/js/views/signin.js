// Signing in. Local stage: "sign in as <name>" with a local token (the stack's control endpoint
// mints it; nothing here knows a secret). Deployed: the Cognito hosted UI. Then, once per
// identity, registering the member profile (POST /members).

import { api } from "../api.js";
import { loadMe, session, signInCognito, signInLocal } from "../auth.js";
import { config } from "../config.js";
import { field, h } from "../dom.js";
import { alertBox, navigate, say } from "../ui.js";

function localForm(next) {
  const name = h("input", { name: "sub", required: true, pattern: "[A-Za-z0-9_.@\\-]{1,128}", autocomplete: "username",
    autocapitalize: "none", spellcheck: "false" });
  const producer = h("input", { type: "checkbox", id: "as-producer", value: "producer" });
  const admin = h("input", { type: "checkbox", id: "as-admin", value: "admin" });
  const box = alertBox();
  const form = h("form", { class: "signin" },
    h("p", {}, "This is the local stack: sign in as anyone. Use a demo member's handle (",
      h("code", {}, "ada"), ", ", h("code", {}, "ben"), ", ", h("code", {}, "cleo"), "…) to act as them."),
    field("Sign in as", name, "An identity name; the same name always signs in as the same member."),
    h("fieldset", {}, h("legend", {}, "Roles (local tokens only)"),
      h("span", { class: "check" }, producer, h("label", { for: producer.id }, "Producer")),
      h("span", { class: "check" }, admin, h("label", { for: admin.id }, "Admin"))),
    box, h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    try {
      await signInLocal(name.value.trim(), [producer, admin].filter((b) => b.checked).map((b) => b.value));
      const me = await loadMe(api);
      say(me ? `Signed in as @${me.handle}.` : "Signed in. Now register your profile.");
      navigate(me ? next : `#/signin?next=${encodeURIComponent(next)}`);
    } catch (error) {
      box.show(error);
    }
  });
  return form;
}

function registerForm(next) {
  const suggested = (session.sub || "").toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30);
  const handle = h("input", { name: "handle", required: true, value: suggested.length >= 3 ? suggested : "",
    pattern: "[A-Za-z0-9_]{3,30}", autocapitalize: "none", spellcheck: "false", autocomplete: "username" });
  const displayName = h("input", { name: "display_name", required: true, maxlength: 80, autocomplete: "name" });
  const bio = h("textarea", { name: "bio", maxlength: 1000, rows: 3 });
  const box = alertBox();
  const form = h("form", { class: "register" },
    h("h2", {}, "Register your member profile"),
    field("Handle", handle, "3 to 30 letters, digits or underscores; how others find you."),
    field("Display name", displayName), field("Bio (optional)", bio),
    box, h("button", { type: "submit", class: "primary" }, "Register"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    try {
      const body = { handle: handle.value.trim(), display_name: displayName.value.trim() };
      if (bio.value.trim()) body.bio = bio.value.trim();
      await api("/members", { method: "POST", body });
      const me = await loadMe(api);
      say(`Welcome, @${me.handle}!`);
      navigate(next === "#/" ? "#/upload" : next);
    } catch (error) {
      box.show(error);
    }
  });
  return form;
}

/** Where to go once signed in: `?next=#/records/…` (only a page of this site), else the feed. */
function nextPage(query) {
  const next = query?.get("next") || "";
  return /^#\/[^\s]*$/.test(next) && !next.startsWith("#/signin") ? next : "#/";
}

export async function signInView({ query } = {}) {
  const next = nextPage(query);
  if (session.token && session.me) {
    return h("section", {}, h("h1", {}, "Signed in"),
      h("p", {}, `You are @${session.me.handle}${session.groups.length ? ` (${session.groups.join(", ")})` : ""}.`),
      h("p", {}, h("a", { class: "button", href: "#/upload" }, "Upload something")));
  }
  if (session.token) {
    return h("section", {}, h("h1", {}, "Welcome"), registerForm(next));
  }
  if (config.auth.kind === "local") {
    return h("section", {}, h("h1", {}, "Sign in"), localForm(next));
  }
  if (config.auth.kind === "cognito") {
    const button = h("button", { type: "button", class: "primary" }, "Sign in or sign up");
    button.addEventListener("click", () => signInCognito());
    return h("section", {}, h("h1", {}, "Sign in"), h("p", {}, "You will come back here once you are signed in."), button);
  }
  return h("section", {}, h("h1", {}, "Sign in"), h("p", {}, "Signing in is not set up for this site."));
}
