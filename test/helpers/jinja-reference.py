"""Reference renderer for the dbt loader's differential tests: the real Jinja2 and PyYAML (Debian's
python3-jinja2, python3-yaml). Reads a JSON list of cases on stdin, writes a JSON list of results.

A Jinja case: {"template", "macros", "context"} rendered the way dbt renders (macros callable by name; a
context with `target`, `node`, `var()` and `env_var()`); a YAML case: {"yaml"} loaded with safe_load.
Each result is {"ok": output} or {"error": message}.
"""
import datetime
import json
import re
import sys

import jinja2
import yaml


class Return(Exception):
    def __init__(self, value):
        self.value = value


def wrap(macro):
    def call(*args, **kwargs):
        try:
            return macro(*args, **kwargs)
        except Return as r:
            return r.value

    return call


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

    # dbt's `modules` (the part the loader evaluates: re; datetime only as the clock, which it refuses)
    ctx.setdefault("modules", {"re": re, "datetime": datetime})
    def return_(value=None):
        raise Return(value)

    ctx["return"] = return_
    ctx["var"] = var
    ctx["env_var"] = env_var
    macros = case.get("macros") or ""
    # As dbt does: each macro is its own template, whose context holds every macro wrapped so that
    # `return()` (an exception) ends only the macro that raised it.
    for source in re.findall(r"\{%-?\s*macro\s[\s\S]*?\{%-?\s*endmacro\s*-?%\}", macros):
        module = env.from_string(source).make_module(ctx)
        for name in dir(module):
            if not name.startswith("_"):
                ctx[name] = wrap(getattr(module, name))
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
