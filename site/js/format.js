// Money is integer minor units in the API: shown here in the currency's own exponent.

const exponents = new Map();

export function exponent(currency) {
  if (!exponents.has(currency)) {
    const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
    exponents.set(currency, digits);
  }
  return exponents.get(currency);
}

export function money(amount, currency) {
  const digits = exponent(currency);
  return new Intl.NumberFormat(undefined, {
    style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(amount / 10 ** digits);
}

export function when(timestamp) {
  if (!timestamp) return "";
  const date = new Date(timestamp);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function bytes(size) {
  const units = ["B", "KB", "MB", "GB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function percent(bps) {
  return `${(bps / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
}

export const KINDS = ["audio", "video", "image", "photo", "animation", "text"];

export const KIND_LABELS = {
  audio: "Music", video: "Film", image: "Illustration", photo: "Photo", animation: "Animation", text: "Writing",
};
