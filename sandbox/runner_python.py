"""One Python test inside the sandbox: the part of the runner (`runner_script.py`) that runs a Python program.

Stdlib only, never imported by the server: `sandbox/isolation.py` puts this file's source before the runner's,
and the two run as one ``python -I -c`` program inside bubblewrap.

- stdio mode: the program runs as ``__main__``.
- call and assert modes: it runs as the module ``solution`` (also ``sys.modules["__main__"]``), as HumanEval's
  harness runs programs in a fresh namespace, so an ``if __name__ == "__main__":`` demo block does not run.
- call mode: the return value goes to the server as JSON (numpy scalars and arrays as the values they hold); one
  JSON cannot hold faithfully is reported as ``unserialisable`` (judged a wrong answer), with the reason on stderr.
- assert mode: the per-test nonce is read and sent only after the assertion code ran without raising.
"""
import json
import os
import signal
import sys

PROGRAM_MODULE = "solution"


def _plain(value):
    """json.dumps' fallback: numpy scalars and arrays (a --python venv with numpy) as the plain values they hold."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def return_message(entry: str, value) -> bytes:
    """Call mode: the return value as a JSON result message, or, when JSON cannot hold it faithfully (a set, an
    object, a dict whose keys collide once made strings), an "unserialisable" message, explained on stderr."""
    def unique_keys(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("dict keys collide once converted to JSON strings")
        return dict(pairs)

    try:
        text = json.dumps({"kind": "return", "value": value}, default=_plain)
        json.loads(text, object_pairs_hook=unique_keys)
        return text.encode()
    except (TypeError, ValueError, RecursionError) as e:
        why = f"{type(e).__name__}: {e}"
    print(f"wrong answer: the return value of {entry}() ({type(value).__name__}) cannot be compared: {why}. "
          "Call mode compares JSON values: return None, bool, int, float, str, or lists, tuples and "
          "str-keyed dicts of them.", file=sys.stderr)
    return json.dumps({"kind": "unserialisable", "type": type(value).__name__, "error": why}).encode()


def python_child(code, mode: str, entry: str, payload, result_fd: int, nonce_fd: int) -> int:
    """Run one Python test in C; returns the exit code."""
    import builtins
    import io
    import types

    memory_mark = b'{"kind":"memory"}'

    def file_too_large(*_):  # pid 1 ignores SIGXFSZ by default: report it explicitly
        os.write(result_fd, b'{"kind":"file_limit"}')
        os._exit(1)

    signal.signal(signal.SIGXFSZ, file_too_large)
    main = types.ModuleType("__main__" if mode == "stdio" else PROGRAM_MODULE)
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = sys.modules[main.__name__] = main
    sys.argv = ["main.py"]
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    exit_code = 0
    try:
        try:
            exec(code, main.__dict__)
            if mode == "call":
                value = main.__dict__[entry](*payload.get("args", []), **payload.get("kwargs", {}))
                os.write(result_fd, return_message(entry, value))
            elif mode == "assert":
                try:
                    exec(compile(payload["input"], "<assertion>", "exec"), main.__dict__)
                except AssertionError:
                    os.write(result_fd, b'{"kind":"assert_failed"}')
                    raise
                nonce = os.read(nonce_fd, 256).decode()
                os.write(result_fd, json.dumps({"kind": "nonce", "nonce": nonce}).encode())
        except SystemExit as e:
            if e.code is None or isinstance(e.code, int):
                exit_code = e.code or 0
            else:
                print(e.code, file=sys.stderr)
                exit_code = 1
        except MemoryError:
            os.write(result_fd, memory_mark)
            exit_code = 1
        except BaseException:
            import traceback
            traceback.print_exc()
            exit_code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
    except MemoryError:
        os.write(result_fd, memory_mark)
        exit_code = 1
    return exit_code & 0xFF
