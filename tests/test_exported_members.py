"""``canvasframe.__all__`` lists exactly the public names, sorted, gathered from the modules' own lists."""

import types

import canvasframe as cf
from canvasframe import _sample, client, datasets, errors, loaders

# Namespaces users call into: cf.cache.info(), cf.discussions.reply_edges(), cf.plots.plot_tardiness(), ...
PUBLIC_MODULES = set(cf._NAMESPACES)  # cf.cache, cf.network, ...: each module's own names are checked below


def test_all_equals_public_names():
    public = {n for n in dir(cf) if not n.startswith("_") and not isinstance(getattr(cf, n), types.ModuleType)}
    assert set(cf.__all__) == public | PUBLIC_MODULES | {"__version__"}
    for name in cf.__all__:
        assert hasattr(cf, name), name


def test_all_is_sorted_and_made_of_the_modules_lists():
    assert cf.__all__ == sorted(cf.__all__)
    for module in (_sample, client, datasets, errors, loaders):
        assert set(module.__all__) <= set(cf.__all__), module.__name__
        assert module.__all__ == sorted(module.__all__), module.__name__


def test_every_loader_is_exported_and_registered():
    loader_names = {n for n in cf.__all__ if n.startswith("load_")} - {"load_course"}  # several frames at once
    assert loader_names == {spec.function.__name__ for spec in cf.LOADERS.values()}
    for frame, spec in cf.LOADERS.items():
        assert spec.function is getattr(cf, f"load_{frame}")


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert cf.__version__ == version("canvasframe")


def test_every_error_is_exported_and_a_canvasframe_error():
    classes = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)} - {"CanvasframeWarning"}
    assert classes <= set(cf.__all__)
    assert all(issubclass(getattr(cf, n), cf.CanvasframeError) for n in classes)
    assert len(classes) == 17  # DisclosureError is the newest
