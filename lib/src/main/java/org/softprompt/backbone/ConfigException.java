package org.softprompt.backbone;

/** A config.json that is missing, is not JSON, or has a field with a missing or unusable value. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
