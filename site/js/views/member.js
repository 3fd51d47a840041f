import { api } from "../api.js";
import { loadMe, session } from "../auth.js";
import { field, h } from "../dom.js";
import { day } from "../format.js";
import { alertBox, navigate, pagedRecords, say } from "../ui.js";
import { yourDataTools } from "./your_data.js";
import { reportControl } from "./moderation.js";

/** Your own profile: display name and bio (PATCH /me). */
function profileForm(member) {
  const displayName = h("input", { name: "display_name", required: true, maxlength: 80, value: member.display_name, autocomplete: "name" });
  const bio = h("textarea", { name: "bio", maxlength: 1000, rows: 3 });
  bio.value = member.bio || "";
  const box = alertBox();
  const save = h("button", { type: "submit", class: "primary" }, "Save profile");
  const form = h("form", { class: "edit-profile" }, field("Display name", displayName), field("Bio", bio, "Up to 1,000 characters."), box, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    save.disabled = true;
    try {
      await api("/me", { method: "PATCH", body: { display_name: displayName.value.trim(), bio: bio.value.trim() } });
      await loadMe(api);
      say("Profile saved.");
      navigate(`#/members/${member.handle}`);
    } catch (error) {
      box.show(error);
    } finally {
      save.disabled = false;
    }
  });
  return h("details", { class: "owner-tools" }, h("summary", {}, "Edit your profile"), form);
}

export async function memberView({ params: [handle] }) {
  const { followButton } = await import("./community.js");
  const member = await api(`/members/${encodeURIComponent(handle)}`);
  const records = pagedRecords((cursor) => api(`/members/${member.handle}/records`, { query: { cursor } }), "No records yet.");
  const hearts = pagedRecords((cursor) => api(`/members/${member.handle}/hearts`, { query: { cursor } }), "No hearts given yet.");
  await Promise.all([records.ready, hearts.ready]);
  return h("section", { class: "member" },
    h("h1", {}, member.display_name, " ", h("span", { class: "handle" }, `@${member.handle}`)),
    member.bio ? h("p", { class: "bio" }, member.bio) : null,
    h("p", { class: "meta" }, `${member.record_count} records · ${member.heart_count_received} hearts received · member since ${day(member.created_at)}`),
    h("p", { class: "follows" }, followButton(member), ` · following ${member.following_count}`),
    session.me?.id === member.id ? profileForm(member) : reportControl({ type: "member", id: member.id }, "Report this member"),
    session.me?.id === member.id ? yourDataTools(member) : null,
    h("h2", {}, "Records"), records,
    h("h2", {}, "Hearted"), hearts);
}
