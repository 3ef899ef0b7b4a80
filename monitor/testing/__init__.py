"""Test support shipped with the package: the sample outlet sites and the server that plays them.

Not a pipeline stage and imported by none: the tests, ``python -m
monitor.testing.sampleserver`` and ``monitor demo`` (which must work from an installed
package, offline) use it.
"""
