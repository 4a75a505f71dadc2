"""Presigns one Kinesis JSON request with botocore's own SigV4QueryAuth and prints it as JSON: url, headers, body.

usage: presign.py <endpoint> <access key> <secret> <target> <json body> <signing time YYYYMMDDTHHMMSSZ> <expires seconds> <body hash: header|none>

The time is botocore's clock during signing (so a test can sign in the past without waiting). SigV4QueryAuth moves a
request's data into the query string and signs the hash of what is left of the body, so the body is not given to it:
with "header", the body's SHA-256 goes in an X-Amz-Content-SHA256 header, which botocore signs and uses as the payload
hash; with "none", botocore signs an empty body's hash and the caller sends the body unsigned.
"""
import datetime
import hashlib
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, key, secret, target, body, when, expires, body_hash = sys.argv[1:9]
signed_at = datetime.datetime.strptime(when, "%Y%m%dT%H%M%SZ")
botocore.auth.get_current_datetime = lambda *args, **kwargs: signed_at

headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
if body_hash == "header":
    headers["X-Amz-Content-SHA256"] = hashlib.sha256(body.encode("utf-8")).hexdigest()
request = AWSRequest(method="POST", url=endpoint.rstrip("/") + "/", headers=headers)
botocore.auth.SigV4QueryAuth(Credentials(key, secret), "kinesis", "us-east-1", expires=int(expires)).add_auth(request)
print(json.dumps({"url": request.url, "headers": dict(request.headers.items()), "body": body}))
