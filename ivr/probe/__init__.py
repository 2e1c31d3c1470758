"""The caller's side: a real SIP phone (baresip) placing scripted calls to the line, and SIPp for load.

A product feature, not a test double: ``ivr call`` lets a city admin test the line with it, the benchmarks
call through it, and the end-to-end tests use it as the citizen's phone and the agents' softphones. SIPp
(``sipp``, ``load``) places many cheap calls at once; ``outcomes`` judges them from the bot's events and
``footprint`` shows what a load left behind.
"""
