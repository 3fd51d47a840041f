// Where the API is and how to sign in: `config.json` beside index.html. The local stack serves it
// (`local/site.py`); the CDK stack writes it next to the deployed site.

export const config = {
  stage: "local",
  apiBase: "",
  auth: { kind: "none" },
};

export async function loadConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-cache" });
    if (response.ok) Object.assign(config, await response.json());
  } catch {
    // No config: same-origin API, no sign-in.
  }
  return config;
}
