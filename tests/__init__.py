"""The test suite (a package, so that ``tests.utils`` is ours and not the
``tests`` package some dependencies install into site-packages)."""
