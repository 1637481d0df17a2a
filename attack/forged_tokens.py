#!/usr/bin/env python3
"""The forged-token matrix, built with an independent JWT library (PyJWT).

Every forged, damaged, mistyped, expired or revoked candidate link must get
exactly the answer a random string gets, at every place a link is read:
the landing page's data (`POST /api/candidate/intro`), Start
(`POST /take/start`) and the landing page itself (`GET /take/<token>`). A
real link must work, or the matrix would prove nothing.

Environment: BASE_URL (the server, which trusts this host as a proxy),
RUNG_JWT_SECRET (its signing key, hex), VALID_TOKEN (a live link's token),
REVOKED_TOKEN (a revoked one's).
"""
import base64
import http.client
import json
import os
import re
import secrets
import sys
import time
import urllib.parse

import jwt  # PyJWT
from cryptography.hazmat.primitives.asymmetric import ec, rsa

BASE = urllib.parse.urlparse(os.environ["BASE_URL"])
KEY = bytes.fromhex(os.environ["RUNG_JWT_SECRET"])
VALID = os.environ["VALID_TOKEN"]
REVOKED = os.environ["REVOKED_TOKEN"]
NOW = int(time.time())
TYP = "rung-invite+jwt"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**changes):
    """The claims of the valid link, changed; a value of None removes a claim."""
    payload = json.loads(base64.urlsafe_b64decode(VALID.split(".")[1] + "=="))
    for k, v in changes.items():
        if v is None:
            payload.pop(k, None)
        else:
            payload[k] = v
    return payload


def hs256(payload, key=KEY, typ=TYP):
    headers = {"typ": typ} if typ is not None else {}
    token = jwt.encode(payload, key, algorithm="HS256", headers=headers)
    if typ is None:
        # PyJWT adds typ=JWT unless told otherwise: remove it by hand.
        header = b64(json.dumps({"alg": "HS256"}).encode())
        signing_input = header + "." + token.split(".")[1]
        import hmac, hashlib
        sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + b64(sig)
    return token


def unsigned(alg: str):
    header = b64(json.dumps({"alg": alg, "typ": TYP}).encode())
    return header + "." + b64(json.dumps(claims()).encode()) + "."


COUNTER = iter(range(1, 1 << 20))


def request(method, path, body=None):
    conn = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=30)
    # The server trusts this host as a proxy (RUNG_TRUSTED_PROXIES): each
    # request comes from its own client address, so the per-address limit
    # on link redemption does not answer in place of the token check.
    n = next(COUNTER)
    headers = {
        "Sec-Fetch-Site": "same-origin",
        "X-Forwarded-For": f"10.77.{n // 250}.{n % 250 + 1}",
    }
    if body is not None:
        body = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    text = res.read().decode("utf-8", "replace")
    location = res.getheader("Location")
    conn.close()
    # What differs between any two responses: the CSP nonce, and the token
    # itself where a page echoes its own URL.
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    return res.status, location, text


def answers(token):
    quoted = urllib.parse.quote(token, safe="")
    return (
        request("POST", "/api/candidate/intro", {"token": token}),
        request("POST", "/take/start", {"token": token})[:2],
        request("GET", "/take/" + quoted)[0],
    )


def main():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    valid = VALID.split(".")
    tampered_payload = b64(json.dumps(claims(jti="someone-else", sub="someone-else")).encode())
    matrix = {
        "alg none": unsigned("none"),
        "alg None": unsigned("None"),
        "alg NONE": unsigned("NONE"),
        "alg nOnE": unsigned("nOnE"),
        "HS256, wrong key": hs256(claims(), key=secrets.token_bytes(32)),
        "HS512 with our key": jwt.encode(claims(), KEY, algorithm="HS512", headers={"typ": TYP}),
        "RS256": jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"typ": TYP}),
        "ES256": jwt.encode(claims(), ec_key, algorithm="ES256", headers={"typ": TYP}),
        "missing exp": hs256(claims(exp=None)),
        "missing nbf": hs256(claims(nbf=None)),
        "string exp": hs256(claims(exp=str(NOW + 3600))),
        "string nbf": hs256(claims(nbf=str(NOW))),
        "expired beyond the leeway": hs256(claims(exp=NOW - 30)),
        "nbf in the future": hs256(claims(nbf=NOW + 60)),
        "missing aud": hs256(claims(aud=None)),
        "wrong aud": hs256(claims(aud="rung:recruiter")),
        "aud array without ours": hs256(claims(aud=["other", "more"])),
        "missing iss": hs256(claims(iss=None)),
        "wrong iss": hs256(claims(iss="evil")),
        "missing sub": hs256(claims(sub=None)),
        "sub of another invitation": hs256(claims(sub="another")),
        "unknown invitation id": hs256(claims(jti="f" * 32, sub="f" * 32)),
        "typ JWT": hs256(claims(), typ="JWT"),
        "no typ": hs256(claims(), typ=None),
        "revoked token id": REVOKED,
        "tampered payload": valid[0] + "." + tampered_payload + "." + valid[2],
        "truncated signature": VALID[:-4],
        "no signature": valid[0] + "." + valid[1] + ".",
        "five parts": VALID + ".AAAA.BBBB",
    }
    baseline = answers(secrets.token_urlsafe(40))
    good = answers(VALID)
    failures = []
    if good[0][0] != 200:
        failures.append(f"the valid link is refused: {good[0][:2]}")
    if baseline[0][0] == 200:
        failures.append("a random string is accepted")
    for name, token in matrix.items():
        got = answers(token)
        if got != baseline:
            failures.append(f"{name}: {got[0][0]} {got[1]} {got[2]} differs from a random string's {baseline[0][0]} {baseline[1]} {baseline[2]}")
    # A 100 kB token is refused before it is read (the body limit, the
    # header limit): exactly as 100 kB of random text is.
    big = answers(VALID + "A" * 100_000)
    if big != answers(secrets.token_urlsafe(75_000)) or big[0][0] < 400:
        failures.append(f"100 kB token: {big[0][0]} {big[1]} {big[2]}")
    for f in failures:
        print("FAIL", f)
    print(f"forged tokens: {len(matrix) + 1} cases, {len(failures)} failures; a random string gets {baseline[0][0]} / {baseline[1]} / {baseline[2]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
