"""``canvasframe.__all__`` lists exactly the public names."""

import types

import canvasframe as cf

# Namespaces users call into: cf.cache.info(), cf.plots.plot_tardiness(), cf.xapi.read_statements().
PUBLIC_MODULES = {"cache", "lti", "plots", "widgets", "xapi"}


def test_all_equals_public_names():
    public = {n for n in dir(cf) if not n.startswith("_") and not isinstance(getattr(cf, n), types.ModuleType)}
    assert set(cf.__all__) == public | PUBLIC_MODULES | {"__version__"}
    for name in cf.__all__:
        assert hasattr(cf, name), name


def test_every_error_is_exported_and_a_canvasframe_error():
    from canvasframe import errors

    classes = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)} - {"CanvasframeWarning"}
    assert classes <= set(cf.__all__)
    assert all(issubclass(getattr(cf, n), cf.CanvasframeError) for n in classes)
    assert len(classes) == 13
