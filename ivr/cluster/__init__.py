"""Outgrowing one box: a Kamailio SIP edge in front of several media nodes (Asterisk + bot) sharing PostgreSQL.

See ``docs/cluster.md`` for the picture, what fails over and what does not.
"""
