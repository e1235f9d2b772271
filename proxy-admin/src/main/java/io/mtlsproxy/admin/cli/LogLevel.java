package io.mtlsproxy.admin.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --log-level}: the level of the proxy's own log (stderr), set on logback's root logger when the option is
 * parsed, so that it holds from the first line a command logs. Netty's loggers stay at WARN (conf/logback.xml).
 * Without the option the level is logback's: INFO, or {@code -Dmtlsproxy.log.level} with conf/logback.xml.
 */
public enum LogLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG,
    TRACE;

    public void apply() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.toLevel(name()));
    }
}
