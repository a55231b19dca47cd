"""`serve --python PATH`: programs run on the given interpreter (a venv here), which sees its own prefixes
read-only and nothing else of the host."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from sandbox_testlib import py

from sandbox.client import SandboxClient
from sandbox.interpreter import InterpreterError, _roots, probe
from sandbox.local import PROJECT_ROOT, start_local_server

SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def venv():
    """A plain venv made from the system python, outside /tmp (the sandbox's /tmp is private), readable by the
    sandbox's user, with a module in its site-packages and a secret file next to it."""
    base = tempfile.mkdtemp(prefix="sandbox-venv-", dir="/var/tmp")
    try:
        os.chmod(base, 0o755)
        env_dir = os.path.join(base, "venv")
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", env_dir], check=True, timeout=120)
        site = subprocess.run([os.path.join(env_dir, "bin", "python"), "-c",
                               "import site; print(site.getsitepackages()[0])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        with open(os.path.join(site, "venv_only_module.py"), "w") as f:
            f.write("WHERE = 'venv site-packages'\n")
        with open(os.path.join(base, "secret.txt"), "w") as f:
            f.write("host secret")
        yield env_dir
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_programs_run_on_the_given_interpreter_and_see_nothing_else(venv):
    base = os.path.dirname(venv)
    code = f"""import os, sys
import venv_only_module
print(sys.executable, sys.prefix, sys.base_prefix, venv_only_module.WHERE)
print(os.listdir({base!r}), os.path.exists({base + '/secret.txt'!r}))
for path in ["/work", "/root", "/home", "/var/tmp/{os.path.basename(base)}/secret.txt", {PROJECT_ROOT!r}]:
    print(path, os.path.exists(path))
try:
    open({venv + '/pyvenv.cfg'!r}, "a").write("x")
except OSError:
    print("not writable")
"""
    expect = "\n".join([
        f"{venv}/bin/python {venv} /usr venv site-packages",
        "['venv'] False",
        "/work False", "/root False", "/home False", f"{base}/secret.txt False", f"{PROJECT_ROOT} False",
        "not writable",
    ])
    with start_local_server(workers=1, extra_args=("--python", os.path.join(venv, "bin", "python"))) as srv:
        client = SandboxClient(srv.url, retries=0)
        try:
            health = client.health()
            res = client.run(py(code, [{"input": "", "output": expect}], limits={"time_s": 5}))
            call = client.run(py("import sys\ndef f():\n    return sys.prefix\n", [{"expected": venv}], mode="call",
                                 entry_point="f"))
        finally:
            client.close()
    assert health["python"]["executable"] == os.path.join(venv, "bin", "python")
    assert health["python"]["visible"] == [venv]
    assert res["tests"][0]["status"] == "passed", res
    assert call["tests"][0]["status"] == "passed", call


def test_default_interpreter_is_the_system_python(client):
    res = client.run(py("import sys\nprint(sys.executable, sys.prefix)",
                        [{"input": "", "output": "/usr/bin/python3 /usr"}]))
    assert res["tests"][0]["status"] == "passed", res


@pytest.mark.parametrize("paths, fragment", [
    (["/"], "'/'"), (["/tmp/pyenv"], "/tmp"), (["/proc/self"], "/proc"), (["/dev/shm/py"], "/dev"),
])
def test_prefixes_the_sandbox_cannot_show_are_refused(paths, fragment):
    with pytest.raises(InterpreterError) as e:
        _roots(paths)
    assert fragment in str(e.value)


def test_only_what_is_not_already_visible_is_bound():
    assert _roots(["/usr", "/usr/lib/python3", "/opt/py", "/opt/py/lib", "/usr/local/py", "/srv/venv/"]) == (
        "/opt/py", "/srv/venv", "/usr/local/py")


def test_a_symlink_chain_outside_the_prefixes_is_recreated_and_tmp_refused(tmp_path):
    base = tempfile.mkdtemp(prefix="sandbox-link-", dir="/var/tmp")
    try:
        link = os.path.join(base, "python")
        os.symlink(SYSTEM_PYTHON, link)
        interp = probe(link)
        assert interp.roots == () and interp.files == () and interp.symlinks == ((link, SYSTEM_PYTHON),)
        assert interp.bwrap_args() == ["--symlink", SYSTEM_PYTHON, link]
    finally:
        shutil.rmtree(base)
    os.symlink(SYSTEM_PYTHON, tmp_path / "python")
    with pytest.raises(InterpreterError, match="symlink .* may not .* lie under /tmp"):
        probe(str(tmp_path / "python"))


def test_unusable_interpreters_are_refused(tmp_path):
    with pytest.raises(InterpreterError, match="not an executable file"):
        probe(str(tmp_path / "missing"))
    with pytest.raises(InterpreterError, match="not a working Python"):
        probe("/usr/bin/true")
    res = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "1", "--python", "/usr/bin/true"],
                         env={**os.environ, "PYTHONPATH": PROJECT_ROOT}, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "not a working Python" in res.stderr, res.stderr
