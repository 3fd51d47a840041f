// The site: a hash router over views that each read the public API.

import { api } from "./api.js";
import { completeCognitoSignIn, loadMe, onSessionChange, restore, session, signOut } from "./auth.js";
import { config, loadConfig } from "./config.js";
import { clear, h } from "./dom.js";
import { endToasts, failure, loadingView, navigate, say, stackTables } from "./ui.js";
import { mountSearchBox, mountUnreadBadge } from "./topbar.js";
import { aboutView } from "./views/about.js";
import { collaborationsView, collaborationView } from "./views/collaborations.js";
import { feedView, trendingView } from "./views/feed.js";
import { memberView } from "./views/member.js";

/** A view whose module loads when its page is first opened (what every page loads stays small). */
const lazy = (module, name) => async (args) => (await import(module))[name](args);

const routes = [
  [/^\/$/, feedView],
  [/^\/trending$/, trendingView],
  [/^\/following$/, lazy("./views/community.js", "followingView")],
  [/^\/records\/([^/]+)$/, lazy("./views/record.js", "recordView")],
  [/^\/upload$/, lazy("./views/upload.js", "uploadView")],
  [/^\/collaborations$/, collaborationsView],
  [/^\/collaborations\/([^/]+)$/, collaborationView],
  [/^\/productions$/, lazy("./views/productions.js", "productionsView")],
  [/^\/productions\/new$/, lazy("./views/producer.js", "newProductionView")],
  [/^\/productions\/([^/]+)\/manage$/, lazy("./views/producer.js", "manageProductionView")],
  [/^\/productions\/([^/]+)\/proposal$/, lazy("./views/proposals.js", "proposalView")],
  [/^\/productions\/([^/]+)\/credits$/, lazy("./views/proposals.js", "creditsView")],
  [/^\/productions\/([^/]+)$/, lazy("./views/productions.js", "productionView")],
  [/^\/statements$/, lazy("./views/statements.js", "statementsView")],
  [/^\/payouts$/, lazy("./views/payouts.js", "payoutsView")],
  [/^\/statements\/(\d{4}-\d{2})$/, lazy("./views/statements.js", "periodView")],
  [/^\/members\/([^/]+)$/, memberView],
  [/^\/signin$/, lazy("./views/signin.js", "signInView")],
  [/^\/about$/, aboutView],
  [/^\/moderation$/, lazy("./views/moderation.js", "moderationView")],
  // Inbox, search and tags load their module when first opened.
  [/^\/inbox$/, async (args) => (await import("./views/inbox.js")).inboxView(args)],
  [/^\/search$/, async (args) => (await import("./views/search.js")).searchView(args)],
  [/^\/tags$/, async (args) => (await import("./views/search.js")).tagsView(args)],
  [/^\/tags\/([^/]+)$/, async (args) => (await import("./views/search.js")).tagView(args)],
];

const main = document.getElementById("main");
let rendering = 0;

async function route() {
  const [path, search] = (location.hash.slice(1) || "/").split("?");
  const query = new URLSearchParams(search || "");
  const serial = ++rendering;
  const found = routes.find(([pattern]) => pattern.test(path || "/"));
  for (const link of document.querySelectorAll(".top nav a")) {
    const target = link.getAttribute("href").slice(1);
    const current = target === "/" ? path === "/" : path.startsWith(target);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  // The old page goes at once: a loading state (aria-busy) until the new one is ready.
  endToasts();
  main.setAttribute("aria-busy", "true");
  clear(main).append(loadingView());
  let view;
  try {
    if (!found) throw Object.assign(new Error(`No page at ${path}.`), { status: 404 });
    const params = path.match(found[0]).slice(1).map(decodeURIComponent);
    view = await found[1]({ params, query });
  } catch (error) {
    console.error(error);
    view = failure(error);
  }
  if (serial !== rendering) return; // a later navigation won
  clear(main).append(view);
  stackTables(main);
  main.setAttribute("aria-busy", "false");
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    document.title = `${heading.textContent} · Remixery`;
    if (route.moved) heading.focus({ preventScroll: false });
  }
  route.moved = true;
  window.scrollTo(0, 0);
}

function renderSession() {
  const area = clear(document.getElementById("session"));
  if (!session.token) {
    area.append(h("a", { class: "button", href: "#/signin" }, "Sign in"));
    return;
  }
  const who = session.me ? h("a", { href: `#/members/${session.me.handle}` }, `@${session.me.handle}`)
    : h("a", { href: "#/signin" }, "Finish registering");
  const roles = session.groups.length ? h("span", { class: "roles" }, session.groups.join(", ")) : null;
  area.append(...[who, roles].filter(Boolean), h("button", { type: "button", class: "link", onclick: () => { signOut(); navigate("#/"); } },
    "Sign out"));
}

async function start() {
  await loadConfig();
  document.documentElement.dataset.stage = config.stage;
  onSessionChange(renderSession);
  restore();
  try {
    await completeCognitoSignIn();
  } catch (error) {
    say(error.message);
  }
  renderSession();
  if (session.token) {
    await loadMe(api).catch((error) => say(error.message));
  }
  window.addEventListener("hashchange", route);
  mountSearchBox();
  mountUnreadBadge();
  await route();
  document.body.dataset.ready = "true";
}

start();
