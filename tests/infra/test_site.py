"""The public site: `site/` in a private bucket behind CloudFront (origin access control), with
security headers, deployed with the stage's `config.json`, and signed in through the Cognito
hosted UI whose callback is the distribution."""
from __future__ import annotations

import json
from pathlib import Path

from tests.infra.support import render, resources

SITE_DIR = Path(__file__).resolve().parents[2] / "site"


def site_bucket(template: dict) -> tuple[str, dict]:
    (found,) = [(k, b) for k, b in resources(template, "AWS::S3::Bucket").items() if k.startswith("SiteBucket")]
    return found


def distribution(template: dict) -> tuple[str, dict]:
    (found,) = resources(template, "AWS::CloudFront::Distribution").items()
    return found[0], found[1]["Properties"]["DistributionConfig"]


def test_the_site_bucket_is_private_encrypted_and_refuses_plain_http(template):
    bucket_id, bucket = site_bucket(template)
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "WebsiteConfiguration" not in properties  # CloudFront reads it, not browsers
    (policy,) = [p for p in resources(template, "AWS::S3::BucketPolicy").values()
                 if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    assert {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}.items() <= \
        policy["Properties"]["PolicyDocument"]["Statement"][0].items()


def test_the_distribution_reads_the_bucket_through_origin_access_control_over_https(template):
    bucket_id, _ = site_bucket(template)
    _, config = distribution(template)
    (origin,) = config["Origins"]
    (control,) = resources(template, "AWS::CloudFront::OriginAccessControl").values()

    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity
    assert render(origin["OriginAccessControlId"]).endswith(".Id}")
    assert control["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "CustomErrorResponses" not in config  # hash routes: no page is rewritten


def test_the_site_is_served_with_a_content_security_policy_and_security_headers(template):
    _, config = distribution(template)
    (policy_id, policy), = resources(template, "AWS::CloudFront::ResponseHeadersPolicy").items()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = render(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])

    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "https://*.execute-api.{AWS::Region}.{AWS::URLSuffix}" in csp  # the API
    assert "media-{AWS::AccountId}-{AWS::Region}.s3" in csp  # presigned media
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000


def deployment(template: dict) -> dict:
    (found,) = resources(template, "Custom::CDKBucketDeployment").values()
    return found["Properties"]


def test_the_deployment_copies_the_site_and_writes_its_config_then_invalidates_the_distribution(template):
    bucket_id, _ = site_bucket(template)
    distribution_id, _ = distribution(template)
    properties = deployment(template)

    assert properties["DestinationBucketName"] == {"Ref": bucket_id}
    assert properties["DistributionId"] == {"Ref": distribution_id}
    assert properties["DistributionPaths"] == ["/*"]
    assert properties["Prune"] is True
    site_files, config = properties["SourceMarkers"]
    assert site_files == {}
    values = sorted(render(value) for value in config.values())
    assert values == sorted([
        '"https://{RestAPI}.execute-api.{AWS::Region}.{AWS::URLSuffix}/api"',  # apiBase: the API's own URL
        '"https://{' + next(k for k in resources(template, "AWS::Cognito::UserPoolDomain")) + '}.auth.{AWS::Region}.amazoncognito.com"',
        '"{' + next(k for k in resources(template, "AWS::Cognito::UserPoolClient")) + '}"',
        '"https://{' + distribution_id + '.DomainName}/"',
    ])
    assert (SITE_DIR / "index.html").is_file() and not (SITE_DIR / "config.json").exists()  # written per stage


def test_the_deployment_function_logs_to_a_group_with_retention_and_has_no_managed_policy(template, stage):
    (handler,) = [r for k, r in resources(template, "AWS::Lambda::Function").items()
                  if k.startswith("CustomCDKBucketDeployment")]
    groups = {k: g["Properties"] for k, g in resources(template, "AWS::Logs::LogGroup").items()}
    group = groups[handler["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]

    assert group["LogGroupName"] == f"/aws/lambda/remixery-{stage}-deploy_site"
    assert group["RetentionInDays"] == {"dev": 14, "prod": 90}[stage]
    role = template["Resources"][handler["Properties"]["Role"]["Fn::GetAtt"][0]]
    assert "ManagedPolicyArns" not in role["Properties"]


def test_the_app_client_signs_in_through_the_hosted_ui_with_the_code_flow_back_to_the_site(template):
    distribution_id, _ = distribution(template)
    (client,) = resources(template, "AWS::Cognito::UserPoolClient").values()
    properties = client["Properties"]
    site_url = "https://{" + distribution_id + ".DomainName}/"

    assert properties["AllowedOAuthFlows"] == ["code"]  # with PKCE in the site; no implicit flow
    assert properties["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(properties["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert [render(u) for u in properties["CallbackURLs"]] == [site_url]
    assert [render(u) for u in properties["LogoutURLs"]] == [site_url]
    assert properties["SupportedIdentityProviders"] == ["COGNITO"]
    (domain,) = resources(template, "AWS::Cognito::UserPoolDomain").values()
    assert render(domain["Properties"]["Domain"]).startswith("remixery-")


def test_the_site_url_is_an_output(template):
    distribution_id, _ = distribution(template)
    assert render(template["Outputs"]["SiteURL"]["Value"]) == "https://{" + distribution_id + ".DomainName}/"
    assert json.dumps(template["Outputs"]["HostedUiURL"]["Value"])
