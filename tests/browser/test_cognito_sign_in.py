"""The deployed stage's sign-in, as far as it runs without Cognito: the site sends the browser to
the hosted UI with the authorization code flow and a PKCE challenge that matches the verifier it
keeps for the way back."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

COGNITO = {"kind": "cognito", "domain": "https://remixery-dev-123456789012.auth.eu-west-1.amazoncognito.com",
           "clientId": "4example0client0id", "scopes": ["openid", "email", "profile"],
           "redirectUri": "https://d111111abcdef8.cloudfront.net/"}


def test_the_hosted_ui_is_asked_for_a_code_with_a_pkce_challenge_and_the_site_as_callback(stack, tab):
    page = tab.page
    tab.open(stack.site, "#/trending")
    url, pending = page.evaluate("""async auth => {
        const { config } = await import('./js/config.js');
        Object.assign(config, { auth });
        const { authorizeUrl } = await import('./js/auth.js');
        const url = await authorizeUrl();
        return [url.toString(), JSON.parse(sessionStorage.getItem('remixery.pkce'))];
    }""", COGNITO)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    challenge = base64.urlsafe_b64encode(hashlib.sha256(pending["verifier"].encode()).digest()).rstrip(b"=").decode()

    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{COGNITO['domain']}/oauth2/authorize"
    assert query == {"response_type": "code", "client_id": COGNITO["clientId"], "redirect_uri": COGNITO["redirectUri"],
                     "scope": "openid email profile", "state": pending["state"], "code_challenge": challenge,
                     "code_challenge_method": "S256"}
    assert len(pending["verifier"]) >= 43 and pending["back"] == "#/trending"  # back where the visitor was
