"""Test doubles and labs shipped with the package: fakes for unit tests, private labs for integration tests.

Fakes (``ami_fake``, ``dialog_fakes``, ``web``) are in-memory and need nothing; labs (``lab``, ``pgtemp``,
``kannel_lab``) start real programs on free loopback ports. Product code never imports from here.
"""
