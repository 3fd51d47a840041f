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

// The one wording of the kinds, everywhere on the site (the API's ids stay audio, video, image...).
export const KIND_LABELS = {
  audio: "Music", video: "Film", image: "Illustration", photo: "Photography", animation: "Animation", text: "Writing",
};

/** 2:05, 1:02:03 — a media length in seconds. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const total = Math.max(0, Math.round(seconds));
  const [hours, minutes, secs] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(secs)}` : `${minutes}:${pad(secs)}`;
}

/** "12 Mar 2026": a day, for cards. */
export function day(timestamp) {
  if (!timestamp) return "";
  return new Date(timestamp).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** "November 2026" for "2026-11". */
export function monthName(period) {
  const [year, month] = period.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

/** The period (YYYY-MM) of a timestamp, UTC as the royalty periods are. */
export function periodOf(date = new Date()) {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Why an upload was refused, in words (the API's rejection_reason ids). */
export const REJECTIONS = {
  too_large: "The file is larger than this kind accepts.",
  size_mismatch: "The file that arrived is not the size that was announced. It may have changed while it was sent: try again.",
  type_mismatch: "The file's contents are not of the type it was announced as (a PNG named .jpg, say). Choose the kind that matches, or export it again.",
  unsupported_format: "This file format is not accepted for this kind, or the file is damaged.",
  empty: "The file was empty.",
};
