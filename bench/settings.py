"""Settings for `make bench-gallery`: the studio's own, as production runs them."""

from grokstudio.settings import *  # noqa: F403

# As in production: with DEBUG on, Django keeps every query in memory and the
# timings would include that bookkeeping. Static files keep the plain storage,
# so the bench needs no collectstatic.
DEBUG = False
