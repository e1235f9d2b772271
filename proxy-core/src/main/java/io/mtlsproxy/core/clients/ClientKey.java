package io.mtlsproxy.core.clients;

/** One client certificate (its SHA-256) on one listener. */
public record ClientKey(String listener, String sha256) {}
