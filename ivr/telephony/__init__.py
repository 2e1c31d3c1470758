"""1. The call arrives: ARI and AMI clients, media transport, Asterisk process, Stasis router."""
