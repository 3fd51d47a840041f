// Publishing: POST /records, then the file straight to S3 with the presigned POST (with a
// progress bar), then waiting until the upload function has checked it. "Remix this" lands here
// with ?remix=<id>: the new record cites it as its source.

import { api, uploadFile } from "../api.js";
import { session } from "../auth.js";
import { field, h } from "../dom.js";
import { bytes, KIND_LABELS, KINDS, REJECTIONS } from "../format.js";
import { alertBox, memberLink, navigate, needsMember, say } from "../ui.js";
import { licence, LICENCES } from "../licences.js";

// The largest file each kind takes (API.md; decimal megabytes).
export const MAX_BYTES = { audio: 200e6, video: 2000e6, image: 20e6, photo: 30e6, animation: 500e6 };

// What each kind accepts (the API checks the stored bytes; this only guides the picker).
export const ACCEPTS = {
  audio: ["audio/mpeg", "audio/wav", "audio/x-wav", "audio/wave", "audio/flac", "audio/ogg", "audio/mp4", "audio/x-m4a"],
  video: ["video/mp4", "video/quicktime", "video/webm"],
  image: ["image/png", "image/jpeg", "image/gif", "image/webp"],
  photo: ["image/jpeg", "image/png", "image/webp"],
  animation: ["image/gif", "video/mp4", "video/webm"],
};
const BY_EXTENSION = {
  mp3: "audio/mpeg", wav: "audio/wav", flac: "audio/flac", ogg: "audio/ogg", m4a: "audio/mp4", mp4: "video/mp4",
  mov: "video/quicktime", webm: "video/webm", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg",
  gif: "image/gif", webp: "image/webp",
};

/** The content type to declare: the browser's if the kind takes it, else the extension's. */
export function contentType(kind, file) {
  const allowed = ACCEPTS[kind] || [];
  if (allowed.includes(file.type)) return file.type;
  const guess = BY_EXTENSION[file.name.split(".").pop().toLowerCase()];
  if (kind === "audio" && guess === "video/mp4") return "audio/mp4";
  return guess || file.type || "application/octet-stream";
}

async function waitUntilChecked(id, progressText) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const record = await api(`/records/${id}`);
    if (record.status !== "awaiting_upload") return record;
    progressText.textContent = "Sent. Checking the file…";
    await new Promise((resolve) => setTimeout(resolve, 600));
  }
  throw new Error("The file is still being checked. Look at the record again in a moment.");
}

