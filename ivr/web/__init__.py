"""The web consoles: agent console with live assist, supervisor dashboard and figures, admin, citizens' chat."""
