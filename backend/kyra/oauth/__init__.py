"""OAuth2 for credentials: providers and clients, the authorization-code flow with PKCE and
token refresh."""
