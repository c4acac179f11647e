"""The dashboard pages, one file per page (dashboard.md §2, §4).

Page convention (one for every page): ``views/<page>.py`` defines ``PAGE = "<page>"`` (the widget-key namespace)
and ``def body() -> None``, and ends with ``body()``. ``main.py`` registers the file with ``st.Page`` and runs it
inside the one error guard (:func:`auditapp.app.views._common.guard`), so a page never guards itself. A body starts
with :func:`~auditapp.app.views._common.page_tables` (title, config, the tables it needs, or a message saying what
to configure), reads everything through :mod:`auditapp.app.data` (cached; statistics come from
:mod:`auditapp.analysis` through it), draws with :mod:`auditapp.app.plots`, and splits into named helpers when it
grows past a screen.
"""
