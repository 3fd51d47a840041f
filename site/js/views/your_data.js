// Your data, on the member's own page: "Download my data" (POST /me/exports, then GET until
// ready) and "Delete my account" (DELETE /me, with the handle typed to confirm).
import { api } from "../api.js";
import { loadMe, signOut } from "../auth.js";
import { field, h } from "../dom.js";
import { alertBox, navigate, say } from "../ui.js";

const POLL_MS = 1500;

function exportTool() {
  const box = alertBox();
  const status = h("p", { class: "export-status", role: "status" });
  const start = h("button", { type: "button", class: "primary", "data-action": "export" }, "Download my data");
  const wait = (id) => new Promise((resolve, reject) => {
    const poll = async () => {
      try {
        const found = await api(`/me/exports/${id}`);
        if (found.status === "running") return setTimeout(poll, POLL_MS);
        resolve(found);
      } catch (error) {
        reject(error);
      }
    };
    poll();
  });
  start.addEventListener("click", async () => {
    box.hide();
    start.disabled = true;
    status.replaceChildren("Preparing your archive…");
    try {
      const started = await api("/me/exports", { method: "POST" });
      const done = await wait(started.id);
      if (done.status !== "ready") throw new Error("The export failed; try again.");
      const megabytes = (done.size / 1e6).toFixed(1);
      status.replaceChildren(
        h("a", { href: done.url, class: "button", download: "", "data-role": "export-link" }, `Download (${megabytes} MB)`),
        ` The link works for an hour; the archive is kept until ${done.kept_until.slice(0, 10)}.`);
    } catch (error) {
      status.replaceChildren();
      box.show(error);
    } finally {
      start.disabled = false;
    }
  });
  return h("div", { class: "your-data-export" },
    h("p", {}, "A ZIP of your profile, every record with its original media, your comments, hearts, follows and statements."),
    start, status, box);
}

function deleteTool(member) {
  const box = alertBox();
  const confirmHandle = h("input", { name: "confirm_handle", autocomplete: "off", spellcheck: "false", maxlength: 64 });
  const removeWorks = h("input", { type: "checkbox", name: "remove_works" });
  const submit = h("button", { type: "submit", class: "danger", disabled: true }, "Delete my account");
  confirmHandle.addEventListener("input", () => {
    submit.disabled = confirmHandle.value.trim().toLowerCase() !== member.handle;
  });
  const form = h("form", { class: "delete-account" },
    h("p", {}, "Your display name, bio, hearts and follows are erased and your handle is never given again. ",
      "Your works stay in everyone's lineage, owned by “orphan”, and money owed to you keeps being paid."),
    field(`Type your handle (${member.handle}) to confirm`, confirmHandle),
    h("label", { class: "checkbox" }, removeWorks, " Also take my works down (they stay as tombstones in lineage)"),
    box, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    submit.disabled = true;
    try {
      await api("/me", { method: "DELETE", body: { confirm_handle: confirmHandle.value.trim(), remove_works: removeWorks.checked } });
      say("Your account is deleted.");
      await loadMe(api).catch(() => null);
      signOut({ quiet: true });
      navigate("#/");
    } catch (error) {
      box.show(error);
      submit.disabled = false;
    }
  });
  return form;
}

/** The member's own tools for their data: shown only on their own page. */
export function yourDataTools(member) {
  return h("details", { class: "owner-tools your-data" }, h("summary", {}, "Your data"),
    h("h3", {}, "Download my data"), exportTool(),
    h("h3", {}, "Delete my account"), deleteTool(member));
}
