"""``canvasframe.__all__`` lists exactly the public names."""

import canvasframe as cf


def test_all_equals_public_names():
    public = {name for name in dir(cf) if not name.startswith("_")}
    modules = {"cache", "client", "errors", "loaders", "schemas", "transforms", "endpoints", "sandbox"}
    assert set(cf.__all__) == (public - modules) | {"__version__", "cache"}
    for name in cf.__all__:
        assert hasattr(cf, name), name


def test_every_error_is_exported_and_a_canvasframe_error():
    from canvasframe import errors

    classes = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)} - {"CanvasframeWarning"}
    assert classes <= set(cf.__all__)
    assert all(issubclass(getattr(cf, n), cf.CanvasframeError) for n in classes)
    assert len(classes) == 13
