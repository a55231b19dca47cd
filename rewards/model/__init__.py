"""The general reward model: `scorer` (a sequence-classification checkpoint scoring prompt + answer), `reward` (the
`reward_model` reward), `normalize` (per-group post-processing), `server` (`python -m rewards.model.server`, an HTTP
scoring server on its own GPU) and `client` (its async client)."""
