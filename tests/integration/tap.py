"""A tiny TAP producer shared by the integration tests (meson `protocol: 'tap'`)."""
import sys

_n = 0
_failed = 0


def ok(cond, name, detail=""):
    """Report one check; on failure print up to 20 lines of detail as comments."""
    global _n, _failed
    _n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (_n, name))
    if not cond:
        _failed += 1
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(name, why):
    """Report one check that could not run, as a TAP skip (not a pass)."""
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, why))
    sys.stdout.flush()


def done():
    """Print the plan; the exit status for main()."""
    print("1..%d" % _n)
    return 1 if _failed else 0
