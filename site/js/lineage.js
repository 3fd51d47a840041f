// The remix tree: a record's ancestors and descendants (GET /records/{id}/lineage) drawn as a
// left-to-right graph in SVG — sources on the left, remixes on the right — with a text twin.

import { h, s } from "./dom.js";
import { KIND_LABELS } from "./format.js";

const NODE_WIDTH = 184;
const NODE_HEIGHT = 48;
const COLUMN_GAP = 56;
const ROW_GAP = 14;
const PAD = 8;

/** Merges both walks and gives each node a column: 0 for the record, −n its sources, +n its remixes. */
export function layout(startId, ancestors, descendants) {
  const nodes = new Map();
  for (const node of [...ancestors.nodes, ...descendants.nodes]) nodes.set(node.id, node);
  const edgeKeys = new Set();
  const edges = [];
  for (const edge of [...ancestors.edges, ...descendants.edges]) {
    const key = `${edge.source}>${edge.remix}`;
    if (!edgeKeys.has(key) && nodes.has(edge.source) && nodes.has(edge.remix)) {
      edgeKeys.add(key);
      edges.push(edge);
    }
  }
  const column = new Map([[startId, 0]]);
  const walk = (list, from, to, step) => {
    const queue = [startId];
    while (queue.length) {
      const id = queue.shift();
      for (const edge of list) {
        if (edge[from] === id && !column.has(edge[to])) {
          column.set(edge[to], column.get(id) + step);
          queue.push(edge[to]);
        }
      }
    }
  };
  walk(ancestors.edges, "remix", "source", -1);
  walk(descendants.edges, "source", "remix", +1);
  const columns = [...new Set(column.values())].sort((a, b) => a - b);
  const rows = new Map();
  const position = new Map();
  for (const [id, col] of column) {
    const row = rows.get(col) || 0;
    rows.set(col, row + 1);
    position.set(id, { x: PAD + columns.indexOf(col) * (NODE_WIDTH + COLUMN_GAP), row, col });
  }
  const tallest = Math.max(...rows.values());
  for (const place of position.values()) {
    const offset = (tallest - rows.get(place.col)) * (NODE_HEIGHT + ROW_GAP) / 2;
    place.y = PAD + offset + place.row * (NODE_HEIGHT + ROW_GAP);
  }
  return {
    nodes: [...position.keys()].map((id) => ({ ...nodes.get(id), ...position.get(id) })),
    edges: edges.filter((e) => position.has(e.source) && position.has(e.remix)),
    width: PAD * 2 + columns.length * NODE_WIDTH + (columns.length - 1) * COLUMN_GAP,
    height: PAD * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP,
    position,
  };
}

function shorten(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function lineageGraph(startId, ancestors, descendants) {
  const graph = layout(startId, ancestors, descendants);
  if (graph.nodes.length === 1) {
    return h("p", { class: "empty" }, "No sources and no remixes yet.");
  }
  const marker = s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
    s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
  const edges = graph.edges.map((edge) => {
    const from = graph.position.get(edge.source);
    const to = graph.position.get(edge.remix);
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x - 2;
    const y2 = to.y + NODE_HEIGHT / 2;
    const bend = Math.max(24, (x2 - x1) / 2);
    return s("path", {
      class: "edge", d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
      "marker-end": "url(#arrow)", dataset: { source: edge.source, remix: edge.remix },
    });
  });
  const nodes = graph.nodes.map((node) => {
    const current = node.id === startId;
    const removed = node.status === "removed";
    const title = node.title ?? "Hidden record";
    const sub = `@${node.owner_handle} · ${KIND_LABELS[node.kind] || node.kind}`;
    // The accessible name starts with what the box shows (WCAG 2.5.3), then says the rest.
    const label = `${shorten(title, 24)} ${shorten(sub, 28)}${shorten(title, 24) === title ? "" : `: ${title}`}${removed ? " (removed)" : ""}${current ? " (this record)" : ""}`;
    const box = s("g", { class: `node${current ? " current" : ""}${removed ? " removed" : ""}`, dataset: { recordId: node.id } },
      s("title", {}, label),
      s("rect", { x: node.x, y: node.y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8 }),
      s("text", { x: node.x + 10, y: node.y + 20, class: "title" }, shorten(title, 24)),
      s("text", { x: node.x + 10, y: node.y + 38, class: "sub" }, shorten(sub, 28)));
    return current ? box : s("a", { href: `#/records/${node.id}`, "aria-label": label }, box);
  });
  const svg = s("svg", {
    class: "lineage", role: "group", "aria-label": "Remix tree: sources on the left, remixes on the right",
    viewBox: `0 0 ${graph.width} ${graph.height}`, width: graph.width, height: graph.height,
  }, s("defs", {}, marker), edges, nodes);
  const titles = new Map(graph.nodes.map((n) => [n.id, n.title ?? "Hidden record"]));
  const description = h("ul", { class: "sr" }, graph.edges.map((e) =>
    h("li", {}, `${titles.get(e.remix)} remixes ${titles.get(e.source)}`)));
  const scroller = h("div", { class: "graph-scroll", tabindex: "0", "aria-label": "Remix tree (scrolls sideways)" }, svg, description);
  return scrollable(scroller, graph.position.get(startId).x + NODE_WIDTH / 2);
}

/** The tree in a box that, once on the page, centres the current record and, while it is wider
 * than the screen, shows which way there is more (fading edges and two scroll buttons). */
function scrollable(scroller, centreX) {
  const step = (direction) => scroller.scrollBy({ left: direction * scroller.clientWidth * 0.8, behavior: "smooth" });
  const back = h("button", { type: "button", class: "scroll-button", onclick: () => step(-1) }, "◀ Sources");
  const ahead = h("button", { type: "button", class: "scroll-button", onclick: () => step(1) }, "Remixes ▶");
  const box = h("div", { class: "tree-box" }, h("div", { class: "scroll-controls" }, back, ahead), scroller);
  const update = () => {
    const overflow = scroller.scrollWidth - scroller.clientWidth > 2;
    box.classList.toggle("overflows", overflow);
    box.classList.toggle("more-left", overflow && scroller.scrollLeft > 2);
    box.classList.toggle("more-right", overflow && scroller.scrollLeft < scroller.scrollWidth - scroller.clientWidth - 2);
    back.disabled = !box.classList.contains("more-left");
    ahead.disabled = !box.classList.contains("more-right");
  };
  scroller.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update, { passive: true });
  const centre = (tries) => {
    if (!scroller.isConnected) {
      if (tries > 0) requestAnimationFrame(() => centre(tries - 1));
      return;
    }
    scroller.scrollLeft = Math.max(0, centreX - scroller.clientWidth / 2);
    update();
  };
  requestAnimationFrame(() => centre(120));
  return box;
}
