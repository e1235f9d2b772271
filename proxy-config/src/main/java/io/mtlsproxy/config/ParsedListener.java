package io.mtlsproxy.config;

/** A listener as read, with the lines of the keys that cross-checks name in their errors. */
record ParsedListener(ListenerConfig config, String path, Source nameSource, Source portSource) {}
