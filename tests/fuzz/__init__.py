"""Property-based fuzzing of every HTTP endpoint (from its generated OpenAPI definition) and hostile
payloads on the webhooks, through the local runtime over loopback."""
