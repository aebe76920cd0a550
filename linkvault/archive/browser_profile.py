"""A researcher's Chromium profile (`fetch --browser-profile DIR`), lent to the screenshots as a copy.

The browser that renders hostile pages never gets the researcher's own directory: it gets a copy in a
temporary directory, removed with the browser, so nothing a page does (cookies set, storage written, a
service worker installed) reaches the profile the researcher logs in with. The copy leaves out the
running browser's locks (so a profile in use can be lent) and the caches (big, and no part of a session).
"""

from __future__ import annotations

import os
import shutil

from linkvault.errors import InputError

_LEFT_OUT = shutil.ignore_patterns("Singleton*", "lockfile", "LOCK", "Cache", "Code Cache", "GPUCache", "DawnCache",
                                   "GrShaderCache", "ShaderCache", "GraphiteDawnCache", "Crashpad", "Service Worker")
_MARKS = ("Local State", "Default")  # what every Chromium user-data directory holds


def check_profile(path: str) -> str:
    """`path` as given, if it is a Chromium user-data directory; else an InputError naming it."""
    if not os.path.isdir(path):
        raise InputError("no such directory (give the Chromium user-data directory you log in with)", path=path)
    if not any(os.path.exists(os.path.join(path, mark)) for mark in _MARKS):
        raise InputError("not a Chromium user-data directory (it holds neither 'Local State' nor 'Default')", path=path)
    return path


def copy_profile(profile: str, into: str) -> str:
    """A copy of `profile` at `into`/profile (the directory Chromium is then started with)."""
    target = os.path.join(into, "profile")
    shutil.copytree(check_profile(profile), target, symlinks=True, ignore=_LEFT_OUT)
    return target
