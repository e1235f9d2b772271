package io.mtlsproxy.admin.cli;

/** The exit codes every command shares: 0 success, 1 the tool broke, 2 a usage or configuration error. */
public final class ExitCodes {
    /** Exit code of a usage or configuration problem; 1 is never used for one. */
    public static final int USAGE = 2;

    /** The exit codes for the help footers. */
    public static final String HELP = "Exit codes: 0 success; 1 the tool broke (a port in use, an I/O "
            + "error: the message says what and where); 2 a usage or configuration error (every configuration "
            + "error printed as FILE:LINE: key: message).";

    private ExitCodes() {}
}
