"""Every read the purchasing screens, API and other departments need (one module per area)."""
