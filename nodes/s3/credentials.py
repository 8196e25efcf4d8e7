"""The ``s3`` credential: an access key pair for S3 or an S3-compatible store (MinIO …)."""

from __future__ import annotations

from kyra.credentials import AwsSigV4, CredentialField, CredentialKind

S3 = CredentialKind(
    name="s3",
    title="S3-compatible storage",
    description="An access key pair for Amazon S3 or any S3-compatible store (MinIO, Cloudflare "
    "R2, Backblaze B2 …). Requests are signed with AWS Signature V4; set the service URL to "
    "https://s3.<region>.amazonaws.com or to your store's endpoint (buckets are addressed in "
    "the path).",
    fields=(
        CredentialField("access_key_id", label="Access key id"),
        CredentialField("secret_access_key", label="Secret access key", secret=True),
        CredentialField("region", required=False, placeholder="us-east-1"),
    ),
    injection=AwsSigV4("s3"),
    base_url="https://s3.amazonaws.com",
    docs_url="https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html",
)