export async function uploadView({ query }) {
  const blocked = needsMember("Upload");
  if (blocked) return blocked;
  const retryOf = query.get("retry");
  const [earlier, collaborations] = await Promise.all([
    retryOf ? api(`/records/${retryOf}`).catch(() => null) : null,
    api("/collaborations", { query: { limit: 50 } }).catch(() => ({ items: [] })),
  ]);
  // "Try again" after a refused file: the same record's fields, and its source if it remixed one.
  const remixOf = query.get("remix") || earlier?.sources?.[0];
  const source = remixOf ? await api(`/records/${remixOf}`).catch(() => null) : null;

  const kind = h("select", { name: "kind", required: true },
    KINDS.map((k) => h("option", { value: k, selected: k === (query.get("kind") || earlier?.kind || source?.kind || "image") }, KIND_LABELS[k])));
  const title = h("input", { name: "title", required: true, maxlength: 120, autocomplete: "off", value: earlier?.title || "" });
  const description = h("textarea", { name: "description", maxlength: 5000, rows: 3 });
  description.value = earlier?.description || "";
  const tags = h("input", { name: "tags", autocomplete: "off", placeholder: "ambient, loop, sketch", value: (earlier?.tags || []).join(", ") });
  const file = h("input", { type: "file", name: "file" });
  const body = h("textarea", { name: "body", rows: 10, maxlength: 100000 });
  const remixable = h("input", { type: "checkbox", name: "remixable", checked: true, id: "remixable" });
  // A remix starts from its source's licence (what the citation rules most often ask for).
  const startLicence = earlier?.licence || (source && licence(source.licence).derivatives ? source.licence : "remixery");
  const licenceSelect = h("select", { name: "licence", id: "licence" },
    LICENCES.map((l) => h("option", { value: l.id, selected: l.id === startLicence }, l.name)));
  const licenceField = field("Licence", licenceSelect, licence(startLicence).line);
  function licenceChanged() {
    const chosen = licence(licenceSelect.value);
    licenceField.querySelector(".hint").textContent = chosen.line;
    remixable.disabled = !chosen.derivatives;
    if (!chosen.derivatives) remixable.checked = false;
  }
  licenceSelect.addEventListener("change", licenceChanged);
  const collaboration = h("select", { name: "collaboration_id" },
    h("option", { value: "" }, "None"),
    collaborations.items.map((c) => h("option", { value: c.id, selected: c.id === query.get("collaboration") }, c.title)));
  const note = h("input", { name: "note", maxlength: 500, autocomplete: "off", placeholder: "e.g. the bass line, slowed down" });
  const progress = h("progress", { max: 100, value: 0, "aria-label": "Upload progress" });
  const progressText = h("p", { class: "progress-text", "aria-live": "polite" });
  const progressBox = h("div", { class: "progress", hidden: true }, progress, progressText);
  const submit = h("button", { type: "submit", class: "primary" }, source ? "Publish remix" : "Publish");
  const box = alertBox();

  const fileField = field("File", file, "");
  const bodyField = field("Text", body, "1 to 100,000 characters, published as written.");
  function kindChanged() {
    const text = kind.value === "text";
    fileField.hidden = text;
    bodyField.hidden = !text;
    file.required = !text;
    body.required = text;
    file.accept = (ACCEPTS[kind.value] || []).join(",");
    const formats = [...new Set((ACCEPTS[kind.value] || []).map((t) => t.split("/")[1].replace(/^x-/, "")))];
    fileField.querySelector(".hint").textContent = text ? "" : `Accepted: ${formats.join(", ")}, up to ${bytes(MAX_BYTES[kind.value])}.`;
  }
  // field() adds a hint element only when given text; give the file one to fill in.
  fileField.append(h("p", { class: "hint", id: `${file.id}-hint` }));
  file.setAttribute("aria-describedby", `${file.id}-hint`);
  kind.addEventListener("change", kindChanged);
  kindChanged();

  const form = h("form", { class: "upload", novalidate: false },
    source ? h("div", { class: "remix-of" },
      h("p", {}, "Remixing ", h("a", { href: `#/records/${source.id}` }, source.title), " by ", memberLink(source.owner.handle),
        ". Your record will cite it as its source."),
      field("What you took from it (optional)", note)) : null,
    field("Kind", kind),
    field("Title", title),
    fileField,
    bodyField,
    field("Description (optional)", description),
    field("Tags (optional)", tags, "Up to 10, separated by commas."),
    collaborations.items.length ? field("Collaboration (optional)", collaboration) : null,
    licenceField,
    h("div", { class: "toggle" }, remixable, h("label", { for: "remixable" }, "Others may remix this")),
    box, progressBox, submit);
  licenceChanged();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    const chosen = file.files[0];
    const request = {
      kind: kind.value,
      title: title.value.trim(),
      remixable: remixable.checked,
      licence: licenceSelect.value,
    };
    if (description.value.trim()) request.description = description.value.trim();
    const tagList = tags.value.split(",").map((t) => t.trim()).filter(Boolean);
    if (tagList.length) request.tags = tagList;
    if (collaboration.value) request.collaboration_id = collaboration.value;
    if (source) request.sources = [note.value.trim() ? { record_id: source.id, note: note.value.trim() } : { record_id: source.id }];
    if (!request.title) {
      box.show(new Error("Give it a title."));
      title.focus();
      return;
    }
    if (kind.value === "text") {
      request.body = body.value;
    } else {
      if (!chosen) {
        box.show(new Error("Choose a file to upload."));
        file.focus();
        return;
      }
      if (chosen.size > MAX_BYTES[kind.value]) {
        box.show(new Error(`${chosen.name} is ${bytes(chosen.size)}; ${KIND_LABELS[kind.value]} takes files up to ${bytes(MAX_BYTES[kind.value])}.`));
        file.focus();
        return;
      }
      request.file = { filename: chosen.name, content_type: contentType(kind.value, chosen), size: chosen.size };
    }
    submit.disabled = true;
    progressBox.hidden = true;
    progress.value = 0;
    progressText.textContent = "";
    form.setAttribute("aria-busy", "true");
    try {
      const created = await api("/records", { method: "POST", body: request });
      let record = created.record;
      if (created.upload) {
        progressBox.hidden = false;
        await uploadFile(created.upload, chosen, (sent, total) => {
          progress.value = Math.round((sent / total) * 100);
          progressText.textContent = `Uploading ${bytes(sent)} of ${bytes(total)} (${progress.value}%)`;
        });
        record = await waitUntilChecked(record.id, progressText);
        if (record.status === "rejected") {
          // Not a dead end: the record page shows the reason and a way to try again.
          say(`“${record.title}” was not published: ${REJECTIONS[record.rejection_reason] || record.rejection_reason}`);
          navigate(`#/records/${record.id}`);
          return;
        }
      }
      say(`Published “${record.title}”.`);
      navigate(`#/records/${record.id}`);
    } catch (error) {
      progressBox.hidden = true; // nothing half-done stays on screen under the error
      box.show(error);
      submit.disabled = false;
    } finally {
      form.removeAttribute("aria-busy");
    }
  });

  return h("section", {},
    h("h1", {}, source ? "Remix" : "Upload"),
    earlier ? h("p", { class: "alert" }, `Trying “${earlier.title}” again: ${REJECTIONS[earlier.rejection_reason] || "choose the file again."}`) : null,
    h("p", { class: "lede" }, `Signed in as @${session.me.handle}. Files go straight to storage and are checked before they appear.`),
    form);
}
