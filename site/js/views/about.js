import { apiUrl } from "../api.js";
import { h } from "../dom.js";

export async function aboutView() {
  return h("section", { class: "prose" },
    h("h1", {}, "About Remixery"),
    h("p", {}, "Members upload music, film, illustrations, photos, animation and writing. Anyone may remix what is marked remixable: a remix cites its sources, and the remix tree on every record shows what it builds on and what builds on it."),
    h("p", {}, "When a producer sells something made from the community's work, the contributor pool is split by weight over its contributions, and a share of each record's amount flows up to the records it remixed, level by level — to the cent. Every production shows its split; members get monthly statements."),
    h("p", {}, "This site is a plain client of the public HTTP API: ",
      h("a", { href: apiUrl("/openapi.json") }, "the OpenAPI document"), " lists every route it uses."));
}
