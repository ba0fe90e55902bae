package ldm4j.config;

import java.util.Arrays;
import java.util.List;

/** Validation helpers for config records; each failure names the full key, the value and the allowed range. */
public final class Check {
    private Check() {
    }

    public static int range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException(key + " = " + value + " is out of range: expected " + min + " <= " + key + " <= " + max);
        }
        return value;
    }

    public static long range(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(key + " = " + value + " is out of range: expected " + min + " <= " + key + " <= " + max);
        }
        return value;
    }

    public static double range(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key + " = " + value + " is out of range: expected " + min + " <= " + key + " <= " + max);
        }
        return value;
    }

    public static int multipleOf(String key, int value, int factor) {
        if (value % factor != 0) {
            throw new ConfigException(key + " = " + value + " must be a multiple of " + factor);
        }
        return value;
    }

    public static String oneOf(String key, String value, String... allowed) {
        if (value == null || !Arrays.asList(allowed).contains(value)) {
            throw new ConfigException(key + " = " + (value == null ? "null" : "'" + value + "'")
                    + " is not allowed: expected one of " + String.join(", ", allowed));
        }
        return value;
    }

    public static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key + " must not be empty");
        }
        return value;
    }

    public static <T> T notNull(String key, T value) {
        if (value == null) {
            throw new ConfigException(key + " is missing");
        }
        return value;
    }

    public static List<String> allowed(String... values) {
        return List.of(values);
    }
}
