package ldm4j.config;

import ldm4j.LdmException;

/** An invalid configuration value or key; the message names the key, the value and what is allowed. */
public class ConfigException extends LdmException {
    public ConfigException(String message) {
        super(message);
    }
}
