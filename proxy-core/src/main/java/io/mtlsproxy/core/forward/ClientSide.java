package io.mtlsproxy.core.forward;

/** What the client asked for, as far as the response's framing is concerned. */
record ClientSide(boolean keepAlive, boolean http10, boolean head, boolean expectContinue) {}
