"""Math answer verification for outcome rewards: extraction policy, equivalence on top of math-verify, hard
timeouts in worker processes, batch API with a cache. See `rewards.math.verifier` for the reasons returned."""

from rewards.math.verifier import DEFAULT_TIMEOUT_S, INFRA_REASONS, LIMIT_REASONS, Verdict, verify, verify_batch

__all__ = ["DEFAULT_TIMEOUT_S", "INFRA_REASONS", "LIMIT_REASONS", "Verdict", "verify", "verify_batch"]
