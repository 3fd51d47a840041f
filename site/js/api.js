// The public API, and nothing else: every call the site makes goes through here.

import { config } from "./config.js";
import { session, signOut } from "./auth.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function apiUrl(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") params.set(name, value);
  }
  const search = params.toString();
  return `${config.apiBase}${path}${search ? `?${search}` : ""}`;
}

/** `api("/records", {query: {kind: "audio"}})`, `api("/members", {method: "POST", body: {...}})`. */
export async function api(path, { method = "GET", body, query, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(apiUrl(path, query), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && token) {
    signOut({ quiet: true }); // expired or refused: the next try goes without it
  }
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText || `HTTP ${response.status}`, status: response.status };
    }
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  return accept.startsWith("application/json") ? response.json() : response.text();
}

/**
 * Sends a file with the presigned POST the API handed out, straight to S3, reporting progress.
 * XMLHttpRequest, not fetch: only it reports upload progress.
 */
export function uploadFile(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("file", file);
    const request = new XMLHttpRequest();
    request.open("POST", upload.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        reject(Object.assign(new Error(request.status === 403
          ? "The upload link has expired or did not match the file. Publish again to get a new one."
          : `The file could not be stored (the storage answered ${request.status}). Try again in a moment.`),
        { status: request.status }));
      }
    });
    request.addEventListener("error", () => reject(new Error("The file did not get through: the connection dropped. Try again.")));
    request.send(form);
  });
}
