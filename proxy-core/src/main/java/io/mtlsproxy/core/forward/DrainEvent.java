package io.mtlsproxy.core.forward;

/**
 * Fired on every client connection when the proxy starts draining: an idle connection closes now, a busy one after
 * its current response, which carries {@code Connection: close} when its head is still unsent.
 */
public enum DrainEvent {
    INSTANCE
}
