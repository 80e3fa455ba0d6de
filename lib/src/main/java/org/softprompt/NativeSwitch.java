package org.softprompt;

import java.util.Locale;

/**
 * The on/off system properties of the native helpers ({@link MklCpuDispatch}, {@link HostMemoryCache}) and the one
 * platform their shipped libraries are built for.
 */
final class NativeSwitch {
    private NativeSwitch() {}

    /**
     * Whether a helper's property asks for it: {@code auto}, {@code on} or {@code true} do, {@code off} or
     * {@code false} do not (any case, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the property, for any other value
     */
    static boolean wanted(String property, String value) {
        String setting = setting(value);
        if (setting.equals("off") || setting.equals("false")) {
            return false;
        }
        if (!setting.equals("auto") && !setting.equals("on") && !setting.equals("true")) {
            throw new IllegalArgumentException("system property " + property + " is '" + value
                    + "'; expected auto (the default) or off");
        }
        return true;
    }

    /** The value as {@link #wanted} reads it. */
    static String setting(String value) {
        return value.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code os.name} and {@code os.arch} describe x86-64 Linux. */
    static boolean x8664Linux(String osName, String arch) {
        return osName.toLowerCase(Locale.ROOT).startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }
}
