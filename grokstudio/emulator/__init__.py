"""An offline emulator of xAI's Grok Imagine API (images, videos, files, and the chat of prompt
help) for tests and demos.

It is a real gRPC server built on xai-sdk's own generated servicer classes, so the
unmodified SDK talks to it over a socket, plus a small HTTP server for the temporary
result URLs and a control API. Start it with ``python -m grokstudio.emulator``; tests use
:class:`grokstudio.emulator.testing.EmulatorProcess`. The facts it emulates are in
``docs/xai-api.md``; every number it enforces is in :mod:`grokstudio.emulator.limits`.

This package never imports Django, and this ``__init__`` imports nothing so that the
render worker processes start quickly.
"""
