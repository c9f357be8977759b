package dev.cairn.server.core.acl;

/** A token just created, with its secret: the only time the secret is shown. */
public record IssuedToken(Token token, String secret) {}
