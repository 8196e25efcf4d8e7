"""The fake S3's Signature V4 check reproduces the worked example of AWS's documentation
("GET Object" in "Signature Calculations for the Authorization Header: Transferring Payload in
a Single Chunk"), so the fake checks signatures the way S3 does."""

from __future__ import annotations

from tests.fakes.s3 import signature


def test_the_documented_get_object_example_gives_the_documented_signature() -> None:
    headers = {
        "host": "examplebucket.s3.amazonaws.com",
        "range": "bytes=0-9",
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "x-amz-date": "20130524T000000Z",
    }

    computed = signature(
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", method="GET", raw_path="/test.txt",
        raw_query="", headers=headers, signed=sorted(headers),
        payload=headers["x-amz-content-sha256"], amz_date="20130524T000000Z", region="us-east-1",
    )  # fmt: skip

    assert computed == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
