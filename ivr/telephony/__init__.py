"""1. The call arrives: ARI and AMI clients, media transport (AudioSocket), the Asterisk process."""
