"""Programs built on the library: the ``canvasframe`` command, the demo, the dashboard and the gallery.

The library never imports from here (a test checks it): ``import canvasframe`` stays free of
argument parsing, Voila and report writing, and a program can use anything the library offers.
"""
