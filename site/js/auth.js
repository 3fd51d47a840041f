// Who is signed in. Local stage: a token from the stack's control endpoint ("sign in as").
// Deployed: the Cognito hosted UI, authorization code with PKCE; the ID token is the bearer.

import { config } from "./config.js";

const KEY = "remixery.session";
const PKCE_KEY = "remixery.pkce";
const listeners = new Set();

export const session = { token: null, sub: null, groups: [], expires: 0, me: null };

export function onSessionChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) listener(session);
}

export function claims(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const text = atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "="));
  return JSON.parse(decodeURIComponent(Array.from(text, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("")));
}

function adopt(token) {
  const values = claims(token);
  Object.assign(session, {
    token, sub: values.sub, groups: values["cognito:groups"] || [], expires: values.exp * 1000, me: null,
  });
  localStorage.setItem(KEY, token);
}

export function restore() {
  const token = localStorage.getItem(KEY);
  if (!token) return;
  try {
    adopt(token);
    if (session.expires < Date.now()) signOut({ quiet: true });
  } catch {
    signOut({ quiet: true });
  }
}

export function signOut({ quiet = false } = {}) {
  Object.assign(session, { token: null, sub: null, groups: [], expires: 0, me: null });
  localStorage.removeItem(KEY);
  changed();
  if (!quiet && config.auth.kind === "cognito") {
    const url = new URL(`${config.auth.domain}/logout`);
    url.searchParams.set("client_id", config.auth.clientId);
    url.searchParams.set("logout_uri", redirectUri());
    location.assign(url);
  }
}

/** The member profile of the signed-in identity, or null before it registers. */
export async function loadMe(api) {
  if (!session.token) return null;
  try {
    session.me = await api("/me");
  } catch (error) {
    if (error.status !== 403) throw error;
    session.me = null; // signed in, not registered yet
  }
  changed();
  return session.me;
}

export function isProducer() {
  return session.groups.includes("producer") || session.groups.includes("admin");
}

// --- local stage ------------------------------------------------------------------------------

export async function signInLocal(sub, groups) {
  const response = await fetch(config.auth.tokenUrl, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sub, groups }),
  });
  if (!response.ok) throw new Error((await response.json()).error || "The local stack refused the sign-in.");
  adopt((await response.json()).token);
}

// --- Cognito hosted UI ------------------------------------------------------------------------

function redirectUri() {
  return config.auth.redirectUri || `${location.origin}${location.pathname}`;
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function authorizeUrl() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back: location.hash }));
  const url = new URL(`${config.auth.domain}/oauth2/authorize`);
  for (const [name, value] of Object.entries({
    response_type: "code", client_id: config.auth.clientId, redirect_uri: redirectUri(),
    scope: (config.auth.scopes || ["openid", "email"]).join(" "), state,
    code_challenge: challenge, code_challenge_method: "S256",
  })) url.searchParams.set(name, value);
  return url;
}

export async function signInCognito() {
  location.assign(await authorizeUrl());
}

/** Back from the hosted UI with `?code=&state=`: trade the code for tokens. */
export async function completeCognitoSignIn() {
  const params = new URLSearchParams(location.search);
  if (config.auth.kind !== "cognito" || !params.has("code")) return false;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", `${location.pathname}${pending?.back || "#/"}`);
  if (!pending || pending.state !== params.get("state")) throw new Error("The sign-in answer did not match its request.");
  const response = await fetch(`${config.auth.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: config.auth.clientId, code: params.get("code"),
      redirect_uri: redirectUri(), code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error("Cognito refused the sign-in code.");
  adopt((await response.json()).id_token);
  return true;
}
