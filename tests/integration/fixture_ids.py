"""Helpers the integration tests share: valid identifiers for planted data,
and whether a plugin was built (INTAKE_PLUGIN_PATH, set by meson)."""
import os


def iin(prefix):
    """A Kazakh IIN with a valid check digit (prefix: 11 digits)."""
    d = [int(c) for c in prefix]
    for weights in (range(1, 12), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
        c = sum(a * b for a, b in zip(d, weights)) % 11
        if c != 10:
            return prefix + str(c)
    raise ValueError("no IIN check digit exists for %s" % prefix)


def have_plugin(name):
    """True when NAME.so is in one of the INTAKE_PLUGIN_PATH folders."""
    path = os.environ.get("INTAKE_PLUGIN_PATH", "")
    return any(os.path.exists(os.path.join(d, name + ".so")) for d in path.split(":") if d)
