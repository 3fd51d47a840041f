import { api } from "../api.js";
import { h } from "../dom.js";
import { when } from "../format.js";
import { pagedRecords } from "../ui.js";

export async function memberView({ params: [handle] }) {
  const member = await api(`/members/${encodeURIComponent(handle)}`);
  const records = pagedRecords((cursor) => api(`/members/${member.handle}/records`, { query: { cursor } }), "No records yet.");
  const hearts = pagedRecords((cursor) => api(`/members/${member.handle}/hearts`, { query: { cursor } }), "No hearts given yet.");
  await Promise.all([records.ready, hearts.ready]);
  return h("section", { class: "member" },
    h("h1", {}, member.display_name, " ", h("span", { class: "handle" }, `@${member.handle}`)),
    member.bio ? h("p", { class: "bio" }, member.bio) : null,
    h("p", { class: "meta" }, `${member.record_count} records · ${member.heart_count_received} hearts received · member since ${when(member.created_at)}`),
    h("h2", {}, "Records"), records,
    h("h2", {}, "Hearted"), hearts);
}
