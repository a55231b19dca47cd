import os

import pytest

from sandbox.local import start_local_server
from tools_testlib import CANARY


@pytest.fixture(scope="package")
def sandbox_url():
    """One isolated sandbox server for the tool tests, with a canary in its environment."""
    old = os.environ.get("RLVR_TOOL_CANARY")
    os.environ["RLVR_TOOL_CANARY"] = CANARY
    try:
        server = start_local_server(workers=2)
    finally:
        if old is None:
            os.environ.pop("RLVR_TOOL_CANARY", None)
        else:
            os.environ["RLVR_TOOL_CANARY"] = old
    with server:
        yield server.url
