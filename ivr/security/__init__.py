"""Abuse and security rules kept pure: rate limits, number policy, confirmation codes, the sandboxed dialplan."""
