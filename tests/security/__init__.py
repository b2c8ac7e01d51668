"""Security rules as tests: function keys, webhook authentication, constant-time comparisons, secret
and personal-data hygiene in logs and error bodies, outbound hosts, no committed secrets."""
