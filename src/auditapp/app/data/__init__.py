"""The dashboard's one data layer: the app config and every table and result the pages show, cached.

Pages call these functions, :mod:`auditapp.app.plots` and the widgets of :mod:`auditapp.app.views._common`,
nothing else; statistics come from :mod:`auditapp.analysis` through the cached functions here.

One caching scheme (:mod:`._cache`): ``st.cache_data`` keyed on :class:`Sources` (path, ``mtime_ns`` and size of
every input file, plus the config values the tables depend on) and hashable selections (:class:`Selection`,
strings, tuples). Every cached function takes the ``AppConfig`` (or its :class:`Sources`) first; none takes a
DataFrame. The error-matrix counts are keyed the same way on the two NIfTI files' paths and modification times;
the viewer's NIfTI volumes on ``(path, mtime_ns, size)`` in a bounded ``st.cache_resource``.

Modules (each one's ``__all__`` is re-exported here): :mod:`._config` (the session's config and the "nothing
configured" messages), :mod:`._cache`, :mod:`._tables` (features, metrics, names), :mod:`._catalog` (feature
names), :mod:`._error_matrix`, :mod:`._results` (statistics of the pages), :mod:`._lesions` (``lesions_<x>.csv``),
:mod:`._slices` (slice viewer and gallery).
"""

from auditapp.app.data import _cache, _catalog, _config, _error_matrix, _lesions, _results, _slices, _tables
from auditapp.app.data._cache import *  # noqa: F403
from auditapp.app.data._catalog import *  # noqa: F403
from auditapp.app.data._config import *  # noqa: F403
from auditapp.app.data._error_matrix import *  # noqa: F403
from auditapp.app.data._lesions import *  # noqa: F403
from auditapp.app.data._results import *  # noqa: F403
from auditapp.app.data._slices import *  # noqa: F403
from auditapp.app.data._tables import *  # noqa: F403

__all__ = [*_cache.__all__, *_catalog.__all__, *_config.__all__, *_error_matrix.__all__, *_lesions.__all__,
           *_results.__all__, *_slices.__all__, *_tables.__all__]
