// The eight licences a record may carry (GET /licences), each with the one line the site says about it.

export const LICENCES = [
  ["remixery", "Remixery community licence", "Remixes on Remixery only; sold only in Remixery productions, which pay you. Remixes keep this licence."],
  ["cc0", "CC0 1.0", "No conditions at all: anyone may use it for anything, even without naming you."],
  ["cc-by", "CC BY 4.0", "Anyone may use and sell it, remixes too, as long as they credit you."],
  ["cc-by-sa", "CC BY-SA 4.0", "Use and sale with credit; every remix must carry this same licence."],
  ["cc-by-nc", "CC BY-NC 4.0", "Use with credit, not commercially: a production needs your grant to sell it."],
  ["cc-by-nc-sa", "CC BY-NC-SA 4.0", "Non-commercial with credit, and remixes carry this same licence."],
  ["cc-by-nd", "CC BY-ND 4.0", "Shared as it is, with credit: no remixes."],
  ["cc-by-nc-nd", "CC BY-NC-ND 4.0", "Shared as it is, with credit, not commercially: no remixes."],
].map(([id, name, line]) => ({ id, name, line, derivatives: !id.endsWith("-nd") }));

export function licence(id) {
  return LICENCES.find((l) => l.id === id) || { id, name: id, line: "", derivatives: true };
}

/** Why "Remix this" is not offered for a record, in words (null: it is). */
export function whyNotRemixable(record) {
  if (record.status !== "ready") return record.status === "removed" ? "It has been taken down." : "It is not published yet.";
  if (!licence(record.licence).derivatives) return `Its licence, ${licence(record.licence).name}, forbids remixes: it is shared as it is.`;
  if (!record.remixable) return "Its owner keeps it from being remixed.";
  return null;
}
