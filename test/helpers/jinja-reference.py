"""Reference renderer for the dbt loader's differential tests: the real Jinja2 and PyYAML (Debian's
python3-jinja2, python3-yaml). Reads a JSON list of cases on stdin, writes a JSON list of results.

A Jinja case: {"template", "macros", "context"} rendered the way dbt renders (macros callable by name; a
context with `target`, `node`, `var()` and `env_var()`); a YAML case: {"yaml"} loaded with safe_load.
Each result is {"ok": output} or {"error": message}.
"""
import datetime
import json
import sys

import jinja2
import yaml


class Return(Exception):
    def __init__(self, value):
        self.value = value


def render(case):
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    ctx = dict(case.get("context", {}))
    variables = ctx.pop("vars", {})
    environ = ctx.pop("env", {})

    def var(name, *default):
        if name in variables:
            return variables[name]
        if default:
            return default[0]
        raise KeyError(name)

    def env_var(name, *default):
        if name in environ:
            return environ[name]
        if default:
            return default[0]
        raise KeyError(name)

    ctx["var"] = var
    ctx["env_var"] = env_var
    macros = case.get("macros") or ""
    if macros:
        module = env.from_string(macros).make_module(ctx)
        for name in dir(module):
            if not name.startswith("_"):
                ctx[name] = getattr(module, name)
    return env.from_string(case["template"]).render(ctx)


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        try:
            if "yaml" in case:
                value = yaml.safe_load(case["yaml"])
                out.append({"ok": json.loads(json.dumps(value, default=str))})
            else:
                out.append({"ok": render(case)})
        except Exception as e:  # every failure is a result: the test compares
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
