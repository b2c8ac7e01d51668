"""No secret is committed: every file git tracks (or would add: untracked and not ignored) is scanned
for private keys, connection strings with keys, well-known token formats and long random values
assigned to *_SECRET / *_KEY / *PASSWORD* / *TOKEN* names. Key Vault references and placeholders are
fine; test fixtures and simulator defaults are allowed by an explicit, reasoned list. The scanner is
proven on a deliberately leaky sample first."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import math
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 2_000_000

PATTERNS: dict[str, re.Pattern[str]] = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "connection string key": re.compile(
        r"(?:SharedAccessKey|AccountKey)=(?P<value>[A-Za-z0-9+/=_-]{16,})|;\s*(?:Password|Pwd)=(?P<pwd>[^;\"'\s]{8,})",
        re.IGNORECASE,
    ),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}"),
    "JSON web token": re.compile(
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.(?P<value>[A-Za-z0-9_-]{10,})"
    ),
    "secret assignment": re.compile(
        r"(?P<name>[A-Za-z0-9_.-]*(?:secret|passw(?:or)?d|api_?key|access_?key|token|credential)[A-Za-z0-9_]*)"
        r"[\"']?\s*[:=]\s*[\"'](?P<value>[^\"'\s]{16,})[\"']",
        re.IGNORECASE,
    ),
}
CHECKED_FOR_RANDOMNESS = ("secret assignment", "connection string key", "JSON web token")
# Values that say what they are: references, placeholders, URLs, GUIDs (ids), self-describing fakes.
PLACEHOLDER = re.compile(
    r"@Microsoft\.KeyVault|^<.*>$|^\$\{.*\}$|^%.*%$|^\{\{.*\}\}$|^https?://[^@\s]*$"
    r"|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    r"|example|placeholder|changeme|your[-_]|xxxx|\*\*\*|secret|s3cr3?t|passw|token|key|test|fake|dummy|sample|fuzz|sim-",
    re.IGNORECASE,
)

# (path glob, kind or "*") -> why it is not a secret. Keep it short and specific.
ALLOWED: dict[tuple[str, str], str] = {
    ("tests/security/test_committed_secrets.py", "*"): "the scanner's own leaky samples",
    ("tests/security/conftest.py", "secret assignment"): "fake secrets made distinctive for the leak scans",
}


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _readable(value: str) -> bool:
    """A base64 value that decodes to plain text ("c2VjcmV0" = "secret") is a fixture, not a key."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError):
        return False
    return len(decoded) >= 4 and all(32 <= byte < 127 for byte in decoded)


def looks_random(value: str) -> bool:
    """Long, mixed letters and digits, high entropy: a key, not a word, an id or a labelled fake."""
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    plain = PLACEHOLDER.search(value) or _readable(value)
    return len(value) >= 8 and has_digit and has_alpha and entropy(value) >= 3.0 and not plain


def findings(path: str, text: str) -> list[str]:
    found = []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            groups = {k: v for k, v in match.groupdict().items() if v and k != "name"}
            value = next(iter(groups.values()), match.group(0))
            if kind in CHECKED_FOR_RANDOMNESS and not looks_random(value):
                continue
            if _allowed(path, kind):
                continue
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path}:{line}: {kind}: {value[:6]}…")
    return found


def _allowed(path: str, kind: str) -> bool:
    return any(fnmatch.fnmatch(path, glob) and what in ("*", kind) for glob, what in ALLOWED)


def committed_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


RANDOM = "q8Zr3Lx0vB7nWm2Kp5Ty9Hc4Jd6Fs1Ga0Qe3Uo8Ii5+AbC="  # random bytes in base64: looks like a real key


def test_the_scanner_finds_each_kind_of_secret() -> None:
    leaky = {
        "infra/main.bicepparam": f"param sb = 'Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey={RANDOM}'",
        "storage.txt": f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={RANDOM}",
        "local.settings.json": '{"Values": {"PAYPAL_CLIENT_SECRET": "EKx9mQ2vLr7Tz4Wn8Bp3Yc6Hd1Js5Fg0"}}',
        "functions/x.py": 'GMS_PASSWORD = "h7Gk2Lq9Xz4Mv8Rt"\nNP_API_KEY = "3f9a1c7e5b2d8f4a6c0e9b7d"',
        "deploy.sh": "-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
        "ci.yml": "token: ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "auth.http": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.Qm7rT2vX9pL4Hk3wZ8nB5cJ1Wd6yN1qR8sF3",
    }
    for path, text in leaky.items():
        assert findings(path, text), path
    assert len(findings("functions/x.py", leaky["functions/x.py"])) == 2
    fine = {
        "infra/main.bicep": "value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/gms)'",
        "README.md": "GMS_PASSWORD=<your GMS password>\nSMART_FUNCTION_KEY = 'your-function-key-here'",
        "functions/y.py": 'password_setting = "GMS_PASSWORD"\ntoken_url = "https://api.paypal.com/v1/oauth2"',
        "functions/z.py": 'CALLBACK_TOKEN_PARAMETER = "callback_token_value"',
        "tests/x.py": 'cs = "Endpoint=sb://x/;SharedAccessKey=c2VjcmV0LWtleS12YWx1ZQ=="',  # secret-key-value
        "infra/roles.bicep": "keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'",
    }
    for path, text in fine.items():
        assert findings(path, text) == [], path


def test_no_secret_is_committed() -> None:
    files = committed_files()
    assert len(files) > 100
    found = []
    for name in files:
        raw = (ROOT / name).read_bytes()[:MAX_BYTES]
        if b"\0" in raw[:4096]:
            continue  # binary
        found += findings(name, raw.decode("utf-8", "replace"))
    assert not found, (
        "possible secrets (move them to Key Vault / .env, or allow-list a fixture with a reason):\n"
        + ("\n".join(found))
    )
