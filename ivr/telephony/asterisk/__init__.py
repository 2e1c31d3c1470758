"""The local Asterisk: provisioning, configuration rendering, process control."""
